"""Never losing a run: kill-and-resume, SIGTERM, divergence, reproducibility, and the run-directory errors.

The kills are timed by the training process itself (tests/faulty_train.py, train.py with a fault injected): it
pauses at a chosen step or inside a chosen checkpoint save, announces it with a file, and the test then signals
it; no sleeps that race.
"""

import csv
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing.plugin_event_accumulator import EventAccumulator

from conftest import ROOT, config_from_args, one_line_error, run_main, run_script
from tfganzoo import callbacks, checkpoints, sampling, training
from tfganzoo.config import make_config
from tfganzoo.errors import UserError

pytestmark = pytest.mark.slow

EPOCHS, STEPS = 3, 4  # 64 tiny images, batches of 16
FAULTY_TRAIN = ROOT / "tests" / "faulty_train.py"


def train_args(data_dir, log_dir, *extra):
    # dcgan: batch norm statistics, two Adam states, the learning-rate decay, the generator's weight average
    # and the noise stream must all come back on resume.
    return [
        "--model=dcgan",
        f"--data_path={data_dir}",
        f"--log_dir={log_dir}",
        f"--epochs={EPOCHS}",
        "--batch_size=16",
        "--seed=7",
        "--lr_decay",
        "--ema_decay=0.9",
        "--eval_every=1",
        "--eval_samples=10",
        "--final_eval_samples=0",
        "--steps_per_execution=1",
        *extra,
    ]  # checkpoints and signals at every step


def rows(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def scores(path):
    """metrics.csv without its train_seconds, which no two runs share; checks that those grow epoch by epoch."""
    with open(path, newline="") as f:
        table = list(csv.DictReader(f))
    seconds = [float(row.pop("train_seconds")) for row in table]
    assert seconds == sorted(seconds) and len(set(seconds)) == len(seconds) and seconds[0] > 0, seconds
    return table


def tensorboard_epochs(run_dir, tag="epoch_Gen_loss"):
    """The steps TensorBoard shows for `tag` (its own loader, which drops what a restart marker supersedes)."""
    accumulator = EventAccumulator(str(run_dir / "tensorboard" / "train"))
    accumulator.Reload()
    return [event.step for event in accumulator.Tensors(tag)]


def interrupt(args, pause, send, tmp_path, extra_env=None):
    """Starts train.py with a pause hook, waits until it has paused, sends `send`; returns (returncode, stderr)."""
    marker = tmp_path / "paused"
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "CUDA_VISIBLE_DEVICES": "",
        "TFGANZOO_TEST_PAUSE": pause,
        "TFGANZOO_TEST_PAUSE_FILE": str(marker),
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, str(FAULTY_TRAIN), *args],
        env=env,
        cwd=ROOT,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 240
    while not marker.exists():
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, "the training process never reached its pause point"
        time.sleep(0.05)
    process.send_signal(send)
    _, stderr = process.communicate(timeout=120)
    return process.returncode, stderr


@pytest.fixture(scope="module")
def reference(tiny_idx_dir, tmp_path_factory):
    """An uninterrupted run: what every interrupted-and-resumed run must reproduce."""
    log_dir = tmp_path_factory.mktemp("reference")
    result = run_main("train.py", *train_args(tiny_idx_dir, log_dir))  # the same-seed run below is a new process
    assert result.returncode == 0, result.stderr
    return log_dir / "dcgan-mnist"


def same_generator(run_dir, reference):
    """Whether the final generators of the two runs give the same samples."""
    (_, a), (_, b) = sampling.load_run(run_dir), sampling.load_run(reference)
    latent = a.fixed_latent(8, seed=0)
    return np.array_equal(sampling.generate(a, latent), sampling.generate(b, latent))


def test_a_resume_marker_sorts_between_the_interrupted_and_the_resumed_runs_files(tmp_path):
    """TensorBoard reads event files in name order, `events.out.tfevents.<second>.<host>.<pid>.<counter>...`.
    Two runs in one process (a notebook that trains, then resumes) can write within one second, and counters
    compare as text (`.12.v2` sorts before `.3`): the marker's file must come after every file the interrupted
    run wrote and before any the resumed run writes, whatever its counter, or TensorBoard drops the resumed
    epochs or keeps the interrupted ones."""

    def write(values):
        writer = tf.summary.create_file_writer(str(tmp_path))
        with writer.as_default():
            for step, value in values.items():
                tf.summary.scalar("loss", value, step=step)
        writer.close()

    callbacks.mark_start(tmp_path, 0)  # as a run's start does: TensorBoard takes the first START as no restart
    write({1: 1.0, 2: 2.0, 3: 3.0})  # interrupted after its checkpoint of epoch 1
    before = set(os.listdir(tmp_path))
    callbacks.mark_start(tmp_path, 2)
    (marker,) = set(os.listdir(tmp_path)) - before
    same_second = f"events.out.tfevents.{marker.split('.')[3]}.{socket.gethostname()}.{os.getpid()}"
    assert all(name < marker for name in before)
    assert all(marker < f"{same_second}.{counter}{end}" for counter in range(1000) for end in ("", ".v2"))
    write({2: 20.0, 3: 30.0})
    accumulator = EventAccumulator(str(tmp_path))
    accumulator.Reload()
    events = accumulator.Tensors("loss")
    assert [(e.step, tf.make_ndarray(e.tensor_proto).item()) for e in events] == [(1, 1.0), (2, 20.0), (3, 30.0)]


def test_two_runs_with_the_same_seed_write_the_same_loss_csv(reference, tiny_idx_dir, tmp_path):
    result = run_script("train.py", *train_args(tiny_idx_dir, tmp_path))
    assert result.returncode == 0, result.stderr
    assert rows(tmp_path / "dcgan-mnist" / "loss.csv") == rows(reference / "loss.csv")
    assert len(rows(reference / "loss.csv")) == EPOCHS + 1


@pytest.mark.parametrize(
    "pause,resumed_from",
    [
        (f"step:{STEPS + 2}", "the end of epoch 1"),  # in the middle of epoch 2
        ("save:3", "the end of epoch 1"),  # inside the save after epoch 2 (the first save is the run's start)
    ],
)
def test_a_killed_run_resumes_and_finishes_as_if_never_killed(reference, tiny_idx_dir, tmp_path, pause, resumed_from):
    args = train_args(tiny_idx_dir, tmp_path)
    returncode, _ = interrupt(args, pause, signal.SIGKILL, tmp_path)
    assert returncode == -signal.SIGKILL
    run_dir = tmp_path / "dcgan-mnist"
    if pause.startswith("save"):
        # Killed after writing the checkpoint's data, before renaming it into place: the previous one stands.
        leftovers = [p.name for p in (run_dir / "checkpoints").iterdir() if p.name.startswith(".tmp")]
        assert len(leftovers) == 1 and re.fullmatch(r"\.tmp-\d+-epoch_0002", leftovers[0]), leftovers
        assert [r[0] for r in rows(run_dir / "loss.csv")[1:]] == ["1", "2"]  # epoch 2 logged, not checkpointed

    result = run_main("train.py", *args)  # resumed in another process than the one killed, as always
    assert result.returncode == 0, result.stderr
    assert f"Resuming {run_dir} from {resumed_from}" in result.stdout
    assert rows(run_dir / "loss.csv") == rows(reference / "loss.csv")  # every epoch once, the same numbers
    assert scores(run_dir / "metrics.csv") == scores(reference / "metrics.csv")  # train_seconds go on growing
    assert tensorboard_epochs(run_dir) == list(range(1, EPOCHS + 1))
    assert not list((run_dir / "checkpoints").glob(".tmp*"))
    assert same_generator(run_dir, reference)


def test_sigterm_saves_a_checkpoint_mid_epoch_and_the_rerun_continues_from_it(reference, tiny_idx_dir, tmp_path):
    args = train_args(tiny_idx_dir, tmp_path)
    returncode, stderr = interrupt(args, f"step:{STEPS + 2}", signal.SIGTERM, tmp_path)
    run_dir = tmp_path / "dcgan-mnist"
    checkpoint = run_dir / "checkpoints" / "epoch_0001_step_000002"
    assert returncode == 128 + signal.SIGTERM
    assert stderr.splitlines()[-1] == (
        f"train.py: stopped by SIGTERM at epoch 2, step 2; saved {checkpoint}; rerun the same command to resume"
    )
    assert checkpoint.is_dir()

    result = run_main("train.py", *args)
    assert result.returncode == 0, result.stderr
    assert f"Resuming {run_dir} from epoch 2, step 2" in result.stdout
    assert rows(run_dir / "loss.csv") == rows(reference / "loss.csv")  # epoch 2's means span both processes
    assert same_generator(run_dir, reference)


def test_a_nan_stops_the_run_and_keeps_the_last_good_checkpoint(tiny_idx_dir, tmp_path):
    args = train_args(tiny_idx_dir, tmp_path)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TFGANZOO_TEST_NAN": str(STEPS + 2)}
    result = subprocess.run(
        [sys.executable, str(FAULTY_TRAIN), *args], env=env, cwd=ROOT, text=True, capture_output=True, timeout=300
    )
    run_dir = tmp_path / "dcgan-mnist"
    newest = run_dir / "checkpoints" / "epoch_0001"
    assert result.returncode == 1
    assert one_line_error(result) == [
        f"train.py: error: training diverged: Dis_loss is nan at epoch 2, step 3. Nothing was saved after the "
        f"newest checkpoint, {newest}; lower the learning rates or add --penalty or --spectral_norm, with --fresh "
        "to start over"
    ]
    assert checkpoints.latest_position(run_dir / "checkpoints") == (1, 0, newest)
    reader = tf.train.load_checkpoint(str(newest / "state"))
    values = [reader.get_tensor(name) for name in reader.get_variable_to_shape_map()]
    assert all(np.isfinite(v).all() for v in values if np.issubdtype(np.asarray(v).dtype, np.floating))
    assert [r[0] for r in rows(run_dir / "loss.csv")[1:]] == ["1"]
    assert not (run_dir / "weights" / "generator.weights.h5").exists()


# ----- in-process: what a rerun does with the run directory it finds -----
def tiny_config(data_dir, log_dir, **options):
    # No XLA: compiling cgan's step costs more than these few steps (the run directory is what is tested).
    options = {
        "data_path": str(data_dir),
        "log_dir": str(log_dir),
        "epochs": 2,
        "batch_size": 16,
        "steps_per_epoch": 2,
        "final_eval_samples": 0,
        "jit_compile": False,
        **options,
    }
    return make_config("cgan", "mnist", **options)


@pytest.fixture
def finished(tiny_idx_dir, tmp_path):
    """A finished 2-epoch run started without a seed, and its config as training recorded it."""
    return training.train(tiny_config(tiny_idx_dir, tmp_path), verbose=0)


def test_a_random_seed_is_recorded_and_a_rerun_without_seed_extends_the_run(finished, tiny_idx_dir, tmp_path):
    assert isinstance(finished.seed, int)
    longer = training.train(tiny_config(tiny_idx_dir, tmp_path, epochs=3), verbose=0)
    assert longer.seed == finished.seed and longer.epochs == 3
    assert [r[0] for r in rows(finished.run_dir / "loss.csv")[1:]] == ["1", "2", "3"]
    assert tensorboard_epochs(finished.run_dir) == [1, 2, 3]


def test_fresh_moves_the_old_run_aside(finished, tiny_idx_dir, tmp_path, capsys):
    old_csv = (finished.run_dir / "loss.csv").read_bytes()
    training.train(tiny_config(tiny_idx_dir, tmp_path, epochs=1), verbose=0, fresh=True)
    moved = finished.run_dir.with_name("cgan-mnist.1")
    assert f"Moved the previous run to {moved}" in capsys.readouterr().out
    assert (moved / "loss.csv").read_bytes() == old_csv
    assert [r[0] for r in rows(finished.run_dir / "loss.csv")[1:]] == ["1"]


def unchanged_after(run_dir, action, message):
    """Runs `action`, which must raise a UserError matching `message`, and checks no file changed."""
    files = {path: path.read_bytes() for path in run_dir.rglob("*") if path.is_file()}
    with pytest.raises(UserError, match=message):
        action()
    assert {path: path.read_bytes() for path in run_dir.rglob("*") if path.is_file()} == files


def test_a_rerun_that_does_not_match_the_run_is_refused(finished, tiny_idx_dir, tmp_path):
    unchanged_after(
        finished.run_dir,
        lambda: training.train(tiny_config(tiny_idx_dir, tmp_path, loss="hinge")),
        # hinge brings its paper's betas and one discriminator step, which the run has already
        r"holds a run this command does not match: loss='hinge' \(the run has 'lsgan'\); to resume it, give "
        r"the run's own values \(--loss=lsgan\), or add --fresh to start over",
    )
    unchanged_after(
        finished.run_dir,
        lambda: training.train(
            tiny_config(tiny_idx_dir, tmp_path, penalty_weight=5.0, d_lr=1e-4, mismatched_labels=False)
        ),
        r"penalty_weight=5.0 \(the run has None\), .*; to resume it, give the run's own values "
        rf"\(--d_lr={finished.d_lr} --mismatched_labels --mismatch_temperature=0.05\) and leave out "
        r"--penalty_weight, or add --fresh to start over",
    )
    unchanged_after(
        finished.run_dir,
        lambda: training.train(tiny_config(tiny_idx_dir, tmp_path, epochs=1)),
        r"--epochs=1 is fewer than .* has trained already \(2\)",
    )


def test_a_run_from_before_presets_resumes_under_the_preset_that_gave_its_values(tiny_idx_dir, tmp_path):
    old = training.train(tiny_config(tiny_idx_dir, tmp_path, preset="tutorial"), verbose=0)
    config_json = old.run_dir / "config.json"
    config_json.write_text(config_json.read_text().replace('"preset": "tutorial",', ""))  # as written before presets
    unchanged_after(
        old.run_dir,
        lambda: training.train(tiny_config(tiny_idx_dir, tmp_path, epochs=3)),
        r"does not match: .*beta_1=0.5 \(the run has 0.9\).*; to resume it, give the run's own values "
        r"\(.*--beta_1=0.9.*\)",
    )
    resumed = training.train(tiny_config(tiny_idx_dir, tmp_path, preset="tutorial", epochs=3), verbose=0)
    assert (resumed.preset, resumed.epochs, resumed.seed) == ("tutorial", 3, old.seed)
    assert '"preset": "tutorial"' in config_json.read_text()


def test_a_checkpoint_that_does_not_fit_the_model_is_refused(finished, tiny_idx_dir, tmp_path):
    config_json = finished.run_dir / "config.json"
    config_json.write_text(config_json.read_text().replace('"noise_dim": 100', '"noise_dim": 50'))
    shutil.rmtree(finished.run_dir / "checkpoints" / "epoch_0002")  # so there is training left to resume
    unchanged_after(
        finished.run_dir,
        lambda: training.train(tiny_config(tiny_idx_dir, tmp_path, noise_dim=50)),
        "cannot resume from .*epoch_0001: it does not fit the model config.json describes",
    )


def test_a_run_being_trained_is_locked(finished, tiny_idx_dir, tmp_path):
    with training.run_lock(finished.run_dir):
        unchanged_after(
            finished.run_dir,
            lambda: training.train(tiny_config(tiny_idx_dir, tmp_path, epochs=3)),
            "is being trained by another process",
        )


def test_checkpoints_within_an_epoch_every_checkpoint_minutes(tiny_idx_dir, tmp_path):
    config = training.train(
        tiny_config(
            tiny_idx_dir,
            tmp_path,
            epochs=1,
            steps_per_epoch=3,
            steps_per_execution=1,
            checkpoint_minutes=1e-9,
            keep_checkpoints=10,
        ),
        verbose=0,
    )
    # Not after the epoch's last step: the end-of-epoch checkpoint follows at once.
    assert sorted(p.name for p in (config.run_dir / "checkpoints").iterdir()) == [
        "epoch_0000",
        "epoch_0000_step_000001",
        "epoch_0000_step_000002",
        "epoch_0001",
    ]


@pytest.fixture
def sigint_handler():
    """Sets SIGINT's handler for a test (a shell's `&` starts pytest ignoring SIGINT), then restores it."""
    before = signal.getsignal(signal.SIGINT)
    yield lambda handler: signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGINT, before)


def test_the_first_signal_asks_to_stop_and_the_second_stops_at_once(sigint_handler):
    sigint_handler(signal.default_int_handler)  # Python's own: KeyboardInterrupt
    with checkpoints.signals as signals:
        signal.raise_signal(signal.SIGINT)  # runs the handler before it returns
        assert signals.received == signal.SIGINT  # no KeyboardInterrupt: training saves, then stops
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_signal_the_process_ignores_stays_ignored(sigint_handler):
    sigint_handler(signal.SIG_IGN)  # as `nohup` sets it
    with checkpoints.signals as signals:
        signal.raise_signal(signal.SIGINT)
        assert signals.received is None
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_only_the_newest_checkpoints_are_kept(tiny_idx_dir, tmp_path):
    config = training.train(tiny_config(tiny_idx_dir, tmp_path, epochs=4, keep_checkpoints=2), verbose=0)
    assert sorted(p.name for p in (config.run_dir / "checkpoints").iterdir()) == ["epoch_0003", "epoch_0004"]


# ----- bad input about a run directory: one line naming the problem, a non-zero exit, nothing changed -----
def edit_config(key, value):
    return lambda run: (run / "config.json").write_text(
        re.sub(rf'"{key}": [^,\n]*', f'"{key}": {value}', (run / "config.json").read_text())
    )


def corrupt_newest_checkpoint(run):
    (run / "checkpoints" / "epoch_0003" / "state.index").write_bytes(b"not a checkpoint")


BAD_RUNS = [  # (what is done to a copy of the reference run, script, extra flags, the error after "error: ")
    (
        lambda run: (run / "config.json").write_text("{"),
        "train.py",
        [],
        r"cannot read {run}/config.json: Expecting property name enclosed in double quotes",
    ),
    (
        edit_config("batch_size", "-3"),
        "train.py",
        [],
        r"{run}/config.json: batch_size must be a positive integer, got -3",
    ),
    (
        edit_config("model", '"dcgann"'),
        "sample.py",
        [],
        r"{run}/config.json: unknown model 'dcgann'; valid choices: acgan, cgan, cyclegan, dcgan, gan, infogan",
    ),
    (
        lambda run: shutil.rmtree(run / "checkpoints"),
        "train.py",
        [],
        r"{run} holds a run but no checkpoint to resume from",
    ),
    (
        None,
        "train.py",
        ["--loss=hinge"],
        r"{run} holds a run this command does not match: .*loss='hinge' \(the run has 'ns'\)",
    ),
    (None, "train.py", ["--epochs=2"], r"--epochs=2 is fewer than {run} has trained already \(3\)"),
    (
        corrupt_newest_checkpoint,
        "train.py",
        ["--epochs=4"],
        r"cannot read {run}/checkpoints/epoch_0003 \(.*\); remove it to resume from the checkpoint before it",
    ),
    (
        edit_config("noise_dim", "50"),
        "train.py",
        ["--epochs=4", "--noise_dim=50"],
        r"cannot resume from {run}/checkpoints/epoch_0003: it does not fit the model config.json describes",
    ),
    (
        edit_config("noise_dim", "50"),
        "sample.py",
        [],
        r"cannot load {run}/weights/generator.weights.h5 into the dcgan generator",
    ),
    (
        lambda run: (run / "config.json").write_text(
            (run / "config.json")
            .read_text()
            .replace('"image_shape": [\n    28,\n    28,', '"image_shape": [\n    32,\n    32,')
        ),
        "sample.py",
        [],
        r"cannot load {run}/weights/generator.weights.h5 into the dcgan generator",
    ),
]


# The first case of each script runs it as a user does, to check the exit status and the line's form. The rest
# raise in this process the error of what the script calls (training.train, sampling.load_run), which spares
# TensorFlow's start-up per case.
def error_line(script, args, run, through_the_script):
    """The one error line `script` gives for `args`."""
    if through_the_script:
        lines = one_line_error(run_script(script, *args))
        assert len(lines) == 1, lines
        return lines[0]
    with pytest.raises(UserError) as error:
        if script == "train.py":
            training.train(config_from_args(*args), verbose=0)
        else:
            sampling.load_run(run)
    return f"{script}: error: {error.value}"


@pytest.mark.parametrize(
    "damage,script,flags,message,through_the_script",
    [(*case, case[1] not in {earlier[1] for earlier in BAD_RUNS[:number]}) for number, case in enumerate(BAD_RUNS)],
)
def test_a_bad_run_directory_is_one_clear_line(
    reference, tiny_idx_dir, tmp_path, damage, script, flags, message, through_the_script
):
    run = tmp_path / "dcgan-mnist"
    shutil.copytree(reference, run)
    if damage:
        damage(run)
    files = {path: path.read_bytes() for path in run.rglob("*") if path.is_file()}
    if script == "train.py":
        args = [*train_args(tiny_idx_dir, tmp_path), *flags]
    else:
        args = [f"--run_dir={run}", f"--output={tmp_path / 'out.png'}", *flags]
    line = error_line(script, args, run, through_the_script)
    assert re.fullmatch(rf"{script}: error: {message.format(run=run)}.*", line), line
    assert {path: path.read_bytes() for path in run.rglob("*") if path.is_file()} == files
    assert not (tmp_path / "out.png").exists()
