"""tf.distribute: MirroredStrategy on two logical CPU devices and a two-process MultiWorkerMirroredStrategy run."""

import csv
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from conftest import FIRST_STEP_FLOAT32, ROOT, assert_same_computation
from tfganzoo import distribute
from tfganzoo.errors import UserError

pytestmark = pytest.mark.slow

# Runs in a fresh process: logical devices must be set before TensorFlow starts. Trains 8 steps on one device and
# on two replicas, in float32 (the first step only) and float64 (all 8), and saves each run's losses and state.
COMPARE_STRATEGIES = """
import json, sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras, numpy as np
sys.path.insert(0, "tests")
from conftest import make_digits
from tfganzoo import datasets, distribute, training
from tfganzoo.config import make_config

model, options, output = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
images, labels = make_digits(64, 0)
data = datasets.ImageData(datasets.DIGITS, "tiny", (28, 28, 1), 64, images[..., None], labels.astype(np.int64))
runs = {}
# One strategy object per kind for all runs: a second MirroredStrategy would reuse the first one's collective keys.
strategies = {name: distribute.make_strategy(name) for name in ("default", "mirrored")}
for precision, steps in (("float32", 1), ("float64", 8)):
    keras.config.set_floatx(precision)
    keras.config.set_dtype_policy(precision)
    for name, strategy in strategies.items():
        keras.utils.set_random_seed(1)
        config = training.with_data(make_config(model, "mnist", seed=1, batch_size=16, noise_dim=8, jit_compile=False,
                                                preset="tutorial", ema_decay=0.9, **options), data)
        with strategy.scope():
            gan = training.compile_gan(config)
        history = gan.fit(datasets.train_pipeline(data, 16, 1), epochs=steps, steps_per_epoch=1, verbose=0)
        key = f"{precision} {name}"
        runs[f"{key} replicas"] = strategy.num_replicas_in_sync
        runs.update({f"{key} {loss}": values for loss, values in history.history.items()})
        parts = {"generator": gan.generator.variables, "discriminator": gan.discriminator.variables,
                 "generator average": gan.generator_ema.variables, "step state": gan.step_state,
                 "generator optimizer": gan.g_optimizer.variables, "discriminator optimizer": gan.d_optimizer.variables}
        runs.update({f"{key} {part} {i}": v for part, variables in parts.items() for i, v in enumerate(variables)})
np.savez(output, **{name: np.asarray(value) for name, value in runs.items()})
"""


@pytest.mark.parametrize(
    "model,options",
    [
        ("dcgan", {}),  # batch norm, synchronised across replicas
        # labels, mismatched pairs drawn by label_scores, which must see the global batch's pairs (no dropout:
        # its masks are not drawn as one device draws them)
        ("cgan", {"mismatched_labels": True, "mismatch_temperature": 0.1, "dropout": 0.0}),
    ],
)
def test_mirrored_on_two_devices_trains_like_one_device(model, options, tmp_path):
    output = tmp_path / "runs.npz"
    result = subprocess.run(
        [sys.executable, "-c", COMPARE_STRATEGIES, model, json.dumps(options), str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert result.returncode == 0, result.stderr
    runs = dict(np.load(output))
    assert [int(runs.pop(f"{p} {s} replicas")) for p in ("float32", "float64") for s in ("default", "mirrored")] == [
        1,
        2,
        1,
        2,
    ]
    one_device = {
        name.removeprefix("float64 default "): value
        for name, value in runs.items()
        if name.startswith("float64 default ")
    }
    assert len(one_device) > 20 and "Dis_loss" in one_device
    for name, value in one_device.items():  # every loss of every step, and every variable after the last
        assert_same_computation(runs[f"float64 mirrored {name}"], value, name)
    for name in ("Real_P", "Fake_P", "Dis_loss"):  # the first step's forward values, before any update
        np.testing.assert_allclose(
            runs[f"float32 mirrored {name}"], runs[f"float32 default {name}"], **FIRST_STEP_FLOAT32, err_msg=name
        )


def free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def test_two_workers_train_one_run_written_by_the_chief(tiny_idx_dir, tmp_path):
    workers = [f"localhost:{free_port()}" for _ in range(2)]
    args = [
        sys.executable,
        str(ROOT / "train.py"),
        "--model=gan",
        "--strategy=multi_worker",
        f"--data_path={tiny_idx_dir}",
        f"--log_dir={tmp_path}",
        "--epochs=1",
        "--batch_size=16",
        "--seed=1",
        "--final_eval_samples=0",
    ]
    processes = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TF_CONFIG": json.dumps(tf_config)}
        processes.append(
            subprocess.Popen(args, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        )
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs[0][1][-3000:] + outputs[1][1][-3000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gan-mnist"]  # one set of logs, the chief's
    with open(tmp_path / "gan-mnist" / "loss.csv", newline="") as f:
        assert [row[0] for row in csv.reader(f)] == ["epoch", "1"]


def test_unknown_or_unconfigured_strategies_are_clear_errors(monkeypatch):
    with pytest.raises(UserError, match="unknown strategy 'mirror'; valid choices: default, mirrored, multi_"):
        distribute.make_strategy("mirror")
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(UserError, match="--strategy=multi_worker needs the cluster in TF_CONFIG"):
        distribute.make_strategy("multi_worker")
