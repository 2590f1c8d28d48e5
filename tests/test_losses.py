"""Loss values on fixed logits, computed by hand (TF-GAN's pattern)."""

import math

import numpy as np
import pytest

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
    with pytest.raises(UserError, match=r"unknown loss 'wgan'; valid choices: ns"):
        losses.get_loss("wgan")


def test_acgan_class_loss_by_hand():
    # softmax([2, 0, -1]) = [0.843795, 0.114195, 0.042010]; label 0 -> -log 0.843795 = 0.169846
    # softmax([0, 0, 0]) = 1/3 each; label 2 -> log 3 = 1.098612.  Mean 0.634229.
    logits = np.array([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]], np.float32)
    assert float(losses.acgan_class_loss(logits, np.array([0, 2]))) == pytest.approx(0.634229, abs=1e-5)


def test_infogan_mutual_information_loss_by_hand():
    q = {"code_logits": np.array([[1.0, 0.0], [0.0, 3.0]], np.float32),
         "code_mean": np.array([[0.5, 0.0], [-1.0, 0.2]], np.float32)}
    categorical = np.array([0, 0])
    continuous = np.array([[0.5, 1.0], [0.0, 0.2]], np.float32)
    # cross-entropy: -log softmax([1, 0])[0] = log(1 + e^-1) = 0.313262; -log softmax([0, 3])[0] = 3.048587
    cross_entropy = (0.313262 + 3.048587) / 2
    # unit-variance Gaussian NLL = 0.5 log(2 pi) + (c - mu)^2 / 2, with 0.5 log(2 pi) = 0.918939, two codes:
    # example 1: 2 * 0.918939 + (0 + 1) / 2; example 2: 2 * 0.918939 + (1 + 0) / 2
    nll = 2 * 0.918939 + 0.5
    value = losses.infogan_mutual_information_loss(q, categorical, continuous)
    assert float(value) == pytest.approx(cross_entropy + nll, abs=1e-5)


def test_infogan_loss_is_smallest_when_q_recovers_the_codes():
    codes = np.array([[0.3, -0.7]], np.float32)
    exact = {"code_logits": np.array([[8.0, -8.0]], np.float32), "code_mean": codes}
    wrong = {**exact, "code_logits": np.array([[-8.0, 8.0]], np.float32), "code_mean": -codes}
    assert float(losses.infogan_mutual_information_loss(exact, np.array([0]), codes)) < \
        float(losses.infogan_mutual_information_loss(wrong, np.array([0]), codes))
