"""Scoring a generator against the real test split, in the evaluation classifier's feature space."""

import numpy as np

from tfganzoo import classifier as classifier_lib
from tfganzoo import datasets, metrics, sampling
from tfganzoo.gan import InfoGAN


class Evaluator:
    """Holds the classifier and the real test split's features (computed once), and scores generators."""

    def __init__(self, config, cache_dir=None, max_real=10_000):
        load = lambda split: datasets.load(config.dataset, split, config.data_path, config.data_dir,  # noqa: E731
                                           config.image_size)
        train, test = load("train"), load("test")
        self.classifier = classifier_lib.load_or_train(config.dataset, train, test, cache_dir)
        real_images, _ = classifier_lib.collect(test, max_real)
        self.real_features, _ = self.classifier.features_and_probabilities(real_images)

    def __call__(self, gan, num_samples, seed=0):
        """A dict of scores for `num_samples` generated images (an equal number per class when conditional)."""
        latent = gan.fixed_latent(num_samples, seed)
        labels = np.arange(num_samples) % gan.num_classes if gan.conditional else None
        features, probabilities = self.classifier.features_and_probabilities(sampling.generate(gan, latent, labels))
        kid, kid_error = metrics.kid(self.real_features, features)
        precision, recall = metrics.precision_recall(self.real_features, features)
        scores = {
            "fid": metrics.fid(self.real_features, features),
            "kid": kid, "kid_stderr": kid_error,
            "precision": precision, "recall": recall,
            "classifier_score": metrics.classifier_score(probabilities),
            "class_entropy": metrics.predicted_class_entropy(probabilities),
        }
        if gan.conditional:
            scores["label_accuracy"] = metrics.label_accuracy(probabilities, labels)
        if isinstance(gan, InfoGAN):
            scores["code_accuracy"] = metrics.best_mapping_accuracy(latent["categorical"], probabilities.argmax(1))
        return scores
