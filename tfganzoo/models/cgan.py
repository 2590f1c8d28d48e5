"""`cgan`: the Maxout conditional GAN of Mirza & Osindero 2014, exactly as the tutorial builds it."""

import math

import keras
from keras import layers

from tfganzoo.gan import ConditionalGAN
from tfganzoo.layers import Maxout, adversarial_head

DESCRIPTION = "conditional GAN, maxout discriminator (Mirza & Osindero 2014)"
# The tutorial's recipe: Adam(2e-4) with Keras's default betas for both networks, batch 256, 150 epochs.
TUTORIAL = dict(epochs=150, batch_size=256, g_lr=2e-4, d_lr=2e-4, beta_1=0.9, noise_dim=100)
# The zoo's recipe, chosen by measurement on Fashion-MNIST; what each choice bought: docs/results/cgan.md.
DEFAULTS = dict(
    epochs=20,
    batch_size=64,
    g_lr=2e-4,
    d_lr=5e-4,
    beta_1=0.5,
    noise_dim=100,
    loss="lsgan",
    spectral_norm=True,
    lr_decay=True,
    mismatched_labels=True,
    mismatch_temperature=0.05,
    dropout=0.0,
    ema_decay=0.999,
    penalty="r1",
)
GAN_CLASS = ConditionalGAN
XLA_ON_CPU = True  # its step measured faster with XLA on a CPU (bench/throughput.py)


def build_generator(config):
    """[noise [B, noise_dim], one-hot label [B, num_classes]] -> images [B, *image_shape] in [-1, 1]."""
    image_shape = tuple(config.image_shape)
    noise = keras.Input((config.noise_dim,), name="noise")
    label = keras.Input((config.num_classes,), name="label")
    x = layers.Concatenate()([layers.Dense(256, activation="relu")(noise), layers.Dense(256, activation="relu")(label)])
    x = layers.Dense(512, activation="relu")(x)
    x = layers.Dense(math.prod(image_shape), activation="tanh")(x)
    return keras.Model([noise, label], layers.Reshape(image_shape)(x), name="cgan_generator")


def _maxout_block(x, units, pieces, dropout):
    # The tutorial's block: ReLU on the dense part, max over pieces, then dropout (the tutorial's 0.5).
    return layers.Dropout(dropout)(Maxout(units, pieces, activation="relu")(x))


def build_discriminator(config):
    """[images [B, *image_shape], one-hot label [B, num_classes]] -> logits [B, 1].

    The tutorial's final sigmoid is applied inside the loss (on logits, for numerical stability).
    """
    image = keras.Input(tuple(config.image_shape), name="image")
    label = keras.Input((config.num_classes,), name="label")
    x = _maxout_block(layers.Flatten()(image), 240, 5, config.dropout)
    y = _maxout_block(label, 50, 5, config.dropout)
    joint = _maxout_block(layers.Concatenate()([x, y]), 240, 4, config.dropout)
    logits = adversarial_head(joint, config.minibatch_discrimination)
    return keras.Model([image, label], logits, name="cgan_discriminator")
