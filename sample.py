"""Sample from a trained run: `python sample.py --run_dir=logs/cgan-mnist --num=64 --output=grid.png`.

`--output` ending in .png writes a grid; ending in .npz writes `images` (uint8 [N, H, W, C]) and, for
conditional models, `labels`. The same weights and --seed always give the same samples.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter out of the log

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from absl import app, flags  # noqa: E402

from tfganzoo import images, sampling  # noqa: E402
from tfganzoo.errors import UserError  # noqa: E402
from tfganzoo.files import atomic_path  # noqa: E402

flags.DEFINE_string("run_dir", None, "Run directory written by train.py (holds config.json).", required=True)
flags.DEFINE_integer("num", 64, "How many samples.", lower_bound=1)
flags.DEFINE_integer("label", None, "Class to generate (conditional models); default: every class in turn.")
flags.DEFINE_string("output", None, "Output file: .png (a grid) or .npz (the images).", required=True)
flags.DEFINE_integer("seed", 0, "Seed of the noise.")
flags.DEFINE_string("weights", None, "Generator weights file (default: the run's final, else latest).")
FLAGS = flags.FLAGS


def choose_labels(gan, num, label):
    """Labels for `num` samples: all `label`, or every class in turn; None for unconditional models."""
    if not gan.conditional:
        if label is not None:
            raise UserError("--label is only for conditional models; this run's model takes no labels")
        return None
    if label is None:
        return np.arange(num) % gan.num_classes
    if not 0 <= label < gan.num_classes:
        raise UserError(f"--label={label} is out of range; valid labels: 0..{gan.num_classes - 1}")
    return np.full(num, label)


def write(output, samples, labels, columns):
    output = Path(output)
    if output.suffix == ".png":
        images.save_png(output, images.tile(samples, columns))
    else:
        arrays = {"images": samples} if labels is None else {"images": samples, "labels": labels}
        with atomic_path(output) as tmp, open(tmp, "wb") as f:
            np.savez(f, **arrays)


def main(argv):
    del argv
    try:
        if Path(FLAGS.output).suffix not in (".png", ".npz"):
            raise UserError(f"--output={FLAGS.output} must end in .png or .npz")
        _, gan = sampling.load_run(FLAGS.run_dir, FLAGS.weights)
        labels = choose_labels(gan, FLAGS.num, FLAGS.label)
        samples = sampling.generate(gan, sampling.latent_noise(FLAGS.num, gan.noise_dim, FLAGS.seed), labels)
        columns = gan.num_classes if labels is not None and FLAGS.label is None else None
        write(FLAGS.output, samples, labels, columns)
    except UserError as e:
        raise SystemExit(f"sample.py: error: {e}")
    print(f"Wrote {FLAGS.num} samples to {FLAGS.output}")


if __name__ == "__main__":
    app.run(main)
