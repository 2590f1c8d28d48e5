"""Scoring a generator against real images, in the feature space of the evaluation classifier or InceptionV3.

The reference set is the dataset's test split (an image folder has only one, so its training images are the
reference there, and the report says so).
"""

import json

import numpy as np

from tfganzoo import classifier as classifier_lib
from tfganzoo import datasets, metrics, sampling
from tfganzoo.files import write_text_atomic
from tfganzoo.gan import InfoGAN


def reference_split(dataset):
    return "test" if datasets.get_dataset(dataset).has_test_split else "train"


class Evaluator:
    """Holds the feature extractor and the real reference features (computed once), and scores generators.

    `train` is the training split when the caller already has it (it is loaded only to train a classifier).
    """

    def __init__(self, config, cache_dir=None, max_real=10_000, train=None):
        load = lambda split: datasets.load(config.dataset, split, config.data_path, config.data_dir,  # noqa: E731
                                           config.image_size)
        self.reference = reference_split(config.dataset)
        real = train if self.reference == "train" and train is not None else load(self.reference)
        if config.features == "inception":
            from tfganzoo.inception import InceptionFeatures  # only then: it builds a large network
            self.extractor = InceptionFeatures()
        else:
            load_train = lambda: train if train is not None else load("train")  # noqa: E731
            self.extractor = classifier_lib.load_or_train(config.dataset, load_train, real, cache_dir)
        self.class_accuracies = config.features == "classifier"  # ImageNet classes are not the data's classes
        real_images, _ = classifier_lib.collect(real, max_real)
        self.num_real = len(real_images)
        self.real_features, _ = self.extractor.features_and_probabilities(real_images)

    @property
    def identity(self):
        return {**self.extractor.identity, "reference": f"{self.reference} split, {self.num_real} images"}

    def __call__(self, gan, num_samples, seed=0):
        """A dict of scores for `num_samples` generated images (an equal number per class when conditional)."""
        latent = gan.fixed_latent(num_samples, seed)
        labels = np.arange(num_samples) % gan.num_classes if gan.conditional else None
        features, probabilities = self.extractor.features_and_probabilities(sampling.generate(gan, latent, labels))
        kid, kid_error = metrics.kid(self.real_features, features)
        precision, recall = metrics.precision_recall(self.real_features, features)
        scores = {
            "fid": metrics.fid(self.real_features, features),
            "kid": kid, "kid_stderr": kid_error,
            "precision": precision, "recall": recall,
            "classifier_score": metrics.classifier_score(probabilities),
            "class_entropy": metrics.predicted_class_entropy(probabilities),
        }
        if gan.conditional and self.class_accuracies:
            scores["label_accuracy"] = metrics.label_accuracy(probabilities, labels)
        if isinstance(gan, InfoGAN) and self.class_accuracies:
            scores["code_accuracy"] = metrics.best_mapping_accuracy(latent["categorical"], probabilities.argmax(1))
        return scores


def describe(identity):
    """One line naming the feature extractor, for printing with every result."""
    accuracy = identity.get("test_accuracy")
    trained = (f", test accuracy {accuracy:.4f}, trained on {identity['train_examples']} images of "
               f"{identity['dataset']}" if accuracy is not None else "")
    return (f"features: {identity['architecture']}{trained}, sha256 {identity.get('weights_sha256')}; "
            f"reference: {identity['reference']}")


def format_scores(scores, identity):
    """The scores as a two-column table, followed by the feature extractor's description."""
    return "\n".join([f"  {name:<17}{value:10.4f}" for name, value in scores.items()] + [describe(identity)])


def write_report(path, run_dir, num_samples, scores, identity):
    """The JSON report of one evaluation (written atomically)."""
    report = {"run_dir": str(run_dir), "num_samples": num_samples, "scores": scores, "features": identity}
    write_text_atomic(path, json.dumps(report, indent=2) + "\n")
