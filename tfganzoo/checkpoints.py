"""Resumable runs: checkpoints of the whole training state, and the callback that writes them.

A checkpoint holds everything the next step depends on: both networks (batch-norm statistics and dropout
seeds included), both optimizers (moments and step counts), the train step's noise stream and its other
state (GAN.step_state), and the running means of the epoch in progress. Its position is its directory name,
`epoch_0003` (after epoch 3) or `epoch_0003_step_000040` (40 steps into epoch 4). Together with the data
stream, which restarts at that position (see datasets.train_pipeline), a resumed run continues exactly where
the interrupted one was.

keras.callbacks.BackupAndRestore does part of this, but it overwrites one file in place (a kill while it
saves loses the run), resumes only at epoch boundaries, and deletes its backup at the end; so here the
state is written with tf.train.Checkpoint into a temporary directory that is renamed into place.
"""

import json
import re
import shutil
import signal
import threading
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tfganzoo.errors import UserError
from tfganzoo.files import TMP_PREFIX, atomic_path

NAME = re.compile(r"epoch_(\d{4,})(?:_step_(\d{6,}))?")
CLOCK_FILE = "clock.json"


class TrainingDiverged(UserError):
    """A loss became NaN or infinite: the run stopped without saving anything after its last good state."""


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived; a checkpoint was saved. `signum` gives the conventional exit status."""

    def __init__(self, message, signum):
        super().__init__(message)
        self.signum = signum


def position_name(epoch, step=0):
    return f"epoch_{epoch:04d}" + (f"_step_{step:06d}" if step else "")


def describe(epoch, step=0):
    """A position in words: the end of epoch 3, or epoch 4, step 40 (epochs and steps counted from 1)."""
    return f"the end of epoch {epoch}" if not step else f"epoch {epoch + 1}, step {step}"


def positions(directory):
    """(epoch, step, path) of each complete checkpoint in `directory`, oldest first."""
    found = []
    for path in Path(directory).glob("epoch_*"):
        if match := NAME.fullmatch(path.name):
            found.append((int(match[1]), int(match[2] or 0), path))
    return sorted(found)


def latest_position(directory):
    """(epoch, step, path) of the newest complete checkpoint in `directory`, or None."""
    found = positions(directory)
    return found[-1] if found else None


class Checkpoints:
    """The checkpoints of one run, in `directory`; the newest `keep` are kept. Each also holds the seconds
    the run had trained (`clock`, a callbacks.TrainingClock; none: not kept), in clock.json."""

    def __init__(self, directory, gan, keep, clock=None):
        self.directory = Path(directory)
        self.gan = gan
        self.keep = keep
        self.clock = clock
        self.tracker_variables = [v for tracker in gan.trackers.values() for v in tracker.variables]
        self.state = {
            "generator": gan.generator.variables,
            "discriminator": gan.discriminator.variables,
            "g_optimizer": gan.g_optimizer.variables,
            "d_optimizer": gan.d_optimizer.variables,
            "noise": [gan.seed_generator.state],
            "epoch_means": self.tracker_variables,
        }
        if gan.generator_ema is not None:
            self.state["generator_ema"] = gan.generator_ema.variables
        if gan.step_state:
            self.state["step_state"] = gan.step_state
        # Lists of variables, tracked by position: the same config builds them in the same order.
        self.checkpoint = tf.train.Checkpoint(**{name: list(variables) for name, variables in self.state.items()})

    def latest(self):
        return latest_position(self.directory)

    def save(self, epoch, step=0):
        """Writes the state at (epoch, step) atomically: to a temporary directory, synced, then renamed.

        Refuses (TrainingDiverged) to write non-finite weights, so a checkpoint is always a good state.
        """
        for name, variables in self.state.items():
            if not all(
                np.isfinite(value).all()
                for value in map(keras.ops.convert_to_numpy, variables)
                if np.issubdtype(value.dtype, np.floating)
            ):
                raise TrainingDiverged(f"the {name} holds NaN or infinite values at {describe(epoch, step)}")
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / position_name(epoch, step)
        # Replaces a stale one of the same name, from a run that went further and was reset.
        with atomic_path(final, durable=True) as tmp:
            self.write_state(tmp)
        for _, _, old in positions(self.directory)[: -self.keep]:
            shutil.rmtree(old)
        return final

    def write_state(self, directory):
        """Writes the state into a new `directory`."""
        self.checkpoint.write(str(Path(directory) / "state"))
        if self.clock is not None:
            (Path(directory) / CLOCK_FILE).write_text(json.dumps({"train_seconds": self.clock.elapsed()}))

    def restore(self, path):
        """Loads the checkpoint at `path` into the model, optimizers and trackers."""
        try:
            self.checkpoint.read(str(Path(path) / "state")).assert_consumed()
        except (AssertionError, ValueError) as e:
            raise UserError(
                f"cannot resume from {path}: it does not fit the model config.json describes ({str(e).splitlines()[0]})"
            ) from None
        except tf.errors.OpError as e:
            raise UserError(
                f"cannot read {path} ({e.message.splitlines()[0]}); remove it to resume from the checkpoint before it"
            ) from None
        clock_file = Path(path) / CLOCK_FILE
        if self.clock is not None and clock_file.exists():  # checkpoints from before the clock count from 0
            self.clock.seconds = json.loads(clock_file.read_text())["train_seconds"]

    def remove_unfinished(self):
        """Deletes what a save interrupted by a kill left behind."""
        for tmp in self.directory.glob(f"{TMP_PREFIX}*"):
            shutil.rmtree(tmp, ignore_errors=True)


class Signals:
    """Turns the first SIGINT (Ctrl-C) or SIGTERM into a flag that training checks after each step, so it can
    save a checkpoint and stop cleanly; the next such signal has its usual effect (stop at once)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.received = None

    def __enter__(self):
        self.received = None
        in_main_thread = threading.current_thread() is threading.main_thread()  # where handlers can be set
        # A signal the process was started ignoring (`nohup`, a shell's `&`) stays ignored.
        caught = [s for s in self.SIGNALS if in_main_thread and signal.getsignal(s) is not signal.SIG_IGN]
        self.previous = {s: signal.signal(s, self._handle) for s in caught}
        return self

    def _handle(self, signum, frame):
        self.received = signum
        for s, handler in self.previous.items():
            signal.signal(s, handler)
        print(
            f"\n{signal.Signals(signum).name}: stopping after this step (saving a checkpoint); send it "
            "again to stop at once",
            flush=True,
        )

    def __exit__(self, *exc):
        for s, handler in self.previous.items():
            signal.signal(s, handler)


def check_finite(logs, where):
    """Raises TrainingDiverged if a logged value is NaN or infinite (reading them waits for the step)."""
    for name, value in (logs or {}).items():
        if not np.isfinite(float(value)):
            raise TrainingDiverged(f"{name} is {float(value)} at {where}")


class Checkpointing(keras.callbacks.Callback):
    """Saves a checkpoint after every epoch and every `minutes` within one; after each step, stops the run
    on a NaN or infinite loss (TrainingDiverged, nothing saved) or on a signal (a checkpoint, Interrupted).

    A signal during an epoch's last step or its end-of-epoch work waits for the epoch's checkpoint, so that
    the epoch's rows and files are complete. Give it the position fit starts from: `resume(epoch, step)`
    before a fit that finishes an interrupted epoch, so that step numbers continue and the epoch's running
    means are put back after fit resets them. Keep it last among the callbacks: the checkpoint of an epoch
    is written after everything else that epoch writes.
    """

    def __init__(self, checkpoints, signals, minutes, epochs):
        super().__init__()
        self.checkpoints, self.signals, self.seconds, self.epochs = checkpoints, signals, minutes * 60, epochs
        self.resume(0, 0)

    def resume(self, epoch, step):
        self.first_epoch, self.step_offset = epoch, step
        self.saved_means = [v.numpy() for v in self.checkpoints.tracker_variables] if step else None

    def on_train_begin(self, logs=None):
        self.last_save = time.monotonic()

    def on_epoch_begin(self, epoch, logs=None):
        if self.saved_means is not None and epoch == self.first_epoch:
            for variable, value in zip(self.checkpoints.tracker_variables, self.saved_means, strict=True):
                variable.assign(value)
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        step = batch + 1 + (self.step_offset if self.epoch == self.first_epoch else 0)
        check_finite(logs, describe(self.epoch, step))
        if batch + 1 == self.params["steps"]:
            return  # the epoch's end comes next, and its checkpoint
        if self.signals.received:
            self._stop(self.checkpoints.save(self.epoch, step), describe(self.epoch, step))
        if time.monotonic() - self.last_save > self.seconds:
            self.checkpoints.save(self.epoch, step)
            self.last_save = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        path = self.checkpoints.save(epoch + 1)
        self.last_save = time.monotonic()
        if self.signals.received and epoch + 1 < self.epochs:
            self._stop(path, describe(epoch + 1))

    def _stop(self, path, position):
        raise Interrupted(
            f"stopped by {signal.Signals(self.signals.received).name} at {position}; saved {path}",
            self.signals.received,
        )


signals = Signals()
