"""Measure a trained run: `python evaluate.py --run_dir=logs/cgan-fashion_mnist [--output=metrics.json]`.

Draws --num_samples images (an equal number per class for conditional models) and reports FID, KID (with
its standard error), precision and recall (k = 3), the classifier score, the entropy of the predicted-class
histogram, and label accuracy (cgan, acgan) or categorical-code accuracy (infogan), all against the real
test split in the feature space of the evaluation classifier (or of InceptionV3 with --features=inception),
whose identity is printed with the scores. The latents are those of the evaluation train.py runs after
training (seed 0), so the same weights and sample count give the same numbers as the run's metrics.json.
--by_class adds, for cgan and acgan, where the labels miss: each class's label accuracy, the class the
classifier most often names instead, and the classifier's own accuracy on that class's real images; for
infogan the same for each categorical value, under the class the code accuracy maps it to.
--by_latent adds, for cgan and acgan, whether the misses depend on the latent: --num_samples / 10 latents,
each drawn with every label, and how their misses spread (metrics.misses_by_latent): a dispersion near 1 and no
latent that comes out one class whatever the label say the generator reads the label for every latent.
--code_effects adds, for infogan, how strongly each continuous code acts on the images (see
sampling.continuous_code_effects): 0 for a code the generator ignores, 1 for one that acts as new noise does.
A pix2pix run is scored instead on the translations of the first --num_samples test sources against their true
targets: L1, PSNR, SSIM, and for the known-answer pairs class preservation and FID (docs/usage.md).
--real also scores --num_samples real training images, drawn at random, the same way: what a generator that
draws exactly the training distribution would score, to read the run's scores against.
"""

from tfganzoo.startup import import_tensorflow_quietly

import_tensorflow_quietly()  # before anything else imports it: its C++ start-up lines stay off the terminal

import dataclasses  # noqa: E402

from absl import app, flags  # noqa: E402

from tfganzoo import classifier, evaluation, sampling  # noqa: E402
from tfganzoo.errors import UserError  # noqa: E402

flags.DEFINE_string("run_dir", None, "Run directory written by train.py.", required=True)
flags.DEFINE_integer("num_samples", 10_000, "Generated images to score.", lower_bound=10)
flags.DEFINE_enum("features", None, classifier.FEATURES, "Feature space (default: the run's --features).")
flags.DEFINE_string(
    "classifier_dir",
    None,
    "Cache of evaluation classifiers (default: the run's, else $XDG_CACHE_HOME/tfganzoo/classifiers).",
)
flags.DEFINE_string("output", None, "Also write the scores and the feature extractor's identity as JSON here.")
flags.DEFINE_integer("seed", 0, "Seed of the latents.")
flags.DEFINE_string("weights", None, "Generator weights file (default: the run's final, else latest).")
flags.DEFINE_bool(
    "by_class",
    False,
    "Also the label accuracy of each class (cgan, acgan; infogan: of the categorical "
    "value mapped to it), the class most often predicted instead, and the classifier's own accuracy "
    "on that class's real images.",
)
flags.DEFINE_bool(
    "by_latent",
    False,
    "Also, for cgan and acgan, how the label misses spread over latents, each drawn with "
    "every label (--num_samples images in all).",
)
flags.DEFINE_bool(
    "code_effects",
    False,
    "Also, for infogan, each continuous code's effect: the mean pixel change as "
    "it goes from -1 to 1, over that of drawing the noise anew.",
)
flags.DEFINE_bool(
    "real",
    False,
    "Also score --num_samples real training images the same way (what a generator "
    "drawing exactly the training distribution would score).",
)
FLAGS = flags.FLAGS


def main(argv):
    del argv
    try:
        config, gan = sampling.load_run(FLAGS.run_dir, FLAGS.weights)
        config = dataclasses.replace(config, features=FLAGS.features or config.features)
        if FLAGS.by_class:  # checked before the evaluator, which may first have to train a classifier
            evaluation.check_by_class(config.model, gan, config.features, FLAGS.num_samples)
        if FLAGS.by_latent:
            evaluation.check_by_latent(config.model, gan, config.features, FLAGS.num_samples)
        effects = sampling.continuous_code_effects(gan, FLAGS.num_samples, FLAGS.seed) if FLAGS.code_effects else {}
        evaluator = evaluation.evaluator_for(config, FLAGS.classifier_dir or config.classifier_dir)
        # Before generating: a dataset that cannot be scored this way is refused without that work first.
        real_scores = evaluator.evaluate_real(FLAGS.num_samples, FLAGS.seed) if FLAGS.real else None
        scores, by_class = evaluator.evaluate(gan, FLAGS.num_samples, FLAGS.seed, FLAGS.by_class)
        scores.update(effects)
        by_latent = None
        if FLAGS.by_latent:  # num_samples images: that many latents each drawn with every label
            by_latent = evaluator.misses_by_latent(gan, FLAGS.num_samples // gan.num_classes, FLAGS.seed)
    except UserError as e:
        raise SystemExit(f"evaluate.py: error: {e}") from None
    print(f"{config.model} on {config.dataset}, {FLAGS.num_samples} samples, run {FLAGS.run_dir}")
    print(evaluation.format_scores(scores, evaluator.identity))
    if by_class:
        print(evaluation.format_by_class(by_class))
    if by_latent:
        print(evaluation.format_misses_by_latent(by_latent))
    if real_scores:
        print(f"{FLAGS.num_samples} real training images, scored the same way:")
        print(evaluation.format_scores(real_scores, evaluator.identity))
    if FLAGS.output:
        evaluation.write_report(
            FLAGS.output,
            FLAGS.run_dir,
            FLAGS.num_samples,
            scores,
            evaluator.identity,
            by_class,
            real_scores,
            by_latent,
        )


if __name__ == "__main__":
    app.run(main)
