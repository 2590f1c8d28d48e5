"""The benchmark scripts: bench/throughput.py in a tiny mode, bench/quality.py's table and curves."""

import json
import os
import subprocess
import sys

import pytest
from PIL import Image

from conftest import ROOT
from tfganzoo import models

pytestmark = pytest.mark.slow


def test_throughput_benchmark_runs_in_a_tiny_mode():
    result = subprocess.run(
        [
            sys.executable,
            "bench/throughput.py",
            "--models=gan",
            "--variants=tutorial,default",
            "--rounds=1",
            "--windows=1",
            "--window_steps=20",
            "--num_images=256",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "| model | batch | tutorial | default |" in lines
    batch = models.get_model("gan").DEFAULTS["batch_size"]  # the benchmark's default: each model's own
    row = next(line for line in lines if line.startswith(f"| `gan` | {batch} |"))
    assert row.count("x)") == 1 and row.count("MiB") == 2


def test_quality_benchmark_tabulates_finished_runs_and_plots_their_curves(tmp_path):
    # Finished runs (nothing is trained), one of them a candidate tagged g4 to show beside the presets.
    for name, fid in (("cgan-s1", 50.0), ("cgan-tutorial-s1", 300.0), ("cgan-g4-s1", 40.0)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "metrics.json").write_text(
            json.dumps(
                {
                    "num_samples": 100,
                    "scores": {"fid": fid, "recall": 0.25, "label_accuracy": 0.75},
                    "features": {"architecture": "convnet", "test_accuracy": 0.91, "weights_sha256": "ab"},
                }
            )
        )
        (tmp_path / name / "metrics.csv").write_text(
            f"epoch,fid,recall,label_accuracy\n1,400,0,0.1\n2,{fid},0.25,0.75\n"
        )
    result = subprocess.run(
        [
            sys.executable,
            "bench/quality.py",
            "--models=cgan",
            "--presets=default,tutorial",
            "--also=g4",
            "--seeds=1",
            "--epochs=2",
            f"--log_dir={tmp_path}",
            f"--plot_dir={tmp_path}/plots",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "| cgan | default | 50.000 | – | – | 0.250 | 0.750 | – |" in result.stdout
    assert "| cgan | tutorial | 300.000 |" in result.stdout and "--preset=tutorial" in result.stdout
    assert "| cgan | default (g4) | 40.000 |" in result.stdout and "the `--tag=g4` runs (cgan-g4-sS)" in result.stdout
    with Image.open(tmp_path / "plots" / "cgan.png") as png:  # FID, recall and label accuracy side by side
        assert png.size[0] > 2.5 * png.size[1]


def test_quality_benchmark_refuses_another_tag_that_has_not_finished(tmp_path):
    result = subprocess.run(
        [sys.executable, "bench/quality.py", "--models=cgan", "--also=g4", "--seeds=1", f"--log_dir={tmp_path}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert f"--also=g4: {tmp_path}/cgan-g4-s1/metrics.json does not exist" in result.stderr
    assert not list(tmp_path.iterdir())  # nothing trained


def test_quality_benchmark_refuses_curves_without_evaluations(tmp_path):
    result = subprocess.run(
        [sys.executable, "bench/quality.py", "--eval_every=0", f"--plot_dir={tmp_path}", f"--log_dir={tmp_path}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "--plot_dir plots the --eval_every curves" in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.iterdir())  # nothing trained


def test_quality_benchmark_stops_with_one_line_when_a_run_fails(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "bench/quality.py",
            "--models=cgan",
            "--presets=default",
            "--seeds=1",
            "--eval_every=0",
            "--extra=--ema_decay=2",
            f"--log_dir={tmp_path}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert r"ema_decay must lie in [0, 1), got 2.0" in result.stderr  # train.py's own reason
    assert f"bench/quality.py: error: the run {tmp_path}/cgan-s1 did not finish" in result.stderr
