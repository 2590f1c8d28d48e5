"""Layers the classic architectures need that Keras does not ship."""

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="tfganzoo")
class Maxout(layers.Layer):
    """A maxout layer (Goodfellow et al. 2013, "Maxout Networks").

    Dense(units * pieces, activation) followed by, for each unit, the maximum over its `pieces` outputs.
    Written with keras.ops: the tutorial's `tf.reduce_max` on a symbolic Keras 3 tensor no longer works.

    Input [batch, features] -> output [batch, units].
    """

    def __init__(self, units, pieces, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.pieces = pieces
        self.activation = activation
        self.dense = layers.Dense(units * pieces, activation=activation)

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, inputs):
        pieces = ops.reshape(self.dense(inputs), (-1, self.units, self.pieces))
        return ops.max(pieces, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "pieces": self.pieces, "activation": self.activation}
