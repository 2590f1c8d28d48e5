"""pix2pix (issue 31): known-answer pairs, a user's pairs on disk, the networks, the L1 hook, the scores."""

import csv
import dataclasses
import json

import numpy as np
import pytest
from matplotlib import image as mpimg
from PIL import Image
from test_train_step import batch, tiny_gan

from conftest import one_line_error, run_main, run_script, with_data_shape
from tfganzoo import datasets, models, pairs, translation_evaluation
from tfganzoo.config import make_config
from tfganzoo.errors import UserError


def square(side=12, top=4, size=4):
    image = np.zeros((1, side, side, 1), np.uint8)
    image[0, top : top + size, top : top + size] = 255
    return image


def test_edge_maps_mark_a_shapes_outline_only():
    edges = pairs.edge_maps(square())[0, ..., 0]
    assert set(np.unique(edges)) == {0, 255}
    assert edges[4, 4] == 255 and edges[4, 6] == 255 and edges[3, 5] == 255  # on and just outside the border
    assert edges[5, 5] == 0 and edges[6, 6] == 0  # inside: no gradient
    assert edges[0, 0] == 0 and edges[11, 11] == 0  # far outside


def test_tint_scales_each_class_colour_by_the_pixels_brightness():
    image = np.array([255, 51, 0], np.uint8).reshape(1, 1, 3, 1)
    tinted = pairs.tinted(np.concatenate([image, image]), np.array([3, 9]))
    np.testing.assert_array_equal(tinted[0, 0, 0], pairs.CLASS_COLOURS[3])
    np.testing.assert_array_equal(tinted[1, 0, 1], np.round(pairs.CLASS_COLOURS[9] * 0.2))
    assert not tinted[:, 0, 2].any()


@pytest.mark.parametrize("name", ["edges2fashion", "grey2colour"])
def test_known_pairs_are_the_garments_padded_and_their_transform(tiny_idx_dir, name):
    garments = datasets.load("fashion_mnist", "test", str(tiny_idx_dir))
    data = datasets.load(name, "test", str(tiny_idx_dir))
    assert data.images.shape[1:3] == data.sources.shape[1:3] == (32, 32)
    np.testing.assert_array_equal(data.labels, garments.labels)
    if name == "edges2fashion":
        np.testing.assert_array_equal(pairs.unpadded(data.images), garments.images)
        assert set(np.unique(data.sources)) <= {0, 255}
    else:
        np.testing.assert_array_equal(pairs.unpadded(data.sources), garments.images)
        assert data.image_shape == (32, 32, 3)
        np.testing.assert_array_equal(data.images, pairs.tinted(data.sources, data.labels))


def write_png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array.squeeze(-1) if array.shape[-1] == 1 else array).save(path)


def side_by_side(tmp_path, count=3, height=4):
    """A pix2pix-layout directory: train/ and test/ of A|B images, A all 10 * i, B all 200."""
    for split in ("train", "test"):
        for i in range(count):
            pair = np.concatenate([np.full((height, height, 3), 10 * i), np.full((height, height, 3), 200)], 1)
            write_png(tmp_path / split / f"{i}.png", pair.astype(np.uint8))
    return tmp_path


def test_side_by_side_pairs_split_into_source_and_target_in_name_order(tmp_path):
    data = datasets.load("paired", "train", str(side_by_side(tmp_path)))
    assert data.sources.shape == data.images.shape == (3, 4, 4, 3)
    assert [int(s.mean()) for s in data.sources] == [0, 10, 20] and (data.images == 200).all()
    resized = datasets.load("paired", "test", str(tmp_path), image_size=8)
    assert resized.sources.shape == (3, 8, 8, 3) and (resized.images == 200).all()


def test_two_folders_pair_files_by_name(tmp_path):
    for split in ("train", "test"):
        for name, value in (("a.png", 30), ("b.png", 60)):
            write_png(tmp_path / split / "A" / name, np.full((4, 4, 1), value, np.uint8))
            write_png(tmp_path / split / "B" / name, np.full((4, 4, 3), 255 - value, np.uint8))
    data = datasets.load("paired", "train", str(tmp_path))
    assert data.source_shape == (4, 4, 1) and data.image_shape == (4, 4, 3)
    assert [int(s.mean()) for s in data.sources] == [30, 60] and [int(t.mean()) for t in data.images] == [225, 195]


@pytest.mark.parametrize(
    "breakage,message",
    [
        (lambda d: __import__("shutil").rmtree(d / "test"), r"missing test/"),
        (lambda d: write_png(d / "train" / "odd.png", np.zeros((4, 9, 3), np.uint8)), r"odd\.png is 9 pixels wide"),
        (lambda d: write_png(d / "train" / "big.png", np.zeros((6, 12, 3), np.uint8)), r"big\.png is 6x6x3 but 0\.png"),
        (lambda d: (d / "train" / "bad.png").write_bytes(b"not an image"), r"cannot read .*bad\.png"),
    ],
)
def test_bad_pairs_are_refused_naming_the_file(tmp_path, breakage, message):
    breakage(side_by_side(tmp_path))
    with pytest.raises(UserError, match=message):
        datasets.load("paired", "train", str(tmp_path))
        datasets.load("paired", "test", str(tmp_path))


def test_a_file_without_its_partner_is_refused(tmp_path):
    for side, names in (("A", ["a.png", "b.png"]), ("B", ["a.png"])):
        for name in names:
            write_png(tmp_path / "train" / side / name, np.zeros((4, 4, 1), np.uint8))
    with pytest.raises(UserError, match=r"train/A/b\.png has no partner"):
        datasets.load("paired", "train", str(tmp_path))


def test_models_and_data_must_agree():
    unpaired = dataclasses.replace(with_data_shape(make_config("pix2pix")), source_shape=None)
    with pytest.raises(UserError, match="pix2pix translates images and needs pairs"):
        models.build_gan(unpaired)
    with pytest.raises(UserError, match="edges2fashion holds image pairs for translation, which dcgan does not"):
        models.check_data("dcgan", models.get_model("dcgan").GAN_CLASS, "edges2fashion", paired=True)


def test_unet_and_patchgan_follow_the_pairs_shapes():
    config = dataclasses.replace(with_data_shape(make_config("pix2pix", seed=0), (32, 32, 3)), source_shape=(32, 32, 1))
    gan = models.build_gan(config)
    sources = np.random.default_rng(0).uniform(-10, 10, (2, 32, 32, 1)).astype(np.float32)
    images = np.asarray(gan.generate({}, sources))
    assert images.shape == (2, 32, 32, 3) and np.abs(images).max() <= 1
    assert gan.discriminate(images, sources)["logits"].shape == (2, 6, 6, 1)  # 34x34 patches (2 layers)
    paper = models.build_gan(dataclasses.replace(config, patch_layers=3))
    assert paper.discriminate(images, sources)["logits"].shape == (2, 2, 2, 1)  # 70x70 patches
    # The U-Net halves 32 down to 1 (5 times); its decoder has no dropout below 6 halvings, as the authors' code.
    assert sum(type(layer).__name__ == "Conv2D" for layer in gan.generator.layers) == 5
    assert not any(type(layer).__name__ == "Dropout" for layer in gan.generator.layers)
    with pytest.raises(UserError, match="needs a power-of-two side of at least 8 .* not 28x28"):
        models.build_gan(dataclasses.replace(config, image_shape=(28, 28, 3)))


def test_unet_256_has_the_papers_dropout_and_widths():
    config = with_data_shape(make_config("pix2pix", preset="tutorial", seed=0), (256, 256, 3))
    generator = models.get_model("pix2pix").build_generator(config)
    widths = [layer.filters for layer in generator.layers if type(layer).__name__ == "Conv2D"]
    assert widths == [64, 128, 256, 512, 512, 512, 512, 512]
    assert sum(type(layer).__name__ == "Dropout" for layer in generator.layers) == 3


def test_the_l1_term_is_the_weighted_mean_absolute_error_and_is_logged():
    gan = tiny_gan("pix2pix", l1_weight=7.0)
    fake, real = np.zeros((2, 4, 4, 1), np.float32), np.full((2, 4, 4, 1), 0.5, np.float32)
    real[0, 0, 0, 0] = -1.5  # |error| 1.5 once among 32 pixels
    expected = (31 * 0.5 + 1.5) / 32
    assert float(gan.target_loss(fake, real)) == pytest.approx(7.0 * expected)
    assert float(gan.trackers["L1"].result()) == pytest.approx(expected)


def test_a_step_logs_l1_and_brings_the_translations_closer():
    gan = tiny_gan("pix2pix", lr=1e-3)
    targets, sources = batch(8, "pix2pix")
    start = float(np.mean(np.abs(gan.translate(sources) - targets)))
    for _ in range(5):
        logs = gan.train_on_batch(targets, sources, return_dict=True)
    assert "L1" in logs and logs["Gen_loss"] > 100 * logs["L1"] * 0.5  # the L1 term dominates at weight 100
    assert float(np.mean(np.abs(gan.translate(sources) - targets))) < start


def test_scores_against_the_true_targets():
    targets = np.random.default_rng(0).integers(0, 256, (3, 16, 16, 1), dtype=np.uint8)
    same = translation_evaluation.compared(targets, targets)
    assert same["l1"] == 0 and same["ssim"] == pytest.approx(1.0) and same["psnr"] == np.inf
    black, white = np.zeros_like(targets), np.full_like(targets, 255)
    opposite = translation_evaluation.compared(black, white)
    assert opposite["l1"] == 1.0 and opposite["psnr"] == pytest.approx(0.0)
    grey = translation_evaluation.compared(np.full_like(targets, 128), white)
    assert grey["psnr"] == pytest.approx(10 * np.log10(255**2 / 127**2), rel=1e-4)


@pytest.fixture(scope="module")
def pix2pix_run(tmp_path_factory, tiny_idx_dir):
    log_dir = tmp_path_factory.mktemp("logs")
    common = ("--model=pix2pix", "--dataset=edges2fashion", f"--data_path={tiny_idx_dir}", f"--log_dir={log_dir}")
    common += ("--batch_size=8", "--steps_per_epoch=2")
    first = run_script("train.py", *common, "--epochs=1", "--seed=3")
    assert first.returncode == 0, first.stderr
    resumed = run_main("train.py", *common, "--epochs=2")  # in this process: resumed from another one
    assert resumed.returncode == 0 and "Resuming" in resumed.stdout, resumed.stderr
    return log_dir / "pix2pix-edges2fashion"


@pytest.mark.slow
def test_a_pix2pix_run_logs_l1_draws_triplets_and_scores_against_the_targets(pix2pix_run):
    with open(pix2pix_run / "loss.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "Real_P", "Fake_P", "Gen_loss", "Dis_loss", "L1"] and len(rows) == 3
    assert all(0 < float(row[5]) <= 2 for row in rows[1:])
    grid = mpimg.imread(pix2pix_run / "samples" / "epoch_0002.png")
    assert grid.shape[:2] == (4 * 34 - 2, 12 * 34 - 2)  # 16 test pairs as source | translation | target, 4 a row
    config = json.loads((pix2pix_run / "config.json").read_text())
    assert (config["source_shape"], config["image_shape"], config["noise_dim"]) == ([32, 32, 1], [32, 32, 1], None)
    report = json.loads((pix2pix_run / "metrics.json").read_text())
    assert set(report["scores"]) == {"l1", "psnr", "ssim", "class_preservation", "fid"}
    assert 0 <= report["scores"]["l1"] <= 1 and 0 <= report["scores"]["class_preservation"] <= 1
    evaluated = pix2pix_run.parent / "evaluated.json"
    result = run_main("evaluate.py", f"--run_dir={pix2pix_run}", "--num_samples=100", f"--output={evaluated}")
    assert result.returncode == 0, result.stderr
    assert json.loads(evaluated.read_text())["scores"] == pytest.approx(report["scores"])


@pytest.mark.slow
def test_a_resumed_pix2pix_run_is_the_uninterrupted_run(pix2pix_run, tiny_idx_dir, tmp_path):
    straight = run_main(
        "train.py",
        "--model=pix2pix",
        "--dataset=edges2fashion",
        f"--data_path={tiny_idx_dir}",
        f"--log_dir={tmp_path}",
        "--batch_size=8",
        "--steps_per_epoch=2",
        "--epochs=2",
        "--seed=3",
    )
    assert straight.returncode == 0, straight.stderr
    run = tmp_path / "pix2pix-edges2fashion"
    assert (run / "loss.csv").read_text() == (pix2pix_run / "loss.csv").read_text()
    scores = [json.loads((r / "metrics.json").read_text())["scores"] for r in (run, pix2pix_run)]
    assert scores[0] == scores[1]


@pytest.mark.slow
def test_sample_translates_a_users_images_in_name_order(pix2pix_run, tmp_path):
    inputs = tmp_path / "in"
    for name, value in (("b.png", 255), ("a.png", 0)):
        write_png(inputs / name, np.full((40, 50, 3), value, np.uint8))  # colour, not square: cropped and made grey
    result = run_main("sample.py", f"--run_dir={pix2pix_run}", f"--input={inputs}", f"--output={tmp_path / 'out'}")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.png", "b.png"]
    result = run_main("sample.py", f"--run_dir={pix2pix_run}", f"--input={inputs}", f"--output={tmp_path / 'o.npz'}")
    with np.load(tmp_path / "o.npz") as npz:
        assert list(npz["names"]) == ["a.png", "b.png"] and npz["images"].shape == (2, 32, 32, 1)
        assert npz["images"].dtype == np.uint8
    refused = run_main("sample.py", f"--run_dir={pix2pix_run}", f"--output={tmp_path / 'x.png'}")
    assert one_line_error(refused) == [
        "sample.py: error: a translation run translates images: give --input=FILE_OR_DIR"
    ]
    assert not (tmp_path / "x.png").exists()


@pytest.mark.slow
def test_pix2pix_on_single_images_is_refused_before_anything_is_written(tiny_idx_dir, tmp_path):
    result = run_main(
        "train.py", "--model=pix2pix", "--dataset=fashion_mnist", f"--data_path={tiny_idx_dir}", f"--log_dir={tmp_path}"
    )
    assert one_line_error(result) == [
        "train.py: error: pix2pix translates images and needs pairs: --dataset=edges2fashion, grey2colour, or "
        "paired with --data_path; fashion_mnist holds single images"
    ]
    assert not any(tmp_path.iterdir())


def test_without_the_adversary_the_generators_objective_is_the_l1_term_alone():
    gan = tiny_gan("pix2pix", adversarial_weight=0.0)
    logs = gan.train_on_batch(*batch(8, "pix2pix"), return_dict=True)
    assert logs["Gen_loss"] == pytest.approx(100 * logs["L1"], rel=1e-5)
    assert np.isfinite(logs["Dis_loss"])  # the discriminator still trains (it costs what it costs)
