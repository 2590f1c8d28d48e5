"""train.py and sample.py end to end, as a user runs them, on a tiny IDX dataset the tests write."""

import csv
import json
import re

import numpy as np
import pytest
from absl import flags
from matplotlib import image as mpimg
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from conftest import config_from_args, one_line_error, run_main, run_script
from tfganzoo import training
from tfganzoo.errors import UserError
from tfganzoo.startup import STARTUP_NOISE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cgan_run(tmp_path_factory, tiny_idx_dir):
    log_dir = tmp_path_factory.mktemp("logs")
    # The tutorial's flag spellings (--BATCH_SIZE, --LOG_PATH) must keep working.
    result = run_script(
        "train.py",
        "--model=cgan",
        "--dataset=mnist",
        f"--data_path={tiny_idx_dir}",
        "--epochs=2",
        "--BATCH_SIZE=16",
        f"--LOG_PATH={log_dir}",
        "--save_every=1",
        "--seed=3",
        quick_flags=["--final_eval_samples=100"],  # XLA, as cgan's default on a CPU: the one run of it end to end
    )
    assert result.returncode == 0, result.stderr
    # TensorFlow's start-up lines stay hidden (sample.py's and evaluate.py's runs check the same); the lines after
    # start-up still reach the user (test_train_bad_input_is_one_clear_line_and_writes_nothing).
    assert not STARTUP_NOISE.search(result.stderr), result.stderr
    return log_dir / "cgan-mnist"


def test_loss_csv_has_the_tutorial_header_and_one_row_per_epoch(cgan_run):
    with open(cgan_run / "loss.csv", newline="") as f:
        rows = list(csv.reader(f))
    # The tutorial's columns, then the unweighted R1 penalty of cgan's default.
    assert rows[0] == ["epoch", "Real_P", "Fake_P", "Gen_loss", "Dis_loss", "Penalty"]
    assert [row[0] for row in rows[1:]] == ["1", "2"]
    # cgan's default loss, lsgan, logs D's raw output (its regression target: 1 real, 0 generated), and squares.
    assert json.loads((cgan_run / "config.json").read_text())["loss"] == "lsgan"
    for row in rows[1:]:
        real_p, fake_p, g_loss, d_loss, penalty = map(float, row[1:])
        assert -1 < fake_p < real_p < 2 and g_loss > 0 and d_loss > 0 and penalty >= 0


def test_sample_grids_have_20_rows_and_one_column_per_class(cgan_run):
    for epoch in (1, 2):
        grid = mpimg.imread(cgan_run / "samples" / f"epoch_{epoch:04d}.png")
        assert grid.shape[:2] == (20 * 30 - 2, 10 * 30 - 2)  # 28-pixel images, 2-pixel gaps
    assert (cgan_run / "loss.png").stat().st_size > 0 and (cgan_run / "probabilities.png").stat().st_size > 0


def test_tensorboard_has_the_scalars_and_the_grid_each_epoch(cgan_run):
    events = EventAccumulator(str(cgan_run / "tensorboard" / "train"), size_guidance={"images": 0, "tensors": 0})
    events.Reload()
    tags = events.Tags()
    for name in ("Real_P", "Fake_P", "Gen_loss", "Dis_loss"):
        assert [e.step for e in events.Tensors(f"epoch_{name}")] == [1, 2]
    assert [e.step for e in events.Tensors("samples")] == [1, 2], tags


def test_weights_and_config_are_written(cgan_run):
    names = sorted(p.name for p in (cgan_run / "weights").iterdir())
    # cgan's default samples from a weight average: "generator" is the average, "generator_raw" the trained one.
    assert names == sorted(
        f"{net}{suffix}.weights.h5"
        for net in ("generator", "generator_raw", "discriminator")
        for suffix in ("", "_epoch_0001", "_epoch_0002")
    )
    config = json.loads((cgan_run / "config.json").read_text())
    assert (config["model"], config["batch_size"], config["image_shape"], config["num_classes"]) == (
        "cgan",
        16,
        [28, 28, 1],
        10,
    )
    assert (
        config["preset"],
        config["g_lr"],
        config["d_lr"],
        config["noise_dim"],
        config["spectral_norm"],
        config["ema_decay"],
        config["seed"],
    ) == ("default", 2e-4, 5e-4, 100, True, 0.999, 3)


def test_sample_writes_labelled_npz_and_is_reproducible(cgan_run, tmp_path):
    outputs = []
    # `a` in a new process as a user runs it, the rest in this one: `b` is the same command in another process.
    for run, name, extra in (
        (run_script, "a", []),
        (run_main, "b", []),
        (run_main, "c", ["--seed=1"]),
        (run_main, "seven", ["--label=7"]),
    ):
        result = run("sample.py", f"--run_dir={cgan_run}", "--num=12", f"--output={tmp_path / name}.npz", *extra)
        assert result.returncode == 0, result.stderr
        assert not STARTUP_NOISE.search(result.stderr)  # in `a`'s new process: TensorFlow's start-up lines stay hidden
        outputs.append(np.load(tmp_path / f"{name}.npz"))
    a, b, c, seven = outputs
    assert a["images"].shape == (12, 28, 28, 1) and a["images"].dtype == np.uint8
    np.testing.assert_array_equal(a["labels"], np.arange(12) % 10)
    np.testing.assert_array_equal(a["images"], b["images"])
    assert not np.array_equal(a["images"], c["images"])
    np.testing.assert_array_equal(seven["labels"], np.full(12, 7))


def test_sample_writes_a_class_grid_png(cgan_run, tmp_path):
    result = run_main("sample.py", f"--run_dir={cgan_run}", "--num=20", f"--output={tmp_path / 'grid.png'}")
    assert result.returncode == 0, result.stderr
    assert mpimg.imread(tmp_path / "grid.png").shape[:2] == (2 * 30 - 2, 10 * 30 - 2)


def test_interpolation_refuses_a_label_out_of_range(cgan_run, tmp_path):
    result = run_main(
        "sample.py", f"--run_dir={cgan_run}", "--mode=interpolation", "--label=12", f"--output={tmp_path / 'walk.png'}"
    )
    assert result.returncode != 0 and "--label=12 is out of range; valid labels: 0..9" in result.stderr
    assert not (tmp_path / "walk.png").exists()


def test_unconditional_gan_trains_and_samples_without_labels(tiny_idx_dir, tmp_path):
    result = run_main(
        "train.py",
        "--model=gan",
        f"--data_path={tiny_idx_dir}",
        "--epochs=1",
        "--batch_size=32",
        f"--log_dir={tmp_path}",
        "--run_name=vanilla",
    )
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "vanilla" / "loss.csv").read_text().splitlines()) == 2
    result = run_main("sample.py", f"--run_dir={tmp_path / 'vanilla'}", "--num=5", f"--output={tmp_path / 's.npz'}")
    assert result.returncode == 0, result.stderr
    assert set(np.load(tmp_path / "s.npz").files) == {"images"}
    result = run_main("sample.py", f"--run_dir={tmp_path / 'vanilla'}", "--label=1", f"--output={tmp_path / 'x.npz'}")
    assert result.returncode != 0 and "only for conditional models" in result.stderr


@pytest.mark.parametrize("model", ["acgan", "infogan"])  # dcgan's run is the colour folder's below
def test_conv_models_train_reload_and_sample(tiny_idx_dir, tmp_path, model):
    result = run_main(
        "train.py",
        f"--model={model}",
        f"--data_path={tiny_idx_dir}",
        "--epochs=1",
        "--batch_size=16",
        f"--log_dir={tmp_path}",
        "--seed=1",
    )
    assert result.returncode == 0, result.stderr
    run_dir = tmp_path / f"{model}-mnist"
    rows = (run_dir / "loss.csv").read_text().splitlines()
    assert rows[0] == "epoch,Real_P,Fake_P,Gen_loss,Dis_loss" and rows[1].startswith("1,")
    extra = ["--mode=traversal", "--num=5"] if model == "infogan" else ["--num=10"]
    result = run_main("sample.py", f"--run_dir={run_dir}", f"--output={tmp_path / 'out.png'}", *extra)
    assert result.returncode == 0, result.stderr
    rows, columns = {"infogan": (10, 5), "acgan": (1, 10)}[model]  # acgan: classes as columns
    assert mpimg.imread(tmp_path / "out.png").shape[:2] == (rows * 30 - 2, columns * 30 - 2)


def test_colour_folder_run_and_gif_interpolation(tmp_path):
    from test_datasets import write_pictures

    write_pictures(tmp_path / "pictures" / "red", (220, 30, 30), 6)
    write_pictures(tmp_path / "pictures" / "blue", (30, 30, 220), 6)
    result = run_main(
        "train.py",
        "--model=dcgan",
        "--dataset=folder",
        f"--data_path={tmp_path / 'pictures'}",
        "--image_size=32",
        "--epochs=1",
        "--batch_size=4",
        f"--log_dir={tmp_path}",
    )
    assert result.returncode == 0, result.stderr
    run_dir = tmp_path / "dcgan-folder"
    assert json.loads((run_dir / "config.json").read_text())["image_shape"] == [32, 32, 3]
    assert mpimg.imread(run_dir / "samples" / "epoch_0001.png").shape == (10 * 34 - 2, 10 * 34 - 2, 4)
    result = run_main(
        "sample.py", f"--run_dir={run_dir}", "--mode=interpolation", "--num=6", f"--output={tmp_path / 'walk.gif'}"
    )
    assert result.returncode == 0, result.stderr
    from PIL import Image

    with Image.open(tmp_path / "walk.gif") as gif:
        assert (gif.n_frames, gif.size) == (6, (128, 128))


@pytest.mark.parametrize(
    "args,message,in_a_process",
    [
        # One case per kind of check that train.py itself makes: a name outside its choices, the values together,
        # the data against the options. The first runs train.py as a user does (TensorFlow's start-up, the exit
        # status); the others its main in this process. The library's checks of the flags and the data are the
        # next test's.
        (["--model=dcgann"], "value should be one of <acgan|cgan|dcgan|gan|infogan>", True),
        (["--lr=0"], "g_lr must be positive, got 0.0", False),
        (["--batch_size=100"], "--batch_size=100 is larger than the dataset \\(64 examples\\)", False),
    ],
)
def test_train_bad_input_is_one_clear_line_and_writes_nothing(tiny_idx_dir, tmp_path, args, message, in_a_process):
    args = [f"--data_path={tiny_idx_dir}", f"--log_dir={tmp_path}/logs", "--epochs=1", *args]
    result = (run_script if in_a_process else run_main)("train.py", *args)
    lines = one_line_error(result)
    assert len(lines) == 1 and re.search(message, lines[0]), result.stderr
    assert not STARTUP_NOISE.search(result.stderr)  # caught at import; the error after it passes through
    assert not (tmp_path / "logs").exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--epochs=0"], "--epochs=0: 0 is not a positive integer"),
        (["--data_path=/no/such/dir"], "--data_path=/no/such/dir does not exist"),
        (["--model=dcgan", "--dataset=folder"], "holds no .png/.jpg/.jpeg images"),
    ],
)
def test_bad_flags_and_data_are_refused_before_anything_is_written(tiny_idx_dir, tmp_path, args, message):
    args = [f"--data_path={tiny_idx_dir}", f"--log_dir={tmp_path}/logs", "--epochs=1", *args]
    with pytest.raises((UserError, flags.IllegalFlagValueError), match=message):
        training.train(config_from_args(*args))
    assert not (tmp_path / "logs").exists()


def test_corrupt_data_file_is_named(tiny_idx_dir, tmp_path):
    for f in tiny_idx_dir.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(b"garbage")
    result = run_main("train.py", f"--data_path={tmp_path}", f"--log_dir={tmp_path}/logs")
    assert one_line_error(result) == [
        f"train.py: error: cannot read {tmp_path}/train-labels-idx1-ubyte.gz: Not a gzipped file (b'ga')"
    ]


@pytest.mark.parametrize(
    "make_run_dir,message",
    [
        (lambda d: d, "is not a training run: it has no config.json"),
        (lambda d: d / "missing", "is not a directory"),
    ],
)
def test_sample_bad_run_dir_is_one_clear_line(tmp_path, make_run_dir, message):
    result = run_main("sample.py", f"--run_dir={make_run_dir(tmp_path)}", f"--output={tmp_path / 'x.png'}")
    lines = one_line_error(result)
    assert len(lines) == 1 and message in lines[0]
    assert not (tmp_path / "x.png").exists()
