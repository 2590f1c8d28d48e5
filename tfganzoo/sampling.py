"""Rebuilding a trained generator from its run directory, and drawing samples from it."""

import re
import warnings
from pathlib import Path

import numpy as np
import tensorflow as tf

from tfganzoo import datasets, images, models, pairs
from tfganzoo.config import Config
from tfganzoo.errors import UserError

GENERATOR_FINAL = "generator.weights.h5"
GENERATOR_EPOCH = re.compile(r"generator_epoch_(\d+)\.weights\.h5")


def weights_file(network, epoch=None):
    """File name of a network's weights: after `epoch` (1-based), or the final ones when epoch is None."""
    return f"{network}.weights.h5" if epoch is None else f"{network}_epoch_{epoch:04d}.weights.h5"


def find_generator_weights(weights_dir):
    """The final generator weights in `weights_dir`, else those of the latest epoch saved."""
    weights_dir = Path(weights_dir)
    if (weights_dir / GENERATOR_FINAL).is_file():
        return weights_dir / GENERATOR_FINAL
    saved = sorted(
        (int(m.group(1)), p)
        for p in weights_dir.glob("generator_epoch_*.weights.h5")
        if (m := GENERATOR_EPOCH.fullmatch(p.name))
    )
    if not saved:
        raise UserError(
            f"no generator weights in {weights_dir} (training writes them every --save_every epochs and at the end)"
        )
    return saved[-1][1]


def load_run(run_dir, weights=None):
    """(config, gan) of a training run, the generator's weights loaded (final or latest, or `weights`) into the
    network that samples (gan.sampler)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserError(f"--run_dir={run_dir} is not a directory")
    config = Config.load(run_dir / "config.json")
    gan = models.build_gan(config)
    path = Path(weights) if weights else find_generator_weights(config.weights_path(run_dir))
    if not path.is_file():
        raise UserError(f"--weights={path} does not exist")
    try:
        with warnings.catch_warnings():
            # Keras only warns when it skips parts of a mismatched file, leaving those layers untrained.
            warnings.filterwarnings("error", module=r"keras\.src\.saving")
            gan.sampler.load_weights(path)
    except Exception as e:  # h5py and Keras raise many types for a foreign or corrupt file
        raise UserError(f"cannot load {path} into the {config.model} generator: {str(e).splitlines()[0]}") from None
    return config, gan


def take(latent, index):
    """The entries `index` (a slice or an index array) of every array in a latent dict."""
    return {name: value[index] for name, value in latent.items()}


def generate(gan, latent, labels=None, batch_size=500):
    """uint8 images [N, H, W, C] from a latent dict of numpy arrays [N, ...] (see GAN.fixed_latent) and, for
    conditional models, int labels [N]."""
    num = len(latent["noise"])
    chunks = []
    for start in range(0, num, batch_size):
        part = slice(start, start + batch_size)
        chunk_labels = None if labels is None else labels[part]
        chunks.append(np.asarray(gan.generate(take(latent, part), chunk_labels, training=False)))
    return images.to_uint8(np.concatenate(chunks))


def training_grid(gan, seed, rows=None):
    """Inputs of the grid drawn after every epoch (and of the README's pictures): (latent, labels or None, columns).

    Conditional models: `rows` (20) rows x one column per class, each row one noise vector across the classes.
    Latent codes (infogan): one row per value of the categorical code, 10 noise vectors as columns, continuous
    codes 0.
    Others: `rows` (10) x 10.
    """
    if gan.conditional:
        rows = rows or 20
        latent = take(gan.fixed_latent(rows, seed), np.repeat(np.arange(rows), gan.num_classes))
        return latent, np.tile(np.arange(gan.num_classes), rows), gan.num_classes
    if gan.latent_codes:
        latent = take(gan.fixed_latent(10, seed), np.tile(np.arange(10), gan.num_categorical))
        latent["categorical"] = np.repeat(np.arange(gan.num_categorical), 10).astype(np.int32)
        latent["continuous"] = np.zeros_like(latent["continuous"])
        return latent, None, 10
    return gan.fixed_latent(10 * (rows or 10), seed), None, 10


def read_inputs(path, source_shape):
    """uint8 images [N, H, W, C] of `source_shape` and their file names, of an image file or of a directory's
    PNG/JPEG files in sorted name order: each cropped to its central square, resized with antialiasing, and
    made grey (ITU-R 601 luma) or colour to match the run's sources."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"--input={path} does not exist")
    files = images.image_files(path) if path.is_dir() else [path]
    if not files:
        raise UserError(f"--input={path} holds no {'/'.join(images.IMAGE_SUFFIXES)} images")
    side, _, channels = source_shape
    decoded = []
    for file in files:
        image = datasets.square_resize(pairs.decode(file), side)
        if image.shape[-1] != channels:
            image = tf.image.grayscale_to_rgb(image) if channels == 3 else tf.image.rgb_to_grayscale(image)
        decoded.append(np.asarray(image))
    return np.stack(decoded), [file.name for file in files]


def translate(gan, sources, direction="AtoB"):
    """uint8 translations [N, H, W, C_B] of uint8 sources [N, H, W, C_A] by a translation model's sampler."""
    return images.to_uint8(gan.translate(np.asarray(images.to_model_range(sources)), direction=direction))


def translation_grid(gan, sources, targets=None, per_row=4):
    """A uint8 grid of triplets source | translation | target of uint8 pairs [N, H, W, C], `per_row` triplets a
    row (grey images shown in colour beside colour ones). Without targets (unpaired test images), the third
    is the translation translated back (source | G(source) | F(G(source)))."""
    translated = translate(gan, sources)
    third = translate(gan, translated, "BtoA") if targets is None else targets
    return side_by_side((sources, translated, third), per_row)


def side_by_side(sets, per_row):
    """A uint8 grid of same-length image sets [N, H, W, C] put side by side, image i of each together, `per_row`
    such groups a row; grey images are shown in colour where the others are."""
    channels = max(images_set.shape[-1] for images_set in sets)
    groups = np.stack([np.broadcast_to(x, x.shape[:-1] + (channels,)) for x in sets], 1)
    return images.tile(groups.reshape(-1, *groups.shape[2:]), len(sets) * per_row)


def require_codes(gan, what):
    """A UserError unless `gan` has latent codes (categorical and continuous), which `what` needs."""
    if not gan.latent_codes:
        raise UserError(
            f"{what} need latent codes, which only {models.having('latent_codes')} runs have; this run "
            f"is {type(gan).__name__}"
        )


def traversal(gan, code, steps, seed):
    """Traversal inputs of a GAN with latent codes: rows = values of the categorical code, columns = continuous
    code `code` (0-based) swept from -2 to 2 in `steps` steps; one noise vector and the other codes (0) fixed.
    Returns (latent, columns)."""
    require_codes(gan, "traversals")
    if not 0 <= code < gan.num_continuous:
        raise UserError(f"--traverse={code} is out of range; this run has continuous codes 0..{gan.num_continuous - 1}")
    num = gan.num_categorical * steps
    latent = take(gan.fixed_latent(1, seed), np.zeros(num, int))
    latent["categorical"] = np.repeat(np.arange(gan.num_categorical), steps).astype(np.int32)
    latent["continuous"] = np.zeros((num, gan.num_continuous), np.float32)
    latent["continuous"][:, code] = np.tile(np.linspace(-2, 2, steps), gan.num_categorical)
    return latent, steps


def continuous_code_effects(gan, num, seed):
    """How strongly each continuous code of an infogan run acts on its images, as {"continuous_effect_<i>": x}:
    the mean absolute pixel change when code i goes from -1 to 1 (the other codes at 0, the noise and the
    categorical code fixed), over `num` latents, divided by the mean change when the noise is drawn anew.
    0: the generator ignores the code; 1: it changes the images as much as new noise does."""
    require_codes(gan, "code effects")
    latent = gan.fixed_latent(num, seed)
    latent["continuous"] = np.zeros_like(latent["continuous"])

    def change(a, b):
        return float(np.abs(generate(gan, a).astype(np.float64) - generate(gan, b).astype(np.float64)).mean())

    noise_change = change(latent, {**latent, "noise": gan.fixed_latent(num, seed + 1)["noise"]})
    effects = {}
    for code in range(gan.num_continuous):
        low, high = latent["continuous"].copy(), latent["continuous"].copy()
        low[:, code], high[:, code] = -1, 1
        effects[f"continuous_effect_{code}"] = (
            change({**latent, "continuous": low}, {**latent, "continuous": high}) / noise_change
        )
    return effects


def slerp(a, b, t):
    """Spherical interpolation between vectors a and b at fractions t [T]: stays at the typical norm of
    Gaussian noise, where linear interpolation would pass through unusually short vectors."""
    omega = np.arccos(np.clip(np.dot(a / np.linalg.norm(a), b / np.linalg.norm(b)), -1, 1))
    if omega < 1e-6:
        return np.outer(1 - t, a) + np.outer(t, b)
    return (np.outer(np.sin((1 - t) * omega), a) + np.outer(np.sin(t * omega), b)) / np.sin(omega)


def interpolation(gan, steps, seed):
    """Latents of `steps` points from the latent of `seed` to that of `seed + 1` (noise by slerp, continuous
    codes linearly, the categorical code of the first)."""
    start, end = gan.fixed_latent(1, seed), gan.fixed_latent(1, seed + 1)
    latent = take(start, np.zeros(steps, int))
    t = np.linspace(0, 1, steps)
    latent["noise"] = slerp(start["noise"][0], end["noise"][0], t).astype(np.float32)
    if "continuous" in latent:
        continuous = np.outer(1 - t, start["continuous"][0]) + np.outer(t, end["continuous"][0])
        latent["continuous"] = continuous.astype(np.float32)
    return latent


def fix_codes(gan, latent, codes):
    """Sets latent codes given as "cat=3,c0=0.5" (any subset; c<i> is continuous code i) in every latent."""
    require_codes(gan, "--code")
    latent = dict(latent)
    for item in filter(None, codes.split(",")):
        name, _, value = item.partition("=")
        try:
            if name == "cat":
                if not 0 <= int(value) < gan.num_categorical:
                    raise ValueError(f"categorical values run 0..{gan.num_categorical - 1}")
                latent["categorical"] = np.full_like(latent["categorical"], int(value))
            elif name.startswith("c") and name[1:].isdigit() and int(name[1:]) < gan.num_continuous:
                latent["continuous"] = latent["continuous"].copy()
                latent["continuous"][:, int(name[1:])] = float(value)
            else:
                raise ValueError(f"codes are cat, c0..c{gan.num_continuous - 1}")
        except ValueError as e:
            raise UserError(f"--code={codes}: bad entry {item!r} ({e})") from None
    return latent
