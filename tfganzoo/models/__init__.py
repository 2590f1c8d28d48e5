"""The model registry: one entry per GAN family, each a module with the same small interface.

A model module defines DESCRIPTION, DEFAULTS (its hyperparameters, overridable by flags), GAN_CLASS (the
`tfganzoo.gan.GAN` variant whose hooks it needs), build_generator(image_shape, num_classes, noise_dim) and
build_discriminator(image_shape, num_classes).
"""

from tfganzoo.errors import unknown_choice
from tfganzoo.models import cgan, mlp

MODELS = {
    "gan": mlp,
    "cgan": cgan,
}


def get_model(name):
    """The registered model module called `name`; a UserError naming the valid keys otherwise."""
    if name not in MODELS:
        raise unknown_choice("model", name, MODELS)
    return MODELS[name]


def build_gan(config):
    """The GAN described by a resolved `Config` (its image_shape and num_classes filled from the data)."""
    module = get_model(config.model)
    generator = module.build_generator(tuple(config.image_shape), config.num_classes, config.noise_dim)
    discriminator = module.build_discriminator(tuple(config.image_shape), config.num_classes)
    return module.GAN_CLASS(
        generator, discriminator, noise_dim=config.noise_dim, num_classes=config.num_classes,
        loss=config.loss, seed=config.seed)
