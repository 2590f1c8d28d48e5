"""Scoring a generator against real images, in the feature space of the evaluation classifier or InceptionV3.

The reference set is the dataset's test split (an image folder has only one, so its training images are the
reference there, and the report says so).
"""

import json

import numpy as np

from tfganzoo import classifier as classifier_lib
from tfganzoo import datasets, metrics, models, sampling
from tfganzoo.errors import UserError
from tfganzoo.files import write_text_atomic


def evaluator_for(config, cache_dir=None, train=None):
    """The evaluator of config's model: against the true translations for a translation model, else Evaluator."""
    if models.get_model(config.model).GAN_CLASS.translates:
        from tfganzoo.translation_evaluation import TranslationEvaluator

        return TranslationEvaluator(config, cache_dir)
    return Evaluator(config, cache_dir, train=train)


def reference_split(dataset):
    return "test" if datasets.get_dataset(dataset).has_test_split else "train"


class Evaluator:
    """Holds the feature extractor and the real reference features (computed once), and scores generators.

    `train` is the training split when the caller already has it (it is loaded only to train a classifier).
    """

    def __init__(self, config, cache_dir=None, max_real=10_000, train=None):
        def load(split):
            return datasets.load(config.dataset, split, config.data_path, config.data_dir, config.image_size)

        self.reference = reference_split(config.dataset)
        real = train if self.reference == "train" and train is not None else load(self.reference)
        self._load_train = lambda: train if train is not None else load("train")
        if config.features == "inception":
            from tfganzoo.inception import InceptionFeatures  # only then: it builds a large network

            self.extractor = InceptionFeatures()
        else:
            self.extractor = classifier_lib.load_or_train(config.dataset, self._load_train, real, cache_dir)
        self.features = config.features
        self.class_accuracies = config.features == "classifier"  # ImageNet classes are not the data's classes
        real_images, real_labels = classifier_lib.collect(real, max_real)
        self.num_real = len(real_images)
        self.real_features, real_probabilities = self.extractor.features_and_probabilities(real_images)
        self.class_names = real.class_names
        # The classifier's own confusions on real images: the yardstick of a generator's per-class accuracy.
        self.real_confusion = (
            metrics.confusion_matrix(real_labels, real_probabilities.argmax(1), real.num_classes)
            if self.class_accuracies
            else None
        )

    @property
    def identity(self):
        return {**self.extractor.identity, "reference": f"{self.reference} split, {self.num_real} images"}

    def __call__(self, gan, num_samples, seed=0):
        """A dict of scores for `num_samples` generated images (an equal number per class when conditional)."""
        return self.evaluate(gan, num_samples, seed)[0]

    def evaluate(self, gan, num_samples, seed=0, by_class=False):
        """(the scores of __call__, and with `by_class` the rows of `_by_class` for the same images, else None).
        For infogan a row is the categorical value mapped to that class by the code accuracy's mapping."""
        if by_class:
            check_by_class(type(gan).__name__, gan, self.features, num_samples)
        latent = gan.fixed_latent(num_samples, seed)
        labels = np.arange(num_samples) % gan.num_classes if gan.conditional else None
        features, probabilities = self.extractor.features_and_probabilities(sampling.generate(gan, latent, labels))
        predicted = probabilities.argmax(1)
        scores = self._scores(features, probabilities)
        if gan.conditional and self.class_accuracies:
            scores["label_accuracy"] = metrics.label_accuracy(probabilities, labels)
        code_to_class = None
        if gan.latent_codes and self.class_accuracies:
            codes = latent["categorical"]
            code_to_class = metrics.best_mapping(codes, predicted, (gan.num_categorical, len(self.class_names)))
            labels = code_to_class[codes]  # the class each image's code stands for
            scores["code_accuracy"] = float(np.mean(labels == predicted))
        if not by_class:
            return scores, None
        rows = self._by_class(labels, predicted)
        if code_to_class is not None:
            for row in rows:
                row["code"] = int(np.flatnonzero(code_to_class == row["class"])[0])
        return scores, rows

    def misses_by_latent(self, gan, num_latents, seed=0):
        """metrics.misses_by_latent for `num_latents` latents, each drawn with every label (cgan, acgan): the
        layout of the training grid, a row per latent."""
        latent, labels, classes = sampling.training_grid(gan, seed, rows=num_latents)
        _, probabilities = self.extractor.features_and_probabilities(sampling.generate(gan, latent, labels))
        return metrics.misses_by_latent(probabilities.argmax(axis=1).reshape(num_latents, classes))

    def evaluate_real(self, num_samples, seed=0):
        """The scores of `num_samples` training images drawn at random, scored as generated images are: what a
        generator drawing exactly the training distribution would get, the yardstick for a generator's scores
        (not a bound: fewer, more typical images can score a higher precision). Label accuracy is then the
        classifier's accuracy on those images, which it was trained on. A streamed split (celeb_a) gives its
        first `num_samples` images."""
        if self.reference == "train":
            raise UserError(
                "real training images cannot be scored against the reference: it is the training "
                "images themselves (this dataset has no test split)"
            )
        train = self._load_train()
        pool = None if train.images is not None else num_samples  # a streamed split: its first images
        images, labels = classifier_lib.collect(train, pool)
        if not 10 <= num_samples <= len(images):
            raise UserError(
                f"scoring real images needs 10 to {len(images)} of them (the training split): "
                f"--num_samples={num_samples}"
            )
        chosen = np.random.default_rng(seed).choice(len(images), num_samples, replace=False)
        features, probabilities = self.extractor.features_and_probabilities(images[chosen])
        scores = self._scores(features, probabilities)
        if self.class_accuracies:
            scores["label_accuracy"] = metrics.label_accuracy(probabilities, labels[chosen])
        return scores

    def _scores(self, features, probabilities):
        """The scores every image set gets: against the reference's features, and of the predicted classes."""
        kid, kid_error = metrics.kid(self.real_features, features)
        precision, recall = metrics.precision_recall(self.real_features, features)
        return {
            "fid": metrics.fid(self.real_features, features),
            "kid": kid,
            "kid_stderr": kid_error,
            "precision": precision,
            "recall": recall,
            "classifier_score": metrics.classifier_score(probabilities),
            "class_entropy": metrics.predicted_class_entropy(probabilities),
        }

    def _by_class(self, requested, predicted):
        """Where a conditional generator's labels miss: one row per class, with the label accuracy of the images
        generated for it, the class the classifier most often names instead, and the classifier's own accuracy
        on the real images of that class."""
        generated = metrics.confusion_matrix(requested, predicted, len(self.class_names))
        rows = []
        for index, name in enumerate(self.class_names):
            counts, images = generated[index], int(generated[index].sum())
            total = max(images, 1)  # an infogan code may draw no image
            wrong = np.where(np.arange(len(counts)) == index, -1, counts)
            instead = int(np.argmax(wrong))
            rows.append(
                {
                    "class": index,
                    "name": name,
                    "images": images,
                    "accuracy": float(counts[index] / total),
                    "instead": self.class_names[instead] if counts[instead] else None,
                    "instead_share": float(counts[instead] / total),
                    "real_accuracy": float(self.real_confusion[index, index] / self.real_confusion[index].sum()),
                }
            )
        return rows


def check_by_class(model, gan, features, num_samples):
    """A UserError unless accuracy by class can be measured: a model that draws by class (cgan, acgan) or by a
    categorical code of one value per class (infogan), the classifier's features (its classes are the data's),
    and at least an image per class."""
    by_code = gan.latent_codes
    if not (gan.conditional or by_code) or features != "classifier":
        raise UserError(
            f"accuracy by class needs a model that draws by class (cgan, acgan) or by categorical code "
            f"(infogan), scored with --features=classifier; this run: model {model}, features {features}"
        )
    if by_code and gan.num_categorical != gan.num_classes:
        raise UserError(
            f"accuracy by class needs one categorical value per class: this run has "
            f"--num_categorical={gan.num_categorical} for {gan.num_classes} classes"
        )
    _check_an_image_per_class("accuracy by class needs", gan, num_samples)


def check_by_latent(model, gan, features, num_samples):
    """A UserError unless misses by latent can be measured: a model that draws by class, the classifier's
    features, and a latent's worth of images (one per class)."""
    if not gan.conditional or features != "classifier":
        raise UserError(
            f"misses by latent need a model that draws by class (cgan, acgan), scored with --features=classifier; "
            f"this run: model {model}, features {features}"
        )
    _check_an_image_per_class("misses by latent need", gan, num_samples)


def _check_an_image_per_class(what, gan, num_samples):
    if num_samples < gan.num_classes:
        raise UserError(f"{what} an image of every class: --num_samples={num_samples} for {gan.num_classes} classes")


def format_by_class(rows):
    """The by-class rows of Evaluator.evaluate as a table (with each class's categorical value for infogan)."""
    width = max(len(row["name"]) for row in rows)
    code = "code" in rows[0]
    lines = [f"  {'class':<{width + 4}}{'  code' if code else ''}  images  accuracy  real images  most often instead"]
    lines += [
        f"  {row['class']:<3} {row['name']:<{width}}"
        + (f"{row['code']:6d}" if code else "")
        + f"{row['images']:8d}{row['accuracy']:10.3f}{row['real_accuracy']:13.3f}  "
        + (f"{row['instead']} ({row['instead_share']:.3f})" if row["instead"] else "-")
        for row in rows
    ]
    return "\n".join(lines)


def format_misses_by_latent(summary):
    """metrics.misses_by_latent's summary as two lines."""
    dispersion = "-" if summary["dispersion"] is None else f"{summary['dispersion']:.2f}"
    return (
        f"  {summary['latents']} latents, each with every label: {summary['misses_per_latent']:.2f} misses per "
        f"latent, dispersion {dispersion} (1: independent of the latent)\n"
        f"  the worst 5% of latents hold {summary['worst_5pct_share']:.2f} of the misses; "
        f"{summary['one_class_share']:.3f} of latents come out one class whatever the label"
    )


def describe(identity):
    """One line naming the feature extractor, for printing with every result."""
    if "architecture" not in identity:  # a user's translation pairs: compared with their targets only
        return f"reference: {identity['reference']}"
    accuracy = identity.get("test_accuracy")
    trained = (
        f", test accuracy {accuracy:.4f}, trained on {identity['train_examples']} images of {identity['dataset']}"
        if accuracy is not None
        else ""
    )
    yardstick = identity.get("targets_class_accuracy")
    return (
        f"features: {identity['architecture']}{trained}, sha256 {identity.get('weights_sha256')}; "
        f"reference: {identity['reference']}"
        + (f" (the classifier names the real targets' class for {yardstick:.4f} of them)" if yardstick else "")
    )


def format_scores(scores, identity):
    """The scores as a two-column table, followed by the feature extractor's description."""
    width = max(17, *(len(name) + 2 for name in scores))
    return "\n".join([f"  {name:<{width}}{value:10.4f}" for name, value in scores.items()] + [describe(identity)])


def write_report(path, run_dir, num_samples, scores, identity, by_class=None, real_scores=None, by_latent=None):
    """The JSON report of one evaluation (written atomically)."""
    report = {"run_dir": str(run_dir), "num_samples": num_samples, "scores": scores, "features": identity}
    if by_class is not None:
        report["by_class"] = by_class
    if by_latent is not None:
        report["by_latent"] = by_latent
    if real_scores is not None:
        report["real_scores"] = real_scores
    write_text_atomic(path, json.dumps(report, indent=2) + "\n")
