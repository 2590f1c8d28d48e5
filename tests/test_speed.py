"""The speed knobs change how fast a run trains, never what it trains: steps per execution and XLA."""

import csv

import keras
import numpy as np
import pytest

from conftest import FIRST_STEP_FLOAT32, assert_same_computation, make_digits, with_data_shape
from tfganzoo import checkpoints, training
from tfganzoo.config import Config, make_config
from tfganzoo.errors import UserError
from tfganzoo.images import to_model_range

pytestmark = pytest.mark.slow


def train_gan(tiny_idx_dir, log_dir, **options):
    """Trains `gan` on the 64 tiny images in batches of 8 (8 steps per epoch); returns (loss.csv rows, the
    generator's optimizer step count in the final checkpoint)."""
    config = make_config(
        "gan",
        data_path=str(tiny_idx_dir),
        log_dir=str(log_dir),
        batch_size=8,
        noise_dim=16,
        preset="tutorial",
        seed=5,
        final_eval_samples=0,
        **{"epochs": 2, **options},
    )
    config = training.train(config, verbose=0)
    with open(config.run_dir / "loss.csv", newline="") as f:
        rows = [[float(value) for value in row] for row in list(csv.reader(f))[1:]]
    gan = training.compile_gan(config)
    store = checkpoints.Checkpoints(config.run_dir / "checkpoints", gan, keep=1)
    store.restore(store.latest()[2])
    return np.array(rows), int(gan.g_optimizer.iterations)


@pytest.fixture(scope="module")
def one_step_per_call(tiny_idx_dir, tmp_path_factory):
    return train_gan(tiny_idx_dir, tmp_path_factory.mktemp("spe1"), steps_per_execution=1)


def test_several_steps_per_execution_train_the_same_steps(tiny_idx_dir, tmp_path, one_step_per_call):
    rows, iterations = train_gan(tiny_idx_dir, tmp_path, steps_per_execution=4)
    reference_rows, reference_iterations = one_step_per_call
    assert iterations == reference_iterations == 2 * 8
    np.testing.assert_array_equal(rows, reference_rows)


def test_an_epoch_is_rounded_down_to_whole_executions(tiny_idx_dir, tmp_path):
    # Keras runs whole executions: unrounded, an 8-step epoch with 3 steps per call would take 9 steps, and
    # every later epoch would start 1 batch later than the run's checkpoints say.
    _, iterations = train_gan(tiny_idx_dir, tmp_path, steps_per_execution=3)
    assert iterations == 2 * 6


def test_resuming_with_several_steps_per_execution_continues_the_same_run(tiny_idx_dir, tmp_path, one_step_per_call):
    train_gan(tiny_idx_dir, tmp_path, steps_per_execution=2, epochs=1)
    rows, iterations = train_gan(tiny_idx_dir, tmp_path, steps_per_execution=2, epochs=2)
    assert iterations == 16
    np.testing.assert_array_equal(rows, one_step_per_call[0])


def test_steps_per_execution_cannot_change_when_resuming(tiny_idx_dir, tmp_path):
    train_gan(tiny_idx_dir, tmp_path, steps_per_execution=2, epochs=1)
    with pytest.raises(UserError, match=r"steps_per_execution=4 \(the run has 2\)"):
        train_gan(tiny_idx_dir, tmp_path, steps_per_execution=4, epochs=2)


def plain_and_xla_steps(name, steps):
    """[(losses per step, the networks' variables after them)] of `name` trained without and with XLA.

    XLA draws other random numbers than TensorFlow's kernels (its own generator algorithm), so both get the same
    fixed noise; with no dropout (gan, dcgan) the rest is deterministic and must agree.
    """
    images, labels = make_digits(8, seed=4)
    images = np.asarray(to_model_range(images[..., None]))
    noise = np.random.default_rng(0).standard_normal((8, 16))
    runs = []
    for jit in (False, True):
        keras.utils.set_random_seed(1)  # the same initial weights
        training.set_determinism(jit)  # Keras silently drops XLA under op determinism
        config = with_data_shape(
            make_config(name, batch_size=8, noise_dim=16, seed=1, jit_compile=jit, preset="tutorial")
        )
        gan = training.compile_gan(config)
        assert gan.jit_compile == jit
        gan.sample_latent = lambda batch_size: {"noise": keras.ops.convert_to_tensor(noise, keras.config.floatx())}
        logs = [gan.train_on_batch(images, labels, return_dict=True) for _ in range(steps)]
        runs.append(
            (
                {key: [log[key] for log in logs] for key in logs[0]},
                [np.asarray(v) for v in gan.generator.variables + gan.discriminator.variables],
            )
        )
    return runs


@pytest.mark.parametrize("name", ["gan", "dcgan"])
def test_xla_computes_the_same_steps(name, float64):
    (plain, plain_variables), (xla, xla_variables) = plain_and_xla_steps(name, steps=5)
    for key in plain:
        assert_same_computation(xla[key], plain[key], key)
    for i, (actual, expected) in enumerate(zip(xla_variables, plain_variables, strict=True)):
        assert_same_computation(actual, expected, f"variable {i}")


@pytest.mark.parametrize("name", ["gan", "dcgan"])
def test_xla_computes_the_same_first_step_in_float32(name):
    (plain, _), (xla, _) = plain_and_xla_steps(name, steps=1)
    for key in ("Real_P", "Fake_P", "Dis_loss"):  # forward values, before any update
        np.testing.assert_allclose(xla[key], plain[key], **FIRST_STEP_FLOAT32, err_msg=key)


def test_same_seed_same_run_with_xla(tiny_idx_dir, tmp_path, one_step_per_call, capsys):
    rows, _ = train_gan(tiny_idx_dir, tmp_path)  # gan: XLA by default on a CPU; 10 steps per execution
    assert "8 steps/epoch, 8 per execution, XLA;" in capsys.readouterr().out
    np.testing.assert_array_equal(rows, one_step_per_call[0])
    assert Config.load(tmp_path / "gan-mnist" / "config.json").steps_per_execution == 10  # resumes with 10


def test_one_step_per_execution_under_a_strategy(tiny_idx_dir, tmp_path):
    # Keras 3.15 fails to run several steps per execution under MirroredStrategy (keras-team/keras#19246).
    assert training.epoch_plan(make_config("dcgan", strategy="mirrored"), 60_000) == (937, 1)
    with pytest.raises(
        UserError,
        match=r"^steps_per_execution=2 does not work under strategy=mirrored \(a Keras "
        r"bug: keras-team/keras#19246\); use 1$",
    ):
        make_config("dcgan", strategy="mirrored", steps_per_execution=2)
    train_gan(tiny_idx_dir, tmp_path, steps_per_execution=2, epochs=1)
    with pytest.raises(
        UserError,
        match=r"^resuming .*gan-mnist: steps_per_execution=2 does not work under "
        r"strategy=mirrored",
    ):
        train_gan(tiny_idx_dir, tmp_path, strategy="mirrored")


@pytest.mark.parametrize(
    "options,plan",
    [
        ({}, (930, 10)),  # 60,000 images in batches of 64: 937 steps, rounded down to whole executions
        ({"steps_per_execution": 1}, (937, 1)),
        ({"steps_per_execution": 937}, (937, 937)),
        ({"steps_per_execution": 5000}, (937, 937)),  # never more than an epoch
        ({"steps_per_epoch": 12}, (12, 6)),  # an explicit epoch is kept: the largest divisor of at most 10
        ({"steps_per_epoch": 13}, (13, 1)),
        ({"steps_per_epoch": 4, "steps_per_execution": 3}, (4, 2)),
        ({"d_steps": 2}, (460, 10)),  # a step takes d_steps batches
    ],
)
def test_epoch_plan(options, plan):
    assert training.epoch_plan(make_config("dcgan", **options), 60_000) == plan


def test_xla_by_default_only_where_it_measured_faster():
    assert training.uses_xla(make_config("cgan")) and training.uses_xla(make_config("gan"))
    assert not training.uses_xla(make_config("dcgan"))
    assert not training.uses_xla(make_config("cgan", strategy="mirrored"))  # as Keras's own "auto"
    assert training.uses_xla(make_config("dcgan", jit_compile=True))
    assert not training.uses_xla(make_config("cgan", jit_compile=False))
