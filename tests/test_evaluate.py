"""Evaluation end to end on tiny runs: evaluate.py, --eval_every during training, the final evaluation,
the classifier's cache and identity, and the InceptionV3 feature option."""

import csv
import json

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from conftest import config_from_args, make_digits, one_line_error, run_main, run_script, with_data_shape, write_idx
from tfganzoo import evaluation, models, training
from tfganzoo.config import make_config
from tfganzoo.errors import UserError
from tfganzoo.startup import STARTUP_NOISE

pytestmark = pytest.mark.slow
SCORES = ["fid", "kid", "kid_stderr", "precision", "recall", "classifier_score", "class_entropy"]


def test_evaluate_reports_every_score_and_the_classifier_identity(tiny_idx_dir, tmp_path):
    result = run_main(
        "train.py",
        "--model=infogan",
        f"--data_path={tiny_idx_dir}",
        "--epochs=1",
        "--batch_size=16",
        f"--log_dir={tmp_path}",
        "--seed=1",
        "--final_eval_samples=0",
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "infogan-mnist" / "metrics.json").exists()
    args = [
        f"--run_dir={tmp_path / 'infogan-mnist'}",
        "--num_samples=40",
        f"--classifier_dir={tmp_path / 'clf'}",
        f"--output={tmp_path / 'metrics.json'}",
    ]
    result = run_script("evaluate.py", *args)  # as a user runs it; the other evaluate.py cases run in this process
    assert result.returncode == 0, result.stderr
    assert not STARTUP_NOISE.search(result.stderr)  # TensorFlow's start-up lines stay hidden
    report = json.loads((tmp_path / "metrics.json").read_text())
    scores, identity = report["scores"], report["features"]
    assert list(scores) == SCORES + ["code_accuracy"]
    assert scores["fid"] >= 0 and 0 <= scores["precision"] <= 1 and 0 <= scores["recall"] <= 1
    assert 1 <= scores["classifier_score"] <= 10 and 0.1 <= scores["code_accuracy"] <= 1
    assert identity["dataset"] == "mnist" and identity["train_examples"] == 64 and len(identity["weights_sha256"]) == 16
    assert identity["reference"] == "test split, 20 images"
    assert identity["weights_sha256"] in result.stdout
    # The second run reuses the cached classifier: the same identity and scores.
    result = run_main("evaluate.py", *args[:-1], f"--output={tmp_path / 'again.json'}", "--by_class", "--code_effects")
    assert result.returncode == 0, result.stderr
    again = json.loads((tmp_path / "again.json").read_text())
    effects = {name: again["scores"].pop(name) for name in ("continuous_effect_0", "continuous_effect_1")}
    assert again["features"] == identity and again["scores"] == scores and min(effects.values()) > 0
    # --by_class for infogan: each class under the categorical value the code accuracy maps to it, so every
    # value once, all 40 images, and the rows' accuracies, weighted by their images, are the code accuracy.
    rows = again["by_class"]
    assert [row["class"] for row in rows] == list(range(10)) and sorted(row["code"] for row in rows) == list(range(10))
    assert sum(row["images"] for row in rows) == 40
    assert sum(row["accuracy"] * row["images"] for row in rows) / 40 == pytest.approx(scores["code_accuracy"])
    assert "  code  images  accuracy" in result.stdout


@pytest.fixture(scope="module")
def evaluated_run(tmp_path_factory, tiny_idx_dir):
    log_dir = tmp_path_factory.mktemp("logs")
    result = run_main(
        "train.py",
        "--model=cgan",
        f"--data_path={tiny_idx_dir}",
        "--epochs=3",
        "--batch_size=16",
        f"--log_dir={log_dir}",
        "--seed=2",
        "--eval_every=1",
        "--eval_samples=30",
        "--final_eval_samples=50",
    )
    assert result.returncode == 0, result.stderr
    return log_dir / "cgan-mnist", result.stdout


def test_eval_every_writes_one_metrics_row_per_evaluated_epoch(evaluated_run):
    run_dir, stdout = evaluated_run
    with open(run_dir / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "num_samples", "train_seconds"] + SCORES + ["label_accuracy"]
    assert [(row["epoch"], row["num_samples"]) for row in rows] == [("1", "30"), ("2", "30"), ("3", "30")]
    seconds = [float(row["train_seconds"]) for row in rows]
    assert 0 < seconds[0] < seconds[1] < seconds[2]
    for row in rows:
        assert float(row["fid"]) >= 0 and 0 <= float(row["label_accuracy"]) <= 1
    assert "Evaluation after epoch 3 (30 samples): fid " in stdout
    assert (run_dir / "metrics.png").stat().st_size > 0


def test_eval_every_writes_tensorboard_scalars_at_the_epochs(evaluated_run):
    run_dir, _ = evaluated_run
    events = EventAccumulator(str(run_dir / "tensorboard" / "eval"), size_guidance={"tensors": 0})
    events.Reload()
    for name in ("fid", "precision", "recall", "label_accuracy"):
        assert [e.step for e in events.Tensors(f"eval/{name}")] == [1, 2, 3]


def test_final_evaluation_equals_evaluate_py_on_the_final_weights(evaluated_run, tmp_path):
    run_dir, stdout = evaluated_run
    final = json.loads((run_dir / "metrics.json").read_text())
    assert final["num_samples"] == 50 and list(final["scores"]) == SCORES + ["label_accuracy"]
    assert "Evaluation after training (50 samples, written to metrics.json):" in stdout
    result = run_main(
        "evaluate.py",
        f"--run_dir={run_dir}",
        "--num_samples=50",
        f"--output={tmp_path / 'm.json'}",
        "--by_class",
        "--real",
    )
    assert result.returncode == 0, result.stderr
    again = json.loads((tmp_path / "m.json").read_text())
    assert again["features"] == final["features"]
    assert list(again["real_scores"]) == SCORES + ["label_accuracy"]
    assert "50 real training images, scored the same way:" in result.stdout
    np.testing.assert_allclose([again["scores"][k] for k in SCORES], [final["scores"][k] for k in SCORES], rtol=1e-6)
    # --by_class: one row per class, over the same images (5 per class), so the rows average to the accuracy.
    rows = again["by_class"]
    assert [row["name"] for row in rows] == [str(digit) for digit in range(10)]
    assert np.mean([row["accuracy"] for row in rows]) == pytest.approx(again["scores"]["label_accuracy"])
    assert all(0 <= row["real_accuracy"] <= 1 and row["instead"] != row["name"] for row in rows)
    assert "most often instead" in result.stdout
    result = run_main("evaluate.py", f"--run_dir={run_dir}", "--code_effects")
    assert one_line_error(result) == [
        "evaluate.py: error: code effects need latent codes, which only infogan runs have; this run is ConditionalGAN"
    ]


REFUSED = [  # (check, model, its options, features, num_samples, the error); misses by latent take labels alone
    ("by_class", "gan", {}, "classifier", 100, "draws by class .*this run: model gan, features classifier"),
    ("by_class", "cgan", {}, "inception", 100, "model cgan, features inception"),
    ("by_class", "cgan", {}, "classifier", 5, "an image of every class: --num_samples=5 for 10 classes"),
    (
        "by_class",
        "infogan",
        {"num_categorical": 12},
        "classifier",
        100,
        "one categorical value per class: this run has --num_categorical=12 for 10",
    ),
    ("by_latent", "infogan", {}, "classifier", 100, "draws by class .*this run: model infogan, features classifier"),
    ("by_latent", "acgan", {}, "inception", 100, "model acgan, features inception"),
    ("by_latent", "cgan", {}, "classifier", 5, "an image of every class: --num_samples=5 for 10 classes"),
]


def gan(name, **options):
    return models.build_gan(with_data_shape(make_config(name, seed=0, **options)))


@pytest.mark.parametrize("check,model,options,features,num_samples,message", REFUSED)
def test_by_class_and_by_latent_are_refused_where_they_mean_nothing(
    check, model, options, features, num_samples, message
):
    with pytest.raises(UserError, match=message):
        getattr(evaluation, f"check_{check}")(model, gan(model, **options), features, num_samples)


@pytest.mark.parametrize("check,model", [("by_class", "acgan"), ("by_class", "infogan"), ("by_latent", "acgan")])
def test_by_class_and_by_latent_take_an_image_per_class(check, model):
    getattr(evaluation, f"check_{check}")(model, gan(model), "classifier", 10)


def test_misses_by_latent_draw_each_latent_with_every_label(evaluated_run, tmp_path):
    run_dir, _ = evaluated_run
    args = [f"--run_dir={run_dir}", "--num_samples=50", "--by_latent", f"--output={tmp_path / 'm.json'}"]
    result = run_main("evaluate.py", *args)
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "m.json").read_text())["by_latent"]
    assert summary["latents"] == 5 and 0 <= summary["misses_per_latent"] <= 10
    assert 0 <= summary["one_class_share"] <= 1 and 0 <= summary["worst_5pct_share"] <= 1
    assert "5 latents, each with every label:" in result.stdout


def test_a_folder_is_scored_against_its_own_images(tmp_path):
    from test_datasets import write_pictures

    write_pictures(tmp_path / "pictures" / "red", (220, 30, 30), 6)
    write_pictures(tmp_path / "pictures" / "blue", (30, 30, 220), 6)
    result = run_main(
        "train.py",
        "--model=gan",
        "--dataset=folder",
        f"--data_path={tmp_path / 'pictures'}",
        "--image_size=16",
        "--epochs=1",
        "--batch_size=4",
        f"--log_dir={tmp_path}",
        "--final_eval_samples=20",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "gan-folder" / "metrics.json").read_text())
    assert report["features"]["reference"] == "train split, 12 images"
    result = run_main("evaluate.py", f"--run_dir={tmp_path / 'gan-folder'}", "--num_samples=12", "--real")
    assert one_line_error(result) == [
        "evaluate.py: error: real training images cannot be scored against the "
        "reference: it is the training images themselves (this dataset has no test "
        "split)"
    ]


def test_real_images_scored_against_themselves_are_a_perfect_generator(tmp_path):
    # Training and test splits hold the same 20 images, so drawing all of them scores the reference itself.
    images, labels = make_digits(20, seed=1)
    for prefix in ("train", "t10k"):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", labels)
    evaluator = evaluation.Evaluator(make_config("cgan", data_path=str(tmp_path), seed=0), tmp_path / "clf")
    scores = evaluator.evaluate_real(20, seed=3)
    assert scores["fid"] == pytest.approx(0, abs=1e-3)
    assert scores["precision"] == 1 and scores["recall"] == 1
    confusion = evaluator.real_confusion
    assert scores["label_accuracy"] == pytest.approx(np.trace(confusion) / confusion.sum())
    with pytest.raises(UserError, match=r"needs 10 to 20 of them \(the training split\): --num_samples=21"):
        evaluator.evaluate_real(21)


def test_unlabelled_data_skips_the_default_evaluation_and_refuses_eval_every(tmp_path):
    from test_datasets import write_pictures

    write_pictures(tmp_path / "faces", (200, 160, 120), 8)
    args = [
        "--model=gan",
        "--dataset=folder",
        f"--data_path={tmp_path / 'faces'}",
        "--image_size=16",
        "--epochs=1",
        "--batch_size=4",
        f"--log_dir={tmp_path}/logs",
    ]
    with pytest.raises(UserError) as refusal:  # in this process: test_cli checks train.py's one-line form
        training.train(config_from_args(*args, "--eval_every=1"))
    assert str(refusal.value) == (
        "--eval_every=1: cannot evaluate: the evaluation classifier needs labelled data and folder "
        "has 1 class; use --features=inception"
    )
    assert not (tmp_path / "logs").exists()
    result = run_main("train.py", *args)
    assert result.returncode == 0, result.stderr
    assert "No evaluation after training: cannot evaluate: the evaluation classifier needs labelled" in result.stdout
    assert not (tmp_path / "logs" / "gan-folder" / "metrics.json").exists()


def test_inception_features_have_the_pool_and_imagenet_shapes():
    from tfganzoo.inception import InceptionFeatures

    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28, 1), dtype=np.uint8)
    assert InceptionFeatures.preprocess(images).shape == (3, 299, 299, 3)
    features, probabilities = InceptionFeatures(weights=None).features_and_probabilities(images, batch_size=2)
    assert features.shape == (3, 2048) and probabilities.shape == (3, 1000)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


def test_unloadable_inception_weights_are_a_clear_error(tmp_path):
    from tfganzoo.errors import UserError
    from tfganzoo.inception import InceptionFeatures

    (tmp_path / "broken.h5").write_bytes(b"not an h5 file")
    with pytest.raises(
        UserError,
        match=r"cannot load the InceptionV3 ImageNet weights .*"
        r"inception_v3_weights_tf_dim_ordering_tf_kernels.h5 into ~/.keras/models/",
    ):
        InceptionFeatures(weights=str(tmp_path / "broken.h5"))
