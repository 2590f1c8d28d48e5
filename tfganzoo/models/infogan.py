"""`infogan`: InfoGAN of Chen et al. 2016, on the DCGAN bodies, with the paper's Q head."""

import keras
from keras import layers

from tfganzoo.gan import InfoGAN
from tfganzoo.layers import adversarial_head, normal_initializer
from tfganzoo.models.dcgan import discriminator_body, generator_body

DESCRIPTION = "information-maximising GAN (Chen et al. 2016)"
# The paper's MNIST setup: 62-d noise, lr 1e-3 for G and 2e-4 for D, Adam beta_1 0.5, batch 64.
TUTORIAL = dict(epochs=25, batch_size=64, g_lr=1e-3, d_lr=2e-4, beta_1=0.5, noise_dim=62)
# The zoo's recipe, chosen by measurement on Fashion-MNIST; what each choice bought: docs/results/infogan.md.
DEFAULTS = dict(TUTORIAL, epochs=20, g_lr=5e-4, ema_decay=0.999, continuous_weight=0.1)
GAN_CLASS = InfoGAN
XLA_ON_CPU = False  # its step measured slower with XLA on a CPU (bench/throughput.py)


# The authors' MNIST networks (openai/InfoGAN: regularized_gan.py, custom_ops.py): weights drawn from
# N(0, 0.02), biases 0, batch norm with gamma from N(1, 0.02), a moving average of decay 0.9 and epsilon 1e-5,
# LeakyReLU of slope 0.01 (their leaky_rectify's default).


def _paper_bn(x):
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, gamma_initializer=normal_initializer(1.0))(x)


def paper_generator_body(z, image_shape):
    """The authors' generator: FC 1024, FC (H/4 x W/4 x 128), 4x4 transposed convolutions of stride 2 to 64
    channels and to the image, batch norm and ReLU between; tanh out (their sigmoid on pixels in [0, 1] is the
    same model on [-1, 1])."""
    height, width, channels = image_shape
    x = layers.ReLU()(_paper_bn(layers.Dense(1024, kernel_initializer=normal_initializer())(z)))
    x = layers.ReLU()(
        _paper_bn(layers.Dense(height // 4 * width // 4 * 128, kernel_initializer=normal_initializer())(x))
    )
    x = layers.Reshape((height // 4, width // 4, 128))(x)
    x = layers.Conv2DTranspose(64, 4, strides=2, padding="same", kernel_initializer=normal_initializer())(x)
    x = layers.ReLU()(_paper_bn(x))
    return layers.Conv2DTranspose(
        channels, 4, strides=2, padding="same", activation="tanh", kernel_initializer=normal_initializer()
    )(x)


def paper_discriminator_body(image):
    """The authors' shared trunk of D and Q: 4x4 convolutions of stride 2 to 64 and 128 channels, FC 1024,
    batch norm after the second and third, LeakyReLU 0.01."""
    lrelu = lambda: layers.LeakyReLU(negative_slope=0.01)  # noqa: E731
    x = lrelu()(layers.Conv2D(64, 4, strides=2, padding="same", kernel_initializer=normal_initializer())(image))
    x = lrelu()(_paper_bn(layers.Conv2D(128, 4, strides=2, padding="same", kernel_initializer=normal_initializer())(x)))
    return lrelu()(_paper_bn(layers.Dense(1024, kernel_initializer=normal_initializer())(layers.Flatten()(x))))


def build_generator(config):
    """[noise [B, noise_dim], codes [B, num_categorical + num_continuous] (one-hot categorical code, then the
    continuous ones)] -> images [B, *image_shape] in [-1, 1]."""
    noise = keras.Input((config.noise_dim,), name="noise")
    codes = keras.Input((config.num_categorical + config.num_continuous,), name="codes")
    z = layers.Concatenate()([noise, codes])
    body = paper_generator_body if config.infogan_body == "paper" else generator_body
    return keras.Model([noise, codes], body(z, tuple(config.image_shape)), name="infogan_generator")


def build_discriminator(config):
    """images -> {"logits": [B, 1], and the Q head's "code_logits" [B, num_categorical] and "code_mean"
    [B, num_continuous] (a unit-variance Gaussian, see losses.infogan_mutual_information_loss)}; D and Q
    share the body. The Q head is FC 128 with batch norm and LeakyReLU (0.01 in the authors' body, 0.1 on the
    DCGAN body)."""
    image = keras.Input(tuple(config.image_shape), name="image")
    if config.infogan_body == "paper":
        features = paper_discriminator_body(image)
        q = layers.Dense(128, kernel_initializer=normal_initializer())(features)
        q = layers.LeakyReLU(negative_slope=0.01)(_paper_bn(q))
    else:
        features = discriminator_body(image, config.dense_batch_norm)
        q = layers.Dense(128, use_bias=False)(features)
        q = layers.LeakyReLU(negative_slope=0.1)(layers.BatchNormalization()(q))
    outputs = {
        "logits": adversarial_head(features, config.minibatch_discrimination),
        "code_logits": layers.Dense(config.num_categorical)(q),
        "code_mean": layers.Dense(config.num_continuous)(q),
    }
    return keras.Model(image, outputs, name="infogan_discriminator")
