"""Exporting a trained generator as a TensorFlow SavedModel usable without this project's code.

    model = tf.saved_model.load(DIR)
    images = model.signatures["serving_default"](noise=..., label=...)["images"]   # [N, H, W, C] in [-1, 1]

The signature's inputs are the generator's latents (`noise` float32 [N, noise_dim]; for infogan also
`categorical` int32 [N] and `continuous` float32 [N, num_continuous]) and, for conditional models,
`label` int32 [N]; a translation model (pix2pix) takes `source` float32 [N, H, W, C] in [-1, 1] alone:

    translated = model.signatures["serving_default"](source=...)["images"]
"""

from pathlib import Path

import tensorflow as tf

from tfganzoo.errors import UserError
from tfganzoo.files import atomic_path


def serving_specs(gan):
    specs = {
        name: tf.TensorSpec((None, *shape), dtype, name=name) for name, (shape, dtype) in gan.latent_spec().items()
    }
    if gan.conditional:
        specs["label"] = tf.TensorSpec((None,), tf.int32, name="label")
    if gan.translates:
        specs["source"] = tf.TensorSpec((None, *gan.generator.input_shape[1:]), tf.float32, name="source")
    return specs


def export_generator(gan, directory):
    """Writes the SavedModel to `directory` (which must not exist yet), whole or not at all."""
    directory = Path(directory)
    if directory.exists():
        raise UserError(f"--export={directory} already exists; choose a new directory")
    module = tf.Module()
    module.generator = gan.sampler  # tracks the weights the signature reads

    @tf.function(input_signature=[serving_specs(gan)])
    def serve(inputs):
        inputs = dict(inputs)
        condition = inputs.pop("source") if gan.translates else inputs.pop("label", None)
        return {"images": gan.generate(inputs, condition, training=False)}

    module.serve = serve
    with atomic_path(directory) as tmp:
        tf.saved_model.save(module, str(tmp), signatures={"serving_default": serve.get_concrete_function()})
