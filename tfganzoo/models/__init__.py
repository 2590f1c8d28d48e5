"""The model registry: one entry per GAN family, each a module with the same small interface.

A model module defines DESCRIPTION, DEFAULTS (its hyperparameters, overridable by flags), GAN_CLASS (the
`tfganzoo.gan.GAN` variant whose hooks it needs), GAN_OPTIONS (the Config fields GAN_CLASS takes beyond the
common ones), and build_generator(config) and build_discriminator(config), which read the image shape and
class count the data put into the config.
"""

from tfganzoo.errors import UserError, unknown_choice
from tfganzoo.models import acgan, cgan, dcgan, infogan, mlp

MODELS = {
    "gan": mlp,
    "cgan": cgan,
    "dcgan": dcgan,
    "infogan": infogan,
    "acgan": acgan,
}


def get_model(name):
    """The registered model module called `name`; a UserError naming the valid keys otherwise."""
    if name not in MODELS:
        raise unknown_choice("model", name, MODELS)
    return MODELS[name]


def build_gan(config):
    """The GAN described by a resolved `Config` (its image_shape and num_classes filled from the data)."""
    module = get_model(config.model)
    if module.GAN_CLASS.conditional and config.num_classes < 2:
        raise UserError(f"{config.model} generates by class, but {config.dataset} has {config.num_classes} class; "
                        f"use a labelled dataset or an unconditional model (gan, dcgan, infogan)")
    options = {name: getattr(config, name) for name in module.GAN_OPTIONS}
    return module.GAN_CLASS(module.build_generator(config), module.build_discriminator(config),
                            noise_dim=config.noise_dim, num_classes=config.num_classes, loss=config.loss,
                            seed=config.seed, **options)
