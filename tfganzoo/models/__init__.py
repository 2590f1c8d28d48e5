"""The model registry: one entry per GAN family, each a module with the same small interface.

A model module defines DESCRIPTION (one line, shown by --helpfull), DEFAULTS (the zoo's training recipe,
overridable by flags), TUTORIAL (the recipe of the tutorial or paper the model comes from: the "tutorial"
preset), GAN_CLASS (the `tfganzoo.gan.GAN` variant whose hooks it needs), XLA_ON_CPU (whether its train step
measured faster with XLA on a CPU, bench/throughput.py), and build_generator(config) and
build_discriminator(config), which read the image shape and class count the data put into the config. The
options only some models read say which in their declaration (tfganzoo.config).
"""

import contextlib

import keras
import tensorflow as tf
from keras import layers

from tfganzoo import datasets
from tfganzoo.errors import UserError, unknown_choice
from tfganzoo.layers import BatchFreeNormalization, Maxout
from tfganzoo.models import acgan, cgan, cyclegan, dcgan, infogan, mlp, pix2pix

MODELS = {
    "gan": mlp,
    "cgan": cgan,
    "dcgan": dcgan,
    "infogan": infogan,
    "acgan": acgan,
    "pix2pix": pix2pix,
    "cyclegan": cyclegan,
}


# The models that generate from noise (and are scored by FID, recall, ...), and those that translate images.
NOISE_MODELS = tuple(name for name, module in MODELS.items() if not module.GAN_CLASS.translates)
TRANSLATION_MODELS = tuple(name for name, module in MODELS.items() if module.GAN_CLASS.translates)

# Named training recipes: "default" is the zoo's, chosen by measurement (docs/results/); "tutorial" keeps the
# recipe each model's source publishes, so that its results can be reproduced and compared.
PRESETS = ("default", "tutorial")


def get_model(name):
    """The registered model module called `name`; a UserError naming the valid keys otherwise."""
    if name not in MODELS:
        raise unknown_choice("model", name, MODELS)
    return MODELS[name]


def having(capability):
    """The models whose GAN class has `capability` (a class attribute of tfganzoo.gan.GAN), for messages."""
    return ", ".join(name for name, module in MODELS.items() if getattr(module.GAN_CLASS, capability))


def recipe(model, preset="default"):
    """The Config values `preset` gives `model` (a UserError names the valid presets)."""
    module = get_model(model)
    if preset not in PRESETS:
        raise unknown_choice("preset", preset, PRESETS)
    return dict(module.DEFAULTS if preset == "default" else module.TUTORIAL)


def build_gan(config):
    """The GAN described by a resolved `Config` (its image_shape and num_classes filled from the data)."""
    module = get_model(config.model)
    check_data(config.model, module.GAN_CLASS, config.dataset, config.source_shape is not None)
    check_identity(config)
    if module.GAN_CLASS.conditional and config.num_classes < 2:
        raise UserError(
            f"{config.model} generates by class, but {config.dataset} has {config.num_classes} class; "
            f"use a labelled dataset or an unconditional model (gan, dcgan, infogan)"
        )
    with dtype_policy(precision_policy(config.mixed_precision)):
        discriminator = module.build_discriminator(config)
        if config.spectral_norm or config.penalty != "none":
            discriminator = adapted(discriminator, config.spectral_norm, layer_norm=config.penalty != "none")
        generator = module.build_generator(config)
        if tf.distribute.get_strategy().num_replicas_in_sync > 1:
            # Batch norm over the global batch, as on one device, not over each replica's share.
            generator, discriminator = map(synchronized_copy, (generator, discriminator))
    return module.GAN_CLASS(
        generator,
        discriminator,
        noise_dim=config.noise_dim,
        num_classes=config.num_classes,
        seed=config.seed,
        **config.gan_arguments(),
    )


def check_data(model, gan_class, dataset, paired):
    """A UserError unless translation models get paired data and the others images to generate."""
    if gan_class.translates and not paired:
        needs = "two domains" if gan_class.unpaired else "pairs"
        layout = "unpaired" if gan_class.unpaired else "paired"
        raise UserError(
            f"{model} translates images and needs {needs}: --dataset=edges2fashion, grey2colour, or {layout} "
            f"with --data_path; {dataset} holds single images"
        )
    if paired and not gan_class.translates:
        raise UserError(
            f"{dataset} holds image pairs for translation, which {model} does not do; use "
            f"{having('translates')}, or a dataset of single images"
        )
    if datasets.get_dataset(dataset).unpaired and not gan_class.unpaired:
        raise UserError(
            f"{dataset} holds two unpaired domains, and {model} learns from pairs; use {having('unpaired')}"
        )


def check_identity(config):
    """A UserError where the identity terms (G(b) ~ b) are asked of domains whose channels differ."""
    if config.identity_weight and config.source_shape[-1] != config.image_shape[-1]:
        raise UserError(
            f"identity_weight={config.identity_weight} compares G(b) with b, but {config.dataset}'s domains have "
            f"{config.source_shape[-1]} and {config.image_shape[-1]} channels; use --identity_weight=0"
        )


def precision_policy(mixed):
    """Keras's dtype policy for --mixed_precision: float16 compute on a GPU (with loss scaling, see
    training.compile_gan), bfloat16 elsewhere (CPU, TPU: same range as float32, no scaling needed); variables
    stay float32 either way."""
    if not mixed:
        return keras.config.floatx()  # float32 unless a program sets it (the strategy tests set float64)
    return "mixed_float16" if tf.config.list_physical_devices("GPU") else "mixed_bfloat16"


@contextlib.contextmanager
def dtype_policy(name):
    """Builds layers under the dtype policy `name`, leaving Keras's global policy as it was."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def synchronized_copy(network):
    """The network with cross-replica batch norm and the same initial weights (a clone draws new ones)."""
    copy = adapted(network, synchronized=True)
    copy.set_weights(network.get_weights())
    return copy


def adapted(network, spectral_norm=False, layer_norm=False, synchronized=False):
    """A copy of a functional network with its layers adapted to a stabiliser or to several replicas.

    spectral_norm: Dense and Conv2D layers (also inside Maxout) are wrapped in keras.layers.SpectralNormalization
      (Miyato et al. 2018): one power iteration per training call, its vector kept as a non-trainable weight
      across steps, nothing updated at inference.
    layer_norm: BatchNormalization becomes LayerNormalization over each example's features, as Gulrajani et
      al. 2017 do for WGAN-GP: a gradient penalty is per example, and batch norm makes each output depend on
      the whole batch.
    synchronized: BatchNormalization computes its statistics across all replicas of a tf.distribute strategy.
    """

    def clone(layer):
        config = layer.get_config()
        if spectral_norm and isinstance(layer, (layers.Dense, layers.Conv2D)):
            return layers.SpectralNormalization(layer.__class__.from_config(config))
        if spectral_norm and isinstance(layer, Maxout):
            return Maxout.from_config({**config, "spectral_norm": True})
        if layer_norm and isinstance(layer, layers.BatchNormalization):
            return BatchFreeNormalization(axis=list(range(1, len(layer.input.shape))), name=layer.name)
        if synchronized and isinstance(layer, layers.BatchNormalization):
            return layers.BatchNormalization.from_config({**config, "synchronized": True})
        return layer.__class__.from_config(config)

    return keras.models.clone_model(network, clone_function=clone)
