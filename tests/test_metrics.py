"""The metrics against closed forms and against the failures each is meant to catch."""

import numpy as np
import pytest

from tfganzoo import metrics

RNG = np.random.default_rng(0)


def gaussian(n, mean=0.0, scale=1.0, dim=8, seed=0):
    return np.random.default_rng(seed).normal(mean, scale, (n, dim))


def test_fid_of_a_set_with_itself_is_zero():
    x = gaussian(500)
    assert metrics.fid(x, x) == pytest.approx(0, abs=1e-6)


def test_frechet_distance_matches_the_closed_form_for_known_gaussians():
    # Diagonal covariances: ||mu1 - mu2||^2 + sum (s1 + s2 - 2 sqrt(s1 s2)) = (1 + 4) + (1 + 4 - 4) + (9 + 1 - 6)
    mu1, mu2 = np.array([0.0, 0.0]), np.array([1.0, 2.0])
    s1, s2 = np.diag([1.0, 9.0]), np.diag([4.0, 1.0])
    assert metrics.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(5 + 1 + 4, abs=1e-9)
    # A full covariance against itself shifted: only the means differ
    a = np.array([[2.0, 0.5], [0.5, 1.0]])
    assert metrics.frechet_distance(mu1, a, mu2, a) == pytest.approx(5, abs=1e-9)


def test_two_samples_of_one_distribution_score_near_zero_fid_and_near_one_precision_recall():
    x, y = gaussian(2000, seed=1), gaussian(2000, seed=2)
    assert metrics.fid(x, y) < 0.1
    precision, recall = metrics.precision_recall(x, y)
    assert precision > 0.85 and recall > 0.85  # k = 3 balls leave part of the tails uncovered


def test_kid_is_unbiased_for_one_distribution_and_positive_for_two():
    means = [
        metrics.kid(gaussian(400, seed=s), gaussian(400, seed=100 + s), subsets=5, subset_size=200)[0]
        for s in range(20)
    ]
    assert abs(np.mean(means)) < 3 * np.std(means) / np.sqrt(len(means))
    shifted, error = metrics.kid(gaussian(400, seed=1), gaussian(400, mean=1.0, seed=2), subsets=5, subset_size=200)
    assert shifted > 10 * error > 0


def test_noise_has_low_precision_and_a_collapsed_generator_low_recall():
    real = gaussian(1000, seed=1)
    noise = np.random.default_rng(3).uniform(-6, 6, (1000, 8))
    assert metrics.precision_recall(real, noise)[0] < 0.2
    collapsed = np.repeat(real[:1], 1000, axis=0) + 1e-3 * gaussian(1000, seed=4)
    precision, recall = metrics.precision_recall(real, collapsed)
    assert precision > 0.9 and recall < 0.05
    assert metrics.fid(real, collapsed) > 5


def test_classifier_score_and_entropy_catch_mode_collapse():
    confident_all_classes = np.eye(10)[np.arange(1000) % 10]
    one_class = np.eye(10)[np.zeros(1000, int)]
    assert metrics.classifier_score(confident_all_classes) == pytest.approx(10, rel=1e-6)
    assert metrics.classifier_score(one_class) == pytest.approx(1, rel=1e-6)
    assert metrics.predicted_class_entropy(confident_all_classes) == pytest.approx(np.log(10))
    assert metrics.predicted_class_entropy(one_class) == 0


def test_confusion_matrix_counts_requested_against_predicted():
    counts = metrics.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    np.testing.assert_array_equal(counts, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])


def test_misses_by_latent_by_hand():
    # Four latents, each drawn with labels 0, 1, 2: two always right, one misses label 2, one comes out class 2
    # whatever the label. Misses per latent 0, 0, 1, 2 (mean 0.75, variance 0.6875); each class is hit 3 times
    # in 4, an independent variance of 3 x 3/16 = 0.5625, so a dispersion of 11/9.
    summary = metrics.misses_by_latent([[0, 1, 2], [0, 1, 2], [0, 1, 1], [2, 2, 2]])
    assert summary["latents"] == 4 and summary["misses_per_latent"] == 0.75
    assert summary["dispersion"] == pytest.approx(11 / 9)
    assert summary["worst_5pct_share"] == pytest.approx(2 / 3)  # one latent (5% of 4, at least one) of 3 misses
    assert summary["one_class_share"] == 0.25
    perfect = metrics.misses_by_latent([[0, 1], [0, 1]])
    assert (perfect["dispersion"], perfect["worst_5pct_share"], perfect["one_class_share"]) == (None, 0.0, 0.0)


def test_label_accuracy_and_the_best_mapping_of_codes_to_classes():
    labels = np.arange(100) % 10
    assert metrics.label_accuracy(np.eye(10)[labels], labels) == 1.0
    permutation = RNG.permutation(10)
    np.testing.assert_array_equal(metrics.best_mapping(labels, permutation[labels]), permutation)
    noisy = permutation[labels].copy()
    noisy[:20] = (noisy[:20] + 1) % 10  # 20 of 100 images name another class: the mapping stands, 0.8 agree
    mapping = metrics.best_mapping(labels, noisy)
    np.testing.assert_array_equal(mapping, permutation)
    assert np.mean(mapping[labels] == noisy) == pytest.approx(0.8)
    # Code 1 is read as class 0 twice, code 0 as class 0 three times: code 0 takes class 0, code 1 its next best.
    np.testing.assert_array_equal(metrics.best_mapping([0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 2]), [0, 2])
    # Classes never predicted are still given to codes when the shape counts them; without, those codes get -1.
    assert sorted(metrics.best_mapping([0, 1, 2], [0, 0, 0], shape=(3, 3))) == [0, 1, 2]
    assert sorted(metrics.best_mapping([0, 1, 2], [0, 0, 0])) == [-1, -1, 0]
