"""`gan`: the vanilla MLP GAN of the tutorials (Goodfellow et al. 2014; Keras-GAN's layer sizes)."""

import math

import keras
from keras import layers

from tfganzoo.gan import GAN
from tfganzoo.layers import adversarial_head

DESCRIPTION = "vanilla MLP GAN (Goodfellow et al. 2014)"
TUTORIAL = dict(epochs=50, batch_size=64, g_lr=2e-4, d_lr=2e-4, beta_1=0.5, noise_dim=100)
# The zoo's (README, Results): the tutorial's plus spectral norm and the linear decay of both rates over 20 epochs
# (on Fashion-MNIST, two seeds: 4x the recall, 0.04-0.05 -> 0.15-0.20, for 2 points of FID, 20 -> 22), plus
# minibatch discrimination, which then lifted recall again (0.13 / 0.12 -> 0.20 / 0.23) and lowered FID (39.3 /
# 34.9 -> 33.6 / 32.3, another classifier's features), precision up too; then batch 32, twice the updates per
# epoch, lowered FID again (33.0 -> 27.2, means of two seeds) and raised recall (0.21 -> 0.25); the least-squares
# loss lost (seed 1: FID 35.3, recall 0.18). Then sampling from the generator's weight average, with the rates
# left constant, nearly halved FID (27.2 -> 14.0, KID 1.84 -> 0.82) at the same recall and precision: the trained
# generator itself is worse without the decay (FID 39), but it wanders, and the average of where it wanders is
# better than where the decay stops it (with the decay, the average gave FID 23.9, seed 1). A longer average,
# decay 0.9999 (in 20 epochs only the warm-up (1 + t) / (10 + t) binds, so half its weight is on the last 1.5
# epochs against 0.999's last 0.4), then beat 0.999 on every score of both seeds: FID 12.9 / 11.0 -> 10.7 / 9.5,
# KID 0.82 / 0.85 -> 0.69 / 0.72, precision 0.86 -> 0.88 / 0.87, recall 0.28 / 0.30 -> 0.29 / 0.32. Then two
# discriminator updates per generator update (half the generator's updates per epoch) raised recall by 0.13 /
# 0.12 (-> 0.42 / 0.44) for FID (-> 13.2 / 12.9) and a little precision (-> 0.85 / 0.84); three cost much FID
# for little recall (19.8, 0.45, seed 1), and two with a faster generator or at batch 16 lost on both.
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
