"""The one shared train step, for every registered model, on tiny data."""

import keras
import numpy as np
import pytest
from keras import ops

from conftest import make_digits, with_data_shape
from tfganzoo import callbacks, checkpoints, models, training
from tfganzoo.config import make_config
from tfganzoo.images import to_model_range


def tiny_gan(name, **options):
    # One discriminator update per step unless a test asks for more (gan's default takes two, each on half the
    # batch), so that each step's batch is the one the checks see.
    noise = {} if name in models.TRANSLATION_MODELS else {"noise_dim": 16}
    small = {"width": 8, "resnet_blocks": 1} if name == "cyclegan" else {}  # its default step takes seconds here
    # Without XLA unless a test asks for it: compiling gan's or cgan's step costs seconds, tests/test_speed.py
    # checks what XLA computes.
    options = {"batch_size": 8, "seed": 1, "d_steps": 1, "jit_compile": False, **noise, **small, **options}
    keras.utils.set_random_seed(options["seed"])  # the same initial weights in every process
    # The run length only sizes a --lr_decay schedule (cgan's default): 10 epochs of 10 steps.
    return training.compile_gan(with_data_shape(make_config(name, **options)), steps_per_epoch=10)


def batch(size=8, name=None):
    """(images, labels) of tiny digits, or for a translation model `name` pairs (targets, sources): the digits'
    16x16 centres and their negatives."""
    images, labels = make_digits(size, seed=4)
    images = np.asarray(to_model_range(images[..., None]))
    if name in models.TRANSLATION_MODELS:
        return images[:, 6:22, 6:22], -images[:, 6:22, 6:22]
    return images, labels.astype(np.int64)


@pytest.mark.parametrize(
    "name,options", [(name, {}) for name in sorted(models.MODELS)] + [("infogan", {"infogan_body": "paper"})]
)
def test_one_step_updates_every_variable_and_logs_its_losses(name, options):
    gan = tiny_gan(name, **options)
    before = {v.path: np.array(v) for v in gan.generator.trainable_variables + gan.discriminator.trainable_variables}
    logs = gan.train_on_batch(*batch(name=name), return_dict=True)
    penalty = {"Penalty"} if gan.penalty.function else set()
    assert set(logs) == {"Real_P", "Fake_P", "Gen_loss", "Dis_loss", *gan.extra_log_names} | penalty
    assert all(np.isfinite(value) for value in logs.values())
    if gan.loss_pair.output is ops.sigmoid:  # the other losses log the raw output (a critic's, lsgan's)
        assert 0 <= logs["Real_P"] <= 1 and 0 <= logs["Fake_P"] <= 1
    after = {v.path: np.array(v) for v in gan.generator.trainable_variables + gan.discriminator.trainable_variables}
    unchanged = [path for path in before if np.array_equal(before[path], after[path])]
    assert not unchanged, f"variables the step never updated: {unchanged}"


def generator_passes(gan, data):
    """How many times one (eager) train step calls the generator."""
    calls = []
    generate = gan.generate
    gan.generate = lambda *args, **kwargs: calls.append(1) or generate(*args, **kwargs)
    gan.train_step(data)
    return len(calls)


@pytest.mark.parametrize("name,passes", [("dcgan", 2), ("pix2pix", 1), ("cyclegan", 2)])
def test_translation_steps_share_one_generator_pass_between_both_updates(name, passes):
    # A noise GAN draws fresh latents for each update; pix2pix's D and G updates learn from one pass, and
    # CycleGAN's add only the cycle's pass (identity off), as the reference loops do.
    gan = tiny_gan(name)
    assert generator_passes(gan, batch(name=name)) == passes


@pytest.mark.parametrize("name", models.TRANSLATION_MODELS)
def test_a_shared_pass_trains_exactly_what_a_pass_per_update_trains(name):
    # No latent and no dropout at this size: the G update's own pass would recompute the D update's images.
    # (pix2pix's batch-norm statistics, not trained, then move once per step instead of twice.)
    shared, separate = tiny_gan(name), tiny_gan(name)
    separate.shares_generator_pass = False
    data = batch(name=name)
    logs = [gan.train_on_batch(*data, return_dict=True) for gan in (shared, separate)]
    assert logs[0] == logs[1]
    trained = lambda gan: gan.generator.trainable_variables + gan.discriminator.trainable_variables  # noqa: E731
    for a, b in zip(trained(shared), trained(separate), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=a.path)


def test_logged_real_p_is_the_discriminators_mean_probability_on_the_real_batch():
    # With a learning rate of ~0 the discriminator stays put, so its probabilities on the same real batch
    # after the step must equal what the step logged: real images went to the "real" term.
    gan = tiny_gan("gan", lr=1e-12, spectral_norm=False)  # spectral norm would move on the second call
    images, labels = batch()
    logs = gan.train_on_batch(images, labels, return_dict=True)
    real_p = float(np.mean(1 / (1 + np.exp(-np.asarray(gan.discriminate(images, labels, training=True)["logits"])))))
    assert logs["Real_P"] == pytest.approx(real_p, abs=1e-4)
    assert logs["Dis_loss"] > 0 and logs["Gen_loss"] > 0


def test_conditional_generator_depends_on_the_label():
    gan = tiny_gan("cgan")
    noise = np.random.default_rng(0).standard_normal((2, 16)).astype(np.float32)
    images = np.asarray(gan.generate({"noise": noise[[0, 0]]}, np.array([1, 7])))
    assert not np.allclose(images[0], images[1])


def labels_as_logits(images, labels, training=False):
    """A stand-in discriminator that answers with the label it was given: shows which labels were paired."""
    return {"logits": ops.cast(labels, "float32")[:, None]}


def test_mismatched_labels_are_always_wrong_and_reach_every_other_class():
    gan = tiny_gan("cgan", mismatched_labels=True, mismatch_temperature=0.0)
    gan.discriminate = labels_as_logits
    labels = np.repeat(np.arange(10), 200)
    wrong = np.asarray(gan.mismatched_logits(np.zeros((len(labels), 28, 28, 1), np.float32), labels))[:, 0]
    assert not np.any(wrong == labels)
    for label in range(10):
        assert set(wrong[labels == label]) == set(range(10)) - {label}


def test_scored_wrong_labels_follow_the_softmax_of_label_scores_and_are_never_right():
    gan = tiny_gan("cgan", mismatched_labels=True, mismatch_temperature=0.5)
    scores = np.zeros((10, 10), np.float32)
    scores[np.arange(10), (np.arange(10) + 3) % 10] = 1.0  # D accepts class c + 3 for class c
    scores[np.arange(10), np.arange(10)] = 5.0  # its own label scores highest, and must never be drawn
    gan.label_scores.assign(scores)
    labels = np.repeat(np.arange(10), 1000)
    wrong = np.asarray(gan.wrong_labels(labels))
    assert not np.any(wrong == labels)
    favoured = np.exp(1 / 0.5) / (np.exp(1 / 0.5) + 8)  # 0.48, against 1/9 when drawn uniformly
    assert np.mean(wrong == (labels + 3) % 10) == pytest.approx(favoured, abs=0.02)
    for label in range(10):
        assert set(wrong[labels == label]) == set(range(10)) - {label}


def test_label_scores_move_towards_the_discriminators_output_on_the_pairs_it_saw():
    gan = tiny_gan("cgan", mismatched_labels=True, mismatch_temperature=0.1)  # lsgan: output = logits
    gan.discriminate = labels_as_logits  # D's output on (image of class i, label j) is j
    labels = np.repeat(np.arange(10), 200)  # at temperature 0.1 on an all-zero table, every pair comes up
    images = np.zeros((len(labels), 28, 28, 1), np.float32)
    expected = np.tile(np.arange(10, dtype=np.float32), (10, 1)) * (1 - np.eye(10))  # j off the diagonal
    gan.mismatched_logits(images, labels)
    np.testing.assert_allclose(np.asarray(gan.label_scores), 0.01 * expected, atol=1e-6)
    gan.mismatched_logits(images, labels[:5])  # only class 0, paired with some labels: only those move
    after = np.asarray(gan.label_scores)
    np.testing.assert_allclose(after[1:], 0.01 * expected[1:], atol=1e-6)
    moved = ~np.isclose(after[0], 0.01 * expected[0], atol=1e-7)
    np.testing.assert_allclose(after[0][moved], 0.0199 * expected[0][moved], atol=1e-6)  # 0.99 x 0.01 j + 0.01 j
    assert 1 <= moved.sum() <= 5


def test_label_scores_are_checkpointed(tmp_path):
    gan = tiny_gan("cgan", mismatched_labels=True, mismatch_temperature=0.1)
    gan.label_scores.assign(np.arange(100, dtype=np.float32).reshape(10, 10))
    path = checkpoints.Checkpoints(tmp_path, gan, keep=1).save(1)
    fresh = tiny_gan("cgan", mismatched_labels=True, mismatch_temperature=0.1)
    checkpoints.Checkpoints(tmp_path, fresh, keep=1).restore(path)
    np.testing.assert_array_equal(np.asarray(fresh.label_scores), np.asarray(gan.label_scores))


def test_checkpoints_keep_the_seconds_trained(tmp_path):
    gan = tiny_gan("gan")
    path = checkpoints.Checkpoints(tmp_path, gan, keep=1, clock=callbacks.TrainingClock(12.5)).save(1)
    clock = callbacks.TrainingClock()
    checkpoints.Checkpoints(tmp_path, tiny_gan("gan"), keep=1, clock=clock).restore(path)
    assert clock.seconds == 12.5


def test_mismatched_logits_join_the_fake_half_of_the_discriminator_loss():
    # Two identical steps (learning rate ~0, deterministic discriminator), the second with three extra negative
    # logits of 2: the ns loss's fake term becomes the mean over the generated images' and these logits.
    images, labels = batch()
    plain = tiny_gan("gan", lr=1e-12, spectral_norm=False)
    with_negatives = tiny_gan("gan", lr=1e-12, spectral_norm=False)
    with_negatives.mismatched_logits = lambda real_images, labels: ops.full((3, 1), 2.0)
    for network in ("generator", "discriminator"):
        getattr(with_negatives, network).set_weights(getattr(plain, network).get_weights())
    loss = plain.train_on_batch(images, labels, return_dict=True)["Dis_loss"]
    loss_with = with_negatives.train_on_batch(images, labels, return_dict=True)["Dis_loss"]
    real_logits = np.asarray(plain.discriminate(images, labels)["logits"])
    real_term = np.mean(np.logaddexp(0, -real_logits))  # softplus(-logit) = -log sigmoid(logit)
    fake_term = loss - real_term  # mean softplus over the 8 generated images
    expected = real_term + (8 * fake_term + 3 * np.logaddexp(0, 2.0)) / 11
    assert loss_with == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_mixed_precision_computes_in_bfloat16_on_cpu_and_keeps_float32_weights(name):
    gan = tiny_gan(name, mixed_precision=True)
    logs = gan.train_on_batch(*batch(name=name), return_dict=True)
    assert all(np.isfinite(value) for value in logs.values())
    assert {layer.compute_dtype for layer in gan.generator.layers if layer.weights} == {"bfloat16"}
    assert {v.dtype for v in gan.generator.weights + gan.discriminator.weights if "seed" not in v.path} == {"float32"}
    sources = batch(2, name)[1] if gan.translates else np.zeros(2, int)
    images = gan.generate(gan.fixed_latent(2, seed=0), (sources, sources) if gan.unpaired else sources)
    assert all(x.dtype == "float32" for x in keras.tree.flatten(images))


def test_float16_wraps_both_optimizers_in_loss_scaling_and_trains(monkeypatch):
    monkeypatch.setattr(models, "precision_policy", lambda mixed: "mixed_float16" if mixed else "float32")
    gan = tiny_gan("dcgan", mixed_precision=True, penalty="r1")
    assert all(isinstance(o, keras.optimizers.LossScaleOptimizer) for o in (gan.g_optimizer, gan.d_optimizer))
    before = [np.array(v) for v in gan.generator.trainable_variables]
    logs = gan.train_on_batch(*batch(), return_dict=True)
    assert all(np.isfinite(value) for value in logs.values())
    after = gan.generator.trainable_variables
    assert any(not np.array_equal(b, np.array(v)) for b, v in zip(before, after, strict=True))


def test_lr_decay_falls_linearly_to_zero_over_the_runs_updates():
    config = with_data_shape(make_config("gan", lr=1e-3, d_lr=4e-4, d_steps=2, epochs=4, lr_decay=True))
    gan = training.compile_gan(config, steps_per_epoch=5)  # 20 generator updates, 40 discriminator updates
    g, d = gan.g_optimizer, gan.d_optimizer
    assert (float(g.learning_rate), float(d.learning_rate)) == pytest.approx((1e-3, 4e-4))
    g.iterations.assign(10)
    d.iterations.assign(10)
    assert (float(g.learning_rate), float(d.learning_rate)) == pytest.approx((5e-4, 3e-4))
    g.iterations.assign(30)  # past the end (a run extended without the decay being stretched): it stays at 0
    assert float(g.learning_rate) == 0
    constant = training.compile_gan(with_data_shape(make_config("gan", lr=1e-3, lr_decay=False)), steps_per_epoch=5)
    constant.g_optimizer.iterations.assign(15)
    assert float(constant.g_optimizer.learning_rate) == pytest.approx(1e-3)
    with pytest.raises(ValueError, match="lr_decay needs the run's number of updates"):
        training.compile_gan(config)
