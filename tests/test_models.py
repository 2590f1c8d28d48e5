"""Network shapes, output ranges and the architectures the users asked for."""

import numpy as np
import pytest

from tfganzoo import models
from tfganzoo.errors import UserError
from tfganzoo.layers import Maxout

SHAPES = [((28, 28, 1), 10), ((16, 12, 3), 4)]  # from the data, never constants


@pytest.mark.parametrize("name", sorted(models.MODELS))
@pytest.mark.parametrize("image_shape,num_classes", SHAPES)
def test_networks_follow_the_data_shape(name, image_shape, num_classes):
    module = models.get_model(name)
    generator = module.build_generator(image_shape, num_classes, noise_dim=8)
    discriminator = module.build_discriminator(image_shape, num_classes)
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((5, 8)).astype(np.float32) * 10  # large inputs: tanh must still bound them
    labels = np.eye(num_classes, dtype=np.float32)[rng.integers(0, num_classes, 5)]
    conditional = module.GAN_CLASS.conditional
    images = np.asarray(generator([noise, labels] if conditional else noise))
    assert images.shape == (5, *image_shape)
    assert np.abs(images).max() <= 1.0
    logits = np.asarray(discriminator([images, labels] if conditional else images))
    assert logits.shape == (5, 1)
    assert np.isfinite(logits).all()


@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_generator_and_discriminator_share_no_variables(name):
    module = models.get_model(name)
    g = module.build_generator((28, 28, 1), 10, 100)
    d = module.build_discriminator((28, 28, 1), 10)
    assert not {id(v) for v in g.variables} & {id(v) for v in d.variables}


def test_cgan_discriminator_is_the_tutorials_maxout_network():
    d = models.cgan.build_discriminator((28, 28, 1), 10)
    maxouts = [(layer.units, layer.pieces, layer.activation) for layer in d.layers if isinstance(layer, Maxout)]
    assert sorted(maxouts) == sorted([(240, 5, "relu"), (50, 5, "relu"), (240, 4, "relu")])
    assert sum(type(layer).__name__ == "Dropout" and layer.rate == 0.5 for layer in d.layers) == 3
    # image 784 -> 240x5, label 10 -> 50x5, (240 + 50) -> 240x4, 240 -> 1 logit
    expected = (784 * 1200 + 1200) + (10 * 250 + 250) + (290 * 960 + 960) + (240 + 1)
    assert d.count_params() == expected


def test_cgan_generator_is_the_tutorials_network():
    g = models.cgan.build_generator((28, 28, 1), 10, 100)
    # noise 100 -> 256, label 10 -> 256, 512 -> 512, 512 -> 784 (tanh)
    expected = (100 * 256 + 256) + (10 * 256 + 256) + (512 * 512 + 512) + (512 * 784 + 784)
    assert g.count_params() == expected


def test_gan_networks_have_the_tutorial_layer_sizes():
    g = models.mlp.build_generator((28, 28, 1), 10, 100)
    d = models.mlp.build_discriminator((28, 28, 1), 10)
    dense = lambda m: [layer.units for layer in m.layers if type(layer).__name__ == "Dense"]  # noqa: E731
    assert dense(g) == [256, 512, 1024, 784]
    assert dense(d) == [512, 256, 1]
    assert [layer.momentum for layer in g.layers if type(layer).__name__ == "BatchNormalization"] == [0.8] * 3


def test_maxout_takes_the_max_over_each_units_pieces():
    layer = Maxout(units=2, pieces=3)
    layer.build((None, 1))
    # dense outputs for input x=1: unit 0 pieces (1, 5, -2), unit 1 pieces (0, -1, 3)
    layer.dense.set_weights([np.array([[1, 5, -2, 0, -1, 3]], np.float32), np.zeros(6, np.float32)])
    np.testing.assert_allclose(np.asarray(layer(np.array([[1.0]], np.float32))), [[5.0, 3.0]])
    np.testing.assert_allclose(np.asarray(layer(np.array([[-1.0]], np.float32))), [[2.0, 1.0]])


def test_unknown_model_names_the_valid_choices():
    with pytest.raises(UserError, match=r"unknown model 'dcgann'; valid choices: cgan, gan"):
        models.get_model("dcgann")
