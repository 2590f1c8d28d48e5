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

LOAD_AND_RUN = textwrap.dedent("""
    import sys, numpy as np, tensorflow as tf
    directory, inputs, output = sys.argv[1:]
    assert "tfganzoo" not in sys.modules
    serve = tf.saved_model.load(directory).signatures["serving_default"]
    feed = {name: tf.constant(value) for name, value in np.load(inputs).items()}
    np.save(output, serve(**feed)["images"].numpy())
""")


@pytest.mark.parametrize("name", ["cgan", "infogan", "dcgan", "pix2pix"])
def test_savedmodel_in_a_fresh_process_returns_the_keras_images(tmp_path, name):
    gan = models.build_gan(with_data_shape(make_config(name, seed=2)))
    latent = gan.fixed_latent(6, seed=4)
    if gan.translates:  # the signature takes the source images
        sources = np.random.default_rng(4).uniform(-1, 1, (6, *gan.generator.input_shape[1:])).astype(np.float32)
        expected, feed = np.asarray(gan.generate(latent, sources)), {"source": sources}
    else:
        labels = np.arange(6, dtype=np.int32) % 10 if gan.conditional else None
        expected = np.asarray(gan.generate(latent, labels))
        feed = dict(latent, **({"label": labels} if labels is not None else {}))
    export.export_generator(gan, tmp_path / "exported")

    np.savez(tmp_path / "inputs.npz", **feed)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            LOAD_AND_RUN,
            str(tmp_path / "exported"),
            str(tmp_path / "inputs.npz"),
            str(tmp_path / "out.npy"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, atol=1e-5)


def test_export_never_overwrites(tmp_path):
    gan = models.build_gan(with_data_shape(make_config("gan", seed=2)))
    (tmp_path / "taken").mkdir()
    with pytest.raises(UserError, match="already exists"):
        export.export_generator(gan, tmp_path / "taken")
