"""`pix2pix` (Isola et al. 2017): a U-Net generator and a PatchGAN discriminator, trained on image pairs.

The networks follow the authors' PyTorch code (junyanz/pytorch-CycleGAN-and-pix2pix, `networks.py`):
- U-Net: 4x4 convolutions of stride 2 halve the side down to 1 x 1 (8 times at 256 px, 5 at 32 px), with
  `width`, 2, 4 and 8 times `width` channels, then 8 times (64, 128, 256, 512, 512, ... at the paper's
  width 64), LeakyReLU 0.2, batch norm except on the outermost and innermost layers; the decoder mirrors it
  with transposed convolutions and ReLU, each step concatenating the encoder's output at its size (the
  skips); dropout 0.5 in the decoder's steps beyond the five outermost (3 at 256 px, none at 32 px), the
  only noise; tanh out.
- PatchGAN (`NLayerDiscriminator`): the source and the image side by side, `patch_layers` 4x4 convolutions
  of stride 2 (`width`, 2, 4, ... times `width` channels) and two of stride 1, a logit per patch: 3 layers
  see 70 x 70 pixels each (the paper's), 2 layers 34 x 34, 1 layer 16 x 16.
"""

import math

import keras
from keras import layers

from tfganzoo.errors import UserError
from tfganzoo.translation import Pix2Pix

DESCRIPTION = "paired image-to-image translation (Isola et al. 2017)"
# The paper's recipe (facades): batch 1, Adam 2e-4, beta_1 0.5, L1 weight 100, 70 x 70 patches, 200 epochs
# (the authors decay the rate linearly over the last 100; --lr_decay here decays over the whole run).
TUTORIAL = dict(epochs=200, batch_size=1, g_lr=2e-4, d_lr=2e-4, beta_1=0.5, l1_weight=100.0, patch_layers=3, width=64)
# The zoo's recipe for the small known-answer pairs: batches of 64, 34 x 34 patches on 32 px images, a quarter
# of the paper's channels (a ninth of its step time on 2 CPU cores); docs/results/pix2pix.md.
DEFAULTS = dict(TUTORIAL, epochs=20, batch_size=64, patch_layers=2, width=16)
GAN_CLASS = Pix2Pix
XLA_ON_CPU = False  # not measured yet: XLA only where Keras would choose it (a GPU)


def halvings(image_shape):
    """How often the U-Net halves the side: down to 1 x 1. A UserError for sizes it cannot halve so."""
    height, width, _ = image_shape
    if height != width or height < 8 or height & (height - 1):
        raise UserError(
            f"pix2pix's U-Net halves square images down to 1x1, so it needs a power-of-two side of at least 8 "
            f"(32, 64, 256), not {height}x{width}; choose --image_size accordingly"
        )
    return int(math.log2(height))


def build_generator(config):
    """source images [B, H, W, C_A] in [-1, 1] -> images [B, H, W, C_B] in [-1, 1] (U-Net)."""
    downs, width = halvings(config.image_shape), config.width
    source = keras.Input(tuple(config.source_shape), name="source")
    x, skips = source, []
    for level in range(downs):  # the encoder
        if level:
            x = layers.LeakyReLU(negative_slope=0.2)(x)
        x = layers.Conv2D(min(width << level, 8 * width), 4, strides=2, padding="same", use_bias=False)(x)
        if 0 < level < downs - 1:
            x = layers.BatchNormalization()(x)
        skips.append(x)
    for level in reversed(range(1, downs)):  # the decoder, back to the encoder's output at each size
        x = layers.ReLU()(x)
        x = layers.Conv2DTranspose(min(width << (level - 1), 8 * width), 4, strides=2, padding="same", use_bias=False)(
            x
        )
        x = layers.BatchNormalization()(x)
        if 4 <= level < downs - 1:
            x = layers.Dropout(0.5)(x)
        x = layers.Concatenate()([x, skips[level - 1]])
    x = layers.Conv2DTranspose(config.image_shape[-1], 4, strides=2, padding="same")(layers.ReLU()(x))
    return keras.Model(source, layers.Activation("tanh", dtype="float32")(x), name="pix2pix_generator")


def build_discriminator(config):
    """[source, image] side by side [B, H, W, C_A + C_B] -> logits [B, h, w, 1], one per patch (PatchGAN)."""
    channels = config.source_shape[-1] + config.image_shape[-1]
    pair = keras.Input(tuple(config.image_shape[:2]) + (channels,), name="pair")
    logits = patch_logits(pair, config.width, config.patch_layers, layers.BatchNormalization)
    return keras.Model(pair, logits, name="pix2pix_discriminator")


def patch_logits(image, width, patch_layers, normalization, use_bias=False, initializer=lambda: "glorot_uniform"):
    """The PatchGAN's logits [B, h, w, 1] of an image tensor [B, H, W, C]: a 4x4 convolution of stride 2,
    `patch_layers` more normalised by `normalization()` (the last of stride 1; `use_bias` for theirs, as the
    reference's, which drops the bias before batch norm and keeps it before instance norm), and a last one
    of stride 1 to one logit per patch. `initializer()` gives each convolution its kernel initializer."""
    conv = lambda filters, **kw: layers.Conv2D(filters, 4, kernel_initializer=initializer(), **kw)  # noqa: E731
    x = layers.LeakyReLU(negative_slope=0.2)(conv(width, strides=2, padding="same")(image))
    for layer in range(1, patch_layers + 1):
        filters = min(width << layer, 8 * width)
        if layer < patch_layers:
            x = conv(filters, strides=2, padding="same", use_bias=use_bias)(x)
        else:  # stride 1 with a 1-pixel border, as PyTorch's padding=1 (Keras's "same" pads 1 and 2)
            x = conv(filters, use_bias=use_bias)(layers.ZeroPadding2D(1)(x))
        x = layers.LeakyReLU(negative_slope=0.2)(normalization()(x))
    return conv(1, dtype="float32")(layers.ZeroPadding2D(1)(x))
