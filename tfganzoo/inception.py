"""InceptionV3 features from Keras Applications, the feature space of the usual FID on colour images.

FID, KID and precision/recall use the 2048-d pool features and the classifier score is then the true Inception
Score (ImageNet's 1000 classes). The ImageNet weights are downloaded by Keras on first use into
~/.keras/models/; where they cannot be had, a UserError says so. Scores in this space are comparable with
the literature only when the sample counts and the reference set match too.
"""

import os
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tfganzoo.errors import UserError
from tfganzoo.files import sha256
from tfganzoo.images import to_model_range

WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
INPUT_SIDE = 299
KERAS_HOME = Path(os.environ.get("KERAS_HOME", "~/.keras")).expanduser()  # where Keras caches downloads


class InceptionFeatures:
    """The same interface as the evaluation classifier: images -> (pool features, ImageNet probabilities)."""

    def __init__(self, weights="imagenet"):
        try:
            model = keras.applications.InceptionV3(weights=weights)
        except Exception as e:  # Keras raises a bare Exception for a failed download, ValueError/OSError for a bad file
            raise UserError(
                f"cannot load the InceptionV3 ImageNet weights ({str(e).splitlines()[0]}); put "
                f"{WEIGHTS_FILE} into ~/.keras/models/ or use --features=classifier"
            ) from None
        self.model = keras.Model(model.input, [model.get_layer("avg_pool").output, model.output])
        path = KERAS_HOME / "models" / WEIGHTS_FILE if weights == "imagenet" else weights
        self.identity = {
            "architecture": "InceptionV3 (Keras Applications), 2048-d avg_pool features, 1000 ImageNet classes",
            "dataset": "imagenet",
            "weights": str(weights),
            "weights_sha256": sha256(path) if path and Path(path).is_file() else None,
        }

    @staticmethod
    def preprocess(images_uint8):
        """uint8 [N, H, W, 1 or 3] -> float [N, 299, 299, 3] in [-1, 1] (bilinear resize, grey repeated)."""
        x = tf.image.resize(tf.cast(images_uint8, tf.float32), (INPUT_SIDE, INPUT_SIDE))
        if x.shape[-1] == 1:
            x = tf.repeat(x, 3, axis=-1)
        return to_model_range(x)

    def features_and_probabilities(self, images_uint8, batch_size=100):
        features, probabilities = [], []
        for start in range(0, len(images_uint8), batch_size):
            f, p = self.model(self.preprocess(images_uint8[start : start + batch_size]), training=False)
            features.append(np.asarray(f))
            probabilities.append(np.asarray(p))
        return np.concatenate(features), np.concatenate(probabilities)
