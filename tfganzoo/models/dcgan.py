"""`dcgan` (Radford et al. 2016), and the convolutional bodies that `acgan` and `infogan` reuse.

The DCGAN rules: strided (transposed) convolutions instead of pooling, batch norm in every layer except the
generator's output and the discriminator's input layer, LeakyReLU in the discriminator, Adam. The network
follows the image shape:
- sides divisible by 4 but not square powers of two (28 x 28): the PyTorch tutorial's small network, which
  upsamples twice from (H/4, W/4, 16) (for dcgan without the batch norm of its discriminator's dense layer);
- square power-of-two sides of at least 16 (32 x 32, 64 x 64): the classic DCGAN, 4 x 4 x 512 doubled (and
  its channels halved) until the image size.
"""

import math

import keras
from keras import layers

from tfganzoo.errors import UserError
from tfganzoo.gan import GAN
from tfganzoo.layers import adversarial_head

DESCRIPTION = "deep convolutional GAN (Radford et al. 2016)"
# The PyTorch tutorial's recipe for 28x28; beta_1 = 0.5 as in the DCGAN paper.
TUTORIAL = dict(epochs=25, batch_size=64, g_lr=1e-3, d_lr=1e-4, beta_1=0.5, noise_dim=100)
# The zoo's recipe, chosen by measurement on Fashion-MNIST; what each choice bought: docs/results/dcgan.md.
DEFAULTS = dict(TUTORIAL, epochs=20, spectral_norm=True, ema_decay=0.999)
GAN_CLASS = GAN
XLA_ON_CPU = False  # its step measured slower with XLA on a CPU (bench/throughput.py)


def is_classic(image_shape):
    """True for the classic DCGAN sizes, False for the small network; a UserError for sizes neither fits."""
    height, width, channels = image_shape
    if height == width and height >= 16 and height & (height - 1) == 0:
        return True
    if height % 4 == 0 and width % 4 == 0:
        return False
    raise UserError(
        f"the convolutional networks cannot build {height}x{width}x{channels} images: they need "
        f"sides divisible by 4 (28x28) or square power-of-two sides of at least 16 (32x32, 64x64); "
        f"choose --image_size accordingly"
    )


def _bn_act(x, activation):
    return activation()(layers.BatchNormalization()(x))


def generator_body(z, image_shape):
    """A latent vector tensor [B, D] -> image tensor [B, *image_shape] in [-1, 1] (tanh)."""
    height, width, channels = image_shape
    if is_classic(image_shape):
        x = _bn_act(layers.Dense(4 * 4 * 512, use_bias=False)(z), layers.ReLU)
        x = layers.Reshape((4, 4, 512))(x)
        for doubling in range(int(math.log2(height)) - 3):
            x = layers.Conv2DTranspose(256 >> doubling, 5, strides=2, padding="same", use_bias=False)(x)
            x = _bn_act(x, layers.ReLU)
    else:
        lrelu = lambda: layers.LeakyReLU(negative_slope=0.01)  # noqa: E731  (PyTorch's default slope)
        x = _bn_act(layers.Dense(height // 4 * width // 4 * 16, use_bias=False)(z), lrelu)
        x = layers.Reshape((height // 4, width // 4, 16))(x)
        x = _bn_act(layers.Conv2DTranspose(32, 5, strides=2, padding="same", use_bias=False)(x), lrelu)
    return layers.Conv2DTranspose(channels, 5, strides=2, padding="same", activation="tanh")(x)


def discriminator_body(image, dense_batch_norm=False):
    """An image tensor [B, H, W, C] -> feature tensor [B, F], on which the heads sit.

    dense_batch_norm: at 28x28, batch norm on the dense layer, as the tutorial has it. dcgan goes without: over
    an all-fake batch it scores every collapsed batch the same, and a generator starting near-collapsed gets
    no gradient to leave its first image (lsgan never did). acgan and infogan keep it (--dense_batch_norm) but
    under lsgan: without it infogan's code accuracy fell from 0.70 to 0.33 (docs/results/dcgan.md).
    """
    height = image.shape[1]
    if is_classic(tuple(image.shape[1:])):
        lrelu = lambda: layers.LeakyReLU(negative_slope=0.2)  # noqa: E731
        halvings = int(math.log2(height)) - 2  # down to 4 x 4
        x = lrelu()(layers.Conv2D(512 >> (halvings - 1), 5, strides=2, padding="same")(image))
        for halving in range(1, halvings):
            x = _bn_act(
                layers.Conv2D(512 >> (halvings - 1 - halving), 5, strides=2, padding="same", use_bias=False)(x), lrelu
            )
        return layers.Flatten()(x)
    lrelu = lambda: layers.LeakyReLU(negative_slope=0.01)  # noqa: E731
    x = lrelu()(layers.Conv2D(32, 5, strides=2, padding="same")(image))
    x = _bn_act(layers.Conv2D(16, 5, strides=2, padding="same", use_bias=False)(x), lrelu)
    if dense_batch_norm:
        return _bn_act(layers.Dense(784, use_bias=False)(layers.Flatten()(x)), lrelu)
    return lrelu()(layers.Dense(784)(layers.Flatten()(x)))


def build_generator(config):
    """noise [B, noise_dim] -> images [B, *image_shape] in [-1, 1]."""
    noise = keras.Input((config.noise_dim,), name="noise")
    return keras.Model(noise, generator_body(noise, tuple(config.image_shape)), name="dcgan_generator")


def build_discriminator(config):
    """images [B, *image_shape] -> logits [B, 1]."""
    image = keras.Input(tuple(config.image_shape), name="image")
    logits = adversarial_head(discriminator_body(image), config.minibatch_discrimination)
    return keras.Model(image, logits, name="dcgan_discriminator")
