"""Measure a trained run: `python evaluate.py --run_dir=logs/cgan-fashion_mnist [--output=metrics.json]`.

Draws --num_samples images (an equal number per class for conditional models) and reports FID, KID (with
its standard error), precision and recall (k = 3), the classifier score, the entropy of the predicted-class
histogram, and label accuracy (cgan, acgan) or categorical-code accuracy (infogan), all against the real
test split in the feature space of the evaluation classifier, whose identity is printed with the scores.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter out of the log

import json  # noqa: E402

from absl import app, flags  # noqa: E402

from tfganzoo import evaluation, sampling  # noqa: E402
from tfganzoo.errors import UserError  # noqa: E402
from tfganzoo.files import write_text_atomic  # noqa: E402

flags.DEFINE_string("run_dir", None, "Run directory written by train.py.", required=True)
flags.DEFINE_integer("num_samples", 10_000, "Generated images to score.", lower_bound=10)
flags.DEFINE_string("classifier_dir", None, "Cache of evaluation classifiers (default ~/.cache/tfganzoo/classifiers).")
flags.DEFINE_string("output", None, "Also write the scores and the classifier identity as JSON here.")
flags.DEFINE_integer("seed", 0, "Seed of the latents.")
flags.DEFINE_string("weights", None, "Generator weights file (default: the run's final, else latest).")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    try:
        config, gan = sampling.load_run(FLAGS.run_dir, FLAGS.weights)
        evaluator = evaluation.Evaluator(config, FLAGS.classifier_dir)
        scores = evaluator(gan, FLAGS.num_samples, FLAGS.seed)
    except UserError as e:
        raise SystemExit(f"evaluate.py: error: {e}")
    identity = evaluator.classifier.identity
    print(f"{config.model} on {config.dataset}, {FLAGS.num_samples} samples, run {FLAGS.run_dir}")
    for name, value in scores.items():
        print(f"  {name:<17}{value:10.4f}")
    print(f"classifier: {identity['architecture']}, test accuracy {identity['test_accuracy']:.4f}, "
          f"trained on {identity['train_examples']} images of {identity['dataset']}, sha256 {identity['weights_sha256']}")
    if FLAGS.output:
        report = {"run_dir": FLAGS.run_dir, "num_samples": FLAGS.num_samples, "scores": scores, "classifier": identity}
        write_text_atomic(FLAGS.output, json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    app.run(main)
