"""Layers the classic architectures need that Keras does not ship."""

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="tfganzoo")
class Maxout(layers.Layer):
    """A maxout layer (Goodfellow et al. 2013, "Maxout Networks").

    Dense(units * pieces, activation) followed by, for each unit, the maximum over its `pieces` outputs.
    Written with keras.ops: the tutorial's `tf.reduce_max` on a symbolic Keras 3 tensor no longer works.

    Input [batch, features] -> output [batch, units]. `spectral_norm` wraps the dense part in
    keras.layers.SpectralNormalization.
    """

    def __init__(self, units, pieces, activation=None, spectral_norm=False, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.pieces = pieces
        self.activation = activation
        self.spectral_norm = spectral_norm
        self.dense = layers.Dense(units * pieces, activation=activation)
        if spectral_norm:
            self.dense = layers.SpectralNormalization(self.dense)

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, inputs, training=False):
        pieces = ops.reshape(self.dense(inputs, training=training), (-1, self.units, self.pieces))
        return ops.max(pieces, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "pieces": self.pieces,
            "activation": self.activation,
            "spectral_norm": self.spectral_norm,
        }


@keras.saving.register_keras_serializable(package="tfganzoo")
class MinibatchDiscrimination(layers.Layer):
    """Minibatch discrimination (Salimans et al. 2016, "Improved Techniques for Training GANs", 3.2).

    Features f [N, A] are projected by a learned tensor T to M [N, num_kernels, kernel_dim]; for each kernel
    b, o(x_i)_b = sum over j != i of exp(-||M_i,b - M_j,b||_1). The output is [f, o], [N, A + num_kernels]:
    the discriminator sees how close each example is to the others of its batch, so a collapsed generator
    (identical samples, o = N - 1 everywhere) is easy to tell from real batches.
    """

    def __init__(self, num_kernels=100, kernel_dim=5, **kwargs):
        super().__init__(**kwargs)
        self.num_kernels = num_kernels
        self.kernel_dim = kernel_dim

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.num_kernels * self.kernel_dim),
            initializer=keras.initializers.RandomNormal(stddev=0.05),
            name="kernel",
        )

    def call(self, inputs):
        m = ops.reshape(ops.matmul(inputs, self.kernel), (-1, self.num_kernels, self.kernel_dim))
        l1 = ops.sum(ops.abs(m[:, None] - m[None, :]), axis=-1)  # [N, N, num_kernels]
        closeness = ops.sum(ops.exp(-l1), axis=1) - 1.0  # minus the example's own exp(0)
        return ops.concatenate([inputs, closeness], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1] + self.num_kernels)

    def get_config(self):
        return {**super().get_config(), "num_kernels": self.num_kernels, "kernel_dim": self.kernel_dim}


def adversarial_head(features, minibatch_discrimination=False):
    """The discriminator's real/fake output: a linear unit (logits) on the features, after minibatch
    discrimination when asked for."""
    if minibatch_discrimination:
        features = MinibatchDiscrimination()(features)
    return layers.Dense(1)(features)


@keras.saving.register_keras_serializable(package="tfganzoo")
class BatchFreeNormalization(layers.LayerNormalization):
    """LayerNormalization taking BatchNormalization's call arguments, so that it can stand in for it in a
    cloned network (see models.adapted)."""

    def call(self, inputs, training=None, mask=None):
        return super().call(inputs)


@keras.saving.register_keras_serializable(package="tfganzoo")
class ReflectionPadding2D(layers.Layer):
    """Pads height and width by `padding` pixels on each side, mirroring the image at its border (PyTorch's
    nn.ReflectionPad2d, which the CycleGAN generator uses before its convolutions; Keras ships only zeros)."""

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = padding

    def call(self, inputs):
        p = self.padding
        return ops.pad(inputs, ((0, 0), (p, p), (p, p), (0, 0)), mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        grow = lambda side: None if side is None else side + 2 * self.padding  # noqa: E731
        return (batch, grow(height), grow(width), channels)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


def instance_normalization(**kwargs):
    """Instance normalization without affine parameters, as the CycleGAN reference's InstanceNorm2d: each
    example's channels normalised over height and width."""
    return layers.GroupNormalization(groups=-1, center=False, scale=False, epsilon=1e-5, **kwargs)


def normal_initializer(mean=0.0, stddev=0.02):
    """A new N(mean, stddev) initializer for one layer, as the papers' code draws its weights. One instance
    shared by several layers would fix its seed when it is made (before keras.utils.set_random_seed, at
    import) and give every layer of one shape the same weights."""
    return keras.initializers.RandomNormal(mean, stddev)
