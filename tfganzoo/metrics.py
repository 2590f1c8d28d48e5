"""Sample-quality metrics on feature vectors and class probabilities (numpy in, floats out).

The features come from the evaluation classifier (tfganzoo/classifier.py), so scores are comparable only
between runs measured with the same classifier; evaluate.py prints its identity with every result.
"""

import warnings

import numpy as np
from scipy import linalg, optimize


# Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium".
def frechet_distance(mu1, sigma1, mu2, sigma2):
    """||mu1 - mu2||^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)): the Frechet distance of two Gaussians."""
    with warnings.catch_warnings():  # a singular product is handled below
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean, _ = linalg.sqrtm(sigma1 @ sigma2, disp=False)
    if not np.isfinite(covmean).all():  # singular product: nudge both covariances (as the reference code)
        offset = np.eye(len(sigma1)) * 1e-6
        covmean = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean.real))


def fid(features1, features2):
    """FID between two feature sets [N, D] and [M, D]."""
    stats = [(f.mean(axis=0), np.cov(f, rowvar=False)) for f in (np.float64(features1), np.float64(features2))]
    return frechet_distance(*stats[0], *stats[1])


# Binkowski et al. 2018, "Demystifying MMD GANs": unbiased MMD^2 with the cubic polynomial kernel.
def kid(features1, features2, subsets=10, subset_size=1000, seed=0):
    """(mean, standard error) of the unbiased KID estimate over `subsets` random subsets of each set."""
    rng = np.random.default_rng(seed)
    size = min(subset_size, len(features1), len(features2))
    dim = features1.shape[1]
    kernel = lambda a, b: (a @ b.T / dim + 1) ** 3  # noqa: E731
    estimates = []
    for _ in range(subsets):
        x = np.float64(features1[rng.choice(len(features1), size, replace=False)])
        y = np.float64(features2[rng.choice(len(features2), size, replace=False)])
        kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
        off_diagonal = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (size * (size - 1))
        estimates.append(off_diagonal - 2 * kxy.mean())
    return float(np.mean(estimates)), float(np.std(estimates, ddof=1) / np.sqrt(subsets)) if subsets > 1 else 0.0


# Salimans et al. 2016, "Improved Techniques for Training GANs" (the Inception Score, any classifier).
def classifier_score(probabilities):
    """exp(E_x KL(p(y|x) || p(y))) for class probabilities [N, K]: 1 (worst) to K (best)."""
    p = np.clip(np.float64(probabilities), 1e-12, 1)
    marginal = p.mean(axis=0)
    return float(np.exp(np.mean(np.sum(p * (np.log(p) - np.log(marginal)), axis=1))))


def predicted_class_entropy(probabilities):
    """Entropy (nats) of the histogram of predicted classes: log K when every class is generated equally."""
    counts = np.bincount(np.argmax(probabilities, axis=1), minlength=probabilities.shape[1])
    frequencies = counts[counts > 0] / counts.sum()
    return float(-np.sum(frequencies * np.log(frequencies))) + 0.0  # + 0.0: one class gives 0, not -0


def _kth_neighbour_distances(features, k, chunk=1000):
    """Distance from each point to its k-th nearest other point of the same set."""
    radii = np.empty(len(features))
    for start in range(0, len(features), chunk):
        d = _distances(features[start : start + chunk], features)
        radii[start : start + chunk] = np.partition(d, k, axis=1)[:, k]  # column 0 is the point itself
    return radii


def _distances(a, b):
    squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(squared, 0))


def _coverage(points, centres, radii, chunk=1000):
    """Fraction of `points` inside at least one ball (centre, radius)."""
    inside = [
        np.any(_distances(points[s : s + chunk], centres) <= radii[None, :], axis=1)
        for s in range(0, len(points), chunk)
    ]
    return float(np.mean(np.concatenate(inside)))


# Kynkaanniemi et al. 2019, "Improved Precision and Recall Metric for Assessing Generative Models".
def precision_recall(real, fake, k=3):
    """(precision, recall): the fraction of fakes inside the real manifold (balls of each real point's
    k-th nearest-neighbour radius), and of reals inside the fake manifold."""
    real, fake = np.float64(real), np.float64(fake)
    return (
        _coverage(fake, real, _kth_neighbour_distances(real, k)),
        _coverage(real, fake, _kth_neighbour_distances(fake, k)),
    )


def label_accuracy(probabilities, requested):
    """How often the classifier names the class the generator was asked for."""
    return float(np.mean(np.argmax(probabilities, axis=1) == requested))


def confusion_matrix(requested, predicted, num_classes):
    """counts[i, j]: how often class j was predicted where class i was requested (or is the true label)."""
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(requested), np.asarray(predicted)), 1)
    return counts


def misses_by_latent(predicted):
    """How a conditional generator's label misses spread over its latents. predicted[m, k] is the class the
    classifier names for latent m drawn with label k. Were the misses independent of the latent, each latent's
    number of misses would be a sum of independent draws at the classes' own miss rates, with the variance
    `independent`; a dispersion (the variance over it) well above 1, the worst latents holding most misses, or
    latents drawn as one class whatever the label, say that the generator ignores the label for some latents."""
    predicted = np.asarray(predicted)
    latents, classes = predicted.shape
    right = predicted == np.arange(classes)
    rates = right.mean(axis=0)
    misses = classes - right.sum(axis=1)
    independent = float(np.sum(rates * (1 - rates)))
    worst = np.sort(misses)[::-1][: max(1, latents // 20)]
    return {
        "latents": latents,
        "misses_per_latent": float(misses.mean()),
        "dispersion": float(misses.var() / independent) if independent else None,
        "worst_5pct_share": float(worst.sum() / misses.sum()) if misses.any() else 0.0,
        "one_class_share": float(np.mean((predicted == predicted[:, :1]).all(axis=1))),
    }


def best_mapping(codes, predicted, shape=None):
    """The one-to-one mapping from code values to classes under which the most codes name the class predicted
    for their image (Hungarian algorithm): mapping[code] is a class, or -1 for a code left without one.
    `shape` (codes, classes) counts values that may not occur; by default the largest of each that does."""
    codes, predicted = np.asarray(codes), np.asarray(predicted)
    counts = np.zeros(shape or (codes.max() + 1, predicted.max() + 1))
    np.add.at(counts, (codes, predicted), 1)
    rows, columns = optimize.linear_sum_assignment(-counts)
    mapping = np.full(len(counts), -1)
    mapping[rows] = columns
    return mapping
