"""The exported SavedModel, reloaded in a fresh process without this project's code, matches Keras."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from conftest import with_data_shape
from tfganzoo import export, models
from tfganzoo.config import make_config
from tfganzoo.errors import UserError

pytestmark = pytest.mark.slow

# One fresh process loads every export (TensorFlow's start-up is most of its time): argv holds
# (directory, inputs.npz, output.npy) triples.
LOAD_AND_RUN = textwrap.dedent("""
    import sys, numpy as np, tensorflow as tf
    assert "tfganzoo" not in sys.modules
    for directory, inputs, output in zip(*[iter(sys.argv[1:])] * 3):
        serve = tf.saved_model.load(directory).signatures["serving_default"]
        feed = {name: tf.constant(value) for name, value in np.load(inputs).items()}
        np.save(output, serve(**feed)["images"].numpy())
""")
MODELS = ("cgan", "infogan", "dcgan", "pix2pix")


def export_with_inputs(name, directory):
    """Exports `name`'s untrained generator into `directory`/exported with its inputs; returns Keras's images."""
    directory.mkdir()
    gan = models.build_gan(with_data_shape(make_config(name, seed=2)))
    latent = gan.fixed_latent(6, seed=4)
    if gan.translates:  # the signature takes the source images
        sources = np.random.default_rng(4).uniform(-1, 1, (6, *gan.generator.input_shape[1:])).astype(np.float32)
        expected, feed = np.asarray(gan.generate(latent, sources)), {"source": sources}
    else:
        labels = np.arange(6, dtype=np.int32) % 10 if gan.conditional else None
        expected = np.asarray(gan.generate(latent, labels))
        feed = dict(latent, **({"label": labels} if labels is not None else {}))
    export.export_generator(gan, directory / "exported")
    np.savez(directory / "inputs.npz", **feed)
    return expected


def test_savedmodels_in_a_fresh_process_return_the_keras_images(tmp_path):
    expected = {name: export_with_inputs(name, tmp_path / name) for name in MODELS}
    files = [str(tmp_path / name / file) for name in MODELS for file in ("exported", "inputs.npz", "out.npy")]
    result = subprocess.run(
        [sys.executable, "-c", LOAD_AND_RUN, *files], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert result.returncode == 0, result.stderr
    for name in MODELS:
        np.testing.assert_allclose(np.load(tmp_path / name / "out.npy"), expected[name], atol=1e-5, err_msg=name)


def test_export_never_overwrites(tmp_path):
    gan = models.build_gan(with_data_shape(make_config("gan", seed=2)))
    (tmp_path / "taken").mkdir()
    with pytest.raises(UserError, match="already exists"):
        export.export_generator(gan, tmp_path / "taken")
