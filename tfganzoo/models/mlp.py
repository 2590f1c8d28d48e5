"""`gan`: the vanilla MLP GAN of the tutorials (Goodfellow et al. 2014; Keras-GAN's layer sizes)."""

import math

import keras
from keras import layers

from tfganzoo.gan import GAN
from tfganzoo.layers import adversarial_head

DESCRIPTION = "vanilla MLP GAN (Goodfellow et al. 2014)"
TUTORIAL = dict(epochs=50, batch_size=64, g_lr=2e-4, d_lr=2e-4, beta_1=0.5, noise_dim=100)
# The zoo's recipe, chosen by measurement on Fashion-MNIST; what each choice bought: docs/results/gan.md.
DEFAULTS = dict(
    TUTORIAL, epochs=20, batch_size=32, spectral_norm=True, minibatch_discrimination=True, ema_decay=0.9999, d_steps=2
)
GAN_CLASS = GAN
XLA_ON_CPU = True  # its step measured faster with XLA on a CPU (bench/throughput.py)


def build_generator(config):
    """noise [B, noise_dim] -> images [B, *image_shape] in [-1, 1]."""
    image_shape = tuple(config.image_shape)
    noise = keras.Input((config.noise_dim,), name="noise")
    x = noise
    for units in (256, 512, 1024):
        x = layers.Dense(units)(x)
        x = layers.LeakyReLU(negative_slope=0.2)(x)
        x = layers.BatchNormalization(momentum=0.8)(x)
    x = layers.Dense(math.prod(image_shape), activation="tanh")(x)
    return keras.Model(noise, layers.Reshape(image_shape)(x), name="gan_generator")


def build_discriminator(config):
    """images [B, *image_shape] -> logits [B, 1] (the sigmoid is applied in the loss)."""
    image = keras.Input(tuple(config.image_shape), name="image")
    x = layers.Flatten()(image)
    for units in (512, 256):
        x = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(units)(x))
    return keras.Model(image, adversarial_head(x, config.minibatch_discrimination), name="gan_discriminator")
