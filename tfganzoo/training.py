"""Training a GAN from a Config: data, model, optimizers and callbacks, driven by `Model.fit`."""

import dataclasses
import sys

import keras

from tfganzoo import callbacks, datasets, evaluation, models
from tfganzoo.errors import UserError

def prepare(config):
    """Loads the data and returns (config with image_shape/num_classes filled, ImageData)."""
    data = datasets.load(config.dataset, "train", config.data_path, config.data_dir, config.image_size)
    config = dataclasses.replace(config, image_shape=data.image_shape, num_classes=data.num_classes)
    return config, data


def compile_gan(config):
    gan = models.build_gan(config)
    gan.compile(
        g_optimizer=keras.optimizers.Adam(config.g_lr, beta_1=config.beta_1, beta_2=config.beta_2),
        d_optimizer=keras.optimizers.Adam(config.d_lr, beta_1=config.beta_1, beta_2=config.beta_2),
        jit_compile=config.jit_compile,
    )
    return gan


def make_evaluator(config, data):
    """The Evaluator the run's --eval_every and final evaluation need, or None when it needs none.

    Data that cannot be scored is an error when --eval_every asks for it, and only skips the final evaluation
    (with a note) when that is just the default.
    """
    if not (config.eval_every or config.final_eval_samples):
        return None
    try:
        return evaluation.Evaluator(config, config.classifier_dir, train=data)
    except UserError as e:
        if config.eval_every:
            raise UserError(f"--eval_every={config.eval_every}: {e}") from None
        print(f"No evaluation after training: {e}", flush=True)
        return None


def make_callbacks(config, gan, evaluator):
    run_dir = config.run_dir
    evaluations = []
    if evaluator and config.eval_every:
        evaluations.append(callbacks.PeriodicEvaluation(evaluator, gan, run_dir / "metrics.csv",
                                                        run_dir / "tensorboard" / "eval", config.eval_every,
                                                        config.eval_samples))
    if evaluator and config.final_eval_samples:
        evaluations.append(callbacks.FinalEvaluation(evaluator, gan, run_dir, config.final_eval_samples))
    return [
        callbacks.LossCSV(run_dir / "loss.csv", tuple(gan.trackers)),
        callbacks.EpochTensorBoard(run_dir / "tensorboard", write_graph=False, write_steps_per_second=False),
        callbacks.SampleGrid(gan, run_dir / "samples", run_dir / "tensorboard" / "train", config.seed),
        *evaluations,
        callbacks.PeriodicWeights(gan, config.weights_path(), config.save_every),
        callbacks.TrainingPlots(run_dir),
    ]


def train(config, verbose=None):
    """Trains `config.model` on `config.dataset`, writing everything into config.run_dir.

    Everything that can be checked (names, values, data, run directory) is checked before the run
    directory is created, so bad input leaves nothing behind. Returns (final config, keras History).
    """
    if (config.run_dir / "config.json").exists():
        raise UserError(f"{config.run_dir} already holds a run; choose another --run_name or move it away")
    config, data = prepare(config)
    evaluator = make_evaluator(config, data)  # first: training a classifier draws from the global seed
    keras.utils.set_random_seed(config.seed)
    # A step takes d_steps batches: one per discriminator update (see GAN).
    step_examples = config.batch_size * config.d_steps
    if config.d_steps > 1 and len(data) < step_examples:
        raise UserError(f"--batch_size={config.batch_size} x --d_steps={config.d_steps} = {step_examples} examples "
                        f"per step is more than the dataset has ({len(data)})")
    pipeline = datasets.train_pipeline(data, step_examples, config.seed)
    steps = config.steps_per_epoch or len(data) // step_examples
    gan = compile_gan(config)

    config.run_dir.mkdir(parents=True, exist_ok=True)
    config.save(config.run_dir / "config.json")
    callbacks.write_hparams(config, config.run_dir / "tensorboard")
    print(f"Training {config.model} on {len(data)} images of {config.dataset} from {data.source}; "
          f"{steps} steps/epoch; writing to {config.run_dir}", flush=True)
    history = gan.fit(pipeline, epochs=config.epochs, steps_per_epoch=steps,
                      callbacks=make_callbacks(config, gan, evaluator),
                      shuffle=False,  # the pipeline shuffles
                      verbose=verbose if verbose is not None else (1 if sys.stdout.isatty() else 2))
    return config, history
