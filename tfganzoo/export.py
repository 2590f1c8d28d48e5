"""Exporting a trained generator as a TensorFlow SavedModel usable without this project's code.

    model = tf.saved_model.load(DIR)
    images = model.signatures["serving_default"](noise=..., label=...)["images"]   # [N, H, W, C] in [-1, 1]

The signature's inputs are the generator's latents (`noise` float32 [N, noise_dim]; for infogan also
`categorical` int32 [N] and `continuous` float32 [N, num_continuous]) and, for conditional models,
`label` int32 [N]; a translation model takes `source` float32 [N, H, W, C] in [-1, 1] alone, and CycleGAN's
other direction has its own signature, "BtoA":

    translated = model.signatures["serving_default"](source=...)["images"]   # A -> B
    back = model.signatures["BtoA"](source=...)["images"]                      # cyclegan: B -> A
"""

from pathlib import Path

import tensorflow as tf

from tfganzoo.errors import UserError
from tfganzoo.files import atomic_path


def serving_specs(gan, direction="AtoB"):
    specs = {
        name: tf.TensorSpec((None, *shape), dtype, name=name) for name, (shape, dtype) in gan.latent_spec().items()
    }
    if gan.conditional:
        specs["label"] = tf.TensorSpec((None,), tf.int32, name="label")
    if gan.translates:
        specs["source"] = tf.TensorSpec((None, *gan.source_shape(direction)), tf.float32, name="source")
    return specs


def export_generator(gan, directory):
    """Writes the SavedModel to `directory` (which must not exist yet), whole or not at all."""
    directory = Path(directory)
    if directory.exists():
        raise UserError(f"--export={directory} already exists; choose a new directory")
    module = tf.Module()
    module.generator = gan.sampler  # tracks the weights the signature reads

    if gan.translates:  # its first direction the default, the others by name
        signatures = {"serving_default" if i == 0 else d: translation(gan, d) for i, d in enumerate(gan.directions)}
    else:
        signatures = {"serving_default": generation(gan)}
    with atomic_path(directory) as tmp:
        tf.saved_model.save(module, str(tmp), signatures=signatures)


def generation(gan):
    @tf.function(input_signature=[serving_specs(gan)])
    def serve(inputs):
        inputs = dict(inputs)
        return {"images": gan.generate(inputs, inputs.pop("label", None), training=False)}

    return serve.get_concrete_function()


def translation(gan, direction):
    network = gan.translator(direction)

    @tf.function(input_signature=[serving_specs(gan, direction)])
    def serve(inputs):
        return {"images": tf.cast(network(inputs["source"], training=False), tf.float32)}

    return serve.get_concrete_function()
