"""Scoring a translation model against the true translations of the test split (issue 31).

Every pair's target is the right answer, so the translations are compared with it image by image: the mean
absolute error (`l1`, pixels scaled to [0, 1]), `psnr` (dB) and `ssim` (tf.image's, 11 x 11 Gaussian window)
over the test pairs. Where the pairs are built from Fashion-MNIST (tfganzoo.pairs.KNOWN), the evaluation
classifier of Fashion-MNIST also scores them: `class_preservation`, the share of translations it assigns the
source garment's class, and `fid` between the translations and the real targets in its features (colour
targets through tf.image.rgb_to_grayscale, and the 28 x 28 centre the classifier was trained on). The
classifier's accuracy on the real targets through the same path is the yardstick, reported with its
identity. A model that translates both ways (CycleGAN) is also scored on its cycles: `cycle_l1_a`, the mean
absolute error of F(G(a)) to the test sources a, and `cycle_l1_b`, of G(F(b)) to the test targets b. Unpaired
test images (a user's testA/ and testB/) have no true targets: they get the cycle scores alone.
"""

import numpy as np
import tensorflow as tf

from tfganzoo import classifier as classifier_lib
from tfganzoo import datasets, metrics, pairs, sampling
from tfganzoo.errors import UserError


class TranslationEvaluator:
    """The test pairs (the first `max_real`), and for known-answer pairs the classifier and the real targets'
    features; called on a translation model, it returns a dict of scores."""

    def __init__(self, config, cache_dir=None, max_real=10_000):
        test = datasets.load(config.dataset, "test", config.data_path, config.data_dir, config.image_size)
        self.sources, self.targets = test.sources[:max_real], test.images[:max_real]
        self.labels = test.labels[:max_real]
        self.paired = not test.unpaired
        self.known = datasets.get_dataset(config.dataset).pairs is not None
        self._identity = {"reference": f"the test split's true translations, {len(self.targets)} pairs"}
        if not self.paired:
            self._identity = {
                "reference": f"the test split's {len(self.sources)} + {len(self.targets)} images, translated back"
            }
        if not self.known:
            return
        garments = datasets.load("fashion_mnist", "test", config.data_path, config.data_dir)
        train = lambda: datasets.load("fashion_mnist", "train", config.data_path, config.data_dir)  # noqa: E731
        self.classifier = classifier_lib.load_or_train("fashion_mnist", train, garments, cache_dir)
        self.real_features, probabilities = self.classifier.features_and_probabilities(garments_of(self.targets))
        self._identity.update(
            self.classifier.identity,
            targets_class_accuracy=metrics.label_accuracy(probabilities, self.labels),
            reference=self._identity["reference"],
        )

    @property
    def identity(self):
        return self._identity

    def __call__(self, gan, num_samples=None, seed=0):
        """Scores of the translations of the first `num_samples` test sources (all of them when None)."""
        return self.evaluate(gan, num_samples)[0]

    def evaluate_real(self, num_samples, seed=0):
        raise UserError("a translation is scored against its true target; there are no real images to score alike")

    def evaluate(self, gan, num_samples=None, seed=0, by_class=False):
        chosen = slice(0, num_samples)
        translated = sampling.translate(gan, self.sources[chosen])
        scores = compared(translated, self.targets[chosen]) if self.paired else {}
        if gan.unpaired:
            back = sampling.translate(gan, self.targets[chosen], "BtoA")
            scores["cycle_l1_a"] = mean_l1(sampling.translate(gan, translated, "BtoA"), self.sources[chosen])
            scores["cycle_l1_b"] = mean_l1(sampling.translate(gan, back, "AtoB"), self.targets[chosen])
        if self.known:
            features, probabilities = self.classifier.features_and_probabilities(garments_of(translated))
            scores["class_preservation"] = metrics.label_accuracy(probabilities, self.labels[chosen])
            scores["fid"] = metrics.fid(self.real_features, features)
        return scores, None


def compared(translated, targets):
    """{"l1", "psnr", "ssim"}: means over the pairs of uint8 images [N, H, W, C]."""
    fake, real = tf.constant(translated, tf.float32), tf.constant(targets, tf.float32)
    return {
        "l1": mean_l1(translated, targets),
        "psnr": float(tf.reduce_mean(tf.image.psnr(fake, real, max_val=255.0))),
        "ssim": float(tf.reduce_mean(tf.image.ssim(fake, real, max_val=255.0))),
    }


def mean_l1(images, targets):
    """The mean absolute error of uint8 images [N, H, W, C] to targets, pixels scaled to [0, 1]."""
    return float(np.mean(np.abs(images.astype(np.float32) - targets.astype(np.float32))) / 255.0)


def garments_of(translated):
    """uint8 [N, 32, 32, C] translations -> the classifier's uint8 [N, 28, 28, 1]: the centre, in grey."""
    grey = translated if translated.shape[-1] == 1 else tf.image.rgb_to_grayscale(translated).numpy()
    return pairs.unpadded(grey)
