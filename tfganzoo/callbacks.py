"""Keras callbacks that do a run's bookkeeping: loss CSV, sample grids, TensorBoard, weights, plots.

Epochs are numbered from 1 everywhere a user sees them (CSV rows, file names, TensorBoard steps). What a run
does once at its end (final weights, final evaluation, plots) happens at the end of its last epoch, not in
on_train_end: a resumed run calls fit more than once, and an interrupted one must not do it at all.
"""

import csv
import dataclasses
import os
import re
import socket
import time
from pathlib import Path

import keras
import tensorflow as tf
from matplotlib.figure import Figure
from tensorboard.compat.proto import event_pb2
from tensorboard.plugins.hparams import api as hparams_api
from tensorboard.summary.writer.record_writer import RecordWriter

from tfganzoo import evaluation, images, sampling
from tfganzoo.files import atomic_path, write_text_atomic
from tfganzoo.gan import LOG_NAMES


def write_hparams(config, directory):
    """The run's configuration as TensorBoard hparams (the HParams dashboard compares runs by them)."""
    values = {
        name: value if isinstance(value, (bool, int, float, str)) else str(value)
        for name, value in dataclasses.asdict(config).items()
    }
    writer = tf.summary.create_file_writer(str(directory))
    with writer.as_default():
        hparams_api.hparams(values)
    writer.close()  # written now, not whenever the writer is garbage-collected


def mark_start(directory, step):
    """Writes a SessionLog.START event at `step`: TensorBoard then drops whatever this directory holds from
    `step` on, written by an interrupted run after its last checkpoint and written again after resuming.

    TensorBoard reads a directory's event files in name order, `events.out.tfevents.<second>.<host>.<pid>.<n>`,
    so the marker's file must sort after every file before it and before every file after it. Its name is
    that prefix without `.<n>`, which sorts before the later files of the same second and process (their
    counters compare as text: `.4` would sort after `.10.v2`); if a file of this second is already there (an
    earlier run in this process), it waits for the next second.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    seconds = (re.match(r"events\.out\.tfevents\.(\d+)", p.name) for p in directory.iterdir())
    newest = max((int(match[1]) for match in seconds if match), default=0)
    deadline = min(newest + 1, time.time() + 1)  # at most a second, whatever clock wrote those files
    while time.time() < deadline:
        time.sleep(0.05)
    now = time.time()
    path = directory / f"events.out.tfevents.{int(now):010d}.{socket.gethostname()}.{os.getpid()}"
    start = event_pb2.SessionLog(status=event_pb2.SessionLog.START)
    with open(path, "wb") as f:
        records = RecordWriter(f)
        records.write(event_pb2.Event(wall_time=now, file_version="brain.Event:2").SerializeToString())
        records.write(event_pb2.Event(wall_time=now, step=step, session_log=start).SerializeToString())


def truncate_csv(path, epochs):
    """Keeps the header and the rows of the first `epochs` epochs: an interrupted run may have logged epochs
    after its last checkpoint (a kill may even have cut a row short), which the resumed run logs again."""
    if not Path(path).exists():
        return
    with open(path, newline="") as f:
        lines = f.read().splitlines(keepends=True)
    kept = lines[:1] + [line for line in lines[1:] if line.endswith("\n") and int(line.split(",")[0]) <= epochs]
    if kept != lines:
        write_text_atomic(path, "".join(kept))


def _is_empty(path):
    return not path.exists() or path.stat().st_size == 0


class LossCSV(keras.callbacks.Callback):
    """Appends one row per epoch to loss.csv, header `epoch,Real_P,Fake_P,Gen_loss,Dis_loss` (then `Penalty`
    when a gradient penalty is on).

    Unlike keras.callbacks.CSVLogger it keeps the tutorial's column order and 1-based epochs, and it flushes
    every row so the file is complete up to the last finished epoch.
    """

    def __init__(self, path, names=LOG_NAMES):
        super().__init__()
        self.path = Path(path)
        self.names = tuple(names)

    def on_train_begin(self, logs=None):
        if _is_empty(self.path):
            with open(self.path, "w", newline="") as f:
                csv.writer(f).writerow(("epoch",) + self.names)

    def on_epoch_end(self, epoch, logs=None):
        with open(self.path, "a", newline="") as f:
            csv.writer(f).writerow([epoch + 1] + [f"{float(logs[name]):.6g}" for name in self.names])


class TrainingClock(keras.callbacks.Callback):
    """Seconds the run has spent training, from its start and across resumes (checkpoints keep them): the
    epochs' own time, not what happens between them (evaluations, sample grids, end-of-epoch checkpoints).
    Keep it first among the callbacks, so that an epoch's end stops it before the others' work."""

    def __init__(self, seconds=0.0):
        super().__init__()
        self.seconds, self.started = seconds, None

    def elapsed(self):
        """The seconds so far, the running epoch's included."""
        return self.seconds + (time.perf_counter() - self.started if self.started is not None else 0.0)

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds, self.started = self.elapsed(), None


class SampleGrid(keras.callbacks.Callback):
    """After every epoch: a grid from fixed noise (and fixed labels) to samples/epoch_NNNN.png and TensorBoard;
    for a translation model, the fixed test `pairs` (sources, targets) as source | translation | target."""

    def __init__(self, gan, out_dir, tensorboard_dir, seed, pairs=None):
        super().__init__()
        self.out_dir = Path(out_dir)
        self.tensorboard_dir = str(tensorboard_dir)
        if gan.translates:
            self.draw = lambda: sampling.translation_grid(gan, *pairs)
        else:
            latent, labels, columns = sampling.training_grid(gan, seed)
            self.draw = lambda: images.tile(sampling.generate(gan, latent, labels), columns)

    def on_train_begin(self, logs=None):
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.writer = tf.summary.create_file_writer(self.tensorboard_dir)

    def on_epoch_end(self, epoch, logs=None):
        grid = self.draw()
        images.save_png(self.out_dir / f"epoch_{epoch + 1:04d}.png", grid)
        with self.writer.as_default():
            tf.summary.image("samples", grid[None], step=epoch + 1)
        self.writer.flush()

    def on_train_end(self, logs=None):
        self.writer.close()


class EpochTensorBoard(keras.callbacks.TensorBoard):
    """Keras's TensorBoard callback, with epoch scalars at 1-based steps to match loss.csv and the grids,
    flushed every epoch (before the epoch's checkpoint, so a kill cannot lose what the checkpoint covers)."""

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch + 1, logs)
        self._train_writer.flush()


class PeriodicWeights(keras.callbacks.Callback):
    """save_weights of both networks every `every` epochs (…_epoch_NNNN.weights.h5) and after the last
    epoch (generator.weights.h5, discriminator.weights.h5). "generator" is the one that samples (GAN.sampler):
    with a weight average, the average, and the trained generator's own weights go to generator_raw….

    Each file is written under a temporary name and renamed, so an interrupted save never replaces a good
    file with a broken one.
    """

    def __init__(self, gan, weights_dir, every, epochs):
        super().__init__()
        self.gan = gan
        self.weights_dir = Path(weights_dir)
        self.every, self.epochs = every, epochs

    def save(self, epoch=None):
        self.weights_dir.mkdir(parents=True, exist_ok=True)
        networks = {"generator": self.gan.sampler, "discriminator": self.gan.discriminator}
        if self.gan.generator_ema is not None:
            networks["generator_raw"] = self.gan.generator
        for name, network in networks.items():
            with atomic_path(self.weights_dir / sampling.weights_file(name, epoch)) as tmp:
                network.save_weights(tmp)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.save(epoch + 1)
        if epoch + 1 == self.epochs:
            self.save()


class PeriodicEvaluation(keras.callbacks.Callback):
    """Every `every` epochs: the evaluator's scores of `num_samples` images (the same latents each time) as a
    row of metrics.csv, after the seconds the run had trained by then (`train_seconds`, from `clock`), and
    as TensorBoard scalars `eval/<score>` at step = epoch."""

    def __init__(self, evaluator, gan, clock, csv_path, tensorboard_dir, every, num_samples):
        super().__init__()
        self.evaluator, self.gan, self.clock = evaluator, gan, clock
        self.csv_path, self.tensorboard_dir = Path(csv_path), str(tensorboard_dir)
        self.every, self.num_samples = every, num_samples

    def on_train_begin(self, logs=None):
        self.writer = tf.summary.create_file_writer(self.tensorboard_dir)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        scores = self.evaluator(self.gan, self.num_samples)
        print(
            f"Evaluation after epoch {epoch + 1} ({self.num_samples} samples): "
            + ", ".join(f"{name} {value:.4g}" for name, value in scores.items()),
            flush=True,
        )
        new_file = _is_empty(self.csv_path)
        with open(self.csv_path, "a", newline="") as f:
            writer = csv.writer(f)
            if new_file:
                writer.writerow(["epoch", "num_samples", "train_seconds", *scores])
            seconds = f"{self.clock.seconds:.3f}"  # milliseconds: a tiny epoch still adds to it
            writer.writerow([epoch + 1, self.num_samples, seconds] + [f"{value:.6g}" for value in scores.values()])
        with self.writer.as_default():
            for name, value in scores.items():
                tf.summary.scalar(f"eval/{name}", value, step=epoch + 1)
        self.writer.flush()

    def on_train_end(self, logs=None):
        self.writer.close()


class FinalEvaluation(keras.callbacks.Callback):
    """After the last epoch: the evaluator's scores of `num_samples` images, printed and written to
    metrics.json (the report evaluate.py --output writes, with the same latents, so the two agree)."""

    def __init__(self, evaluator, gan, run_dir, num_samples, epochs):
        super().__init__()
        self.evaluator, self.gan, self.run_dir, self.num_samples = evaluator, gan, Path(run_dir), num_samples
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 < self.epochs:
            return
        scores = self.evaluator(self.gan, self.num_samples)
        print(f"Evaluation after training ({self.num_samples} samples, written to metrics.json):")
        print(evaluation.format_scores(scores, self.evaluator.identity), flush=True)
        evaluation.write_report(
            self.run_dir / "metrics.json", self.run_dir, self.num_samples, scores, self.evaluator.identity
        )


class TrainingPlots(keras.callbacks.Callback):
    """After the last epoch, plots of the whole run in `run_dir`: loss.png and probabilities.png from loss.csv,
    and metrics.png (FID and label/code accuracy against epochs) from metrics.csv when there is one."""

    PLOTS = (
        ("loss.csv", "loss.png", (("Gen_loss", "Dis_loss"), "loss")),
        ("loss.csv", "probabilities.png", (("Real_P", "Fake_P"), "mean D(x)")),
        ("metrics.csv", "metrics.png", (("fid",), "FID"), (("label_accuracy", "code_accuracy"), "accuracy")),
    )

    def __init__(self, run_dir, epochs):
        super().__init__()
        self.run_dir, self.epochs = Path(run_dir), epochs

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 < self.epochs:
            return
        for csv_name, file_name, *panels in self.PLOTS:
            if (self.run_dir / csv_name).exists():
                self.plot(self.run_dir / csv_name, self.run_dir / file_name, panels)

    @staticmethod
    def plot(csv_path, png_path, panels):
        """One panel per (column names, y label); columns missing from the CSV are left out."""
        with open(csv_path, newline="") as f:
            rows = list(csv.DictReader(f))
        panels = [(names, ylabel) for names, ylabel in panels if any(name in rows[0] for name in names)] if rows else []
        if not panels:
            return
        epochs = [int(row["epoch"]) for row in rows]
        figure = Figure(figsize=(6 * len(panels), 4))
        for axes, (names, ylabel) in zip(figure.subplots(1, len(panels), squeeze=False)[0], panels, strict=True):
            for name in (n for n in names if n in rows[0]):
                axes.plot(epochs, [float(row[name]) for row in rows], marker=".", label=name)
            axes.set(xlabel="epoch", ylabel=ylabel, ylim=(0, 1) if ylabel == "accuracy" else None)
            axes.legend()
        figure.tight_layout()
        with atomic_path(png_path) as tmp:
            figure.savefig(tmp, format="png")
