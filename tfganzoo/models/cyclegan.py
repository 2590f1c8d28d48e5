"""`cyclegan` (Zhu et al. 2017): two ResNet generators and two PatchGAN discriminators, trained on unpaired
images of two domains (tfganzoo.translation.CycleGAN).

The networks follow the authors' PyTorch code (junyanz/pytorch-CycleGAN-and-pix2pix, `networks.py`), with
instance normalisation without affine parameters and weights drawn from N(0, 0.02) as its `init_weights`:
- ResnetGenerator: a 7x7 convolution of `width` channels on the reflection-padded image, two 3x3 of stride 2
  (2 and 4 times `width`), `resnet_blocks` residual blocks (two reflection-padded 3x3 convolutions each;
  9 at 256 px, 6 below, as the paper), two 3x3 transposed convolutions of stride 2 back, a 7x7 convolution
  to the image's channels, tanh. The side must be a multiple of 4.
- NLayerDiscriminator: pix2pix's PatchGAN on one image (models/pix2pix.py), with instance norm.
The generator network holds G: A -> B and F: B -> A side by side ([a, b] -> [G(a), F(b)]), the
discriminator network D_B and D_A ([b, a] -> their logits stacked along the batch).
"""

import keras
from keras import layers

from tfganzoo.errors import UserError
from tfganzoo.layers import ReflectionPadding2D, instance_normalization, normal_initializer
from tfganzoo.models.pix2pix import patch_logits
from tfganzoo.translation import CycleGAN

DESCRIPTION = "unpaired image-to-image translation (Zhu et al. 2017)"
# The paper's recipe: batch 1, Adam 2e-4, beta_1 0.5, the least-squares loss, cycle weight 10, identity 0.5 x
# 10, a pool of 50, 64 channels, 70 x 70 patches, 200 epochs (the authors keep the rate for 100 and decay it
# linearly over the last 100; --lr_decay here decays over the whole run).
TUTORIAL = dict(
    epochs=200,
    batch_size=1,
    g_lr=2e-4,
    d_lr=2e-4,
    beta_1=0.5,
    loss="lsgan",
    cycle_weight=10.0,
    identity_weight=5.0,
    pool_size=50,
    width=64,
    patch_layers=3,
)
# The zoo's recipe for the small known-answer domains: batches of 16, an eighth of the paper's channels (a step
# 2.3 times faster than at a quarter on 2 CPU cores), 34 x 34 patches on 32 px images, no identity term (the
# domains' channels may differ); docs/results/cyclegan.md.
DEFAULTS = dict(TUTORIAL, epochs=20, batch_size=16, identity_weight=0.0, width=8, patch_layers=2)
GAN_CLASS = CycleGAN
XLA_ON_CPU = False  # not measured yet: XLA only where Keras would choose it (a GPU)


def blocks_for(config):
    """--resnet_blocks, else the paper's: 9 at 256 px and above, 6 below."""
    if config.resnet_blocks is not None:
        return config.resnet_blocks
    return 9 if config.image_shape[0] >= 256 else 6


def build_generator(config):
    """[a [B, H, W, C_A], b [B, H, W, C_B]] in [-1, 1] -> [G(a), F(b)], images of the other domain."""
    height, width, _ = config.image_shape
    if height % 4 or width % 4:
        raise UserError(
            f"cyclegan's generator halves the image twice and doubles it back, so it needs sides that are "
            f"multiples of 4, not {height}x{width}; choose --image_size accordingly"
        )
    a = keras.Input(tuple(config.source_shape), name="a")
    b = keras.Input(tuple(config.image_shape), name="b")
    blocks = blocks_for(config)
    fake_b = resnet_generator(a, config.image_shape[-1], config.width, blocks, name="a_to_b")
    fake_a = resnet_generator(b, config.source_shape[-1], config.width, blocks, name="b_to_a")
    return keras.Model([a, b], [fake_b, fake_a], name="cyclegan_generators")


def resnet_generator(image, channels, width, blocks, name):
    """The ResnetGenerator's output [B, H, W, channels] in [-1, 1] of an image tensor [B, H, W, C]."""

    def conv(x, filters, size, strides=1):
        return layers.Conv2D(filters, size, strides=strides, kernel_initializer=normal_initializer())(x)

    def normalised(x, relu=True):
        x = instance_normalization()(x)
        return layers.ReLU()(x) if relu else x

    x = normalised(conv(ReflectionPadding2D(3)(image), width, 7))
    for k in (1, 2):  # PyTorch's padding=1 on both sides (Keras's "same" pads 0 and 1 at stride 2)
        x = normalised(conv(layers.ZeroPadding2D(1)(x), width << k, 3, strides=2))
    for _ in range(blocks):
        y = normalised(conv(ReflectionPadding2D(1)(x), 4 * width, 3))
        y = normalised(conv(ReflectionPadding2D(1)(y), 4 * width, 3), relu=False)
        x = layers.Add()([x, y])
    for k in (1, 0):  # PyTorch's padding=1, output_padding=1: the full output less its first row and column
        x = layers.Conv2DTranspose(width << k, 3, strides=2, kernel_initializer=normal_initializer())(x)
        x = normalised(layers.Cropping2D(((1, 0), (1, 0)))(x))
    x = conv(ReflectionPadding2D(3)(x), channels, 7)
    return layers.Activation("tanh", dtype="float32", name=name)(x)


def build_discriminator(config):
    """[b [B, H, W, C_B], a [B, H, W, C_A]] -> [D_B(b); D_A(a)], logits [2B, h, w, 1], one per patch."""
    b = keras.Input(tuple(config.image_shape), name="b")
    a = keras.Input(tuple(config.source_shape), name="a")
    logits = [
        patch_logits(
            image,
            config.width,
            config.patch_layers,
            instance_normalization,
            use_bias=True,
            initializer=normal_initializer,
        )
        for image in (b, a)
    ]
    return keras.Model([b, a], layers.Concatenate(axis=0, dtype="float32")(logits), name="cyclegan_discriminators")
