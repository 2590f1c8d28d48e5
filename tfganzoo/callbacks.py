"""Keras callbacks that do a run's bookkeeping: loss CSV, sample grids, TensorBoard, weights, plots.

Epochs are numbered from 1 everywhere a user sees them (CSV rows, file names, TensorBoard steps).
"""

import csv
from pathlib import Path

import keras
import tensorflow as tf
from matplotlib.figure import Figure

from tfganzoo import images, sampling
from tfganzoo.files import atomic_path
from tfganzoo.gan import LOG_NAMES

CSV_HEADER = ("epoch",) + LOG_NAMES  # the tutorial's loss.csv header


class LossCSV(keras.callbacks.Callback):
    """Appends one row per epoch to loss.csv, header `epoch,Real_P,Fake_P,Gen_loss,Dis_loss`.

    Unlike keras.callbacks.CSVLogger it keeps the tutorial's column order and 1-based epochs, and it flushes
    every row so the file is complete up to the last finished epoch.
    """

    def __init__(self, path):
        super().__init__()
        self.path = Path(path)

    def on_train_begin(self, logs=None):
        if not self.path.exists():
            with open(self.path, "w", newline="") as f:
                csv.writer(f).writerow(CSV_HEADER)

    def on_epoch_end(self, epoch, logs=None):
        with open(self.path, "a", newline="") as f:
            csv.writer(f).writerow([epoch + 1] + [f"{float(logs[name]):.6g}" for name in LOG_NAMES])


class SampleGrid(keras.callbacks.Callback):
    """After every epoch: a grid from fixed noise (and fixed labels) to samples/epoch_NNNN.png and TensorBoard."""

    def __init__(self, gan, out_dir, tensorboard_dir, seed):
        super().__init__()
        self.gan = gan
        self.out_dir = Path(out_dir)
        self.tensorboard_dir = str(tensorboard_dir)
        self.latent, self.labels, self.columns = sampling.training_grid(gan, seed)

    def on_train_begin(self, logs=None):
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.writer = tf.summary.create_file_writer(self.tensorboard_dir)

    def on_epoch_end(self, epoch, logs=None):
        grid = images.tile(sampling.generate(self.gan, self.latent, self.labels), self.columns)
        images.save_png(self.out_dir / f"epoch_{epoch + 1:04d}.png", grid)
        with self.writer.as_default():
            tf.summary.image("samples", grid[None], step=epoch + 1)
        self.writer.flush()

    def on_train_end(self, logs=None):
        self.writer.close()


class EpochTensorBoard(keras.callbacks.TensorBoard):
    """Keras's TensorBoard callback, with epoch scalars at 1-based steps to match loss.csv and the grids."""

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch + 1, logs)


class PeriodicWeights(keras.callbacks.Callback):
    """save_weights of both networks every `every` epochs (…_epoch_NNNN.weights.h5) and at the end.

    Each file is written under a temporary name and renamed, so an interrupted save never replaces a good
    file with a broken one.
    """

    def __init__(self, gan, weights_dir, every):
        super().__init__()
        self.gan = gan
        self.weights_dir = Path(weights_dir)
        self.every = every

    def save(self, epoch=None):
        self.weights_dir.mkdir(parents=True, exist_ok=True)
        for name, network in (("generator", self.gan.generator), ("discriminator", self.gan.discriminator)):
            with atomic_path(self.weights_dir / sampling.weights_file(name, epoch)) as tmp:
                network.save_weights(tmp)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.save(epoch + 1)

    def on_train_end(self, logs=None):
        self.save()


class TrainingPlots(keras.callbacks.Callback):
    """At the end of training, loss.png and probabilities.png drawn from loss.csv (so a whole run shows)."""

    def __init__(self, csv_path, out_dir):
        super().__init__()
        self.csv_path = Path(csv_path)
        self.out_dir = Path(out_dir)

    def on_train_end(self, logs=None):
        with open(self.csv_path, newline="") as f:
            rows = list(csv.DictReader(f))
        epochs = [int(row["epoch"]) for row in rows]
        for file_name, names, ylabel in (("loss.png", ("Gen_loss", "Dis_loss"), "loss"),
                                         ("probabilities.png", ("Real_P", "Fake_P"), "mean D(x)")):
            figure = Figure(figsize=(6, 4))
            axes = figure.subplots()
            for name in names:
                axes.plot(epochs, [float(row[name]) for row in rows], label=name)
            axes.set(xlabel="epoch", ylabel=ylabel)
            axes.legend()
            figure.tight_layout()
            with atomic_path(self.out_dir / file_name) as tmp:
                figure.savefig(tmp, format="png")
