"""Training a GAN from a Config: data, model, optimizers and callbacks, driven by `Model.fit`; resuming an
interrupted run from its newest checkpoint (see checkpoints.py)."""

import contextlib
import dataclasses
import fcntl
import itertools
import random
import sys
import tempfile

import keras
import tensorflow as tf

from tfganzoo import callbacks, checkpoints, datasets, distribute, evaluation, models
from tfganzoo import config as config_lib
from tfganzoo.errors import UserError


def prepare(config):
    """Loads the data and returns (config with image_shape/num_classes filled, ImageData)."""
    data = datasets.load(config.dataset, "train", config.data_path, config.data_dir, config.image_size)
    if models.get_model(config.model).GAN_CLASS.unpaired:
        data = datasets.unpaired_halves(data)  # known-answer pairs, pairing removed (a no-op for unpaired sets)
    return with_data(config, data), data


GRID_PAIRS = 16  # test pairs translated in the grid after every epoch


def first_test_pairs(config, num):
    """(sources, targets) of the first `num` test pairs of a translation dataset (uint8); targets None where
    the test images are unpaired."""
    test = datasets.load(config.dataset, "test", config.data_path, config.data_dir, config.image_size)
    return test.sources[:num], None if test.unpaired else test.images[:num]


def with_data(config, data):
    """The config with the data's image shape and class count filled in."""
    shapes = dict(image_shape=data.image_shape, num_classes=data.num_classes, source_shape=data.source_shape)
    models.check_data(config.model, models.get_model(config.model).GAN_CLASS, config.dataset, data.sources is not None)
    return dataclasses.replace(config, **shapes)


def resolved_steps_per_execution(config):
    """--steps_per_execution, else 10, measured a few per cent faster than 1 for every model
    (bench/throughput.py); 1 under a strategy, where Keras cannot run more (config.validate)."""
    if config.steps_per_execution is not None:
        return config.steps_per_execution
    return 10 if config.strategy == "default" else 1


def uses_xla(config):
    """--jit_compile, else where XLA measured faster: on a GPU (Keras's own "auto" choice), and on a CPU for
    the models that say so (models' XLA_ON_CPU); not under a tf.distribute strategy, as Keras's "auto" too."""
    if config.jit_compile is not None:
        return config.jit_compile
    if config.strategy != "default":
        return False
    return bool(tf.config.list_physical_devices("GPU")) or models.get_model(config.model).XLA_ON_CPU


def set_determinism(xla):
    """Makes the same seed give the same run: TensorFlow's deterministic ops, unless the step uses XLA.

    Keras refuses XLA under op determinism (not every XLA op has a deterministic GPU kernel), so with XLA it is
    switched off; XLA on a CPU trains the same run for the same seed anyway (tests/test_speed.py). It is a
    process-wide setting, hence set either way.
    """
    if xla:
        from tensorflow.python.framework import config as tf_config  # its only way back; public is enable only

        tf_config.disable_op_determinism()
    else:
        tf.config.experimental.enable_op_determinism()


def epoch_plan(config, num_examples):
    """(steps per epoch, train steps per execution) for `num_examples` training examples.

    Keras runs whole executions, so an epoch that is not a multiple of the steps per execution would silently
    take extra steps and shift every later epoch. An epoch of one pass over the data is therefore rounded down
    to a multiple (the batches it leaves out start the next epoch, nothing is skipped); an explicit
    --steps_per_epoch is kept, and the steps per execution lowered to its largest divisor that is not more.
    """
    wanted = resolved_steps_per_execution(config)
    if config.steps_per_epoch:
        steps = config.steps_per_epoch
        return steps, max(n for n in range(1, min(wanted, steps) + 1) if steps % n == 0)
    steps = num_examples // config.step_examples
    per_execution = min(wanted, steps)
    return steps - steps % per_execution, per_execution


def learning_rate(config, rate, updates):
    """`rate`, or with --lr_decay a schedule falling linearly from it to 0 over `updates` optimizer updates
    (it follows the optimizer's update count, which checkpoints keep, so a resumed run goes on where it was)."""
    if not config.lr_decay:
        return rate
    if not updates:
        raise ValueError("lr_decay needs the run's number of updates")
    return keras.optimizers.schedules.PolynomialDecay(rate, decay_steps=updates, end_learning_rate=0.0)


def compile_gan(config, steps_per_execution=1, steps_per_epoch=None):
    """The GAN of `config`, compiled; `steps_per_epoch` (train steps) sizes the --lr_decay schedules."""
    gan = models.build_gan(config)
    train_steps = config.epochs * steps_per_epoch if steps_per_epoch else None
    # The discriminator's optimizer updates d_steps times per train step.
    updates = (train_steps, train_steps and train_steps * config.d_steps)
    optimizers = [
        keras.optimizers.Adam(learning_rate(config, lr, n), beta_1=config.beta_1, beta_2=config.beta_2)
        for lr, n in zip((config.g_lr, config.d_lr), updates, strict=True)
    ]
    if models.precision_policy(config.mixed_precision) == "mixed_float16":
        # float16 gradients underflow: scale each loss up, and its gradients back (skipping overflowed steps).
        optimizers = [keras.optimizers.LossScaleOptimizer(optimizer) for optimizer in optimizers]
    gan.compile(
        g_optimizer=optimizers[0],
        d_optimizer=optimizers[1],
        jit_compile=uses_xla(config),
        steps_per_execution=steps_per_execution,
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
        return evaluation.evaluator_for(config, config.classifier_dir, train=data)
    except UserError as e:
        if config.eval_every:
            raise UserError(f"--eval_every={config.eval_every}: {e}") from None
        print(f"No evaluation after training: {e}", flush=True)
        return None


def make_callbacks(config, gan, evaluator, checkpointing, grid_pairs=None):
    run_dir, epochs = config.run_dir, config.epochs
    clock = checkpointing.checkpoints.clock
    evaluations = []
    if evaluator and config.eval_every:
        evaluations.append(
            callbacks.PeriodicEvaluation(
                evaluator,
                gan,
                clock,
                run_dir / "metrics.csv",
                run_dir / "tensorboard" / "eval",
                config.eval_every,
                config.eval_samples,
            )
        )
    if evaluator and config.final_eval_samples:
        evaluations.append(callbacks.FinalEvaluation(evaluator, gan, run_dir, config.final_eval_samples, epochs))
    return [
        clock,  # first: an epoch's end stops it before the others' work
        callbacks.LossCSV(run_dir / "loss.csv", tuple(gan.trackers)),
        callbacks.EpochTensorBoard(run_dir / "tensorboard", write_graph=False, write_steps_per_second=False),
        callbacks.SampleGrid(gan, run_dir / "samples", run_dir / "tensorboard" / "train", config.seed, grid_pairs),
        *evaluations,
        callbacks.PeriodicWeights(gan, config.weights_path(), config.save_every, epochs),
        callbacks.TrainingPlots(run_dir, epochs),
        checkpointing,  # last: an epoch's checkpoint comes after everything the epoch writes
    ]


def resumed_config(config, stored):
    """The stored run's config, with the changes a resume may make; a UserError names any other difference.

    Values left unset (None) take the stored ones, so a run started with a random seed resumes without one.
    """
    changed = {
        f.name: getattr(config, f.name)
        for f in dataclasses.fields(config)
        if getattr(config, f.name) is not None
        and f.name not in ("image_shape", "num_classes")
        and getattr(config, f.name) != getattr(stored, f.name)
    }
    conflicts = [name for name in changed if name not in config_lib.RESUMABLE]
    if conflicts:
        found = ", ".join(f"{name}={changed[name]!r} (the run has {getattr(stored, name)!r})" for name in conflicts)
        raise UserError(
            f"{config.run_dir} holds a run this command does not match: {found}; to resume it, "
            f"{_resume_advice({name: getattr(stored, name) for name in conflicts})}, or add --fresh to "
            "start over"
        )
    resumed = dataclasses.replace(stored, **{name: changed[name] for name in changed if name in config_lib.RESUMABLE})
    config_lib.validate(resumed, f"resuming {config.run_dir}: ")  # a new strategy may not suit the run
    return resumed


def _resume_advice(stored_values):
    """The train.py flags that give a run its stored values back (a preset whose defaults changed since the run
    started leaves its plain command not matching it)."""
    given = [
        f"--{'' if value else 'no'}{name}" if isinstance(value, bool) else f"--{name}={value}"
        for name, value in stored_values.items()
        if value is not None
    ]
    left_out = [f"--{name}" for name, value in stored_values.items() if value is None]
    advice = []
    if given:
        advice.append(f"give the run's own values ({' '.join(given)})")
    if left_out:
        advice.append(f"leave out {' '.join(left_out)}")
    return " and ".join(advice)


def move_aside(run_dir):
    """Renames run_dir to the first free run_dir.1, run_dir.2, ... and returns the new name."""
    for n in itertools.count(1):
        target = run_dir.with_name(f"{run_dir.name}.{n}")
        if not target.exists():
            run_dir.rename(target)
            return target


@contextlib.contextmanager
def run_lock(run_dir):
    """Holds an exclusive lock on run_dir (released by the OS however the process ends)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"{run_dir} is being trained by another process; wait for it or stop it") from None
        yield


def train(config, verbose=None, fresh=False):
    """Trains `config.model` on `config.dataset`, writing everything into config.run_dir; returns the final
    config.

    A run directory that holds a run is resumed from its newest checkpoint (a finished one is left alone),
    or with `fresh` renamed to <run_dir>.N and started over. Everything that can be checked (names, values,
    data, run directory) is checked before anything is written, so bad input leaves nothing behind.
    Raises checkpoints.Interrupted after saving a checkpoint on SIGINT/SIGTERM, and TrainingDiverged (saving
    nothing) on a NaN or infinite loss.
    """
    run_dir = config.run_dir
    # First: multi_worker must configure TensorFlow's collective ops before any other TensorFlow op runs.
    strategy = distribute.make_strategy(config.strategy)
    resuming = (run_dir / "config.json").exists() and not fresh
    if resuming:
        stored = config_lib.Config.load(run_dir / "config.json")
        config = resumed_config(config, stored)
        if _finished(config):
            return config
    else:  # config.json records the seed, and the steps per execution that fix the epoch length
        seed = random.SystemRandom().randrange(2**31) if config.seed is None else config.seed
        config = dataclasses.replace(config, seed=seed, steps_per_execution=resolved_steps_per_execution(config))
    config, data = prepare(config)
    grid_pairs = first_test_pairs(config, GRID_PAIRS) if data.sources is not None else None
    if resuming and (config.image_shape, config.num_classes) != (stored.image_shape, stored.num_classes):
        raise UserError(
            f"the data has images of shape {config.image_shape} in {config.num_classes} classes, but "
            f"{run_dir} was trained on {stored.image_shape} in {stored.num_classes} classes"
        )
    evaluator = make_evaluator(config, data)  # first: training a classifier draws from the global seed
    keras.utils.set_random_seed(config.seed)
    set_determinism(uses_xla(config))
    if config.d_steps > 1 and len(data) < config.step_examples:
        raise UserError(
            f"--batch_size={config.batch_size} x --d_steps={config.d_steps} = {config.step_examples} "
            f"examples per step is more than the dataset has ({len(data)})"
        )
    datasets.train_pipeline(data, config.step_examples, config.seed)  # checks the batch size
    steps, per_execution = epoch_plan(config, len(data))
    with strategy.scope():
        gan = compile_gan(config, per_execution, steps)
    if not distribute.is_chief(strategy):
        # Every worker must run the same callbacks (saving reads variables that sum over workers), so the
        # others write a run of their own into a scratch directory, deleted at the end.
        with tempfile.TemporaryDirectory(prefix="tfganzoo-worker-") as scratch:
            output = dataclasses.replace(config, log_dir=scratch, weights_dir=None, eval_every=0, final_eval_samples=0)
            _fit(config, output, gan, data, steps, None, resuming, verbose, grid_pairs)
        return config
    if fresh and run_dir.exists():
        with run_lock(run_dir):
            print(f"Moved the previous run to {move_aside(run_dir)}", flush=True)
    _fit(config, config, gan, data, steps, evaluator, resuming, verbose, grid_pairs)
    return config


def _fit(config, output, gan, data, steps, evaluator, resuming, verbose, grid_pairs=None):
    """Trains from the newest checkpoint of config.run_dir (or from the start), `steps` steps per epoch,
    writing into output.run_dir (the same, except for the non-chief workers of multi_worker)."""
    store = checkpoints.Checkpoints(
        output.run_dir / "checkpoints", gan, config.keep_checkpoints, callbacks.TrainingClock()
    )
    checkpointing = checkpoints.Checkpointing(store, checkpoints.signals, config.checkpoint_minutes, config.epochs)
    with run_lock(output.run_dir), checkpoints.signals:
        epoch, step = _resume(config, output, store) if resuming else _start(output, store)
        print(
            f"Training {config.model} on {len(data)} images of {config.dataset} from {data.source}; "
            f"{steps} steps/epoch, {gan.steps_per_execution} per execution{', XLA' if gan.jit_compile else ''}; "
            f"writing to {output.run_dir}",
            flush=True,
        )
        if config.brought:
            print(f"Brought by the choice: {config.brought} (a flag you set wins)", flush=True)

        def fit(first_epoch, last_epoch, steps_per_epoch, start_step):
            checkpointing.resume(first_epoch, start_step)
            gan.fit(
                datasets.train_pipeline(data, config.step_examples, config.seed, first_epoch * steps + start_step),
                initial_epoch=first_epoch,
                epochs=last_epoch,
                steps_per_epoch=steps_per_epoch,
                callbacks=make_callbacks(output, gan, evaluator, checkpointing, grid_pairs),
                shuffle=False,  # the pipeline shuffles
                verbose=verbose if verbose is not None else (1 if sys.stdout.isatty() else 2),
            )

        try:
            if step:  # finish the interrupted epoch first
                print(f"Finishing epoch {epoch + 1}: steps {step + 1}-{steps}", flush=True)
                fit(epoch, epoch + 1, steps - step, step)
                epoch += 1
            if epoch < config.epochs:
                fit(epoch, config.epochs, steps, 0)
        except checkpoints.TrainingDiverged as e:
            last = store.latest()
            raise checkpoints.TrainingDiverged(
                f"training diverged: {e}. Nothing was saved after the newest checkpoint, {last[2]}; lower the "
                "learning rates or add --penalty or --spectral_norm, with --fresh to start over"
            ) from None


def _finished(config):
    """Whether the run in config.run_dir has trained all config.epochs (saying so); refuses fewer epochs."""
    latest = checkpoints.latest_position(config.run_dir / "checkpoints")
    if latest is None:
        raise UserError(
            f"{config.run_dir} holds a run but no checkpoint to resume from (it was removed, or the "
            "run predates checkpoints); add --fresh to move it aside and start over"
        )
    epoch, step, _ = latest
    if (epoch, step) > (config.epochs, 0):
        raise UserError(
            f"--epochs={config.epochs} is fewer than {config.run_dir} has trained already "
            f"({epoch}{' and part of the next' if step else ''})"
        )
    if epoch == config.epochs:
        print(
            f"{config.run_dir} has finished its {epoch} epochs; nothing to do (raise --epochs to train on, or "
            "add --fresh to start over)",
            flush=True,
        )
    return epoch == config.epochs


def _start(config, store):
    """Writes the new run's first checkpoint, then its config.json (a run directory with a config.json
    always has a checkpoint) and its TensorBoard headers. Returns the position, (0, 0)."""
    store.save(0)
    config.save(config.run_dir / "config.json")
    callbacks.write_hparams(config, config.run_dir / "tensorboard")
    _mark_tensorboard(config, 0)
    return 0, 0


def _resume(config, output, store):
    """Loads the newest checkpoint of config.run_dir and drops what the interrupted run logged after it into
    output.run_dir. Returns its position."""
    epoch, step, path = checkpoints.latest_position(config.run_dir / "checkpoints")
    store.restore(path)
    store.remove_unfinished()
    for name in ("loss.csv", "metrics.csv"):
        callbacks.truncate_csv(output.run_dir / name, epoch)
    _mark_tensorboard(output, epoch + 1)
    output.save(output.run_dir / "config.json")  # with what the resume changed (epochs, ...)
    print(f"Resuming {config.run_dir} from {checkpoints.describe(epoch, step)} ({path})", flush=True)
    return epoch, step


def _mark_tensorboard(config, step):
    for name in ("train",) + (("eval",) if config.eval_every else ()):
        callbacks.mark_start(config.run_dir / "tensorboard" / name, step)
