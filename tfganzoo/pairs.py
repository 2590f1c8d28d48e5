"""Images of two domains for translation (pix2pix, CycleGAN): known-answer pairs built from Fashion-MNIST,
and a user's pairs or unpaired domains.

Known-answer pairs (issue 31) give every test image its true translation, so a translation can be scored
against it. Each is a fixed transform of Fashion-MNIST's garments, padded from 28 to 32 pixels with black
(the background's own colour) so the U-Net can halve the side five times:
- `edges2fashion`: the garment's Sobel edge map (gradient magnitude > EDGE_THRESHOLD, white on black) ->
  the garment; the edges2shoes of this scale.
- `grey2colour`: the garment -> the garment tinted with its class's colour (CLASS_COLOURS), so colour
  images flow through the whole pipeline.

A user's pairs (`--dataset=paired --data_path=DIR`): pix2pix's layout, DIR/train/ and DIR/test/ of PNG/JPEG
files that each hold the input and its target side by side (A|B, as the facades are), or DIR/train/A/ and
DIR/train/B/ (and test/) with the same file names on both sides. Every image is resized to --image_size
(default: the files' own size). A pair is (source A, target B); its label is 0 (there are no classes).

A user's unpaired domains (`--dataset=unpaired --data_path=DIR`, CycleGAN's layout): DIR/trainA/, trainB/,
testA/ and testB/, any number of images in each, resized alike.
"""

from pathlib import Path

import numpy as np
import tensorflow as tf

from tfganzoo import images as images_lib
from tfganzoo.errors import UserError

PAD = 2  # 28 -> 32 pixels
EDGE_THRESHOLD = 1.0  # of the Sobel gradient's magnitude on pixels in [0, 1]: edges about 2 pixels wide
# One colour per Fashion-MNIST class (matplotlib's tab10), so the class decides the target's colour.
CLASS_COLOURS = np.array(
    [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (127, 127, 127),
        (188, 189, 34),
        (23, 190, 207),
    ],
    np.float32,
)


def padded(images):
    """uint8 [N, 28, 28, C] -> [N, 32, 32, C], a black border of PAD pixels."""
    return np.pad(images, ((0, 0), (PAD, PAD), (PAD, PAD), (0, 0)))


def unpadded(images):
    """The inverse of `padded`: the central 28 x 28 (what the evaluation classifier was trained on)."""
    return images[:, PAD:-PAD, PAD:-PAD]


def edge_maps(images):
    """uint8 [N, H, W, 1] -> uint8 [N, H, W, 1]: 255 where the Sobel gradient's magnitude exceeds
    EDGE_THRESHOLD, else 0."""
    gradients = tf.image.sobel_edges(tf.constant(images, tf.float32) / 255.0)  # [N, H, W, 1, 2]
    return np.where(tf.norm(gradients, axis=-1).numpy() > EDGE_THRESHOLD, 255, 0).astype(np.uint8)


def tinted(images, labels):
    """uint8 [N, H, W, 1] and classes [N] -> uint8 [N, H, W, 3]: each pixel's brightness times its class's
    colour."""
    colours = CLASS_COLOURS[np.asarray(labels) % len(CLASS_COLOURS)][:, None, None, :]
    return np.round(images.astype(np.float32) / 255.0 * colours).astype(np.uint8)


def edges2fashion(images, labels):
    """(sources, targets) of the edges2fashion pairs of 28 x 28 garments."""
    targets = padded(images)
    return edge_maps(targets), targets


def grey2colour(images, labels):
    """(sources, targets) of the grey2colour pairs of 28 x 28 garments."""
    sources = padded(images)
    return sources, tinted(sources, labels)


KNOWN = {"edges2fashion": edges2fashion, "grey2colour": grey2colour}


# ----- a user's pairs -----
def read_paired(directory, split, size=None):
    """(sources, targets) uint8 [N, S, S, C] of split "train" or "test" of a pix2pix-style directory, in
    sorted file-name order. A UserError names the first file or folder that does not fit."""
    directory = Path(directory)
    split_dir = directory / split
    if not split_dir.is_dir():
        raise UserError(
            f"--data_path={directory}: missing {split}/ (expected {split}/*.png of A|B pairs, or "
            f"{split}/A/ and {split}/B/)"
        )
    if (split_dir / "A").is_dir() or (split_dir / "B").is_dir():
        return _read_two_folders(split_dir, size)
    files = with_images(images_lib.image_files(split_dir), split_dir)
    # Split before resizing: a resize of the whole A|B image would blend the two halves at the seam.
    shape = size and (size, size)
    pairs = [[resized(half, shape) for half in _split_side_by_side(path, decode(path))] for path in files]
    return _stacked([a for a, _ in pairs], files), _stacked([b for _, b in pairs], files)


def read_unpaired(directory, split, size=None):
    """(images of A, images of B), uint8 [N_A, S, S, C] and [N_B, S, S, C'], of split "train" or "test" of a
    CycleGAN-style directory (DIR/trainA/, trainB/, testA/, testB/), each in sorted file-name order. A
    UserError names the first folder or file that does not fit."""
    directory, shape = Path(directory), size and (size, size)
    domains = []
    for side in ("A", "B"):
        folder = directory / f"{split}{side}"
        if not folder.is_dir():
            raise UserError(
                f"--data_path={directory}: missing {split}{side}/ (expected trainA/, trainB/, testA/, testB/)"
            )
        files = with_images(images_lib.image_files(folder), folder)
        domains.append(_stacked([decode(path, shape) for path in files], files))
    if domains[0].shape[1:3] != domains[1].shape[1:3]:
        raise UserError(
            f"{directory}: {split}A/ holds {'x'.join(map(str, domains[0].shape[1:3]))} images and {split}B/ "
            f"{'x'.join(map(str, domains[1].shape[1:3]))}; give --image_size to resize them all"
        )
    return tuple(domains)


def _read_two_folders(split_dir, size):
    for side in ("A", "B"):
        if not (split_dir / side).is_dir():
            raise UserError(f"{split_dir}: missing {side}/ beside {'B' if side == 'A' else 'A'}/")
    files = {side: images_lib.image_files(split_dir / side) for side in ("A", "B")}
    names = {side: [p.name for p in found] for side, found in files.items()}
    if names["A"] != names["B"]:
        unmatched = sorted(set(names["A"]) ^ set(names["B"]))
        if unmatched:
            side = "A" if unmatched[0] in names["A"] else "B"
            raise UserError(f"{split_dir / side / unmatched[0]} has no partner of the same name in the other folder")
    with_images(files["A"], split_dir / "A")
    shape = size and (size, size)
    return tuple(_stacked([decode(p, shape) for p in files[side]], files[side]) for side in ("A", "B"))


def with_images(files, folder):
    """`files`, the images found in `folder`; a UserError naming the folder when there are none."""
    if not files:
        raise UserError(f"{folder} holds no {'/'.join(images_lib.IMAGE_SUFFIXES)} images")
    return files


def decode(path, shape=None):
    """uint8 [H, W, C] of an image file, resized to `shape` (H, W) when given; grey stays one channel."""
    try:
        image = tf.io.decode_image(tf.io.read_file(str(path)), expand_animations=False)
    except (tf.errors.InvalidArgumentError, tf.errors.NotFoundError) as e:
        raise UserError(f"cannot read {path}: {e.message.splitlines()[0]}") from None
    if image.shape[-1] == 4:
        image = image[..., :3]  # PNG transparency is dropped
    elif image.shape[-1] == 2:
        image = image[..., :1]
    return resized(image.numpy(), shape)


def resized(image, shape=None):
    """uint8 [H, W, C] resized to `shape` (H, W) with antialiasing; as it is without a shape or at it."""
    if not shape or tuple(image.shape[:2]) == tuple(shape):
        return image
    return images_lib.resize_uint8(image, shape).numpy()


def _split_side_by_side(path, image):
    if image.shape[1] % 2:
        raise UserError(f"{path} is {image.shape[1]} pixels wide, not an input and its target side by side (A|B)")
    half = image.shape[1] // 2
    return image[:, :half], image[:, half:]


def _stacked(images, files):
    """One array of same-shape images; a UserError names the first file whose shape differs."""
    for image, path in zip(images, files, strict=True):
        if image.shape != images[0].shape:
            raise UserError(
                f"{path} is {'x'.join(map(str, image.shape))} but {files[0].name} is "
                f"{'x'.join(map(str, images[0].shape))}; give --image_size to resize them all"
            )
    return np.stack(images)
