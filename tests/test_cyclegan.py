"""CycleGAN (issue 31): the image pool, the cycle and identity terms, the networks, unpaired data, the CLI."""

import csv
import dataclasses
import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers
from matplotlib import image as mpimg
from test_train_step import batch, tiny_gan
from test_translation import write_png

from conftest import run_main, run_script, with_data_shape
from tfganzoo import datasets, models, translation
from tfganzoo.config import make_config
from tfganzoo.errors import UserError


def values(array):
    return [float(x) for x in np.asarray(array).ravel()]


def test_the_pool_stores_images_until_full_then_swaps_them_in_batch_order():
    pool = translation.ImagePool(2, (1,))
    first = np.array([[1.0], [2.0], [3.0], [4.0]], np.float32)
    # 1 and 2 fill the pool and come back as they are; 3 is swapped for slot 0's 1; 4 is not swapped.
    returned = pool.exchange(first, np.array([True, True, True, False]), np.array([1, 1, 0, 0]))
    assert values(returned) == [1, 2, 1, 4]
    assert values(pool.images) == [3, 2] and int(pool.count) == 2
    # Both swap slot 0: the second gets the image the first has just stored, as the reference's loop does.
    returned = pool.exchange(np.array([[5.0], [6.0]], np.float32), np.array([True, True]), np.array([0, 0]))
    assert values(returned) == [3, 5] and values(pool.images) == [6, 2]


def test_a_pool_of_size_zero_shows_the_new_translations():
    images = np.arange(3, dtype=np.float32).reshape(3, 1)
    assert values(translation.ImagePool(0, (1,)).query(images, keras.random.SeedGenerator(0))) == [0, 1, 2]


def test_a_full_pool_returns_about_half_old_images():
    pool = translation.ImagePool(50, (1,))
    seed = keras.random.SeedGenerator(0)
    pool.query(np.full((50, 1), -1.0, np.float32), seed)  # filled with -1
    new = np.arange(1, 401, dtype=np.float32).reshape(400, 1)
    returned = np.asarray(pool.query(new, seed))
    swapped = returned[:, 0] != new[:, 0]
    assert 0.4 < swapped.mean() < 0.6
    # A swapped image is an older one: a first fill's, or a new image from earlier in the batch.
    assert all(old == -1 or old < i + 1 for i, old in enumerate(returned[:, 0]) if swapped[i])


def shifting_cyclegan(**options):
    """A CycleGAN whose generators are G(a) = a / 2 and F(b) = b + 1/4, so its terms can be worked out by hand."""
    a, b = keras.Input((2, 2, 1)), keras.Input((2, 2, 1))
    generator = keras.Model([a, b], [layers.Rescaling(0.5)(a), layers.Rescaling(1.0, offset=0.25)(b)])
    image_b, image_a = keras.Input((2, 2, 1)), keras.Input((2, 2, 1))
    flat = [layers.Dense(1)(layers.Flatten()(x)) for x in (image_b, image_a)]
    discriminator = keras.Model([image_b, image_a], layers.Concatenate(axis=0)(flat))
    return translation.CycleGAN(generator, discriminator, noise_dim=None, num_classes=1, **options)


def test_the_cycle_and_identity_terms_are_weighted_mean_absolute_errors_and_are_logged():
    gan = shifting_cyclegan(cycle_weight=3.0, identity_weight=2.0, pool_size=0)
    real_a, real_b = np.full((1, 2, 2, 1), 0.5, np.float32), np.full((1, 2, 2, 1), -0.5, np.float32)
    fakes = gan.generate({}, (real_a, real_b))  # (G(a), F(b)) = (0.25, -0.25)
    # F(G(a)) = 0.5 = a; G(F(b)) = -0.125, 0.375 from b: the cycle term is their mean, 0.1875.
    # G(b) = -0.25, F(a) = 0.75: both 0.25 from their input.
    loss = gan.target_loss(fakes, (real_b, real_a))
    assert float(loss) == pytest.approx(3.0 * 0.1875 + 2.0 * 0.25)
    assert float(gan.trackers["Cycle"].result()) == pytest.approx(0.1875)
    assert float(gan.trackers["Identity"].result()) == pytest.approx(0.25)
    assert "Identity" not in shifting_cyclegan().extra_log_names  # off by default: not computed, not logged


def test_a_step_logs_the_cycle_and_brings_the_reconstructions_closer():
    gan = tiny_gan("cyclegan", lr=1e-3)
    targets, sources = batch(8, "cyclegan")

    def cycle_error():
        back = gan.translate(gan.translate(sources), direction="BtoA")
        return float(np.mean(np.abs(back - sources)))

    start = cycle_error()
    for _ in range(3):
        logs = gan.train_on_batch(targets, sources, return_dict=True)
    assert "Cycle" in logs and "L1" not in logs
    assert cycle_error() < start


@pytest.mark.parametrize(
    "side,preset,blocks,patches",
    [(32, "default", 6, 6), (64, "default", 6, 14), (256, "default", 9, 62), (32, "tutorial", 6, 2)]
    + [(64, "tutorial", 6, 6), (256, "tutorial", 9, 30)],  # 70x70 patches at 256 px: the paper's 30 x 30 logits
)
def test_the_networks_follow_the_papers_shapes(side, preset, blocks, patches):
    config = with_data_shape(make_config("cyclegan", preset=preset, seed=0), (side, side, 3))
    config = dataclasses.replace(config, source_shape=(side, side, 1))  # grey -> colour
    generator = models.cyclegan.build_generator(config)  # shapes as Keras infers them (the steps run them)
    assert generator.output_shape == [(None, side, side, 3), (None, side, side, 1)]  # [G(a), F(b)]
    convolutions = sum(type(layer).__name__ == "Conv2D" for layer in generator.layers)
    assert convolutions == 2 * (1 + 2 + 2 * blocks + 1)  # two generators: in, 2 down, the blocks, out
    discriminator = models.cyclegan.build_discriminator(config)
    assert discriminator.output_shape == (None, patches, patches, 1)  # D_B's and D_A's, stacked


@pytest.mark.parametrize("side", [32, 64, 256])
def test_pix2pix_networks_fit_every_side(side):
    config = with_data_shape(make_config("pix2pix", seed=0), (side, side, 1))
    gan = models.build_gan(config)
    sources = np.zeros((1, side, side, 1), np.float32)
    assert gan.translate(sources).shape == (1, side, side, 1)
    assert gan.discriminate(gan.translate(sources), sources)["logits"].shape[1] == side // 4 - 2


def test_the_generator_needs_sides_it_can_halve_twice():
    config = with_data_shape(make_config("cyclegan"), (30, 30, 1))
    with pytest.raises(UserError, match="needs sides that are multiples of 4, not 30x30"):
        models.build_gan(config)


def test_known_pairs_lose_their_pairing_for_cyclegan(tiny_idx_dir):
    data = datasets.load("edges2fashion", "train", str(tiny_idx_dir))
    halves = datasets.unpaired_halves(data)
    half = len(data) // 2
    assert halves.unpaired and len(halves) == half
    np.testing.assert_array_equal(halves.sources, data.sources[:half])  # edges of the first half's garments
    np.testing.assert_array_equal(halves.images, data.images[half : 2 * half])  # the second half's garments
    np.testing.assert_array_equal(halves.labels, data.labels[half : 2 * half])


def unpaired_folders(tmp_path, counts=(3, 2), side=8):
    """CycleGAN's layout: trainA/ of grey images, all 10 * i, trainB/ of colour images, all 255 - 10 * i."""
    for split in ("train", "test"):
        for i in range(counts[0]):
            write_png(tmp_path / f"{split}A" / f"{i}.png", np.full((side, side, 1), 10 * i, np.uint8))
        for i in range(counts[1]):
            write_png(tmp_path / f"{split}B" / f"{i}.png", np.full((side, side, 3), 255 - 10 * i, np.uint8))
    return tmp_path


def test_unpaired_folders_give_each_domain_in_name_order(tmp_path):
    data = datasets.load("unpaired", "train", str(unpaired_folders(tmp_path)))
    assert data.unpaired and len(data) == 3
    assert data.source_shape == (8, 8, 1) and data.image_shape == (8, 8, 3)
    assert [int(a.mean()) for a in data.sources] == [0, 10, 20] and [int(b.mean()) for b in data.images] == [255, 245]
    resized = datasets.load("unpaired", "test", str(tmp_path), image_size=16)
    assert resized.sources.shape == (3, 16, 16, 1) and resized.images.shape == (2, 16, 16, 3)


@pytest.mark.parametrize(
    "breakage,message",
    [
        (lambda d: __import__("shutil").rmtree(d / "testB"), r"missing testB/"),
        (lambda d: write_png(d / "trainA" / "big.png", np.zeros((9, 9, 1), np.uint8)), r"big\.png is 9x9x1 but 0\.png"),
        (lambda d: (d / "trainB" / "bad.png").write_bytes(b"not an image"), r"cannot read .*bad\.png"),
    ],
)
def test_bad_unpaired_folders_are_refused_naming_the_file(tmp_path, breakage, message):
    breakage(unpaired_folders(tmp_path))
    with pytest.raises(UserError, match=message):
        datasets.load("unpaired", "train", str(tmp_path))
        datasets.load("unpaired", "test", str(tmp_path))


def test_domains_of_different_sizes_are_refused(tmp_path):
    unpaired_folders(tmp_path)
    for i in range(2):
        write_png(tmp_path / "trainB" / f"{i}.png", np.zeros((6, 6, 3), np.uint8))
    with pytest.raises(UserError, match="trainA/ holds 8x8 images and trainB/ 6x6; give --image_size"):
        datasets.load("unpaired", "train", str(tmp_path))


def test_unpaired_domains_are_shuffled_apart_each_through_all_its_images():
    a = np.arange(7, dtype=np.uint8).reshape(7, 1, 1, 1)
    b = np.arange(10, dtype=np.uint8).reshape(10, 1, 1, 1)
    data = datasets.ImageData(("domain",), "x", (1, 1, 1), 10, b, np.zeros(10, np.int64), sources=a, unpaired=True)
    batches = list(datasets.train_pipeline(data, 4, seed=3).take(5).as_numpy_iterator())
    to_uint8 = lambda x: np.round((x.ravel() + 1) * 127.5).astype(int)  # noqa: E731
    seen_b = np.concatenate([to_uint8(x) for x, _ in batches])
    seen_a = np.concatenate([to_uint8(y) for _, y in batches])
    assert sorted(seen_b[:8]) != list(range(8)) and len(set(seen_b[:8])) == 8  # an epoch: 2 batches of 4 of 10
    assert sorted(seen_a[:7]) == list(range(7)) and sorted(seen_a[7:14]) == list(range(7))  # A cycles through 7
    assert not np.array_equal(seen_a[:7], seen_b[:7])


def test_models_and_data_must_agree_for_cyclegan(tmp_path):
    with pytest.raises(
        UserError, match="unpaired holds two unpaired domains, and pix2pix learns from pairs; use cyclegan"
    ):
        models.check_data("pix2pix", models.get_model("pix2pix").GAN_CLASS, "unpaired", paired=True)
    colour = dataclasses.replace(
        with_data_shape(make_config("cyclegan", identity_weight=5.0, dataset="grey2colour"), (16, 16, 3)),
        source_shape=(16, 16, 1),
    )
    with pytest.raises(
        UserError, match="identity_weight=5.0 compares G.b. with b, but grey2colour's domains have 1 and 3"
    ):
        models.build_gan(colour)


def test_the_pool_is_part_of_the_step_state():
    gan = tiny_gan("cyclegan", pool_size=4)
    assert {id(v) for pool in gan.pools for v in pool.variables} <= {id(v) for v in gan.step_state}
    assert [tuple(pool.images.shape) for pool in gan.pools] == [(4, 16, 16, 1), (4, 16, 16, 1)]


@pytest.fixture(scope="module")
def cyclegan_run(tmp_path_factory):
    data = unpaired_folders(tmp_path_factory.mktemp("unpaired"), counts=(16, 12), side=16)
    log_dir = tmp_path_factory.mktemp("logs")
    common = cyclegan_flags(data, log_dir)
    first = run_script("train.py", *common, "--epochs=1")
    assert first.returncode == 0, first.stderr
    resumed = run_main("train.py", *common, "--epochs=2")  # in this process: resumed from another one
    assert resumed.returncode == 0 and "Resuming" in resumed.stdout, resumed.stderr
    return log_dir / "cyclegan-unpaired", data


def cyclegan_flags(data, log_dir):
    # A pool of 4 is full after the first step: a resumed run that lost it would show D other images.
    return (
        "--model=cyclegan",
        "--dataset=unpaired",
        f"--data_path={data}",
        f"--log_dir={log_dir}",
        "--batch_size=4",
        "--steps_per_epoch=2",
        "--width=4",
        "--resnet_blocks=1",
        "--pool_size=4",
        "--seed=3",
    )


@pytest.mark.slow
def test_a_cyclegan_run_logs_its_cycle_draws_reconstructions_and_scores_them(cyclegan_run):
    run, _ = cyclegan_run
    with open(run / "loss.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "Real_P", "Fake_P", "Gen_loss", "Dis_loss", "Cycle"] and len(rows) == 3
    grid = mpimg.imread(run / "samples" / "epoch_0002.png")
    assert grid.shape[:2] == (4 * 18 - 2, 12 * 18 - 2)  # 16 test images as source | translation | back again
    report = json.loads((run / "metrics.json").read_text())
    assert set(report["scores"]) == {"cycle_l1_a", "cycle_l1_b"}  # unpaired test images: no true targets
    assert all(0 <= score <= 1 for score in report["scores"].values())


@pytest.mark.slow
def test_a_resumed_cyclegan_run_is_the_uninterrupted_run(cyclegan_run, tmp_path):
    run, data = cyclegan_run
    straight = run_main("train.py", *cyclegan_flags(data, tmp_path), "--epochs=2")
    assert straight.returncode == 0, straight.stderr
    assert (tmp_path / "cyclegan-unpaired" / "loss.csv").read_text() == (run / "loss.csv").read_text()


@pytest.mark.slow
def test_sample_and_export_translate_both_ways(cyclegan_run, tmp_path):
    run, data = cyclegan_run
    out, exported = tmp_path / "back.npz", tmp_path / "saved"
    args = (
        f"--run_dir={run}",
        f"--input={data / 'testB'}",
        "--direction=BtoA",
        f"--output={out}",
        f"--export={exported}",
    )
    result = run_main("sample.py", *args)
    assert result.returncode == 0, result.stderr
    with np.load(out) as npz:
        assert npz["images"].shape == (12, 16, 16, 1) and list(npz["names"])[:3] == ["0.png", "1.png", "10.png"]
    saved = tf.saved_model.load(str(exported))
    grey, colour = tf.zeros((2, 16, 16, 1)), tf.zeros((2, 16, 16, 3))
    assert saved.signatures["serving_default"](source=grey)["images"].shape == (2, 16, 16, 3)
    assert saved.signatures["BtoA"](source=colour)["images"].shape == (2, 16, 16, 1)
