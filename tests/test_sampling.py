"""Reloading a run: the saved-then-reloaded generator gives identical samples."""

import keras
import numpy as np
import pytest

from conftest import with_data_shape
from tfganzoo import checkpoints, models, sampling, training
from tfganzoo.config import make_config
from tfganzoo.errors import UserError


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_idx_dir):
    log_dir = tmp_path_factory.mktemp("runs")
    config = make_config(
        "cgan",
        "mnist",
        data_path=str(tiny_idx_dir),
        epochs=2,
        batch_size=16,
        steps_per_epoch=2,
        save_every=1,
        log_dir=str(log_dir),
        seed=5,
        jit_compile=False,  # XLA: slower for 4 steps
        ema_decay=0.9,
    )
    config = training.train(config, verbose=0)
    return config


def untrained_run(log_dir, model, image_shape=(28, 28, 1)):
    """A run directory holding only config.json, as if training had not saved weights yet."""
    config = with_data_shape(make_config(model, "mnist", log_dir=str(log_dir), seed=1), image_shape)
    config.run_dir.mkdir(parents=True)
    config.save(config.run_dir / "config.json")
    return config.run_dir


def test_reloaded_generator_gives_identical_samples(trained):
    labels = np.arange(12) % 10
    _, first = sampling.load_run(trained.run_dir)
    _, second = sampling.load_run(trained.run_dir)
    latent = first.fixed_latent(12, seed=9)
    a, b = sampling.generate(first, latent, labels), sampling.generate(second, latent, labels)
    assert a.dtype == np.uint8 and a.shape == (12, 28, 28, 1)
    np.testing.assert_array_equal(a, b)


def test_the_saved_generator_is_the_weight_average_and_generator_raw_the_trained_one(trained):
    gan = training.compile_gan(trained, steps_per_epoch=2)
    _, _, newest = checkpoints.latest_position(trained.run_dir / "checkpoints")
    checkpoints.Checkpoints(newest.parent, gan, keep=3).restore(newest)
    weights = trained.run_dir / "weights"
    for network, file in ((gan.generator_ema, "generator.weights.h5"), (gan.generator, "generator_raw.weights.h5")):
        saved = keras.models.clone_model(network)
        saved.load_weights(weights / file)
        for a, b in zip(saved.variables, network.variables, strict=True):
            np.testing.assert_array_equal(np.array(a), np.array(b), err_msg=f"{file}: {a.path}")
    assert not np.array_equal(np.array(gan.generator_ema.variables[0]), np.array(gan.generator.variables[0]))
    # Loading a run samples from the average.
    _, loaded = sampling.load_run(trained.run_dir)
    latent, labels = gan.fixed_latent(4, seed=2), np.arange(4)
    np.testing.assert_array_equal(sampling.generate(loaded, latent, labels), sampling.generate(gan, latent, labels))


def test_final_weights_are_preferred_and_epoch_weights_are_loadable(trained):
    weights = trained.run_dir / "weights"
    assert sampling.find_generator_weights(weights) == weights / "generator.weights.h5"
    _, final = sampling.load_run(trained.run_dir)
    _, epoch2 = sampling.load_run(trained.run_dir, weights / "generator_epoch_0002.weights.h5")
    _, epoch1 = sampling.load_run(trained.run_dir, weights / "generator_epoch_0001.weights.h5")
    labels = np.zeros(4, int)
    noise = final.fixed_latent(4, seed=1)
    np.testing.assert_array_equal(sampling.generate(final, noise, labels), sampling.generate(epoch2, noise, labels))
    assert not np.array_equal(sampling.generate(final, noise, labels), sampling.generate(epoch1, noise, labels))


def test_a_finished_run_is_left_alone(trained, capsys):
    files = {path: path.read_bytes() for path in trained.run_dir.rglob("*") if path.is_file()}
    training.train(trained)
    assert f"{trained.run_dir} has finished its 2 epochs; nothing to do" in capsys.readouterr().out
    assert {path: path.read_bytes() for path in trained.run_dir.rglob("*") if path.is_file()} == files


def test_weights_of_another_model_are_refused(trained, tmp_path):
    with pytest.raises(UserError, match="cannot load .* into the gan generator"):
        sampling.load_run(untrained_run(tmp_path, "gan"), trained.run_dir / "weights" / "generator.weights.h5")


def test_weights_of_another_image_shape_are_refused(trained, tmp_path):
    with pytest.raises(UserError, match="cannot load .* into the cgan generator"):
        sampling.load_run(
            untrained_run(tmp_path, "cgan", (14, 14, 1)), trained.run_dir / "weights" / "generator.weights.h5"
        )


def test_corrupt_weights_file_is_refused(trained, tmp_path):
    broken = tmp_path / "generator.weights.h5"
    broken.write_bytes((trained.run_dir / "weights" / "generator.weights.h5").read_bytes()[:5000])
    with pytest.raises(UserError, match="cannot load .*generator.weights.h5 into the cgan generator"):
        sampling.load_run(trained.run_dir, broken)


def test_run_without_weights_is_refused(tmp_path):
    with pytest.raises(UserError, match="no generator weights in"):
        sampling.load_run(untrained_run(tmp_path, "gan"))


def infogan(**options):
    return models.build_gan(with_data_shape(make_config("infogan", seed=0, **options)))


def test_traversal_rows_are_categories_and_columns_sweep_one_code():
    gan = infogan(num_categorical=3, num_continuous=2)
    latent, columns = sampling.traversal(gan, code=1, steps=5, seed=0)
    assert columns == 5 and len(latent["noise"]) == 15
    np.testing.assert_array_equal(latent["categorical"], np.repeat([0, 1, 2], 5))
    np.testing.assert_allclose(latent["continuous"][:5, 1], [-2, -1, 0, 1, 2])
    assert (latent["continuous"][:, 0] == 0).all()
    assert (latent["noise"] == latent["noise"][0]).all()  # everything else fixed
    assert sampling.generate(gan, latent).shape == (15, 28, 28, 1)
    with pytest.raises(UserError, match="--traverse=2 is out of range; .* codes 0..1"):
        sampling.traversal(gan, code=2, steps=5, seed=0)


def test_continuous_code_effects_measure_what_each_code_changes():
    gan = infogan(num_continuous=2)
    effects = sampling.continuous_code_effects(gan, num=50, seed=0)
    assert list(effects) == ["continuous_effect_0", "continuous_effect_1"] and min(effects.values()) > 0
    # Cut code 0 out of the first layer of the generator that samples (the weight average, when there is one):
    # sweeping it changes nothing, and code 1 acts as before.
    dense = next(layer for layer in gan.sampler.layers if isinstance(layer, keras.layers.Dense))
    kernel = dense.kernel.numpy()
    kernel[gan.noise_dim + gan.num_categorical] = 0
    dense.kernel.assign(kernel)
    cut = sampling.continuous_code_effects(gan, num=50, seed=0)
    assert cut["continuous_effect_0"] == 0
    assert cut["continuous_effect_1"] == pytest.approx(effects["continuous_effect_1"])
    with pytest.raises(UserError, match="which only infogan runs have; this run is ConditionalGAN"):
        sampling.continuous_code_effects(models.build_gan(with_data_shape(make_config("cgan", seed=0))), 10, 0)


def test_interpolation_runs_from_one_seed_to_the_next():
    gan = infogan()
    latent = sampling.interpolation(gan, steps=6, seed=3)
    np.testing.assert_allclose(latent["noise"][0], gan.fixed_latent(1, 3)["noise"][0], atol=1e-5)
    np.testing.assert_allclose(latent["noise"][-1], gan.fixed_latent(1, 4)["noise"][0], atol=1e-5)
    norms = np.linalg.norm(latent["noise"], axis=1)
    assert norms.min() > 0.9 * min(norms[0], norms[-1])  # slerp keeps the typical norm


def test_fix_codes_sets_the_named_codes_and_refuses_bad_ones():
    gan = infogan()
    latent = sampling.fix_codes(gan, gan.fixed_latent(4, 0), "cat=3,c1=0.5")
    assert (latent["categorical"] == 3).all() and (latent["continuous"][:, 1] == 0.5).all()
    for bad in ("cat=10", "c2=1", "dog=1", "cat=x"):
        with pytest.raises(UserError, match=f"--code={bad}: bad entry"):
            sampling.fix_codes(gan, gan.fixed_latent(4, 0), bad)


def test_infogan_training_grid_has_one_row_per_categorical_value():
    latent, labels, columns = sampling.training_grid(infogan(num_categorical=4), seed=0)
    assert labels is None and columns == 10
    np.testing.assert_array_equal(latent["categorical"], np.repeat(np.arange(4), 10))
    assert (latent["continuous"] == 0).all()


@pytest.mark.parametrize(
    "use",
    [
        lambda gan: sampling.traversal(gan, 0, 5, 0),
        lambda gan: sampling.fix_codes(gan, gan.fixed_latent(2, 0), "cat=1"),
    ],
)
def test_code_sweeps_and_fixed_codes_are_refused_for_models_without_latent_codes(use):
    gan = models.build_gan(with_data_shape(make_config("dcgan", seed=0)))
    with pytest.raises(UserError, match=r"need latent codes, which only infogan runs have; this run is GAN$"):
        use(gan)


def test_only_gans_that_read_labels_in_the_discriminator_take_mismatched_labels():
    cgan = models.build_gan(with_data_shape(make_config("cgan", seed=0)))
    acgan = models.build_gan(with_data_shape(make_config("acgan", seed=0)))
    assert cgan.conditional and acgan.conditional
    assert hasattr(cgan, "label_scores") and not hasattr(acgan, "label_scores")
    assert acgan.mismatched_logits(None, None) is None  # the base hook: no extra negatives
