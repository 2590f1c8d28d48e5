"""tf.distribute: MirroredStrategy on two logical CPU devices and a two-process MultiWorkerMirroredStrategy run."""

import csv
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from tfganzoo import distribute
from tfganzoo.errors import UserError

pytestmark = pytest.mark.slow

# Runs in a fresh process: logical devices must be set before TensorFlow starts.
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

images, labels = make_digits(64, 0)
data = datasets.ImageData(datasets.DIGITS, "tiny", (28, 28, 1), 64, images[..., None], labels.astype(np.int64))
losses = {}
options = json.loads(sys.argv[2])
for name in ("default", "mirrored"):
    keras.utils.set_random_seed(1)
    config = training.with_data(make_config(sys.argv[1], "mnist", seed=1, batch_size=16, noise_dim=8,
                                            jit_compile=False, preset="tutorial", ema_decay=0.9, **options), data)
    strategy = distribute.make_strategy(name)
    with strategy.scope():
        gan = training.compile_gan(config)
    history = gan.fit(datasets.train_pipeline(data, 16, 1), epochs=2, steps_per_epoch=4, verbose=0)
    losses[name] = {"replicas": strategy.num_replicas_in_sync, **history.history,
                    "generator average": [float(np.abs(v).sum()) for v in gan.generator_ema.variables],
                    "step state": [np.asarray(v).ravel().tolist() for v in gan.step_state]}
print(json.dumps(losses))
"""


@pytest.mark.parametrize("model,options", [
    ("dcgan", {}),  # batch norm, synchronised across replicas
    # labels, mismatched pairs drawn by label_scores, which must see the global batch's pairs (no dropout:
    # its masks are not drawn as one device draws them)
    ("cgan", {"mismatched_labels": True, "mismatch_temperature": 0.1, "dropout": 0.0}),
])
def test_mirrored_on_two_devices_trains_like_one_device(model, options):
    result = subprocess.run([sys.executable, "-c", COMPARE_STRATEGIES, model, json.dumps(options)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, result.stderr
    losses = json.loads(result.stdout.strip().splitlines()[-1])
    assert (losses["default"].pop("replicas"), losses["mirrored"].pop("replicas")) == (1, 2)
    for name, values in losses["default"].items():  # 8 steps: rounding differences grow as training goes on
        np.testing.assert_allclose(losses["mirrored"][name], values, rtol=1e-4, atol=1e-5, err_msg=name)


def free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def test_two_workers_train_one_run_written_by_the_chief(tiny_idx_dir, tmp_path):
    workers = [f"localhost:{free_port()}" for _ in range(2)]
    args = [sys.executable, str(ROOT / "train.py"), "--model=gan", "--strategy=multi_worker",
            f"--data_path={tiny_idx_dir}", f"--log_dir={tmp_path}", "--epochs=1", "--batch_size=16", "--seed=1",
            "--final_eval_samples=0"]
    processes = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TF_CONFIG": json.dumps(tf_config)}
        processes.append(subprocess.Popen(args, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE))
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
