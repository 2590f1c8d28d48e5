"""Images: the scaling between pixels and the generators' range, resizing, grids of generated images, image files
in a directory, PNG and GIF files."""

import math

import numpy as np
import tensorflow as tf
from matplotlib import image as mpimg

from tfganzoo.files import atomic_path

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")  # the image files read from a user's directories


def image_files(directory):
    """The PNG/JPEG files of `directory` (a Path), sorted by name."""
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def resize_uint8(image, shape):
    """uint8 image tensor [H, W, C] -> uint8 [*shape, C], resized with antialiasing (tf ops, usable in tf.data)."""
    return tf.cast(tf.clip_by_value(tf.round(tf.image.resize(image, shape, antialias=True)), 0, 255), tf.uint8)


def to_model_range(images):
    """Pixel values in [0, 255] (uint8 or float, numpy or tensors) -> a float32 tensor in [-1, 1], the generators'
    tanh range; to_uint8 is its inverse."""
    return tf.cast(images, tf.float32) / 127.5 - 1.0


def to_uint8(images):
    """Images in [-1, 1] (the generators' tanh range) -> uint8 in [0, 255], same shape; to_model_range's
    inverse."""
    return np.clip(np.round((np.asarray(images, np.float32) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def tile(images, columns=None, pad=2):
    """uint8 images [N, H, W, C] -> one uint8 grid [rows * (H + pad) - pad, columns * (W + pad) - pad, C].

    Images fill the grid row by row; `columns` defaults to a square layout; unused cells and the padding
    between images are white.
    """
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.full((rows * (h + pad) - pad, columns * (w + pad) - pad, c), 255, np.uint8)
    for i, image in enumerate(images):
        top, left = (i // columns) * (h + pad), (i % columns) * (w + pad)
        grid[top : top + h, left : left + w] = image
    return grid


def save_png(path, grid):
    """Writes a uint8 grid [H, W, 1 or 3] as a PNG, atomically."""
    with atomic_path(path) as tmp:
        if grid.shape[-1] == 1:
            mpimg.imsave(tmp, grid[..., 0], cmap="gray", vmin=0, vmax=255, format="png")
        else:
            mpimg.imsave(tmp, grid, format="png")


def save_gif(path, frames, scale=4, milliseconds=120):
    """Writes uint8 images [N, H, W, C] as a looping animated GIF, each pixel scaled up `scale` times."""
    from PIL import Image

    frames = np.repeat(np.repeat(frames, scale, axis=1), scale, axis=2)
    pictures = [Image.fromarray(frame[..., 0] if frame.shape[-1] == 1 else frame) for frame in frames]
    with atomic_path(path) as tmp:
        pictures[0].save(tmp, format="GIF", save_all=True, append_images=pictures[1:], duration=milliseconds, loop=0)
