"""`acgan`: the auxiliary-classifier GAN of Odena et al. 2017, on the DCGAN bodies."""

import keras
from keras import layers

from tfganzoo.gan import ACGAN
from tfganzoo.layers import adversarial_head
from tfganzoo.models.dcgan import discriminator_body, generator_body

DESCRIPTION = "auxiliary classifier GAN (Odena et al. 2017)"
TUTORIAL = dict(epochs=25, batch_size=64, g_lr=2e-4, d_lr=2e-4, beta_1=0.5, noise_dim=100)
# The zoo's recipe, chosen by measurement on Fashion-MNIST; what each choice bought: docs/results/acgan.md.
DEFAULTS = dict(TUTORIAL, epochs=20, spectral_norm=True, ema_decay=0.999)
GAN_CLASS = ACGAN
XLA_ON_CPU = False  # its step measured slower with XLA on a CPU (bench/throughput.py)


def build_generator(config):
    """[noise [B, noise_dim], one-hot label [B, num_classes]] -> images [B, *image_shape] in [-1, 1]."""
    noise = keras.Input((config.noise_dim,), name="noise")
    label = keras.Input((config.num_classes,), name="label")
    z = layers.Concatenate()([noise, label])
    return keras.Model([noise, label], generator_body(z, tuple(config.image_shape)), name="acgan_generator")


def build_discriminator(config):
    """images -> {"logits": [B, 1] real/fake, "class_logits": [B, num_classes]}, one shared body."""
    image = keras.Input(tuple(config.image_shape), name="image")
    features = discriminator_body(image, config.dense_batch_norm)
    outputs = {
        "logits": adversarial_head(features, config.minibatch_discrimination),
        "class_logits": layers.Dense(config.num_classes)(features),
    }
    return keras.Model(image, outputs, name="acgan_discriminator")
