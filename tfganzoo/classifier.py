"""The evaluation classifier: a small convnet trained on the real training split of the run's dataset.

Its penultimate layer is the feature space of FID, KID and precision/recall, and its softmax gives the
classifier score, the class histogram and label/code accuracies. Scores from different classifiers are not
comparable, so each one carries an identity (architecture, data, test accuracy, weights checksum) that is
printed with every result. It is trained the first time it is needed and cached in `cache_dir`.
"""

import dataclasses
import json
import os
from pathlib import Path

import keras
import numpy as np
from keras import layers

from tfganzoo import datasets
from tfganzoo.errors import UserError
from tfganzoo.files import atomic_path, sha256, write_text_atomic
from tfganzoo.images import to_model_range

ARCHITECTURE = "convnet-v2 (conv32-conv64/2-conv128/2, flatten, dense 128 features, softmax)"
TRAIN_EPOCHS = 3
# The feature spaces of evaluation: this classifier, or InceptionV3 from Keras Applications (tfganzoo/inception.py).
FEATURES = ("classifier", "inception")


def default_cache():
    """$XDG_CACHE_HOME/tfganzoo/classifiers, else ~/.cache/tfganzoo/classifiers."""
    return Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser() / "tfganzoo" / "classifiers"


def build(image_shape, num_classes):
    """images in [-1, 1] [B, H, W, C] -> class logits [B, num_classes]; the "features" layer is 128-d."""
    image = keras.Input(image_shape)
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(image)
    x = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Conv2D(128, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    features = layers.Dense(128, activation="relu", name="features")(x)
    return keras.Model(image, layers.Dense(num_classes)(layers.Dropout(0.3)(features)), name="eval_classifier")


@dataclasses.dataclass
class EvalClassifier:
    model: keras.Model
    identity: dict

    def __post_init__(self):
        self.feature_model = keras.Model(self.model.input, [self.model.get_layer("features").output, self.model.output])

    def features_and_probabilities(self, images_uint8, batch_size=500):
        """uint8 images [N, H, W, C] -> (features [N, 128], class probabilities [N, K])."""
        features, logits = self.feature_model.predict(to_model_range(images_uint8), batch_size=batch_size, verbose=0)
        return features, np.asarray(keras.ops.softmax(logits))


def collect(data, limit=None):
    """uint8 images and labels of an ImageData split as arrays (streamed sets: the first `limit`)."""
    if data.images is not None:
        return data.images[:limit], data.labels[:limit]
    pairs = list(data.stream(0).take(limit or -1).batch(1000).as_numpy_iterator())
    return np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])


def load_or_train(dataset, load_train, test, cache_dir=None, seed=0):
    """The classifier for `dataset` at the shape of `test`'s images: from the cache, else trained and cached.

    `test` is the ImageData split its accuracy is measured on; `load_train()` returns the training split,
    called only when the classifier has to be trained.
    """
    if test.num_classes < 2:
        raise UserError(
            f"cannot evaluate: the evaluation classifier needs labelled data and {dataset} has "
            f"{test.num_classes} class; use --features=inception"
        )
    shape = "x".join(map(str, test.image_shape))
    directory = Path(cache_dir or default_cache()) / f"{dataset}-{shape}"
    weights, identity_file = directory / "classifier.weights.h5", directory / "identity.json"
    model = build(test.image_shape, test.num_classes)
    if weights.is_file() and identity_file.is_file():
        identity = json.loads(identity_file.read_text())
        if identity.get("weights_sha256") != sha256(weights):
            raise UserError(f"{weights} does not match its identity.json (checksum); delete {directory} to retrain")
        model.load_weights(weights)
        return EvalClassifier(model, identity)
    directory.mkdir(parents=True, exist_ok=True)
    train = load_train()
    print(f"Training the evaluation classifier on {len(train)} images of {dataset} (cached in {directory})", flush=True)
    keras.utils.set_random_seed(seed)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    batch = min(128, len(train))
    model.fit(
        datasets.train_pipeline(train, batch, seed),
        epochs=TRAIN_EPOCHS,
        steps_per_epoch=len(train) // batch,
        shuffle=False,
        verbose=0,
    )  # the pipeline shuffles
    test_images, test_labels = collect(test)
    _, accuracy = model.evaluate(to_model_range(test_images), test_labels, batch_size=500, verbose=0)
    with atomic_path(weights) as tmp:
        model.save_weights(tmp)
    identity = {
        "architecture": ARCHITECTURE,
        "dataset": dataset,
        "image_shape": list(train.image_shape),
        "train_source": train.source,
        "train_examples": len(train),
        "epochs": TRAIN_EPOCHS,
        "test_accuracy": round(float(accuracy), 4),
        "weights_sha256": sha256(weights),
    }
    write_text_atomic(identity_file, json.dumps(identity, indent=2) + "\n")
    return EvalClassifier(model, identity)
