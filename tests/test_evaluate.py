"""evaluate.py end to end on a tiny run: the classifier is trained, cached and identified; scores are sane."""

import json

import pytest

from conftest import run_script

pytestmark = pytest.mark.slow


def test_evaluate_reports_every_score_and_the_classifier_identity(tiny_idx_dir, tmp_path):
    result = run_script("train.py", "--model=infogan", f"--data_path={tiny_idx_dir}", "--epochs=1", "--batch_size=16",
                        f"--log_dir={tmp_path}", "--seed=1")
    assert result.returncode == 0, result.stderr
    args = [f"--run_dir={tmp_path / 'infogan-mnist'}", "--num_samples=40", f"--classifier_dir={tmp_path / 'clf'}",
            f"--output={tmp_path / 'metrics.json'}"]
    result = run_script("evaluate.py", *args)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "metrics.json").read_text())
    scores, identity = report["scores"], report["classifier"]
    assert set(scores) == {"fid", "kid", "kid_stderr", "precision", "recall", "classifier_score", "class_entropy",
                           "code_accuracy"}
    assert scores["fid"] >= 0 and 0 <= scores["precision"] <= 1 and 0 <= scores["recall"] <= 1
    assert 1 <= scores["classifier_score"] <= 10 and 0.1 <= scores["code_accuracy"] <= 1
    assert identity["dataset"] == "mnist" and identity["train_examples"] == 64 and len(identity["weights_sha256"]) == 16
    assert identity["weights_sha256"] in result.stdout
    # The second run reuses the cached classifier: the same identity.
    result = run_script("evaluate.py", *args[:-1], f"--output={tmp_path / 'again.json'}")
    assert json.loads((tmp_path / "again.json").read_text())["classifier"] == identity
