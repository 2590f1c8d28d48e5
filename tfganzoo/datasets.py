"""Named image datasets, read from local files when possible, as tf.data pipelines of (image, label).

Images are uint8 [H, W, C] until the pipeline scales them to float32 in [-1, 1] (the generators' tanh
range); labels are int64 class indices. Small grayscale sets are held in memory once; colour sets (TFDS,
image folders) are decoded on the fly, in parallel, so no decoded copy of the whole set is ever held.

Where a dataset comes from, in order: `--data_path` (a directory of MNIST-format IDX files, gzipped or not,
or a Keras-style .npz); the dataset's known local places (Debian's dataset-fashion-mnist package, Keras's
download cache); a copy TFDS already prepared in `--data_dir`; a TFDS download, tried only after a quick check
that its server can be reached, so an offline machine fails in seconds with advice rather than minutes.
`folder` is a user's directory of PNG/JPEG files, one sub-directory per class when it has them.
"""

import dataclasses
import gzip
import math
import socket
import struct
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import tensorflow as tf

from tfganzoo import images as images_lib
from tfganzoo import pairs as pairs_lib
from tfganzoo.errors import UserError, unknown_choice

DIGITS = tuple(str(d) for d in range(10))
FASHION = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


CIFAR10 = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
FASHION_PATHS = ("/usr/share/datasets/fashion-mnist", "~/.keras/datasets/fashion-mnist")
FASHION_HOST = "fashion-mnist.s3-website.eu-central-1.amazonaws.com"


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    tfds_name: str | None  # None: only from --data_path
    class_names: tuple | None  # None: from the data (image folders)
    local_paths: tuple = ()  # searched in order: IDX directories or .npz files
    download_host: str = "storage.googleapis.com"  # where TFDS fetches it from; probed before a download
    stream: bool = False  # decode TFDS records on the fly (colour sets) instead of loading arrays
    crop: int | None = None  # central square crop before resizing (CelebA's 178x218 faces -> 140x140)
    default_size: int | None = None  # side the images are resized to when --image_size is not given
    pairs: Callable | None = None  # (images, labels) -> (sources, targets): known-answer pairs (tfganzoo.pairs)
    user_pairs: bool = False  # a user's pairs read from --data_path (tfganzoo.pairs.read_paired)
    unpaired: bool = False  # a user's two unpaired domains read from --data_path (tfganzoo.pairs.read_unpaired)

    @property
    def has_test_split(self):
        return self.tfds_name is not None or self.user_pairs or self.unpaired  # an image folder is one split


DATASETS = {
    "mnist": DatasetSpec("mnist", DIGITS, ("~/.keras/datasets/mnist.npz", "/usr/share/datasets/mnist")),
    "fashion_mnist": DatasetSpec("fashion_mnist", FASHION, FASHION_PATHS, FASHION_HOST),
    "cifar10": DatasetSpec("cifar10", CIFAR10, download_host="www.cs.toronto.edu", stream=True),
    "celeb_a": DatasetSpec(
        "celeb_a", ("face",), download_host="drive.google.com", stream=True, crop=140, default_size=64
    ),
    "folder": DatasetSpec(None, None, default_size=64),
    **{
        name: DatasetSpec("fashion_mnist", FASHION, FASHION_PATHS, FASHION_HOST, pairs=transform)
        for name, transform in pairs_lib.KNOWN.items()
    },
    "paired": DatasetSpec(None, ("pair",), user_pairs=True),
    "unpaired": DatasetSpec(None, ("domain",), unpaired=True),
}
SPLITS = {"train": "train", "test": "t10k"}  # split name -> IDX file prefix


@dataclasses.dataclass(frozen=True)
class ImageData:
    """A split of a dataset: in memory (`images`, `labels`) or decoded on the fly (`stream`)."""

    class_names: tuple
    source: str  # where it was read from, for the log
    image_shape: tuple
    num_examples: int
    images: np.ndarray | None = None  # uint8 [N, H, W, C]
    labels: np.ndarray | None = None  # int64 [N]
    stream: Callable | None = None  # seed -> tf.data.Dataset of one shuffled pass of (uint8 image, label)
    sources: np.ndarray | None = None  # paired data: uint8 [N, H, W, C'], the input each of `images` translates
    unpaired: bool = False  # `sources` (domain A) and `images` (domain B) are not pairs, and may differ in number

    @property
    def source_shape(self):
        return None if self.sources is None else tuple(self.sources.shape[1:])

    @property
    def num_classes(self):
        return len(self.class_names)

    def __len__(self):
        return self.num_examples


def get_dataset(name):
    if name not in DATASETS:
        raise unknown_choice("dataset", name, DATASETS)
    return DATASETS[name]


def load(name, split="train", data_path=None, data_dir=None, image_size=None):
    """Loads split "train" or "test" of dataset `name` as an ImageData. Raises UserError when it can't.

    `image_size` resizes colour sets (CelebA, image folders) to image_size x image_size.
    """
    spec = get_dataset(name)
    if split not in SPLITS:
        raise unknown_choice("split", split, SPLITS)
    size = image_size or spec.default_size
    if name == "folder":
        if data_path is None:
            raise UserError("--dataset=folder needs --data_path=DIR, a directory of PNG/JPEG images")
        if split != "train":
            raise UserError(f"an image folder has only a train split, not {split!r}")
        return read_folder(Path(data_path), size)
    if spec.user_pairs or spec.unpaired:
        return _read_domains(name, spec, split, data_path, image_size)
    if spec.stream and data_path is None:
        return _stream_tfds(name, spec, split, data_dir, size)
    if data_path is not None:
        if not Path(data_path).exists():
            raise UserError(f"--data_path={data_path} does not exist")
        images, labels, source = _read_local(Path(data_path), split)
    else:
        local = [Path(p).expanduser() for p in spec.local_paths]
        found = next((p for p in local if p.exists()), None)
        if found is not None:
            images, labels, source = _read_local(found, split)
        else:
            images, labels, source = _read_tfds(name, spec, split, data_dir)
    data = _validated(name, spec, images, labels, source)
    if spec.pairs is None:
        return data
    if data.image_shape != (28, 28, 1):
        raise UserError(f"{name} is built from 28x28 grey garments; {source} has {data.image_shape} images")
    sources, targets = spec.pairs(data.images, data.labels)
    return dataclasses.replace(data, images=targets, image_shape=targets.shape[1:], sources=sources)


def _read_domains(name, spec, split, data_path, image_size):
    """A user's two domains from --data_path: pairs (pix2pix's layout) or unpaired sets (CycleGAN's)."""
    if data_path is None:
        layout = "DIR/train/ and DIR/test/ of A|B pairs" if spec.user_pairs else "DIR/trainA/, trainB/, testA/, testB/"
        raise UserError(f"--dataset={name} needs --data_path=DIR ({layout})")
    read = pairs_lib.read_paired if spec.user_pairs else pairs_lib.read_unpaired
    sources, targets = read(data_path, split, image_size)
    return ImageData(
        spec.class_names,
        str(data_path),
        targets.shape[1:],
        max(len(targets), len(sources)),
        targets,
        np.zeros(len(targets), np.int64),
        sources=sources,
        unpaired=spec.unpaired,
    )


def unpaired_halves(data):
    """Paired data with the pairing removed, for a model that learns from unpaired domains (CycleGAN): the
    sources of the first half of the examples and the targets of the second, so that no target's own source
    is among the sources (the pairs' classes stay in the targets' labels)."""
    if data.sources is None or data.unpaired:
        return data
    half = len(data) // 2
    return dataclasses.replace(
        data,
        sources=data.sources[:half],
        images=data.images[half : 2 * half],
        labels=data.labels[half : 2 * half],
        num_examples=half,
        unpaired=True,
    )


def _validated(name, spec, images, labels, source):
    """ImageData of arrays after checking their shapes and labels (uint8 images, int64 labels)."""
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise UserError(f"{source}: expected images of shape [N, H, W] or [N, H, W, 1|3], got {images.shape}")
    if len(images) != len(labels):
        raise UserError(f"{source}: {len(images)} images but {len(labels)} labels")
    if len(labels) and (labels.min() < 0 or labels.max() >= len(spec.class_names)):
        raise UserError(
            f"{source}: labels run from {labels.min()} to {labels.max()}, "
            f"but {name} has classes 0..{len(spec.class_names) - 1}"
        )
    return ImageData(
        spec.class_names,
        source,
        tuple(images.shape[1:]),
        len(images),
        images=images.astype(np.uint8),
        labels=labels.astype(np.int64),
    )


# ----- local files -----
def _read_local(path, split):
    if path.is_file():
        if path.suffix != ".npz":
            raise UserError(f"--data_path={path}: expected a directory of IDX files or a .npz file")
        return (*_read_npz(path, split), str(path))
    prefix = SPLITS[split]
    images = _find_idx(path, f"{prefix}-images-idx3-ubyte")
    labels = _find_idx(path, f"{prefix}-labels-idx1-ubyte")
    return read_idx(images), read_idx(labels), str(path)


def _find_idx(directory, stem):
    for name in (f"{stem}.gz", stem):
        if (directory / name).is_file():
            return directory / name
    raise UserError(
        f"{directory}: missing {stem}.gz (expected MNIST-format IDX files "
        f"train-/t10k-images-idx3-ubyte and train-/t10k-labels-idx1-ubyte, gzipped or not)"
    )


def read_idx(path):
    """Reads an unsigned-byte IDX file (MNIST's format), gzipped or not, as a numpy array."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:  # gzip.BadGzipFile is an OSError; a truncated gzip an EOFError
        raise UserError(f"cannot read {path}: {e}") from None
    if len(data) < 4 or data[:3] != b"\x00\x00\x08":
        raise UserError(f"{path} is not an unsigned-byte IDX file (bad magic number)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise UserError(f"{path} is truncated: its header is incomplete")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    if len(data) != header + math.prod(dims):
        raise UserError(
            f"{path} is corrupt or truncated: {len(data) - header} data bytes "
            f"for shape {dims}, expected {math.prod(dims)}"
        )
    return np.frombuffer(data, np.uint8, offset=header).reshape(dims)


def _read_npz(path, split):
    keys = {"train": ("x_train", "y_train"), "test": ("x_test", "y_test")}[split]
    try:
        with np.load(path) as npz:
            missing = [k for k in keys if k not in npz]
            if missing:
                raise UserError(f"{path} has no {' or '.join(missing)} (found: {', '.join(npz.files)})")
            images, labels = npz[keys[0]], npz[keys[1]].reshape(-1)
    except (OSError, ValueError, EOFError) as e:
        raise UserError(f"cannot read {path}: {e}") from None
    if images.size and (images.min() < 0 or images.max() > 255):
        raise UserError(f"{path}: pixel values must lie in 0..255, found {images.min()}..{images.max()}")
    return images, labels


# ----- a user's image folder -----
def read_folder(directory, size):
    """PNG/JPEG files of `directory` as a stream, each cropped to a central square and resized to size x size
    RGB. Sub-directories holding images are the classes (sorted by name); without any, one class."""
    if not directory.is_dir():
        raise UserError(f"--data_path={directory} is not a directory")
    loose = images_lib.image_files(directory)
    classes = {
        d.name: found for d in sorted(directory.iterdir()) if d.is_dir() and (found := images_lib.image_files(d))
    }
    if classes and loose:
        raise UserError(f"{directory} mixes images with class sub-directories; move the loose images into one")
    if not classes:
        classes = {directory.name: loose}
    class_names = tuple(classes)
    files = [(str(f), k) for k, found in enumerate(classes.values()) for f in found]
    if not files:
        raise UserError(f"--data_path={directory} holds no {'/'.join(images_lib.IMAGE_SUFFIXES)} images")
    paths = tf.constant([f for f, _ in files])
    labels = tf.constant([k for _, k in files], tf.int64)

    def example(path, label):
        image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
        return square_resize(image, size), label

    def stream(seed):
        ds = tf.data.Dataset.from_tensor_slices((paths, labels))
        ds = ds.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
        ds = ds.map(example, num_parallel_calls=tf.data.AUTOTUNE)
        # A file that does not decode is skipped with a logged warning naming the error.
        return ds.ignore_errors(log_warning=True)

    return ImageData(class_names, str(directory), (size, size, 3), len(files), stream=stream)


# ----- TFDS -----
def _tfds_builder(name, spec, data_dir):
    """A prepared TFDS builder, downloading only after checking that the server can be reached."""
    import tensorflow_datasets as tfds  # slow to import; only needed when no local copy exists

    builder = tfds.builder(spec.tfds_name, data_dir=data_dir, try_gcs=False)
    if not builder.is_prepared():
        if not _reachable(spec.download_host):
            places = ", ".join(spec.local_paths)
            raise UserError(
                f"{name} is not available offline: no local copy ({places}), none prepared by TFDS in "
                f"{builder.data_dir_root}, and {spec.download_host} cannot be reached. Point --data_path at a "
                f"directory of MNIST-format IDX .gz files or a Keras-style .npz"
                + (" (Debian: apt-get install dataset-fashion-mnist)" if name == "fashion_mnist" else "")
            )
        builder.download_and_prepare()
    return builder


def _read_tfds(name, spec, split, data_dir):
    import tensorflow_datasets as tfds

    builder = _tfds_builder(name, spec, data_dir)
    images, labels = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1, as_supervised=True))
    return images, labels, f"TFDS {spec.tfds_name} in {builder.data_dir_root}"


def _stream_tfds(name, spec, split, data_dir, size):
    """A colour TFDS split read record by record: cropped, resized and decoded in parallel, never all at once."""
    import tensorflow_datasets as tfds

    builder = _tfds_builder(name, spec, data_dir)
    features = builder.info.features
    has_label = "label" in features
    shape = features["image"].shape
    channels = shape[-1]
    side = size or shape[0]

    def example(features):
        image = square_resize(features["image"], side, spec.crop)
        return image, features["label"] if has_label else tf.constant(0, tf.int64)

    def stream(seed):
        read_config = tfds.ReadConfig(shuffle_seed=seed)
        ds = builder.as_dataset(split=split, shuffle_files=True, read_config=read_config)
        ds = ds.shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
        return ds.map(example, num_parallel_calls=tf.data.AUTOTUNE)

    try:
        num_examples = builder.info.splits[split].num_examples
    except KeyError:  # no split metadata (as under tfds.testing.mock_data): count the records instead
        num_examples = int(builder.as_dataset(split=split).cardinality())
    return ImageData(
        spec.class_names,
        f"TFDS {spec.tfds_name} in {builder.data_dir_root}",
        (side, side, channels),
        num_examples,
        stream=stream,
    )


def _reachable(host, timeout=10.0):
    """Whether a TCP connection to host:443 opens within `timeout` s (DNS included, hence the thread)."""
    result = []

    def probe():
        try:
            socket.create_connection((host, 443), timeout=timeout).close()
            result.append(True)
        except OSError:
            pass

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result)


# ----- pipelines -----
def square_resize(image, side, crop=None):
    """uint8 [H, W, C] -> uint8 [side, side, C]: a central square (of `crop` pixels, or the shorter side),
    resized with antialiasing."""
    height, width = tf.shape(image)[0], tf.shape(image)[1]
    crop = tf.minimum(tf.minimum(height, width), crop) if crop else tf.minimum(height, width)
    image = tf.image.crop_to_bounding_box(image, (height - crop) // 2, (width - crop) // 2, crop, crop)
    return images_lib.resize_uint8(image, (side, side))


def shuffled_rows(array, batch_size, steps_per_epoch, seed, stream=0):
    """b -> (rows, indices): batch b of `array` [N, ...] in a stateless shuffle, a function of (seed, b) alone.

    Position p = b * batch_size + i is offset p mod P in pass p // P of the rows, a pass being one epoch's
    P = steps_per_epoch * batch_size positions where they fit in N (the remainder dropped), else all N rows
    (a smaller domain cycles); each pass is a permutation keyed by (seed, pass), or (seed, -1 - pass) for
    stream 1, so that two streams of one seed are shuffled apart.
    """
    rows, size, seed = tf.constant(array), len(array), tf.constant(seed, tf.int64)
    period = steps_per_epoch * batch_size if steps_per_epoch * batch_size <= size else size

    def draw(b):
        positions = b * batch_size + tf.range(batch_size, dtype=tf.int64)
        first_pass, offsets = positions[0] // period, positions % period  # a batch spans at most two passes

        def shuffle(one_pass):
            return tf.random.experimental.index_shuffle(
                offsets, tf.stack([seed, one_pass if stream == 0 else -1 - one_pass]), max_index=size - 1
            )

        indices = tf.where(positions // period == first_pass, shuffle(first_pass), shuffle(first_pass + 1))
        return tf.gather(rows, indices), indices

    return draw


def train_pipeline(data, batch_size, seed, start=0):
    """An endless, shuffled, batched and prefetched tf.data pipeline of (images in [-1, 1], labels), or for
    paired data of (targets, sources), both in [-1, 1], from its `start`-th batch on (to resume a run where
    it stopped).

    Batches are full (the remainder of an epoch is dropped) so every step sees `batch_size` examples; one
    epoch is `len(data) // batch_size` steps. In-memory data is shuffled statelessly: batch b holds the
    images at positions [k * batch_size, (k + 1) * batch_size) of a permutation seeded by (seed, epoch),
    where epoch, k = divmod(b, steps per epoch) (tf.random.experimental.index_shuffle). So batch b is a
    function of (seed, b) alone: starting at `start` is free and gives exactly the batches an uninterrupted
    run sees, and however many iterators tf.distribute or Keras create, the order stays the same. Nor does
    the pipeline hold a second copy of the images. Streamed data (decoded on the fly) would have to decode
    every skipped image, so it restarts instead with a shuffle seeded by (seed, start): the same
    distribution, another order.
    """
    if len(data) < batch_size:
        raise UserError(f"--batch_size={batch_size} is larger than the dataset ({len(data)} examples)")
    paired = data.sources is not None
    if data.images is not None:
        # Paired data: the input each target translates takes the labels' place. Unpaired domains are each
        # shuffled on their own (seeded apart), each epoch of `len(data)` examples cycling through the smaller.
        second = data.sources if paired else data.labels
        steps_per_epoch = len(data) // batch_size
        first_draw = shuffled_rows(data.images, batch_size, steps_per_epoch, seed)
        if data.unpaired:
            second_draw = shuffled_rows(second, batch_size, steps_per_epoch, seed, stream=1)

            def batch(b):
                return first_draw(b)[0], second_draw(b)[0]

        else:
            second = tf.constant(second)

            def batch(b):
                images, indices = first_draw(b)
                return images, tf.gather(second, indices)

        ds = tf.data.Dataset.range(start, 2**62).map(batch, num_parallel_calls=tf.data.AUTOTUNE)
    else:
        stream_seed = seed if not start else int(np.random.SeedSequence([seed, start]).generate_state(1)[0])
        ds = data.stream(stream_seed).batch(batch_size, drop_remainder=True).repeat()
    scale = images_lib.to_model_range
    ds = ds.map(lambda x, y: (scale(x), scale(y) if paired else y), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)
