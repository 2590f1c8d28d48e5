"""`infogan`: InfoGAN of Chen et al. 2016, on the DCGAN bodies, with the paper's Q head."""

import keras
from keras import layers

from tfganzoo.gan import InfoGAN
from tfganzoo.layers import adversarial_head
from tfganzoo.models.dcgan import discriminator_body, generator_body

DESCRIPTION = "information-maximising GAN (Chen et al. 2016)"
# The paper's MNIST setup: 62-d noise, lr 1e-3 for G and 2e-4 for D, Adam beta_1 0.5, batch 64.
TUTORIAL = dict(epochs=25, batch_size=64, g_lr=1e-3, d_lr=2e-4, beta_1=0.5, noise_dim=62)
# The zoo's recipe, chosen by measurement on Fashion-MNIST; what each choice bought: docs/results/infogan.md.
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
    features = discriminator_body(image, dense_batch_norm=True)
    q = layers.LeakyReLU(negative_slope=0.1)(layers.BatchNormalization()(layers.Dense(128, use_bias=False)(features)))
    outputs = {
        "logits": adversarial_head(features, config.minibatch_discrimination),
        "code_logits": layers.Dense(config.num_categorical)(q),
        "code_mean": layers.Dense(config.num_continuous)(q),
    }
    return keras.Model(image, outputs, name="infogan_discriminator")
