"""Reading IDX and .npz files, refusing bad ones clearly, the tf.data pipeline, and the offline failure."""

import gzip
import os
import time

import numpy as np
import pytest

from conftest import make_digits, write_idx
from tfganzoo import datasets
from tfganzoo.errors import UserError


def test_idx_directory_loads_exactly_what_was_written(tiny_idx_dir):
    data = datasets.load("mnist", "train", data_path=tiny_idx_dir)
    images, labels = make_digits(64, seed=0)
    assert data.images.shape == (64, 28, 28, 1) and data.images.dtype == np.uint8
    np.testing.assert_array_equal(data.images[..., 0], images)
    np.testing.assert_array_equal(data.labels, labels)
    assert data.num_classes == 10 and data.image_shape == (28, 28, 1)
    assert len(datasets.load("mnist", "test", data_path=tiny_idx_dir)) == 20


def test_uncompressed_idx_files_load_too(tmp_path):
    images, labels = make_digits(12, seed=2)
    for stem, array in (("train-images-idx3-ubyte", images), ("train-labels-idx1-ubyte", labels)):
        write_idx(tmp_path / f"{stem}.gz", array)
        (tmp_path / stem).write_bytes(gzip.decompress((tmp_path / f"{stem}.gz").read_bytes()))
        os.remove(tmp_path / f"{stem}.gz")
    np.testing.assert_array_equal(datasets.load("mnist", data_path=tmp_path).labels, labels)


def test_keras_style_npz_loads(tmp_path):
    images, labels = make_digits(12, seed=3)
    np.savez(tmp_path / "data.npz", x_train=images, y_train=labels, x_test=images[:4], y_test=labels[:4])
    data = datasets.load("fashion_mnist", "train", data_path=tmp_path / "data.npz")
    assert data.images.shape == (12, 28, 28, 1)
    assert data.class_names[9] == "Ankle boot"
    assert len(datasets.load("fashion_mnist", "test", data_path=tmp_path / "data.npz")) == 4


def _copy_with(tmp_path, tiny_idx_dir, name, content):
    for f in tiny_idx_dir.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / name).write_bytes(content)
    return tmp_path


@pytest.mark.parametrize(
    "name,make_content,message",
    [
        ("train-images-idx3-ubyte.gz", lambda good: good[: len(good) // 2], "cannot read .*train-images"),
        ("train-images-idx3-ubyte.gz", lambda good: b"not gzip at all", "cannot read .*train-images"),
        ("train-labels-idx1-ubyte.gz", lambda good: gzip.compress(b"\x00\x00\x0c\x01abcd"), "bad magic number"),
        ("train-labels-idx1-ubyte.gz", lambda good: gzip.compress(gzip.decompress(good)[:-5]), "corrupt or truncated"),
    ],
)
def test_corrupt_files_are_refused_with_the_file_named(tmp_path, tiny_idx_dir, name, make_content, message):
    directory = _copy_with(tmp_path, tiny_idx_dir, name, make_content((tiny_idx_dir / name).read_bytes()))
    with pytest.raises(UserError, match=message):
        datasets.load("mnist", data_path=directory)


def test_missing_files_and_paths_are_named(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        datasets.load("mnist", data_path=tmp_path / "nowhere")
    with pytest.raises(UserError, match="missing train-images-idx3-ubyte.gz"):
        datasets.load("mnist", data_path=tmp_path)
    np.savez(tmp_path / "x.npz", images=np.zeros((2, 28, 28)))
    with pytest.raises(UserError, match="has no x_train or y_train"):
        datasets.load("mnist", data_path=tmp_path / "x.npz")


def test_labels_outside_the_datasets_classes_are_refused(tmp_path):
    np.savez(tmp_path / "d.npz", x_train=np.zeros((3, 28, 28), np.uint8), y_train=np.array([0, 4, 11]))
    with pytest.raises(UserError, match="labels run from 0 to 11, but mnist has classes 0..9"):
        datasets.load("mnist", data_path=tmp_path / "d.npz")


def test_unknown_dataset_names_the_valid_choices():
    valid = "celeb_a, cifar10, edges2fashion, fashion_mnist, folder, grey2colour, mnist, paired"
    with pytest.raises(UserError, match=f"unknown dataset 'cifar'; valid choices: {valid}"):
        datasets.load("cifar")


def test_offline_without_local_copy_fails_fast_with_advice(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.keras copy
    monkeypatch.setattr(datasets, "_reachable", lambda host: False)  # and never a real download
    start = time.monotonic()
    with pytest.raises(UserError, match="not available offline.*--data_path"):
        datasets.load("mnist", data_dir=tmp_path / "tfds")
    assert time.monotonic() - start < 30


def test_unresolvable_host_is_reported_unreachable_quickly():
    start = time.monotonic()
    assert not datasets._reachable("no-such-host.invalid", timeout=5)
    assert time.monotonic() - start < 6


def test_pipeline_yields_full_shuffled_batches_in_model_range(tiny_idx_dir):
    data = datasets.load("mnist", data_path=tiny_idx_dir)
    batches = list(datasets.train_pipeline(data, batch_size=16, seed=0).take(8).as_numpy_iterator())
    for images, labels in batches:
        assert images.shape == (16, 28, 28, 1) and images.dtype == np.float32
        assert images.min() >= -1.0 and images.max() <= 1.0
        assert labels.shape == (16,)
    first_epoch = np.concatenate([labels for _, labels in batches[:4]])
    assert sorted(first_epoch) == sorted(data.labels)  # one epoch = every example once
    assert not np.array_equal(first_epoch, data.labels)  # shuffled
    np.testing.assert_allclose(batches[0][0].max(), 230 / 127.5 - 1, rtol=1e-6)


def test_batch_larger_than_the_dataset_is_refused(tiny_idx_dir):
    data = datasets.load("mnist", data_path=tiny_idx_dir)
    with pytest.raises(UserError, match="--batch_size=65 is larger than the dataset \\(64 examples\\)"):
        datasets.train_pipeline(data, batch_size=65, seed=0)


# ----- a user's image folder -----
def write_pictures(directory, colour, count, size=(40, 50)):
    from PIL import Image

    directory.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        picture = np.zeros((*size, 3), np.uint8)
        picture[...] = colour
        Image.fromarray(picture).save(directory / f"{i}.{'png' if i % 2 else 'jpg'}")


def test_folder_with_class_subdirectories(tmp_path):
    write_pictures(tmp_path / "red", (255, 0, 0), 3)
    write_pictures(tmp_path / "blue", (0, 0, 255), 2)
    data = datasets.load("folder", data_path=tmp_path, image_size=16)
    assert data.class_names == ("blue", "red") and data.image_shape == (16, 16, 3) and len(data) == 5
    assert data.images is None  # decoded on the fly, never all held in memory
    batches = list(datasets.train_pipeline(data, batch_size=5, seed=0).take(1).as_numpy_iterator())
    images, labels = batches[0]
    assert images.shape == (5, 16, 16, 3) and sorted(labels) == [0, 0, 1, 1, 1]
    for image, label in zip(images, labels, strict=True):  # blue is class 0, red class 1; JPEG is only near-exact
        np.testing.assert_allclose(image.mean(axis=(0, 1)), [-1, -1, 1] if label == 0 else [1, -1, -1], atol=0.05)


def test_folder_without_subdirectories_is_one_class(tmp_path):
    write_pictures(tmp_path / "faces", (90, 90, 90), 4)
    data = datasets.load("folder", data_path=tmp_path / "faces")
    assert data.class_names == ("faces",) and data.image_shape == (64, 64, 3)  # --image_size default 64


def test_undecodable_image_is_skipped_not_fatal(tmp_path):
    write_pictures(tmp_path, (10, 200, 10), 4)
    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    data = datasets.load("folder", data_path=tmp_path, image_size=8)
    epoch = list(data.stream(0).as_numpy_iterator())
    assert len(epoch) == 4


@pytest.mark.parametrize(
    "layout,message",
    [
        ("mixed", "mixes images with class sub-directories"),
        ("empty", "holds no .png/.jpg/.jpeg images"),
        ("missing", "is not a directory"),
    ],
)
def test_bad_folders_are_refused(tmp_path, layout, message):
    if layout == "mixed":
        write_pictures(tmp_path / "a", (0, 0, 0), 1)
        write_pictures(tmp_path, (0, 0, 0), 1)
    with pytest.raises(UserError, match=message):
        datasets.load("folder", data_path=tmp_path / "nope" if layout == "missing" else tmp_path)
    with pytest.raises(UserError, match="--dataset=folder needs --data_path"):
        datasets.load("folder")


# ----- colour TFDS sets, on TFDS's offline mock data -----
@pytest.mark.parametrize("name,shape,num_classes", [("cifar10", (32, 32, 3), 10), ("celeb_a", (64, 64, 3), 1)])
def test_colour_tfds_sets_stream_at_their_sizes(tmp_path, monkeypatch, name, shape, num_classes):
    import tensorflow_datasets as tfds

    monkeypatch.setattr(datasets, "_reachable", lambda host: True)
    with tfds.testing.mock_data(num_examples=8):
        data = datasets.load(name, data_dir=tmp_path)
        assert data.images is None and data.image_shape == shape and data.num_classes == num_classes
        images, labels = next(datasets.train_pipeline(data, batch_size=4, seed=0).as_numpy_iterator())
    assert images.shape == (4, *shape) and images.min() >= -1 and images.max() <= 1
    assert labels.min() >= 0 and labels.max() < num_classes


def test_square_resize_crops_the_centre():
    image = np.zeros((10, 20, 1), np.uint8)
    image[:, 5:15] = 200  # the central 10 x 10 square
    out = datasets.square_resize(image, 5).numpy()
    assert out.shape == (5, 5, 1) and (out == 200).all()
