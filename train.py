"""Train a GAN of the zoo: `python train.py --model=cgan --dataset=fashion_mnist --epochs=150`.

Every flag left unset takes the model's recipe: the zoo's (`--preset=default`) or the one of the tutorial
or paper the model comes from (`--preset=tutorial`); `--helpfull` lists every flag.
Outputs go to <log_dir>/<run_name>/: config.json, loss.csv, samples/, tensorboard/, weights/, loss plots,
metrics.json (scores after training), metrics.csv (with --eval_every) and checkpoints/. Rerunning the same
command after an interruption resumes the run from its newest checkpoint; --fresh starts over.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter out of the log

from absl import app, flags, logging  # noqa: E402

from tfganzoo import config as config_lib  # noqa: E402
from tfganzoo import checkpoints, classifier, datasets, distribute, losses, models, training  # noqa: E402
from tfganzoo.errors import UserError  # noqa: E402

PER_MODEL = "(default: the preset's, see README)"

flags.DEFINE_enum("model", "cgan", sorted(models.MODELS), "Which GAN to train.")
flags.DEFINE_enum("dataset", "mnist", sorted(datasets.DATASETS), "Which dataset to train on.")
flags.DEFINE_string("data_path", None, "Local data: a directory of MNIST-format IDX files or a Keras .npz; for "
                    "--dataset=folder a directory of PNG/JPEG images (sub-directories = classes).")
flags.DEFINE_string("data_dir", None, "TFDS data directory (where TFDS caches downloaded datasets).")
flags.DEFINE_integer("image_size", None, "Resize colour images to this square side (celeb_a: 64, folder: 64).",
                     lower_bound=1)
flags.DEFINE_enum("preset", "default", list(models.PRESETS), "Recipe of every hyperparameter left unset: "
                  "default (the zoo's, measured to learn) or tutorial (the one the model's tutorial or paper "
                  "publishes).")
flags.DEFINE_enum("loss", None, list(losses.LOSSES), "Adversarial loss: ns (non-saturating), minimax, wgan, "
                  f"hinge, lsgan {PER_MODEL}.")
flags.DEFINE_enum("penalty", None, list(losses.PENALTIES), f"Gradient penalty on the discriminator {PER_MODEL}.")
flags.DEFINE_float("penalty_weight", None, "Weight of --penalty (default 10: lambda of WGAN-GP and DRAGAN, gamma "
                   "of R1).")
flags.DEFINE_float("clip", None, "Clip the discriminator's weights to [-clip, clip] after each update (the "
                   "original WGAN used 0.01).")
flags.DEFINE_integer("d_steps", None, "Discriminator updates per generator update, each on its own batch (5 for "
                     f"WGAN critics) {PER_MODEL}.", lower_bound=1)
flags.DEFINE_bool("spectral_norm", None, f"Spectral normalisation of the discriminator's dense and conv layers "
                  f"{PER_MODEL}.")
flags.DEFINE_bool("minibatch_discrimination", None, "Minibatch discrimination before the discriminator's "
                  f"real/fake output {PER_MODEL}.")
flags.DEFINE_float("ema_decay", None, "Decay per generator step of an exponential moving average of the generator's "
                   f"weights, which then samples, is evaluated and saved (0: no average) {PER_MODEL}.")
flags.DEFINE_integer("epochs", None, f"Training epochs {PER_MODEL}.", lower_bound=1)
flags.DEFINE_integer("batch_size", None, f"Batch size {PER_MODEL}.", lower_bound=1)
flags.DEFINE_float("lr", None, f"Adam learning rate of both networks {PER_MODEL}.")
flags.DEFINE_float("g_lr", None, "Generator learning rate; overrides --lr.")
flags.DEFINE_float("d_lr", None, "Discriminator learning rate; overrides --lr.")
flags.DEFINE_float("beta_1", None, f"Adam beta_1 {PER_MODEL}.")
flags.DEFINE_float("beta_2", None, f"Adam beta_2 {PER_MODEL}.")
flags.DEFINE_bool("lr_decay", None, "Decay both learning rates linearly to 0 over the run's epochs (a resumed run "
                  f"with more --epochs stretches the decay to the new end) {PER_MODEL}.")
flags.DEFINE_integer("noise_dim", None, f"Length of the noise vector {PER_MODEL}.", lower_bound=1)
flags.DEFINE_integer("steps_per_epoch", None, "Steps per epoch (default: one pass over the data).", lower_bound=1)
# absl.logging defines --log_dir for log files it only writes on request (never here); take it over.
flags.DEFINE_string("log_dir", "logs", "Directory holding the run directories.", allow_override=True)
flags.DEFINE_string("run_name", None, "Run directory name inside --log_dir (default: <model>-<dataset>).")
flags.DEFINE_string("weights_dir", None, "Where weights are saved (default: <run_dir>/weights).")
flags.DEFINE_integer("save_every", 15, "Save both networks' weights every this many epochs.", lower_bound=1)
flags.DEFINE_integer("keep_checkpoints", 3, "Newest checkpoints kept in <run_dir>/checkpoints (one is written "
                     "after every epoch).", lower_bound=1)
flags.DEFINE_float("checkpoint_minutes", 10.0, "Also checkpoint within an epoch when this many minutes have "
                   "passed since the last checkpoint.", lower_bound=0.01)
flags.DEFINE_bool("fresh", False, "If the run directory holds a run, rename it to <run_dir>.N and start over "
                  "(without it, training resumes that run).")
flags.DEFINE_integer("seed", None, "Random seed (default: a random one, recorded in config.json; a resumed run "
                     "keeps its own).", lower_bound=0, upper_bound=2**32 - 1)
flags.DEFINE_bool("jit_compile", None, "Compile the train step with XLA (default: where it measured faster: on a "
                  "GPU, and on a CPU for gan and cgan; not under --strategy).")
flags.DEFINE_enum("strategy", "default", distribute.STRATEGIES, "tf.distribute strategy: default (one device), "
                  "mirrored (all local GPUs), multi_worker (machines listed in TF_CONFIG), tpu. --batch_size is "
                  "the global batch.")
flags.DEFINE_bool("mixed_precision", False, "Compute in bfloat16 (CPU, TPU) or float16 with loss scaling (GPU); "
                  "weights, images and losses stay float32.")
flags.DEFINE_integer("steps_per_execution", None, "Train steps per call of the compiled train function (default "
                     "10; callbacks, the NaN check and signals see every this many steps). An epoch of one pass is "
                     "rounded down to a multiple of it.", lower_bound=1)
flags.DEFINE_integer("num_categorical", 10, "infogan: values of the categorical code.", lower_bound=1)
flags.DEFINE_integer("num_continuous", 2, "infogan: continuous codes, uniform on [-1, 1].", lower_bound=1)
flags.DEFINE_float("info_weight", 1.0, "infogan: lambda, weight of the mutual-information term.", lower_bound=0)
flags.DEFINE_float("continuous_weight", None, "infogan: weight of the continuous codes within the mutual-"
                   f"information term (the paper advises less than 1) {PER_MODEL}.", lower_bound=0)
flags.DEFINE_float("class_weight", 1.0, "acgan: weight of the class log-likelihood term.", lower_bound=0)
flags.DEFINE_bool("mismatched_labels", None, "cgan: the discriminator also learns real images paired with a wrong "
                  f"label as fakes (the matching-aware discriminator of Reed et al. 2016) {PER_MODEL}.")
flags.DEFINE_float("mismatch_temperature", None, "cgan: temperature of the draw of --mismatched_labels' wrong "
                   "labels: 0 draws them uniformly; t > 0 in proportion to exp(D's running output on such pairs / t), "
                   f"so the look-alike classes D still confuses come up most {PER_MODEL}.", lower_bound=0)
flags.DEFINE_float("dropout", None, "cgan: dropout rate after each of the discriminator's maxout blocks (the "
                   f"tutorial's: 0.5) {PER_MODEL}.", lower_bound=0, upper_bound=0.99)
flags.DEFINE_integer("eval_every", 0, "Evaluate every this many epochs (FID, KID, precision/recall, label/code "
                     "accuracy) into metrics.csv and TensorBoard; 0: not during training.", lower_bound=0)
flags.DEFINE_integer("eval_samples", 2000, "Generated images per evaluation during training.", lower_bound=10)
flags.DEFINE_integer("final_eval_samples", 10_000, "Generated images of the evaluation after training, written to "
                     "metrics.json; 0: none.", lower_bound=0)
flags.DEFINE_enum("features", "classifier", classifier.FEATURES, "Feature space of evaluation: an evaluation "
                  "classifier trained on the dataset, or InceptionV3 (downloads ImageNet weights).")
flags.DEFINE_string("classifier_dir", None, "Cache of evaluation classifiers "
                    "(default: $XDG_CACHE_HOME/tfganzoo/classifiers, else ~/.cache/tfganzoo/classifiers).")
# The tutorial's spellings.
flags.DEFINE_alias("BATCH_SIZE", "batch_size")
flags.DEFINE_alias("LOG_PATH", "log_dir")
flags.DEFINE_alias("MODEL_PATH", "weights_dir")

FLAGS = flags.FLAGS
CONFIG_FLAGS = ("preset", "data_path", "data_dir", "loss", "penalty", "penalty_weight", "clip", "d_steps",
                "spectral_norm", "minibatch_discrimination", "ema_decay", "epochs", "batch_size", "lr", "g_lr", "d_lr",
                "beta_1", "beta_2", "lr_decay", "noise_dim", "steps_per_epoch", "log_dir", "run_name", "weights_dir",
                "save_every", "keep_checkpoints", "checkpoint_minutes", "seed", "jit_compile", "strategy",
                "mixed_precision", "steps_per_execution", "image_size", "num_categorical", "num_continuous",
                "info_weight", "continuous_weight", "class_weight", "mismatched_labels", "mismatch_temperature",
                "dropout", "eval_every", "eval_samples", "final_eval_samples", "features", "classifier_dir")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    if not FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)  # not an INFO line from TensorFlow per checkpoint saved
    try:
        options = {name: FLAGS[name].value for name in CONFIG_FLAGS}
        config = config_lib.make_config(FLAGS.model, FLAGS.dataset, **options)
        config = training.train(config, fresh=FLAGS.fresh)
    except UserError as e:
        raise SystemExit(f"train.py: error: {e}")
    except checkpoints.Interrupted as e:
        print(f"train.py: {e}; rerun the same command to resume", file=sys.stderr)
        raise SystemExit(128 + e.signum)
    except KeyboardInterrupt:
        print("train.py: interrupted; rerun the same command to resume from the newest checkpoint", file=sys.stderr)
        raise SystemExit(130)
    print(f"Done: {config.run_dir}")


if __name__ == "__main__":
    app.run(main)
