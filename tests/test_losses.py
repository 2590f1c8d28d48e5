"""Loss values on fixed logits, computed by hand (TF-GAN's pattern)."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfganzoo import losses
from tfganzoo.errors import UserError

REAL_LOGITS = np.array([[2.0], [-1.0]], np.float32)
FAKE_LOGITS = np.array([[0.5], [-3.0]], np.float32)


def test_ns_generator_loss_by_hand():
    # -mean(log sigmoid(fake)) = mean(log(1 + e^-0.5), log(1 + e^3)) = mean(0.474077, 3.048587)
    assert float(losses.ns_generator_loss(FAKE_LOGITS)) == pytest.approx(1.761332, abs=1e-5)


def test_ns_discriminator_loss_by_hand():
    # real: mean(log(1 + e^-2), log(1 + e^1)) = mean(0.126928, 1.313262) = 0.720095
    # fake: mean(log(1 + e^0.5), log(1 + e^-3)) = mean(0.974077, 0.048587) = 0.511332
    assert float(losses.ns_discriminator_loss(REAL_LOGITS, FAKE_LOGITS)) == pytest.approx(1.231427, abs=1e-5)


def test_ns_losses_equal_binary_cross_entropy_of_probabilities():
    sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    bce = lambda target, p: -np.mean(target * np.log(p) + (1 - target) * np.log(1 - p))  # noqa: E731
    expected_d = bce(1, sigmoid(REAL_LOGITS)) + bce(0, sigmoid(FAKE_LOGITS))
    assert float(losses.ns_discriminator_loss(REAL_LOGITS, FAKE_LOGITS)) == pytest.approx(expected_d, rel=1e-5)
    assert float(losses.ns_generator_loss(FAKE_LOGITS)) == pytest.approx(bce(1, sigmoid(FAKE_LOGITS)), rel=1e-5)


def test_losses_stay_finite_for_saturated_logits():
    big = np.array([[100.0], [-100.0]], np.float32)
    assert float(losses.ns_discriminator_loss(big, big)) == pytest.approx(100.0, rel=1e-4)
    assert math.isfinite(float(losses.ns_generator_loss(big)))


def test_unknown_loss_names_the_valid_choices():
    with pytest.raises(UserError, match=r"unknown loss 'wgan2'; valid choices: hinge, lsgan, minimax, ns, wgan"):
        losses.get_loss("wgan2")


def test_acgan_class_loss_by_hand():
    # softmax([2, 0, -1]) = [0.843795, 0.114195, 0.042010]; label 0 -> -log 0.843795 = 0.169846
    # softmax([0, 0, 0]) = 1/3 each; label 2 -> log 3 = 1.098612.  Mean 0.634229.
    logits = np.array([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]], np.float32)
    assert float(losses.acgan_class_loss(logits, np.array([0, 2]))) == pytest.approx(0.634229, abs=1e-5)


def test_infogan_mutual_information_loss_by_hand():
    q = {
        "code_logits": np.array([[1.0, 0.0], [0.0, 3.0]], np.float32),
        "code_mean": np.array([[0.5, 0.0], [-1.0, 0.2]], np.float32),
    }
    categorical = np.array([0, 0])
    continuous = np.array([[0.5, 1.0], [0.0, 0.2]], np.float32)
    # cross-entropy: -log softmax([1, 0])[0] = log(1 + e^-1) = 0.313262; -log softmax([0, 3])[0] = 3.048587
    cross_entropy = (0.313262 + 3.048587) / 2
    # unit-variance Gaussian NLL = 0.5 log(2 pi) + (c - mu)^2 / 2, with 0.5 log(2 pi) = 0.918939, two codes:
    # example 1: 2 * 0.918939 + (0 + 1) / 2; example 2: 2 * 0.918939 + (1 + 0) / 2
    nll = 2 * 0.918939 + 0.5
    value = losses.infogan_mutual_information_loss(q, categorical, continuous)
    assert float(value) == pytest.approx(cross_entropy + nll, abs=1e-5)
    weighted = losses.infogan_mutual_information_loss(q, categorical, continuous, continuous_weight=0.1)
    assert float(weighted) == pytest.approx(cross_entropy + 0.1 * nll, abs=1e-5)


def test_infogan_loss_is_smallest_when_q_recovers_the_codes():
    codes = np.array([[0.3, -0.7]], np.float32)
    exact = {"code_logits": np.array([[8.0, -8.0]], np.float32), "code_mean": codes}
    wrong = {**exact, "code_logits": np.array([[-8.0, 8.0]], np.float32), "code_mean": -codes}
    assert float(losses.infogan_mutual_information_loss(exact, np.array([0]), codes)) < float(
        losses.infogan_mutual_information_loss(wrong, np.array([0]), codes)
    )


# ----- the other losses, on the same logits: REAL = [2, -1], FAKE = [0.5, -3] -----


@pytest.mark.parametrize(
    "name,generator,discriminator",
    [
        # minimax G: -mean(log(1 + e^0.5), log(1 + e^-3)) = -mean(0.974077, 0.048587); D as ns.
        ("minimax", -0.511332, 1.231427),
        # wgan G: -mean(0.5, -3) = 1.25; D: mean(fake) - mean(real) = -1.25 - 0.5.
        ("wgan", 1.25, -1.75),
        # hinge D: mean(max(0, 1 - 2), max(0, 1 + 1)) + mean(max(0, 1.5), max(0, -2)) = 1 + 0.75; G as wgan.
        ("hinge", 1.25, 1.75),
        # lsgan G: 0.5 mean(0.5^2, 4^2) = 4.0625; D: 0.5 mean(1^2, 2^2) + 0.5 mean(0.5^2, 3^2) = 1.25 + 2.3125.
        ("lsgan", 4.0625, 3.5625),
    ],
)
def test_every_loss_pair_by_hand(name, generator, discriminator):
    pair = losses.get_loss(name)
    assert float(pair.generator(FAKE_LOGITS)) == pytest.approx(generator, abs=1e-5)
    assert float(pair.discriminator(REAL_LOGITS, FAKE_LOGITS)) == pytest.approx(discriminator, abs=1e-5)


def test_unknown_penalty_names_the_choices():
    with pytest.raises(UserError, match="unknown penalty 'gp'; valid choices: dragan, none, r1, wgan-gp"):
        losses.get_penalty("gp")


# A linear critic C(x) = sum(w * x) has the gradient w at every x, so each penalty has a closed form.
W = np.random.default_rng(0).normal(size=(1, 4, 4, 1)).astype(np.float32)
W_NORM = float(np.linalg.norm(W))


def linear_critic(images):
    return tf.reduce_sum(images * W, axis=[1, 2, 3])


def penalty_inputs():
    rng = np.random.default_rng(1)
    return [tf.constant(rng.normal(size=(3, 4, 4, 1)).astype(np.float32)) for _ in range(2)]


@pytest.mark.parametrize(
    "name,expected",
    [
        ("wgan-gp", (W_NORM - 1) ** 2),  # (||w|| - 1)^2 wherever the interpolate falls
        ("dragan", (W_NORM - 1) ** 2),
        ("r1", 0.5 * W_NORM**2),
    ],
)
def test_gradient_penalties_of_a_linear_critic(name, expected):
    real, fake = penalty_inputs()
    value = losses.get_penalty(name).function(linear_critic, real, fake, keras.random.SeedGenerator(0))
    assert float(value) == pytest.approx(expected, rel=1e-5)


def test_r1_of_the_real_gradients_by_hand():
    gradients = tf.constant([[[1.0], [2.0]], [[3.0], [4.0]]])  # two examples: squared norms 5 and 25
    assert float(losses.r1_of_real_gradients(gradients)) == pytest.approx(0.5 * (5 + 25) / 2)
    penalty = losses.get_penalty("r1")  # and the same as the penalty through the critic: w at every image
    real, fake = penalty_inputs()
    assert float(penalty.of_real_gradients(tf.broadcast_to(W, real.shape))) == pytest.approx(
        float(penalty.function(linear_critic, real, fake)), rel=1e-6
    )


def test_wgan_gp_draws_one_interpolation_weight_per_example_in_0_1():
    # C(x) = sum(x^2) / 2 has gradient x: the norm at x_hat tells where between fake and real it fell.
    real = tf.ones((64, 2, 2, 1))  # and fake = 0, so x_hat = e * real
    norms = losses.gradient_norms(
        lambda x: 0.5 * tf.reduce_sum(tf.square(x), axis=[1, 2, 3]), losses._per_example_uniform(real, 0) * real
    )
    e = np.asarray(norms) / 2  # ||e * ones(4)|| = 2e
    assert 0 <= e.min() and e.max() <= 1 and e.std() > 0.1


def test_gradient_norm_is_finite_where_the_gradient_vanishes():
    with tf.GradientTape() as tape:
        x = tf.zeros((2, 2, 2, 1))
        tape.watch(x)
        norms = losses.gradient_norms(lambda images: tf.reduce_sum(images * 0.0, axis=[1, 2, 3]), x)
    assert np.allclose(norms, 1e-6)  # sqrt(0 + 1e-12)
