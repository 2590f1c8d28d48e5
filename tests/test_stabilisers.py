"""The stabilisers of the shared train step: losses x penalties on every model, d_steps, weight clipping,
spectral normalisation and minibatch discrimination."""

import csv
import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from test_train_step import batch, tiny_gan

from conftest import make_digits, run_main
from tfganzoo import losses, models
from tfganzoo.config import make_config
from tfganzoo.errors import UserError
from tfganzoo.images import to_model_range
from tfganzoo.layers import BatchFreeNormalization, MinibatchDiscrimination


def variables(network):
    return {v.path: np.array(v) for v in network.trainable_variables}


def takes(model, penalty):
    """Whether `model` takes `penalty`: CycleGAN's two discriminators take none (config refuses them)."""
    return penalty == "none" or not models.get_model(model).GAN_CLASS.unpaired


def pairwise_combinations():
    """(model, loss, penalty) triples in which every pair of model and loss, model and penalty, loss and penalty
    appears: each model with each loss, the penalty turning with both indices (35 steps instead of all 140)."""
    penalties = list(losses.PENALTIES)
    return [
        (name, loss, penalty if takes(name, penalty) else "none")
        for i, name in enumerate(sorted(models.MODELS))
        for j, loss in enumerate(losses.LOSSES)
        for penalty in [penalties[(i + j) % len(penalties)]]
    ]


def test_the_combinations_cover_every_pair():
    triples = pairwise_combinations()
    for a, b, choices_a, choices_b in (
        (0, 1, models.MODELS, losses.LOSSES),
        (0, 2, models.MODELS, losses.PENALTIES),
        (1, 2, losses.LOSSES, losses.PENALTIES),
    ):
        pairs = {(x, y) for x in choices_a for y in choices_b}
        if (a, b) == (0, 2):
            pairs = {(model, penalty) for model, penalty in pairs if takes(model, penalty)}
        assert {(t[a], t[b]) for t in triples} == pairs


@pytest.mark.parametrize("name,loss,penalty", pairwise_combinations())
def test_one_step_for_every_pair_of_model_loss_and_penalty(name, loss, penalty):
    gan = tiny_gan(name, loss=loss, penalty=penalty, batch_size=2)
    before = [variables(gan.discriminator), variables(gan.generator)]
    logs = gan.train_step(batch(2, name))
    expected = {"Real_P", "Fake_P", "Gen_loss", "Dis_loss", *gan.extra_log_names}
    expected |= {"Penalty"} if penalty != "none" else set()
    assert set(logs) == expected and all(np.isfinite(float(v)) for v in logs.values())
    assert float(logs.get("Penalty", 0)) >= 0
    # Both players moved. (Not necessarily every variable: under wgan the output bias has gradient 0, and a
    # hinge term whose margins are all met has none.)
    for old, new in zip(before, [variables(gan.discriminator), variables(gan.generator)], strict=True):
        changed = [path for path in old if not np.array_equal(old[path], new[path])]
        assert len(changed) >= len(old) - 2, sorted(set(old) - set(changed))


@pytest.mark.parametrize("loss", losses.LOSSES)
def test_a_few_dozen_steps_of_each_loss_and_its_recipe_move_the_generator(loss):
    """Cheap, not a quality claim: dcgan with the loss's recipe (d_steps included) trains 30 steps on tiny
    digits without a NaN, and the generator's samples leave their initial output (a generator whose gradient
    vanished would leave them where they were)."""
    gan = tiny_gan("dcgan", loss=loss, d_steps=None, ema_decay=0.0)
    latent = gan.fixed_latent(16, seed=3)
    start = np.asarray(gan.generate(latent, None, training=True))
    images, labels = make_digits(64, seed=5)
    data = tf.data.Dataset.from_tensor_slices((to_model_range(images[..., None]), labels.astype(np.int64)))
    history = gan.fit(data.repeat().batch(8 * gan.d_steps, drop_remainder=True), steps_per_epoch=30, verbose=0)
    end = np.asarray(gan.generate(latent, None, training=True))
    assert np.isfinite(end).all() and all(np.isfinite(v).all() for v in history.history.values())
    # Measured: 0.02 (wgan) to 0.24 (minimax); 1e-7 with the generator's rate at 1e-9. Batch statistics
    # (training=True), so that the batch-norm moving averages, which move without any gradient, do not count.
    assert np.abs(end - start).mean() > 0.005, np.abs(end - start).mean()


@pytest.mark.parametrize("name", sorted(models.NOISE_MODELS))
def test_spectral_norm_and_minibatch_discrimination_train_every_model(name):
    gan = tiny_gan(name, spectral_norm=True, minibatch_discrimination=True, loss="hinge", batch_size=4)
    layer_types = {type(layer) for layer in gan.discriminator._flatten_layers()}
    assert keras.layers.SpectralNormalization in layer_types and MinibatchDiscrimination in layer_types
    logs = gan.train_step(batch(4))
    assert all(np.isfinite(float(v)) for v in logs.values())


def test_a_gradient_penalty_swaps_the_critics_batch_norm_for_a_per_example_one():
    plain, penalised = tiny_gan("dcgan", preset="tutorial"), tiny_gan("dcgan", penalty="wgan-gp", preset="tutorial")
    kinds = lambda gan: {type(layer).__name__ for layer in gan.discriminator.layers}  # noqa: E731
    assert "BatchNormalization" in kinds(plain) and "BatchNormalization" not in kinds(penalised)
    assert any(isinstance(layer, BatchFreeNormalization) for layer in penalised.discriminator.layers)
    # Per example: an example's output no longer depends on the rest of its batch.
    images, labels = batch(4)
    alone = np.asarray(penalised.discriminate(images[:1], None, training=True)["logits"])
    together = np.asarray(penalised.discriminate(images, None, training=True)["logits"])[:1]
    np.testing.assert_allclose(alone, together, rtol=1e-5, atol=1e-6)


def test_d_steps_makes_that_many_discriminator_updates_per_generator_update():
    gan = tiny_gan("gan", d_steps=3, batch_size=2)
    gan.train_step(batch(6))  # 3 batches of 2
    assert int(gan.d_optimizer.iterations) == 3 and int(gan.g_optimizer.iterations) == 1


def test_a_lazy_penalty_counts_k_times_on_every_kth_update_and_nothing_between():
    options = {"penalty": "r1", "spectral_norm": False, "minibatch_discrimination": False}  # a deterministic critic
    every_step, lazy = tiny_gan("gan", **options), tiny_gan("gan", **options, penalty_every=3)
    images, _ = batch(8)
    step = tf.function(lazy.train_step, jit_compile=True)  # compiled, as fit runs it: the update is a tf.cond
    logged = []
    for _ in range(4):  # D updates 0, 1, 2, 3: due at 0 and 3
        critic = lambda x: lazy.discriminate(x, None, training=True)["logits"]  # noqa: E731  (before the update)
        penalty = float(losses.r1_penalty(critic, tf.constant(images), None))
        step((tf.constant(images), None))
        logged.append((float(lazy.trackers["Penalty"].result()), penalty))
        lazy.trackers["Penalty"].reset_state()
    for (value, penalty), due in zip(logged, (True, False, False, True), strict=True):
        assert value == pytest.approx(3 * penalty if due else 0.0, rel=1e-5)
    assert logged[0][1] > 0
    # Where it is due the whole step is the eager one's: the same D loss, penalty at weight 3 x 10.
    every_step.train_step((images, None))
    lazy_first = tiny_gan("gan", **options, penalty_every=3)
    lazy_first.train_step((images, None))
    eager = {name: float(t.result()) for name, t in every_step.trackers.items()}
    first = {name: float(t.result()) for name, t in lazy_first.trackers.items()}
    assert first["Dis_loss"] == pytest.approx(eager["Dis_loss"] + 2 * 10 * eager["Penalty"], rel=1e-5)


@pytest.mark.parametrize("penalty,passes", [("none", 3), ("r1", 3), ("wgan-gp", 4)])
def test_r1_takes_the_gradient_from_the_steps_own_pass_over_the_real_images(penalty, passes):
    """D's passes in one step: real and fake in its update, fake in the generator's; R1 adds none (it
    differentiates the real pass), WGAN-GP one at its interpolates. The logged R1 is the penalty's own value."""
    gan = tiny_gan("gan", penalty=penalty, spectral_norm=False, minibatch_discrimination=False)
    images, _ = batch(8)
    critic = lambda x: gan.discriminate(x, None, training=True)["logits"]  # noqa: E731  (before the update)
    expected = float(losses.r1_penalty(critic, tf.constant(images), None))
    calls = []
    discriminate = gan.discriminate
    gan.discriminate = lambda *args, **kwargs: calls.append(1) or discriminate(*args, **kwargs)
    logs = gan.train_step((images, None))
    assert len(calls) == passes
    if penalty == "r1":
        assert float(logs["Penalty"]) == pytest.approx(expected, rel=1e-5)


def test_a_lazy_penalty_needs_a_penalty():
    with pytest.raises(UserError, match="penalty_every=4 needs a penalty; valid choices: wgan-gp, dragan, r1"):
        make_config("dcgan", penalty_every=4)


@pytest.mark.parametrize("name", ["dcgan", "cgan"])  # dcgan: batch-norm statistics are averaged too
def test_the_generator_average_moves_by_the_ramped_decay_and_samples(name):
    gan = tiny_gan(name, ema_decay=0.5)
    assert [v.path for v in gan.generator_ema.variables] == [v.path for v in gan.generator.variables]
    assert not gan.generator_ema.trainable_variables  # no optimizer, no gradient reaches it
    start = [np.array(v) for v in gan.generator.variables]
    np.testing.assert_array_equal([np.array(v) for v in gan.generator_ema.variables][0], start[0])
    gan.train_step(batch(8))
    decay = min(0.5, (1 + 1) / (10 + 1))  # after the first generator step: the ramp, not 0.5
    for average, old, new in zip(gan.generator_ema.variables, start, gan.generator.variables, strict=True):
        np.testing.assert_allclose(
            np.array(average), decay * old + (1 - decay) * np.array(new), rtol=1e-5, atol=1e-7, err_msg=average.path
        )
    assert not np.array_equal(np.array(gan.generator_ema.variables[0]), np.array(gan.generator.variables[0]))
    # Outside the step, images come from the average; inside it, from the trained generator.
    images, labels = batch(4)
    latent = {name: keras.ops.convert_to_tensor(value) for name, value in gan.fixed_latent(4, seed=0).items()}
    inputs = gan.generator_inputs(latent, keras.ops.convert_to_tensor(labels))
    np.testing.assert_allclose(gan.generate(latent, labels), gan.generator_ema(inputs, training=False), atol=1e-6)
    np.testing.assert_allclose(
        gan.generate(latent, labels, training=True), gan.generator(inputs, training=True), atol=1e-6
    )


def test_without_an_average_the_trained_generator_samples():
    gan = tiny_gan("gan", ema_decay=0.0)
    assert gan.generator_ema is None and gan.sampler is gan.generator


def test_clip_keeps_every_discriminator_weight_in_range():
    gan = tiny_gan("gan", loss="wgan", clip=0.01, lr=0.5, spectral_norm=False)
    gan.train_step(batch(8))
    assert max(np.abs(v).max() for v in variables(gan.discriminator).values()) <= 0.01 + 1e-7


def test_spectral_norm_drives_the_largest_singular_value_to_one_and_leaves_inference_alone():
    rng = np.random.default_rng(0)
    keras.utils.set_random_seed(0)  # the power iteration's random start vector
    dense = keras.layers.Dense(10)
    layer = keras.layers.SpectralNormalization(dense, power_iterations=1)
    layer.build((None, 20))
    # A random matrix with random singular vectors and the spectrum 5 * 0.7^k: power iteration converges at
    # the rate of the gap (sigma_2 / sigma_1), which is 0.96 for a plain Gaussian matrix of this size.
    u, _ = np.linalg.qr(rng.normal(size=(20, 10)))
    v, _ = np.linalg.qr(rng.normal(size=(10, 10)))
    dense.kernel.assign((u * 5 * 0.7 ** np.arange(10)) @ v.T)
    x = rng.normal(size=(5, 20)).astype(np.float32)
    sigmas = []
    for _ in range(10):
        layer(x, training=True)
        sigmas.append(np.linalg.svd(np.asarray(dense.kernel), compute_uv=False)[0])
    assert abs(sigmas[-1] - 1) < 1e-3 and abs(sigmas[0] - 1) > abs(sigmas[-1] - 1), sigmas
    # Inference: neither the kernel nor the power-iteration vector moves, and the output is the plain layer's.
    kernel, u = np.asarray(dense.kernel), np.asarray(layer.vector_u)
    out = np.asarray(layer(x, training=False))
    np.testing.assert_array_equal(np.asarray(dense.kernel), kernel)
    np.testing.assert_array_equal(np.asarray(layer.vector_u), u)
    np.testing.assert_allclose(out, x @ kernel + np.asarray(dense.bias), rtol=1e-5, atol=1e-5)


def test_minibatch_discrimination_shapes_and_identical_inputs():
    layer = MinibatchDiscrimination(num_kernels=7, kernel_dim=3)
    same = np.tile(np.random.default_rng(0).normal(size=(1, 12)).astype(np.float32), (5, 1))
    out = np.asarray(layer(same))
    assert out.shape == (5, 12 + 7)
    np.testing.assert_allclose(out[:, :12], same)
    np.testing.assert_allclose(out[:, 12:], 4.0, rtol=1e-6)  # every other example is at L1 distance 0
    far = np.eye(5, 12, dtype=np.float32) * 1e4
    assert np.asarray(layer(far))[:, 12:].max() < 1e-3  # far apart: exp(-large) ~ 0


@pytest.mark.slow
def test_stabilisers_are_recorded_and_the_run_reloads(tiny_idx_dir, tmp_path):
    args = [
        "--model=dcgan",
        f"--data_path={tiny_idx_dir}",
        "--epochs=2",
        "--batch_size=8",
        "--loss=wgan",
        "--penalty=wgan-gp",
        "--d_steps=2",
        "--spectral_norm",
        "--minibatch_discrimination",
        f"--log_dir={tmp_path}",
        "--final_eval_samples=0",
        "--seed=1",
    ]
    result = run_main("train.py", *args)
    assert result.returncode == 0, result.stderr
    run_dir = tmp_path / "dcgan-mnist"
    config = json.loads((run_dir / "config.json").read_text())
    assert (
        config["loss"],
        config["penalty"],
        config["penalty_weight"],
        config["d_steps"],
        config["spectral_norm"],
        config["minibatch_discrimination"],
    ) == ("wgan", "wgan-gp", None, 2, True, True)
    # The penalty brought its paper's rates and betas (dcgan's d_lr was 1e-4 already); --d_steps=2 won.
    assert (config["g_lr"], config["d_lr"], config["beta_1"], config["beta_2"]) == (1e-4, 1e-4, 0.0, 0.9)
    brought = "g_lr=0.0001 beta_1=0.0 beta_2=0.9 from --penalty=wgan-gp (Gulrajani et al. 2017"
    assert config["brought"].startswith(brought) and f"Brought by the choice: {brought}" in result.stdout
    with open(run_dir / "loss.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "Real_P", "Fake_P", "Gen_loss", "Dis_loss", "Penalty"] and len(rows) == 3
    assert "64 images of mnist from" in result.stdout and "4 steps/epoch" in result.stdout  # 64 // (8 x 2)
    events = EventAccumulator(str(run_dir / "tensorboard"), size_guidance={"tensors": 0})
    events.Reload()
    hparams = events.summary_metadata["_hparams_/session_start_info"].plugin_data.content
    assert b"wgan-gp" in hparams and b"minibatch_discrimination" in hparams
    result = run_main("sample.py", f"--run_dir={run_dir}", "--num=4", f"--output={tmp_path / 's.npz'}")
    assert result.returncode == 0, result.stderr
    assert np.load(tmp_path / "s.npz")["images"].shape == (4, 28, 28, 1)
