"""Rebuilding a trained generator from its run directory, and drawing samples from it."""

import re
import warnings
from pathlib import Path

import numpy as np

from tfganzoo import images, models
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
    saved = sorted((int(m.group(1)), p) for p in weights_dir.glob("generator_epoch_*.weights.h5")
                   if (m := GENERATOR_EPOCH.fullmatch(p.name)))
    if not saved:
        raise UserError(f"no generator weights in {weights_dir} (training writes them every --save_every "
                        f"epochs and at the end)")
    return saved[-1][1]


def load_run(run_dir, weights=None):
    """(config, gan) of a training run, the generator's weights loaded (final or latest, or `weights`)."""
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
            gan.generator.load_weights(path)
    except Exception as e:  # h5py and Keras raise many types for a foreign or corrupt file
        raise UserError(f"cannot load {path} into the {config.model} generator: {str(e).splitlines()[0]}") from None
    return config, gan


def latent_noise(num, noise_dim, seed):
    """`num` noise vectors ~ N(0, I), float32 [num, noise_dim], the same for the same seed."""
    return np.random.default_rng(seed).standard_normal((num, noise_dim)).astype(np.float32)


def generate(gan, noise, labels=None, batch_size=500):
    """uint8 images [N, H, W, C] from noise [N, noise_dim] (and int labels [N] for conditional models)."""
    chunks = []
    for start in range(0, len(noise), batch_size):
        latent = {"noise": noise[start:start + batch_size]}
        chunk_labels = None if labels is None else labels[start:start + batch_size]
        chunks.append(np.asarray(gan.generate(latent, chunk_labels, training=False)))
    return images.to_uint8(np.concatenate(chunks))


def class_grid_inputs(gan, rows, seed):
    """Inputs for the training-time grid: conditional models get `rows` rows x one column per class, each
    row sharing its noise across the classes; unconditional ones a `rows` x `rows` grid.

    Returns (noise [N, noise_dim], labels [N] or None, columns).
    """
    if not gan.conditional:
        return latent_noise(rows * rows, gan.noise_dim, seed), None, rows
    noise = np.repeat(latent_noise(rows, gan.noise_dim, seed), gan.num_classes, axis=0)
    labels = np.tile(np.arange(gan.num_classes), rows)
    return noise, labels, gan.num_classes
