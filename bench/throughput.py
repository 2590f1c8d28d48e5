"""Training throughput of every model: the zoo's `Model.fit` path against the tutorial-style loop.

    python bench/throughput.py                      # all models, the table of docs/speed.md
    python bench/throughput.py --models=cgan --variants=tutorial,fit,spe10,xla+spe10 --rounds=3

Variants, each the same GAN (same networks, same train_step maths, the model's default batch size):
  tutorial  the loop the tutorials write: a Python `for` over `dataset.as_numpy_iterator()` (float32 images,
            shuffled and batched, not prefetched) calling `tf.function(gan.train_step)` with numpy batches;
  default   train.py's path with its defaults: `gan.fit` on datasets.train_pipeline (uint8 images in memory,
            scaled and prefetched by tf.data), with train.py's NaN check after each execution, 10 steps per
            execution, XLA where the model's XLA_ON_CPU says so (on a CPU);
  fit       the same with one step per execution and no XLA;
  spe<N>    fit with steps_per_execution=N;   xla   fit with jit_compile=True;   mixed   fit with
            --mixed_precision (bfloat16 on CPU, float16 on GPU);   lazy<N>   fit with --penalty_every=N (the
            default recipe's penalty every N discriminator updates);   tutorial_recipe   fit at --preset=tutorial
            (the recipe, not the loop: its batch size, no penalty, ...);   secondpass   a penalty at the real
            images through a second pass over them, as R1 was taken before it reused the step's own (the
            baseline of that change);   twopass   the D and G updates each with a generator pass of their
            own, as translation models trained before they shared one (the baseline of that change);
            <option>=<value>   any train.py option (default+penalty=none,
            default+mismatched_labels=false: what each part of a recipe costs); parts join with "+":
            xla+spe10, default+lazy4, default+tutorial_recipe.

Data: random uint8 images of MNIST's shape (60,000 x 28 x 28 x 1, 10 classes), and for the translation models
(`--models=pix2pix,cyclegan`) random pairs of the known-answer sets' shape (32 x 32 x 1, each half of them for
CycleGAN's unpaired domains); throughput does not depend on what the pixels show. Machines are noisy (a shared
VM's speed drifts by 10-20% within a minute), so the variants are compared inside one process per (model,
round): every variant is built and warmed up (tracing, XLA compilation), then they take turns, one window of
`--window_steps` steps each, in a rotating order, `--windows` times. A window's clock starts after its first
execution (fit's per-call start-up, paid once per epoch in training, is left out; the tutorial loop likewise
skips its first step). The table gives each variant's median images per second over all windows and rounds,
and the median of its per-window ratios to the first variant (`tutorial`), each taken against the tutorial
window next to it.
Peak memory is measured apart, one process per (model, variant) that only builds and trains it: the
process's peak resident set (CPU), or TensorFlow's peak GPU allocation (GPU).
"""

import dataclasses
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from absl import app, flags

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tfganzoo import models  # noqa: E402  (the registry)
from tfganzoo.config import FIELDS as OPTIONS  # noqa: E402  (train.py's options)

flags.DEFINE_list("models", list(models.NOISE_MODELS), "Models to measure.")
flags.DEFINE_list(
    "variants",
    ["tutorial", "default", "fit", "spe10", "xla+spe10", "default+mixed"],
    "Variants to measure (see above); the first is the baseline of the ratios.",
)
flags.DEFINE_integer("batch_size", None, "Batch size (default: each model's own).")
flags.DEFINE_integer(
    "window_steps",
    40,
    "Steps per window; a multiple of every variant's steps per execution, and at least two executions.",
    lower_bound=2,
)
flags.DEFINE_integer("windows", 5, "Timed windows per variant and process (after one warm-up window).", lower_bound=1)
flags.DEFINE_integer("rounds", 2, "Processes per model.", lower_bound=1)
flags.DEFINE_integer("num_images", 60_000, "Size of the random MNIST-shaped dataset.", lower_bound=1)
flags.DEFINE_string("child", None, "Internal: measure MODEL:VARIANT,... in this process and print JSON.")
FLAGS = flags.FLAGS
BASELINES = ("secondpass", "twopass")  # earlier ways of computing the step, restored for a comparison


def parse_variant(variant):
    """make_config's options for a variant: "tutorial", "fit", or "+"-joined parts among default
    (steps_per_execution and jit_compile None: train.py's defaults), spe<N>, xla, mixed, lazy<N>,
    tutorial_recipe, <option>=<value>; and the earlier steps it restores (BASELINES)."""
    options = {"steps_per_execution": 1, "jit_compile": False, "mixed_precision": False}
    baselines = set()
    for part in [] if variant in ("tutorial", "fit") else variant.split("+"):
        if part in BASELINES:
            baselines.add(part)
        elif "=" in part:
            name, value = part.split("=", 1)
            if name not in OPTIONS:
                raise app.UsageError(f"unknown option {name!r} in variant {variant!r}; see docs/flags.md")
            options[name] = option_value(value)
        elif part == "tutorial_recipe":
            options["preset"] = "tutorial"
        elif part == "default":
            options.update(steps_per_execution=None, jit_compile=None)
        elif part[:3] == "spe" and part[3:].isdigit() and int(part[3:]) > 0:
            options["steps_per_execution"] = int(part[3:])
        elif part[:4] == "lazy" and part[4:].isdigit() and int(part[4:]) > 0:
            options["penalty_every"] = int(part[4:])
        elif part in ("xla", "mixed"):
            options["jit_compile" if part == "xla" else "mixed_precision"] = True
        else:
            raise app.UsageError(
                f"unknown variant {variant!r}; valid: tutorial, fit, or parts default, spe<N>, xla, "
                f"mixed, lazy<N>, tutorial_recipe, secondpass, twopass, <option>=<value> joined by '+' "
                f"(default+mixed)"
            )
    executions = options["steps_per_execution"] or 10
    if FLAGS.window_steps % executions or FLAGS.window_steps < 2 * executions:
        raise app.UsageError(
            f"--window_steps={FLAGS.window_steps} must be a multiple of {variant}'s {executions} "
            f"steps per execution, and at least two executions"
        )
    return options, baselines


def option_value(text):
    """A train.py option's value from a variant's text: true / false, a number, or the text itself."""
    if text in ("true", "false"):
        return text == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def random_data(model):
    import numpy as np

    from tfganzoo import datasets

    rng = np.random.default_rng(0)
    translates = model in models.TRANSLATION_MODELS
    shape = (32, 32, 1) if translates else (28, 28, 1)
    images = rng.integers(0, 256, (FLAGS.num_images, *shape), dtype=np.uint8)
    labels = rng.integers(0, 10, FLAGS.num_images).astype(np.int64)
    data = datasets.ImageData(datasets.DIGITS, "random", shape, len(images), images, labels)
    if not translates:
        return data
    sources = rng.integers(0, 256, images.shape, dtype=np.uint8)
    data = dataclasses.replace(data, sources=sources)
    return datasets.unpaired_halves(data) if models.get_model(model).GAN_CLASS.unpaired else data


def dataset_name(model):
    """The dataset the config names: a known-answer pair set for the translation models."""
    return "edges2fashion" if model in models.TRANSLATION_MODELS else "mnist"


def make_window(model, variant, data):
    """A function that trains one window of `--window_steps` steps of `variant` and returns its images/s."""
    import keras
    import tensorflow as tf

    from tfganzoo import checkpoints, datasets, training
    from tfganzoo.config import make_config
    from tfganzoo.images import to_model_range

    options, baselines = parse_variant(variant)
    config = make_config(model, dataset_name(model), seed=1, batch_size=FLAGS.batch_size, **options)
    config = training.with_data(config, data)
    batch, steps = config.batch_size, FLAGS.window_steps
    spe = training.epoch_plan(dataclasses.replace(config, steps_per_epoch=steps), len(data))[1]
    gan = training.compile_gan(config, spe, steps)  # sizes a --lr_decay schedule; its rates do not matter here
    if "secondpass" in baselines:
        gan.penalty = dataclasses.replace(gan.penalty, of_real_gradients=None)
    if "twopass" in baselines:
        gan.shares_generator_pass = False
    if variant == "tutorial":
        scaled = to_model_range(data.images)
        second = data.labels if data.sources is None else to_model_range(data.sources)
        dataset = tf.data.Dataset.from_tensor_slices((scaled, second)).shuffle(len(scaled), seed=1)
        batches = dataset.batch(batch, drop_remainder=True).repeat().as_numpy_iterator()
        step = tf.function(gan.train_step)

        def window():
            step(next(batches))  # untimed, as fit's first execution is
            start = time.perf_counter()
            for _ in range(steps - 1):
                logs = step(next(batches))
            float(logs["Dis_loss"])  # wait for the last step
            return batch * (steps - 1) / (time.perf_counter() - start)

        window.batch = batch
        return window

    class Timer(keras.callbacks.Callback):
        """Times from the end of the window's first execution to the end of its last."""

        def on_train_batch_end(self, step, logs=None):
            checkpoints.check_finite(logs, f"step {step + 1}")  # as train.py does
            if step + 1 == spe:
                self.start = time.perf_counter()
            elif step + 1 == steps:
                self.seconds = time.perf_counter() - self.start

    pipeline = datasets.train_pipeline(data, batch, config.seed)

    def window():
        timer = Timer()
        gan.fit(pipeline, epochs=1, steps_per_epoch=steps, callbacks=[timer], verbose=0)
        return batch * (steps - spe) / timer.seconds

    window.batch = batch
    return window


def measure(model, variants):
    """{variant: [images/s of each window]} for variants taking turns in this process, and the peak memory
    (MiB) of the process."""
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    data = random_data(model)
    windows = {variant: make_window(model, variant, data) for variant in variants}
    for window in windows.values():
        window()  # warm-up: tracing, compilation, first allocations
    speeds = {variant: [] for variant in variants}
    for turn in range(FLAGS.windows):
        order = variants[turn % len(variants) :] + variants[: turn % len(variants)]
        for variant in order:
            speeds[variant].append(windows[variant]())
    if tf.config.list_physical_devices("GPU"):
        peak = tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10  # KiB on Linux
    batches = {variant: window.batch for variant, window in windows.items()}
    return {"speeds": speeds, "batches": batches, "peak_mib": peak, "device": _device(tf), "tf": tf.__version__}


def _device(tf):
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
    cores = len(os.sched_getaffinity(0))
    return f"{platform.processor() or platform.machine()} CPU, {cores} cores"


def run_child(model, variants, windows):
    args = [
        sys.executable,
        __file__,
        f"--child={model}:{','.join(variants)}",
        f"--windows={windows}",
        f"--window_steps={FLAGS.window_steps}",
        f"--num_images={FLAGS.num_images}",
    ]
    if FLAGS.batch_size:
        args.append(f"--batch_size={FLAGS.batch_size}")
    result = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    if result.returncode:
        raise SystemExit(f"{model} {variants} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv):
    if FLAGS.child:
        model, variants = FLAGS.child.split(":")
        print(json.dumps(measure(model, variants.split(","))))
        return
    variants = FLAGS.variants
    for variant in variants:
        parse_variant(variant)
    rows = []
    for model in FLAGS.models:
        runs = [run_child(model, variants, FLAGS.windows) for _ in range(FLAGS.rounds)]
        peaks = {variant: run_child(model, [variant], 1)["peak_mib"] for variant in variants}
        speeds = {variant: [s for run in runs for s in run["speeds"][variant]] for variant in variants}
        base = speeds[variants[0]]
        batch = FLAGS.batch_size or models.get_model(model).DEFAULTS["batch_size"]
        cells = []
        for variant in variants:
            median = statistics.median(speeds[variant])
            ratio = statistics.median(s / b for s, b in zip(speeds[variant], base, strict=True))
            cells.append(
                f"{median:.0f}"
                + ("" if variant == variants[0] else f" ({ratio:.2f}x)")
                + ("" if runs[0]["batches"][variant] == batch else f" at batch {runs[0]['batches'][variant]}")
                + f", {peaks[variant]:.0f} MiB"
            )
        rows.append(f"| `{model}` | {batch} | " + " | ".join(cells) + " |")
        print(rows[-1], file=sys.stderr, flush=True)
    print(
        f"{runs[0]['device']}, TensorFlow {runs[0]['tf']}; images/s (median over {FLAGS.rounds} processes x "
        f"{FLAGS.windows} windows of {FLAGS.window_steps} steps), its median ratio to `{variants[0]}` in the "
        f"neighbouring window, peak memory\n"
    )
    print("| model | batch | " + " | ".join(variants) + " |")
    print("|---|---|" + "---|" * len(variants))
    print("\n".join(rows))


if __name__ == "__main__":
    app.run(main)
