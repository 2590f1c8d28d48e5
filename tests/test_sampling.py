"""Reloading a run: the saved-then-reloaded generator gives identical samples."""

import numpy as np
import pytest

from conftest import with_data_shape
from tfganzoo import sampling, training
from tfganzoo.config import make_config
from tfganzoo.errors import UserError


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_idx_dir):
    log_dir = tmp_path_factory.mktemp("runs")
    config = make_config("cgan", "mnist", data_path=str(tiny_idx_dir), epochs=2, batch_size=16, steps_per_epoch=2,
                         save_every=1, log_dir=str(log_dir), seed=5)
    config, _ = training.train(config, verbose=0)
    return config


def untrained_run(log_dir, model, image_shape=(28, 28, 1)):
    """A run directory holding only config.json, as if training had not saved weights yet."""
    config = with_data_shape(make_config(model, "mnist", log_dir=str(log_dir), seed=1), image_shape)
    config.run_dir.mkdir(parents=True)
    config.save(config.run_dir / "config.json")
    return config.run_dir


def test_reloaded_generator_gives_identical_samples(trained):
    noise = sampling.latent_noise(12, trained.noise_dim, seed=9)
    labels = np.arange(12) % 10
    _, first = sampling.load_run(trained.run_dir)
    _, second = sampling.load_run(trained.run_dir)
    a, b = sampling.generate(first, noise, labels), sampling.generate(second, noise, labels)
    assert a.dtype == np.uint8 and a.shape == (12, 28, 28, 1)
    np.testing.assert_array_equal(a, b)


def test_final_weights_are_preferred_and_epoch_weights_are_loadable(trained):
    weights = trained.run_dir / "weights"
    assert sampling.find_generator_weights(weights) == weights / "generator.weights.h5"
    noise = sampling.latent_noise(4, trained.noise_dim, seed=1)
    _, final = sampling.load_run(trained.run_dir)
    _, epoch2 = sampling.load_run(trained.run_dir, weights / "generator_epoch_0002.weights.h5")
    _, epoch1 = sampling.load_run(trained.run_dir, weights / "generator_epoch_0001.weights.h5")
    labels = np.zeros(4, int)
    np.testing.assert_array_equal(sampling.generate(final, noise, labels), sampling.generate(epoch2, noise, labels))
    assert not np.array_equal(sampling.generate(final, noise, labels), sampling.generate(epoch1, noise, labels))


def test_the_same_run_name_is_never_overwritten(trained):
    before = (trained.run_dir / "loss.csv").read_text()
    with pytest.raises(UserError, match="already holds a run"):
        training.train(trained)
    assert (trained.run_dir / "loss.csv").read_text() == before


def test_weights_of_another_model_are_refused(trained, tmp_path):
    with pytest.raises(UserError, match="cannot load .* into the gan generator"):
        sampling.load_run(untrained_run(tmp_path, "gan"), trained.run_dir / "weights" / "generator.weights.h5")


def test_weights_of_another_image_shape_are_refused(trained, tmp_path):
    with pytest.raises(UserError, match="cannot load .* into the cgan generator"):
        sampling.load_run(untrained_run(tmp_path, "cgan", (14, 14, 1)), trained.run_dir / "weights" / "generator.weights.h5")


def test_corrupt_weights_file_is_refused(trained, tmp_path):
    broken = tmp_path / "generator.weights.h5"
    broken.write_bytes((trained.run_dir / "weights" / "generator.weights.h5").read_bytes()[:5000])
    with pytest.raises(UserError, match="cannot load .*generator.weights.h5 into the cgan generator"):
        sampling.load_run(trained.run_dir, broken)


def test_run_without_weights_is_refused(tmp_path):
    with pytest.raises(UserError, match="no generator weights in"):
        sampling.load_run(untrained_run(tmp_path, "gan"))
