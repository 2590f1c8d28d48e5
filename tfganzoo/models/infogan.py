"""`infogan`: InfoGAN of Chen et al. 2016, on the DCGAN bodies, with the paper's Q head."""

import keras
from keras import layers

from tfganzoo.gan import InfoGAN
from tfganzoo.layers import adversarial_head
from tfganzoo.models.dcgan import discriminator_body, generator_body

DESCRIPTION = "information-maximising GAN (Chen et al. 2016)"
# The paper's MNIST setup: 62-d noise, lr 1e-3 for G and 2e-4 for D, Adam beta_1 0.5, batch 64.
TUTORIAL = dict(epochs=25, batch_size=64, g_lr=1e-3, d_lr=2e-4, beta_1=0.5, noise_dim=62)
# The zoo's (README, Results): the paper's recipe over 20 epochs with the generator's rate halved, sampled from
# the generator's weight average. Two seeds, against the same runs' trained generator: FID 4.6 / 6.1 -> 2.6 /
# 3.1, precision 0.76 / 0.79 -> 0.87 / 0.87, the same code accuracy (0.63 / 0.61); then G at 5e-4 instead of
# 1e-3: code accuracy 0.629 / 0.614 -> 0.668 / 0.645, recall 0.52 / 0.50 -> 0.55 / 0.55, FID 2.6 / 3.1 -> 2.9 /
# 3.1; then the continuous codes weighted 0.1 within the information term, as the paper advises (their
# differential entropy is on another scale): code accuracy 0.668 / 0.645 -> 0.692 / 0.661, FID 2.9 / 3.1 -> 3.7 /
# 3.0, the same recall (0.54 / 0.54). A faster discriminator (spectral norm, or D at 4e-4) cost it code accuracy.
DEFAULTS = dict(TUTORIAL, epochs=20, g_lr=5e-4, ema_decay=0.999, continuous_weight=0.1)
GAN_CLASS = InfoGAN
XLA_ON_CPU = False  # its step measured slower with XLA on a CPU (bench/throughput.py)


def build_generator(config):
    """[noise [B, noise_dim], codes [B, num_categorical + num_continuous] (one-hot categorical code, then the
    continuous ones)] -> images [B, *image_shape] in [-1, 1]."""
    noise = keras.Input((config.noise_dim,), name="noise")
    codes = keras.Input((config.num_categorical + config.num_continuous,), name="codes")
    z = layers.Concatenate()([noise, codes])
    return keras.Model([noise, codes], generator_body(z, tuple(config.image_shape)), name="infogan_generator")


def build_discriminator(config):
    """images -> {"logits": [B, 1], and the Q head's "code_logits" [B, num_categorical] and "code_mean"
    [B, num_continuous] (a unit-variance Gaussian, see losses.infogan_mutual_information_loss)}; D and Q
    share the body."""
    image = keras.Input(tuple(config.image_shape), name="image")
    features = discriminator_body(image)
    q = layers.LeakyReLU(negative_slope=0.1)(layers.BatchNormalization()(layers.Dense(128, use_bias=False)(features)))
    outputs = {
        "logits": adversarial_head(features, config.minibatch_discrimination),
        "code_logits": layers.Dense(config.num_categorical)(q),
        "code_mean": layers.Dense(config.num_continuous)(q),
    }
    return keras.Model(image, outputs, name="infogan_discriminator")
