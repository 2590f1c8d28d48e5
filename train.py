"""Train a GAN of the zoo: `python train.py --model=cgan --dataset=fashion_mnist --epochs=150`.

Every flag left unset takes the model's recipe: the zoo's (`--preset=default`) or the one of the tutorial
or paper the model comes from (`--preset=tutorial`); `--helpfull` lists every flag.
Outputs go to <log_dir>/<run_name>/: config.json, loss.csv, samples/, tensorboard/, weights/, loss plots,
metrics.json (scores after training), metrics.csv (with --eval_every) and checkpoints/. Rerunning the same
command after an interruption resumes the run from its newest checkpoint; --fresh starts over.
"""

import sys

from tfganzoo.startup import import_tensorflow_quietly

import_tensorflow_quietly()  # before anything else imports it: its C++ start-up lines stay off the terminal

from absl import app, flags, logging  # noqa: E402

from tfganzoo import checkpoints, options, training  # noqa: E402
from tfganzoo import config as config_lib  # noqa: E402
from tfganzoo.errors import UserError  # noqa: E402

options.define_flags(config_lib.FIELDS.values(), flags.FLAGS, sys.argv[0])  # one per option of config.Config
flags.DEFINE_float("lr", None, "Adam learning rate of both networks: sets --g_lr and --d_lr (which win).")
flags.DEFINE_bool(
    "fresh",
    False,
    "If the run directory holds a run, rename it to <run_dir>.N and start over "
    "(without it, training resumes that run).",
)
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    if not FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)  # not an INFO line from TensorFlow per checkpoint saved
    try:
        config = config_lib.make_config(lr=FLAGS.lr, **options.values_from_flags(config_lib.FIELDS.values(), FLAGS))
        config = training.train(config, fresh=FLAGS.fresh)
    except UserError as e:
        raise SystemExit(f"train.py: error: {e}") from None
    except checkpoints.Interrupted as e:
        print(f"train.py: {e}; rerun the same command to resume", file=sys.stderr)
        raise SystemExit(128 + e.signum) from None
    except KeyboardInterrupt:
        print("train.py: interrupted; rerun the same command to resume from the newest checkpoint", file=sys.stderr)
        raise SystemExit(130) from None
    print(f"Done: {config.run_dir}")


if __name__ == "__main__":
    app.run(main)
