"""Real Fashion-MNIST from Debian's dataset-fashion-mnist package (installed by .ci/run).

Skipped on a developer machine without the package; under CI (CI=true) a missing package fails instead.
"""

import csv
import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, run_main
from tfganzoo import datasets

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
pytestmark = pytest.mark.skipif(
    not FASHION_DIR.is_dir() and not os.environ.get("CI"),
    reason="apt-get install dataset-fashion-mnist to run the real-data tests",
)


CLASSIFIER_EXAMPLES = 6_000  # of the 60,000: a tenth of the training time (docs/testing.md)


@pytest.fixture(scope="module")
def fashion_classifier():
    """The evaluation classifier of Fashion-MNIST, trained once here into the tests' cache, so that the
    command-line runs below find it instead of training it within their timeouts. It learns from the first
    6,000 training images: the same code as the full set's, in a tenth of its minutes on 2 cores."""
    from tfganzoo import classifier

    def first_examples():
        train = datasets.load("fashion_mnist", "train")
        keep = slice(CLASSIFIER_EXAMPLES)
        return dataclasses.replace(
            train, images=train.images[keep], labels=train.labels[keep], num_examples=CLASSIFIER_EXAMPLES
        )

    test = datasets.load("fashion_mnist", "test")
    return classifier.load_or_train("fashion_mnist", first_examples, test)


def test_fashion_mnist_is_found_locally_and_complete():
    train = datasets.load("fashion_mnist", "train")
    test = datasets.load("fashion_mnist", "test")
    assert train.source == str(FASHION_DIR)
    assert train.images.shape == (60000, 28, 28, 1) and test.images.shape == (10000, 28, 28, 1)
    np.testing.assert_array_equal(np.bincount(train.labels), np.full(10, 6000))
    assert train.class_names[0] == "T-shirt/top"


@pytest.mark.slow
def test_cgan_trains_briefly_on_real_fashion_mnist(tmp_path, fashion_classifier):
    result = run_main(
        "train.py",
        "--model=cgan",
        "--preset=tutorial",
        "--dataset=fashion_mnist",
        "--epochs=2",
        "--steps_per_epoch=25",
        "--seed=0",
        f"--log_dir={tmp_path}",
    )
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "cgan-fashion_mnist" / "loss.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row["epoch"] for row in rows] == ["1", "2"]
    # After a few dozen steps the discriminator already tells real from generated images apart.
    assert all(float(row["Real_P"]) > float(row["Fake_P"]) + 0.1 for row in rows), rows
    result = run_main(
        "sample.py",
        f"--run_dir={tmp_path / 'cgan-fashion_mnist'}",
        "--num=10",
        "--label=9",
        f"--output={tmp_path / 'boots.npz'}",
    )
    assert result.returncode == 0, result.stderr
    samples = np.load(tmp_path / "boots.npz")
    assert samples["images"].shape == (10, 28, 28, 1) and set(samples["labels"]) == {9}
    # The final evaluation scored the run with the real-data classifier the fixture trained.
    report = json.loads((tmp_path / "cgan-fashion_mnist" / "metrics.json").read_text())
    assert fashion_classifier.identity.items() <= report["features"].items()
    assert report["features"]["test_accuracy"] > 0.8 and report["features"]["train_examples"] == CLASSIFIER_EXAMPLES
    assert report["features"]["reference"] == "test split, 10000 images"
    assert report["scores"]["fid"] > 50  # 50 steps of the tutorial recipe are far from the data
    assert json.loads((tmp_path / "cgan-fashion_mnist" / "config.json").read_text())["batch_size"] == 256


@pytest.mark.slow
def test_the_python_guide_runs_as_written(tmp_path, fashion_classifier):
    code = "\n".join(re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "python.md").read_text(), flags=re.S))
    assert "training.train(run)" in code and "gan.fit(" in code
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "logs" / "dcgan-fashion_mnist" / "weights" / "generator.weights.h5").is_file()
    assert (tmp_path / "dcgan.png").stat().st_size > 0
    assert "'fid'" in result.stdout and "Gen_loss" not in result.stderr
