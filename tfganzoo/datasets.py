"""Named image datasets, read from local files when possible, as tf.data pipelines of (image, label).

Images are uint8 [N, H, W, C] in memory and scaled to float32 in [-1, 1] (the generators' tanh range) by the
pipeline; labels are int64 class indices.

Where a dataset comes from, in order: `--data_path` (a directory of MNIST-format IDX files, gzipped or not,
or a Keras-style .npz); the dataset's known local places (Debian's dataset-fashion-mnist package, Keras's
download cache); a copy TFDS already prepared in `--data_dir`; a TFDS download, tried only after a quick check
that its server can be reached, so an offline machine fails in seconds with advice rather than minutes.
"""

import dataclasses
import gzip
import math
import socket
import struct
import threading
from pathlib import Path

import numpy as np
import tensorflow as tf

from tfganzoo.errors import UserError, unknown_choice

DIGITS = tuple(str(d) for d in range(10))
FASHION = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    tfds_name: str
    class_names: tuple
    local_paths: tuple  # searched in order: IDX directories or .npz files
    download_host: str  # where TFDS fetches it from; probed before a download is tried


DATASETS = {
    "mnist": DatasetSpec("mnist", DIGITS, ("~/.keras/datasets/mnist.npz", "/usr/share/datasets/mnist"),
                         "storage.googleapis.com"),
    "fashion_mnist": DatasetSpec("fashion_mnist", FASHION,
                                 ("/usr/share/datasets/fashion-mnist", "~/.keras/datasets/fashion-mnist"),
                                 "fashion-mnist.s3-website.eu-central-1.amazonaws.com"),
}
SPLITS = {"train": "train", "test": "t10k"}  # split name -> IDX file prefix


@dataclasses.dataclass(frozen=True)
class ImageData:
    images: np.ndarray  # uint8 [N, H, W, C]
    labels: np.ndarray  # int64 [N]
    class_names: tuple
    source: str  # where it was read from, for the log

    @property
    def num_classes(self):
        return len(self.class_names)

    @property
    def image_shape(self):
        return tuple(self.images.shape[1:])

    def __len__(self):
        return len(self.images)


def get_dataset(name):
    if name not in DATASETS:
        raise unknown_choice("dataset", name, DATASETS)
    return DATASETS[name]


def load(name, split="train", data_path=None, data_dir=None):
    """Loads split "train" or "test" of dataset `name` as an ImageData. Raises UserError when it can't."""
    spec = get_dataset(name)
    if split not in SPLITS:
        raise unknown_choice("split", split, SPLITS)
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
    return _validated(name, spec, images, labels, source)


def _validated(name, spec, images, labels, source):
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise UserError(f"{source}: expected images of shape [N, H, W] or [N, H, W, 1|3], got {images.shape}")
    if len(images) != len(labels):
        raise UserError(f"{source}: {len(images)} images but {len(labels)} labels")
    if len(labels) and (labels.min() < 0 or labels.max() >= len(spec.class_names)):
        raise UserError(f"{source}: labels run from {labels.min()} to {labels.max()}, "
                        f"but {name} has classes 0..{len(spec.class_names) - 1}")
    return ImageData(images.astype(np.uint8), labels.astype(np.int64), spec.class_names, source)


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
    raise UserError(f"{directory}: missing {stem}.gz (expected MNIST-format IDX files "
                    f"train-/t10k-images-idx3-ubyte and train-/t10k-labels-idx1-ubyte, gzipped or not)")


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
        raise UserError(f"{path} is corrupt or truncated: {len(data) - header} data bytes "
                        f"for shape {dims}, expected {math.prod(dims)}")
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


# ----- TFDS -----
def _read_tfds(name, spec, split, data_dir):
    import tensorflow_datasets as tfds  # slow to import; only needed when no local copy exists

    builder = tfds.builder(spec.tfds_name, data_dir=data_dir, try_gcs=False)
    if not builder.is_prepared():
        if not _reachable(spec.download_host):
            places = ", ".join(spec.local_paths)
            raise UserError(
                f"{name} is not available offline: no local copy ({places}), none prepared by TFDS in "
                f"{builder.data_dir_root}, and {spec.download_host} cannot be reached. Point --data_path at a "
                f"directory of MNIST-format IDX .gz files or a Keras-style .npz"
                + (" (Debian: apt-get install dataset-fashion-mnist)" if name == "fashion_mnist" else ""))
        builder.download_and_prepare()
    images, labels = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1, as_supervised=True))
    return images, labels, f"TFDS {spec.tfds_name} in {builder.data_dir_root}"


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
def to_model_range(images):
    """uint8 images -> float32 in [-1, 1]."""
    return tf.cast(images, tf.float32) / 127.5 - 1.0


def train_pipeline(data, batch_size, seed):
    """An endless, shuffled, batched and prefetched tf.data pipeline of (images in [-1, 1], labels).

    Batches are full (the remainder of an epoch is dropped) so every step sees `batch_size` examples; one
    epoch is `len(data) // batch_size` steps.
    """
    if len(data) < batch_size:
        raise UserError(f"--batch_size={batch_size} is larger than the dataset ({len(data)} examples)")
    ds = tf.data.Dataset.from_tensor_slices((data.images, data.labels))
    ds = ds.shuffle(len(data), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=True)
    ds = ds.map(lambda x, y: (to_model_range(x), y), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.repeat().prefetch(tf.data.AUTOTUNE)
