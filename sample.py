"""Sample from a trained run.

    python sample.py --run_dir=logs/cgan-mnist --num=64 --output=grid.png          # grid (classes in columns)
    python sample.py --run_dir=logs/cgan-mnist --num=64 --label=7 --output=sevens.png
    python sample.py --run_dir=logs/cgan-mnist --num=1000 --output=samples.npz      # images (+ labels)
    python sample.py --run_dir=logs/infogan-mnist --mode=traversal --traverse=0 --output=traversal.png
    python sample.py --run_dir=logs/dcgan-mnist --mode=interpolation --num=10 --output=walk.gif
    python sample.py --run_dir=logs/dcgan-mnist --export=exported/                  # SavedModel
    python sample.py --run_dir=logs/pix2pix-edges2fashion --input=edges/ --output=translated/   # a file each
    python sample.py --run_dir=logs/pix2pix-edges2fashion --input=edges/ --output=pairs.png     # input | output

The same weights and --seed always give the same samples.
"""

from tfganzoo.startup import import_tensorflow_quietly

import_tensorflow_quietly()  # before anything else imports it: its C++ start-up lines stay off the terminal

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from absl import app, flags  # noqa: E402

from tfganzoo import export, images, sampling  # noqa: E402
from tfganzoo.errors import UserError  # noqa: E402
from tfganzoo.files import atomic_path  # noqa: E402

flags.DEFINE_string("run_dir", None, "Run directory written by train.py (holds config.json).", required=True)
flags.DEFINE_enum(
    "mode",
    "grid",
    ["grid", "traversal", "interpolation"],
    "grid: --num samples; traversal: infogan code sweeps; interpolation: --num steps between "
    "the latents of --seed and --seed + 1.",
)
flags.DEFINE_integer("num", 64, "Samples (grid) or steps (interpolation, traversal columns).", lower_bound=1)
flags.DEFINE_integer("label", None, "Class to generate (conditional models); default: every class in turn.")
flags.DEFINE_string("code", None, "infogan: fix codes, e.g. 'cat=3,c0=0.5' (c<i>: continuous code i).")
flags.DEFINE_integer("traverse", 0, "traversal: which continuous code to sweep from -2 to 2 (0-based).")
flags.DEFINE_string(
    "output",
    None,
    "Output: .png (grid), .npz (images and labels; translations: images and names), .gif (interpolation); "
    "for translations also a new directory (one PNG per input, named as the input).",
)
flags.DEFINE_string(
    "input",
    None,
    "Translation runs (pix2pix): an image file or a directory of PNG/JPEG images to translate, in sorted name "
    "order; each is cropped to its central square, resized to the run's image size, and made grey or colour "
    "as the run's sources are.",
)
flags.DEFINE_enum("direction", "AtoB", ["AtoB", "BtoA"], "Translation runs: which way (pix2pix learns AtoB only).")
flags.DEFINE_string("export", None, "Also write the generator as a TensorFlow SavedModel to this new directory.")
flags.DEFINE_integer("seed", 0, "Seed of the latents.")
flags.DEFINE_string("weights", None, "Generator weights file (default: the run's final, else latest).")
FLAGS = flags.FLAGS
SUFFIXES = {"grid": (".png", ".npz"), "traversal": (".png", ".npz"), "interpolation": (".png", ".npz", ".gif")}


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


def inputs_for_mode(gan):
    """(latent, labels, grid columns) for --mode."""
    if FLAGS.mode == "traversal":
        latent, columns = sampling.traversal(gan, FLAGS.traverse, FLAGS.num, FLAGS.seed)
        return latent, choose_labels(gan, len(latent["noise"]), FLAGS.label), columns
    if FLAGS.mode == "interpolation":
        latent = sampling.interpolation(gan, FLAGS.num, FLAGS.seed)
        # One class along the whole walk: --label, or class 0.
        label = 0 if FLAGS.label is None and gan.conditional else FLAGS.label
        return latent, choose_labels(gan, FLAGS.num, label), FLAGS.num
    labels = choose_labels(gan, FLAGS.num, FLAGS.label)
    columns = gan.num_classes if labels is not None and FLAGS.label is None else None
    return gan.fixed_latent(FLAGS.num, FLAGS.seed), labels, columns


def write(output, samples, labels, columns):
    output = Path(output)
    if output.suffix == ".png":
        images.save_png(output, images.tile(samples, columns))
    elif output.suffix == ".gif":
        images.save_gif(output, samples)
    else:
        arrays = {"images": samples} if labels is None else {"images": samples, "labels": labels}
        with atomic_path(output) as tmp, open(tmp, "wb") as f:
            np.savez(f, **arrays)


def translate(gan):
    """Translates --input into --output (see the flags)."""
    if FLAGS.direction not in gan.directions:
        raise UserError(
            f"--direction={FLAGS.direction}: this run translates {' and '.join(gan.directions)} only "
            "(pix2pix learns its pairs' one way)"
        )
    sources, names = sampling.read_inputs(FLAGS.input, gan.source_shape(FLAGS.direction))
    translated = sampling.translate(gan, sources, FLAGS.direction)
    output = Path(FLAGS.output)
    if output.suffix == ".png":
        images.save_png(output, sampling.side_by_side((sources, translated), per_row=4))
    elif output.suffix == ".npz":
        with atomic_path(output) as tmp, open(tmp, "wb") as f:
            np.savez(f, images=translated, names=np.array(names))
    else:
        if output.exists():
            raise UserError(f"--output={output} already exists; choose a new directory (or a .png or .npz file)")
        with atomic_path(output) as tmp:
            tmp.mkdir()
            for image, name in zip(translated, names, strict=True):
                images.save_png(tmp / f"{Path(name).stem}.png", image)
    print(f"Translated {len(names)} images from {FLAGS.input} into {FLAGS.output}")


def check_inputs(gan):
    """A UserError where --input does not suit the run: needed by a translation run, refused by the others."""
    if gan.translates and FLAGS.output is not None and FLAGS.input is None:
        raise UserError("a translation run translates images: give --input=FILE_OR_DIR")
    if gan.translates and (FLAGS.mode != "grid" or FLAGS.label is not None or FLAGS.code):
        raise UserError("a translation run takes --input; --mode, --label and --code are for runs that generate")
    if not gan.translates and FLAGS.input is not None:
        raise UserError("--input is for translation runs (pix2pix); this run generates from noise")


def main(argv):
    del argv
    try:
        if FLAGS.output is None and FLAGS.export is None:
            raise UserError("give --output=FILE (samples), --export=DIR (SavedModel), or both")
        wrong_suffix = FLAGS.output is not None and Path(FLAGS.output).suffix not in SUFFIXES[FLAGS.mode]
        if wrong_suffix and FLAGS.input is None:
            raise UserError(f"--output={FLAGS.output}: --mode={FLAGS.mode} writes {', '.join(SUFFIXES[FLAGS.mode])}")
        _, gan = sampling.load_run(FLAGS.run_dir, FLAGS.weights)
        check_inputs(gan)
        if FLAGS.output is not None and gan.translates:
            translate(gan)
        elif FLAGS.output is not None:
            latent, labels, columns = inputs_for_mode(gan)
            if FLAGS.code:
                latent = sampling.fix_codes(gan, latent, FLAGS.code)
            write(FLAGS.output, sampling.generate(gan, latent, labels), labels, columns)
            print(f"Wrote {len(latent['noise'])} samples to {FLAGS.output}")
        if FLAGS.export is not None:
            export.export_generator(gan, FLAGS.export)
            print(f"Exported the generator to {FLAGS.export}")
    except UserError as e:
        raise SystemExit(f"sample.py: error: {e}") from None


if __name__ == "__main__":
    app.run(main)
