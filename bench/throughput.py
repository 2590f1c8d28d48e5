"""Training throughput of every model: the zoo's `Model.fit` path against the tutorial-style loop.

    python bench/throughput.py                      # all models, the README's table
    python bench/throughput.py --models=cgan --variants=tutorial,fit,spe10,xla --rounds=3

Variants, each the same GAN (same networks, same train_step maths, the model's default batch size):
  tutorial  the loop the tutorials write: a Python `for` over `dataset.as_numpy_iterator()` (float32 images,
            shuffled and batched, not prefetched) calling `tf.function(gan.train_step)` with numpy batches;
  fit       train.py's path: `gan.fit` on datasets.train_pipeline (uint8 images in memory, scaled and
            prefetched by tf.data), with train.py's per-step NaN check;
  spe<N>    fit with steps_per_execution=N;   xla   fit with jit_compile=True;   xla+spe<N>   both.

Data: random uint8 images of MNIST's shape (60,000 x 28 x 28 x 1, 10 classes); throughput does not depend
on what the pixels show. Every (model, variant) runs in its own process, so that each has its own peak
memory and none inherits another's compiled functions; the variants of a model alternate over `--rounds`,
so that a machine's slow spell hits all of them. A process times `--windows` windows of `--window_steps`
steps after one warm-up window (tracing, compilation), and reports the median images per second; the
table gives, per variant, the median over rounds and its ratio to `tutorial` measured in the same rounds.
Peak memory: the process's peak resident set (CPU), or TensorFlow's peak GPU allocation (GPU).
"""

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

flags.DEFINE_list("models", ["gan", "cgan", "dcgan", "infogan", "acgan"], "Models to measure.")
flags.DEFINE_list("variants", ["tutorial", "fit", "spe10", "xla"], "Variants to measure (see above).")
flags.DEFINE_integer("batch_size", None, "Batch size (default: each model's own).")
flags.DEFINE_integer("window_steps", 20, "Steps per timed window.", lower_bound=1)
flags.DEFINE_integer("windows", 5, "Timed windows per process (after one warm-up window).", lower_bound=1)
flags.DEFINE_integer("rounds", 2, "Processes per (model, variant), alternating variants.", lower_bound=1)
flags.DEFINE_integer("num_images", 60_000, "Size of the random MNIST-shaped dataset.", lower_bound=1)
flags.DEFINE_string("child", None, "Internal: measure this MODEL:VARIANT in this process and print JSON.")
FLAGS = flags.FLAGS


def parse_variant(variant):
    """(steps_per_execution, jit_compile) of a fit variant."""
    jit = variant.startswith("xla")
    spe = variant.split("spe")[1] if "spe" in variant else "1"
    if variant not in ("fit", "xla") and not (spe.isdigit() and variant in (f"spe{spe}", f"xla+spe{spe}")):
        raise app.UsageError(f"unknown variant {variant!r}; valid: tutorial, fit, spe<N>, xla, xla+spe<N>")
    return int(spe), jit


def measure(model, variant):
    """Median images/s over the timed windows and the peak memory in MiB, for one (model, variant)."""
    import keras
    import numpy as np
    import tensorflow as tf

    from tfganzoo import checkpoints, datasets, training
    from tfganzoo.config import make_config

    tf.get_logger().setLevel("ERROR")
    spe, jit = (1, False) if variant == "tutorial" else parse_variant(variant)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (FLAGS.num_images, 28, 28, 1), dtype=np.uint8)
    labels = rng.integers(0, 10, FLAGS.num_images).astype(np.int64)
    data = datasets.ImageData(datasets.DIGITS, "random", (28, 28, 1), len(images), images, labels)
    config = make_config(model, "mnist", seed=1, batch_size=FLAGS.batch_size, jit_compile=jit,
                         steps_per_execution=spe)
    config = training.with_data(config, data)
    batch = config.batch_size
    gan = training.compile_gan(config)
    steps = FLAGS.window_steps
    durations = []
    if variant == "tutorial":
        scaled = images.astype(np.float32) / 127.5 - 1
        dataset = tf.data.Dataset.from_tensor_slices((scaled, labels)).shuffle(len(images), seed=1)
        batches = dataset.batch(batch, drop_remainder=True).repeat().as_numpy_iterator()
        step = tf.function(gan.train_step)
        for window in range(FLAGS.windows + 1):
            start = time.perf_counter()
            for _ in range(steps):
                logs = step(next(batches))
            float(logs["Dis_loss"])  # wait for the last step
            durations.append(time.perf_counter() - start)
    else:
        class Timer(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.start = time.perf_counter()

            def on_train_batch_end(self, batch, logs=None):
                checkpoints.check_finite(logs, f"step {batch + 1}")  # as train.py does

            def on_epoch_end(self, epoch, logs=None):
                durations.append(time.perf_counter() - self.start)

        pipeline = datasets.train_pipeline(data, batch, config.seed)
        gan.fit(pipeline, epochs=FLAGS.windows + 1, steps_per_epoch=steps, callbacks=[Timer()], verbose=0)
    throughput = statistics.median(batch * steps / d for d in durations[1:])
    if tf.config.list_physical_devices("GPU"):
        peak = tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10  # KiB on Linux
    return {"img_per_s": throughput, "peak_mib": peak, "batch_size": batch, "device": _device(tf),
            "tf": tf.__version__}


def _device(tf):
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
    cores = len(os.sched_getaffinity(0))
    return f"{platform.processor() or platform.machine()} CPU, {cores} cores"


def run_child(model, variant):
    args = [sys.executable, __file__, f"--child={model}:{variant}", f"--window_steps={FLAGS.window_steps}",
            f"--windows={FLAGS.windows}", f"--num_images={FLAGS.num_images}"]
    if FLAGS.batch_size:
        args.append(f"--batch_size={FLAGS.batch_size}")
    result = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    if result.returncode:
        raise SystemExit(f"{model} {variant} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv):
    if FLAGS.child:
        model, variant = FLAGS.child.split(":")
        print(json.dumps(measure(model, variant)))
        return
    for variant in FLAGS.variants:
        if variant != "tutorial":
            parse_variant(variant)
    results = {}
    for model in FLAGS.models:
        for _ in range(FLAGS.rounds):
            for variant in FLAGS.variants:
                results.setdefault((model, variant), []).append(run_child(model, variant))
                print(f"{model} {variant}: {results[model, variant][-1]['img_per_s']:.0f} img/s", file=sys.stderr,
                      flush=True)
    first = next(iter(results.values()))[0]
    print(f"{first['device']}, TensorFlow {first['tf']}; images/s (median of {FLAGS.rounds} processes x "
          f"{FLAGS.windows} windows of {FLAGS.window_steps} steps), ratio to `tutorial`, peak memory (MiB)\n")
    print("| model | batch | " + " | ".join(FLAGS.variants) + " |")
    print("|---|---|" + "---|" * len(FLAGS.variants))
    for model in FLAGS.models:
        base = statistics.median(r["img_per_s"] for r in results[model, FLAGS.variants[0]])
        cells = []
        for variant in FLAGS.variants:
            runs = results[model, variant]
            speed = statistics.median(r["img_per_s"] for r in runs)
            peak = max(r["peak_mib"] for r in runs)
            ratio = "" if variant == FLAGS.variants[0] else f" ({speed / base:.2f}x)"
            cells.append(f"{speed:.0f}{ratio}, {peak:.0f} MiB")
        print(f"| `{model}` | {results[model, FLAGS.variants[0]][0]['batch_size']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    app.run(main)
