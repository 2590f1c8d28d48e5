"""train.py with a fault injected at a chosen point, for tests/test_resume.py. It takes train.py's flags, and
the fault from the environment, so that a test starts it as a user starts train.py:

  TFGANZOO_TEST_PAUSE=step:N or save:N  after the N-th train step, or inside the N-th checkpoint save (its data
                                        written, not yet renamed into place), create the file
                                        TFGANZOO_TEST_PAUSE_FILE and wait for a signal: the test then kills or
                                        signals the process at a known point, with no sleep that races it;
  TFGANZOO_TEST_NAN=N                   set a generator weight to NaN after the N-th train step.
"""

import os
import runpy
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tfganzoo.startup import import_tensorflow_quietly  # noqa: E402

import_tensorflow_quietly()  # as train.py does, before anything imports TensorFlow
import keras  # noqa: E402
import numpy as np  # noqa: E402

from tfganzoo import checkpoints, training  # noqa: E402

kind, _, count = os.environ.get("TFGANZOO_TEST_PAUSE", ":").partition(":")
PAUSE_AT = (kind, int(count)) if count else None
NAN_AT = int(os.environ.get("TFGANZOO_TEST_NAN", 0))
counts = {"step": 0, "save": 0}


def reached(point):
    """Counts `point` ("step" or "save"); at the chosen one, announces it and waits for a signal."""
    counts[point] += 1
    if PAUSE_AT == (point, counts[point]):
        Path(os.environ["TFGANZOO_TEST_PAUSE_FILE"]).touch()
        while not checkpoints.signals.received:  # SIGKILL ends the process here; SIGTERM or SIGINT sets the flag
            time.sleep(0.01)


class AfterStep(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        reached("step")
        if counts["step"] == NAN_AT:
            weight = self.model.generator.trainable_variables[0]
            weight.assign(np.full(weight.shape, np.nan, weight.dtype))


def with_faults(make_callbacks):
    def make_callbacks_with_faults(*args, **kwargs):
        *others, checkpointing = make_callbacks(*args, **kwargs)
        # Just before Checkpointing, which then sees the NaN or the signal as it would in a run.
        return [*others, AfterStep(), checkpointing]

    return make_callbacks_with_faults


def pausing(write_state):
    def write_then_pause(self, directory):
        write_state(self, directory)
        reached("save")

    return write_then_pause


training.make_callbacks = with_faults(training.make_callbacks)
checkpoints.Checkpoints.write_state = pausing(checkpoints.Checkpoints.write_state)
runpy.run_path(str(ROOT / "train.py"), run_name="__main__")
