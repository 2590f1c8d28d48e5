"""Network shapes, output ranges and the architectures the users asked for."""

import keras
import numpy as np
import pytest

from conftest import with_data_shape
from tfganzoo import models
from tfganzoo.config import make_config
from tfganzoo.errors import UserError
from tfganzoo.layers import Maxout

# From the data, never constants: MNIST-like, CIFAR-like, CelebA-like, and an odd small colour shape.
SHAPES = [((28, 28, 1), 10), ((32, 32, 3), 4), ((64, 64, 3), 2), ((16, 12, 3), 3)]
CONV_MODELS = ("dcgan", "acgan", "infogan")


def config_for(name, image_shape=(28, 28, 1), num_classes=10, **options):
    return with_data_shape(make_config(name, seed=0, **options), image_shape, num_classes)


def build(name, image_shape=(28, 28, 1), num_classes=10, **options):
    return models.build_gan(config_for(name, image_shape, num_classes, **options))


@pytest.mark.parametrize(
    "name,image_shape,num_classes",
    [
        (name, shape, classes)
        for name in sorted(models.NOISE_MODELS)
        for shape, classes in SHAPES
        # (16, 12, 3) is no DCGAN shape: test_conv_models_refuse_shapes_they_cannot_build covers the refusal
        if not (name in CONV_MODELS and shape == (16, 12, 3))
    ],
)
def test_networks_follow_the_data_shape(name, image_shape, num_classes):
    gan = build(name, image_shape, num_classes, noise_dim=8)
    latent = gan.fixed_latent(5, seed=0)
    latent["noise"] *= 10  # large inputs: tanh must still bound the images
    labels = np.arange(5) % num_classes
    images = np.asarray(gan.generate(latent, labels))
    assert images.shape == (5, *image_shape)
    assert np.abs(images).max() <= 1.0
    out = gan.discriminate(images, labels)
    assert out["logits"].shape == (5, 1)
    assert all(np.isfinite(np.asarray(v)).all() for v in out.values())


@pytest.mark.parametrize("name", CONV_MODELS)
def test_conv_models_refuse_shapes_they_cannot_build(name):
    with pytest.raises(UserError, match="cannot build 30x30x1 images: .*sides divisible by 4"):
        build(name, (30, 30, 1))


def test_auxiliary_heads_have_the_right_shapes():
    acgan = build("acgan", num_classes=7)
    assert acgan.discriminate(np.zeros((3, 28, 28, 1), np.float32), None)["class_logits"].shape == (3, 7)
    infogan = build("infogan", num_categorical=5, num_continuous=3)
    out = infogan.discriminate(np.zeros((3, 28, 28, 1), np.float32), None)
    assert (out["code_logits"].shape, out["code_mean"].shape) == ((3, 5), (3, 3))
    assert infogan.generator.input_shape == [(None, 62), (None, 8)]  # 62-d noise, 5 one-hot + 3 continuous


def test_dcgan_follows_the_pytorch_tutorial_at_28x28_and_classic_dcgan_at_64x64():
    small = build("dcgan", preset="tutorial")  # the default wraps the discriminator's layers in spectral norm

    def kinds(network):
        return [
            (type(x).__name__, getattr(x, "filters", getattr(x, "units", None)))
            for x in network.layers
            if type(x).__name__ in ("Dense", "Conv2D", "Conv2DTranspose")
        ]

    assert kinds(small.generator) == [("Dense", 784), ("Conv2DTranspose", 32), ("Conv2DTranspose", 1)]
    assert kinds(small.discriminator) == [("Conv2D", 32), ("Conv2D", 16), ("Dense", 784), ("Dense", 1)]
    bn = lambda m: sum(type(x).__name__ == "BatchNormalization" for x in m.layers)  # noqa: E731
    # None at G's output or D's input, nor on D's dense layer (see the next test)
    assert (bn(small.generator), bn(small.discriminator)) == (2, 1)
    classic = build("dcgan", (64, 64, 3), preset="tutorial")
    assert kinds(classic.generator) == [
        ("Dense", 8192),
        ("Conv2DTranspose", 256),
        ("Conv2DTranspose", 128),
        ("Conv2DTranspose", 64),
        ("Conv2DTranspose", 3),
    ]
    assert kinds(classic.discriminator) == [
        ("Conv2D", 64),
        ("Conv2D", 128),
        ("Conv2D", 256),
        ("Conv2D", 512),
        ("Dense", 1),
    ]


@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_generator_and_discriminator_share_no_variables(name):
    gan = models.build_gan(with_data_shape(make_config(name, seed=0)))
    assert not {id(v) for v in gan.generator.variables} & {id(v) for v in gan.discriminator.variables}


def test_cgan_discriminator_is_the_tutorials_maxout_network():
    d = models.cgan.build_discriminator(config_for("cgan", preset="tutorial"))
    maxouts = [(layer.units, layer.pieces, layer.activation) for layer in d.layers if isinstance(layer, Maxout)]
    assert sorted(maxouts) == sorted([(240, 5, "relu"), (50, 5, "relu"), (240, 4, "relu")])
    assert sum(type(layer).__name__ == "Dropout" and layer.rate == 0.5 for layer in d.layers) == 3
    # image 784 -> 240x5, label 10 -> 50x5, (240 + 50) -> 240x4, 240 -> 1 logit
    expected = (784 * 1200 + 1200) + (10 * 250 + 250) + (290 * 960 + 960) + (240 + 1)
    assert d.count_params() == expected


@pytest.mark.parametrize("rate", [0.0, 0.3])
def test_cgan_dropout_sets_the_rate_of_every_discriminator_dropout(rate):
    d = models.cgan.build_discriminator(config_for("cgan", dropout=rate))
    assert [layer.rate for layer in d.layers if type(layer).__name__ == "Dropout"] == [rate] * 3


def test_cgan_generator_is_the_tutorials_network():
    g = models.cgan.build_generator(config_for("cgan"))
    # noise 100 -> 256, label 10 -> 256, 512 -> 512, 512 -> 784 (tanh)
    expected = (100 * 256 + 256) + (10 * 256 + 256) + (512 * 512 + 512) + (512 * 784 + 784)
    assert g.count_params() == expected


def test_gan_networks_have_the_tutorial_layer_sizes():
    g = models.mlp.build_generator(config_for("gan"))
    d = models.mlp.build_discriminator(config_for("gan"))
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
    with pytest.raises(
        UserError, match=r"unknown model 'dcgann'; valid choices: acgan, cgan, cyclegan, dcgan, gan, infogan"
    ):
        models.get_model("dcgann")


@pytest.mark.parametrize("name", ["cgan", "acgan"])
def test_conditional_models_refuse_single_class_data(name):
    with pytest.raises(UserError, match=f"{name} generates by class, but mnist has 1 class"):
        build(name, num_classes=1)


@pytest.mark.parametrize(
    "name,image_shape,options",
    [(name, (28, 28, 1), {}) for name in ("gan", "cgan", "dcgan")]
    + [(name, (32, 32, 3), {}) for name in CONV_MODELS]
    + [(name, (28, 28, 1), {"loss": "lsgan"}) for name in ("acgan", "infogan")],
)
def test_the_discriminator_tells_apart_batches_of_one_repeated_image(name, image_shape, options):
    """A collapsed generator's batch (copies of one image) must not score the same whatever the image. Batch
    norm over a dense layer right before the output made it so (the normalised features of identical rows are
    all its offset), and a generator that starts nearly collapsed then got no gradient to change its one image:
    lsgan on dcgan stayed on its first checkerboard (issue 30; docs/results/dcgan.md), and on infogan for 5
    epochs (docs/matrix.md#infogan). acgan and infogan keep that batch norm at 28x28, where their classes and
    codes learnt better with it (the next test shows its blind spot), except under lsgan, whose recipe drops it."""
    gan = build(name, image_shape, preset="tutorial", spectral_norm=False, **options)
    scores = repeated_image_scores(gan, image_shape)
    assert np.abs(scores[0] - scores[1]).max() > 1e-3, scores


@pytest.mark.parametrize("name", ["acgan", "infogan"])
def test_the_dense_batch_norm_is_blind_to_which_image_a_collapsed_batch_repeats(name):
    # The cause of lsgan's collapse on infogan, pinned: with the batch norm every such batch scores the same.
    scores = repeated_image_scores(build(name, preset="tutorial", spectral_norm=False), (28, 28, 1))
    np.testing.assert_allclose(scores[0], scores[1], atol=1e-3)


def repeated_image_scores(gan, image_shape, batch=8):
    """The discriminator's logits for two batches, each `batch` copies of one random image, in training mode."""
    rng = np.random.default_rng(0)
    first, second = (np.repeat(rng.uniform(-1, 1, (1, *image_shape)), batch, axis=0) for _ in range(2))
    labels = np.full(batch, 3)
    return [np.asarray(gan.discriminate(images, labels, training=True)["logits"]) for images in (first, second)]


def test_infogan_paper_body_is_the_authors_mnist_network():
    gan = build("infogan", infogan_body="paper", noise_dim=62)

    def kinds(network):
        return [
            (type(x).__name__, getattr(x, "filters", getattr(x, "units", None)), getattr(x, "kernel_size", None))
            for x in network.layers
            if type(x).__name__ in ("Dense", "Conv2D", "Conv2DTranspose")
        ]

    # openai/InfoGAN regularized_gan.py, network_type "mnist"
    assert kinds(gan.discriminator)[:4] == [
        ("Conv2D", 64, (4, 4)),
        ("Conv2D", 128, (4, 4)),
        ("Dense", 1024, None),
        ("Dense", 128, None),  # Q's own layer
    ]
    assert sorted(kinds(gan.discriminator)[4:]) == [("Dense", 1, None), ("Dense", 2, None), ("Dense", 10, None)]
    assert kinds(gan.generator) == [
        ("Dense", 1024, None),
        ("Dense", 7 * 7 * 128, None),
        ("Conv2DTranspose", 64, (4, 4)),
        ("Conv2DTranspose", 1, (4, 4)),
    ]
    norms = [x for x in gan.discriminator.layers + gan.generator.layers if type(x).__name__ == "BatchNormalization"]
    assert len(norms) == 6 and {(x.momentum, x.epsilon) for x in norms} == {(0.9, 1e-5)}
    slopes = {x.negative_slope for x in gan.discriminator.layers if type(x).__name__ == "LeakyReLU"}
    assert slopes == {0.01}


def test_infogan_uniform_noise_stays_in_minus_one_to_one():
    gan = build("infogan", uniform_noise=True)
    drawn = np.asarray(gan.sample_latent(4000)["noise"])
    fixed = gan.fixed_latent(4000, seed=3)["noise"]
    for noise in (drawn, fixed):
        assert noise.min() >= -1 and noise.max() <= 1
        assert np.mean(np.abs(noise)) == pytest.approx(0.5, abs=0.02)  # E|U(-1, 1)| = 1/2 (N(0, 1): 0.80)
    np.testing.assert_array_equal(fixed, gan.fixed_latent(4000, seed=3)["noise"])


@pytest.mark.parametrize("name,options", [("infogan", {"infogan_body": "paper"}), ("cyclegan", {"resnet_blocks": 2})])
def test_layers_drawn_from_the_papers_normal_start_apart_and_as_the_seed_says(name, options):
    def kernels():
        keras.utils.set_random_seed(1)
        gan = models.build_gan(with_data_shape(make_config(name, **options)))
        networks = gan.generator.trainable_variables + gan.discriminator.trainable_variables
        return [np.array(v) for v in networks if v.path.endswith("kernel")]

    first, again = kernels(), kernels()
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    same_shape = [(a, b) for i, a in enumerate(first) for b in first[i + 1 :] if a.shape == b.shape]
    assert same_shape and not any(np.array_equal(a, b) for a, b in same_shape)
