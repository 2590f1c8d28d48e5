"""tfganzoo: the classic GANs on TensorFlow 2 / Keras 3, all trained by one shared train step."""

__version__ = "0.1.0"
