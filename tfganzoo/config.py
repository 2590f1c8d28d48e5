"""The run configuration: one frozen object, built once from flags (or directly by tests), kept as config.json.

Per-model hyperparameters (epochs, batch size, learning rates, betas, noise size, stabilisers) come from the
model's recipe for the chosen preset (models.recipe) unless given explicitly; image_shape and num_classes come
from the data.
"""

import dataclasses
import json
from pathlib import Path

from tfganzoo import classifier, datasets, distribute, losses, models
from tfganzoo.errors import UserError, unknown_choice
from tfganzoo.files import write_text_atomic


@dataclasses.dataclass(frozen=True)
class Config:
    model: str
    dataset: str
    epochs: int
    batch_size: int
    g_lr: float
    d_lr: float
    beta_1: float
    noise_dim: int
    seed: int | None  # None until training starts a run and draws one (a resumed run keeps its own)
    run_name: str
    preset: str = "default"  # the recipe the unset values came from (models.PRESETS); every value is recorded
    beta_2: float = 0.999
    lr_decay: bool = False  # both learning rates fall linearly to 0 over the run's epochs
    loss: str = "ns"
    penalty: str = "none"  # gradient penalty on the discriminator: none, wgan-gp, dragan, r1
    penalty_weight: float | None = None  # None: the penalty's own default (10 for each)
    clip: float | None = None  # clip discriminator weights to [-clip, clip] (the original WGAN); None: no clipping
    d_steps: int = 1  # discriminator updates per generator update
    spectral_norm: bool = False  # spectral normalisation of the discriminator's dense and conv layers
    minibatch_discrimination: bool = False  # a minibatch discrimination layer before D's real/fake output
    ema_decay: float = 0.0  # decay of the generator weights' moving average, which samples; 0: no average
    data_path: str | None = None
    data_dir: str | None = None
    steps_per_epoch: int | None = None  # None: one pass over the data
    log_dir: str = "logs"
    weights_dir: str | None = None  # None: <run_dir>/weights
    save_every: int = 15
    keep_checkpoints: int = 3  # newest checkpoints kept in <run_dir>/checkpoints
    checkpoint_minutes: float = 10.0  # also checkpoint within an epoch once this long has passed since the last
    jit_compile: bool | None = None  # XLA; None: where it measured faster (training.uses_xla)
    strategy: str = "default"  # tf.distribute strategy: default, mirrored, multi_worker, tpu (see distribute.py)
    mixed_precision: bool = False  # bfloat16 compute on CPU/TPU, float16 with loss scaling on GPU
    steps_per_execution: int | None = None  # train steps per compiled call; None: training.resolved_steps_per_execution
    image_size: int | None = None  # side colour images are resized to (celeb_a, folder); None: the dataset's
    num_categorical: int = 10  # infogan: values of its categorical code
    num_continuous: int = 2  # infogan: number of continuous codes, uniform on [-1, 1]
    info_weight: float = 1.0  # infogan: lambda, weight of the mutual-information term
    continuous_weight: float = 1.0  # infogan: weight of the continuous codes within that term
    class_weight: float = 1.0  # acgan: weight of the class log-likelihood term
    mismatched_labels: bool = False  # cgan: D also learns real images with wrong labels as fakes (GAN-CLS)
    mismatch_temperature: float = 0.0  # cgan: 0 draws the wrong labels uniformly; > 0 favours those D accepts
    dropout: float = 0.5  # cgan: dropout rate after each of the discriminator's maxout blocks (the tutorial's)
    eval_every: int = 0  # evaluate every this many epochs into metrics.csv; 0: never during training
    eval_samples: int = 2000  # generated images per periodic evaluation
    final_eval_samples: int = 10_000  # generated images of the evaluation after training; 0: none
    features: str = "classifier"  # feature space of the evaluation: "classifier" or "inception"
    classifier_dir: str | None = None  # cache of evaluation classifiers; None: ~/.cache/tfganzoo/classifiers
    image_shape: tuple | None = None  # from the data
    num_classes: int | None = None  # from the data

    @property
    def run_dir(self):
        return Path(self.log_dir) / self.run_name

    @property
    def step_examples(self):
        """Examples one train step takes: a batch per discriminator update (see gan.GAN)."""
        return self.batch_size * self.d_steps

    def weights_path(self, run_dir=None):
        """Where weights go: --weights_dir if given, else `weights/` inside the run directory."""
        return Path(self.weights_dir) if self.weights_dir else Path(run_dir or self.run_dir) / "weights"

    def save(self, path):
        write_text_atomic(path, json.dumps(dataclasses.asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path):
        """Reads a config.json, refusing unknown, missing or invalid entries with a UserError."""
        try:
            values = json.loads(Path(path).read_text())
        except FileNotFoundError:
            raise UserError(f"{Path(path).parent} is not a training run: it has no config.json") from None
        except (OSError, json.JSONDecodeError) as e:
            raise UserError(f"cannot read {path}: {e}") from None
        if not isinstance(values, dict):
            raise UserError(f"{path}: expected a JSON object")
        names = {f.name for f in dataclasses.fields(cls)}
        if set(values) - names:
            raise UserError(f"{path}: unknown entries {sorted(set(values) - names)}")
        if values.get("image_shape") is not None:
            values["image_shape"] = tuple(values["image_shape"])
        try:
            config = cls(**values)
        except TypeError as e:  # a required entry is missing
            raise UserError(f"{path}: {e}") from None
        validate(config, source=f"{path}: ")
        return config


FIELD_DEFAULTS = {f.name: f.default for f in dataclasses.fields(Config)}


def make_config(model, dataset="mnist", lr=None, preset="default", **options):
    """A validated Config: `model`'s recipe for `preset`, then `lr` (both networks), then every option not None."""
    values = {**models.recipe(model, preset), "preset": preset}
    if lr is not None:
        values.update(g_lr=lr, d_lr=lr)
    values.update({k: v for k, v in options.items() if v is not None})
    if not values.get("mismatched_labels") and options.get("mismatch_temperature") is None:
        values.pop("mismatch_temperature", None)  # the preset's draw of the wrong labels goes with them
    values.setdefault("run_name", f"{model}-{dataset}")
    values.setdefault("seed", None)
    names = {f.name for f in dataclasses.fields(Config)}
    if set(values) - names:
        raise TypeError(f"unknown Config fields {sorted(set(values) - names)}")
    config = Config(model=model, dataset=dataset, **values)
    validate(config)
    return config


def _positive(value, kind=(int, float)):
    return isinstance(value, kind) and not isinstance(value, bool) and value > 0


def validate(config, source=""):
    """Raises a UserError naming the first invalid value (and the valid choices, for names)."""
    try:
        models.recipe(config.model, config.preset)
        datasets.get_dataset(config.dataset)
        losses.get_loss(config.loss)
        losses.get_penalty(config.penalty)
        if config.strategy not in distribute.STRATEGIES:
            raise unknown_choice("strategy", config.strategy, distribute.STRATEGIES)
        if config.features not in classifier.FEATURES:
            raise unknown_choice("features", config.features, classifier.FEATURES)
    except UserError as e:
        raise UserError(f"{source}{e}") from None
    optional = ("steps_per_epoch", "image_size", "steps_per_execution")
    for name in ("epochs", "batch_size", "noise_dim", "save_every", "num_categorical", "num_continuous",
                 "d_steps", "keep_checkpoints") + optional:
        value = getattr(config, name)
        if not _positive(value, int) and not (name in optional and value is None):
            raise UserError(f"{source}{name} must be a positive integer, got {value!r}")
    if config.strategy in ("mirrored", "multi_worker") and config.steps_per_execution not in (None, 1):
        # Keras 3.15 runs each step of an execution inside a tf.cond, where the replicas' cross-device sum
        # fails ("You must feed a value for placeholder tensor"), even for a plain Sequential with SGD.
        raise UserError(f"{source}steps_per_execution={config.steps_per_execution} does not work under "
                        f"strategy={config.strategy} (a Keras bug: keras-team/keras#19246); use 1")
    if config.seed is not None and not (isinstance(config.seed, int) and 0 <= config.seed < 2**32):
        raise UserError(f"{source}seed must be an integer in [0, 2**32), got {config.seed!r}")
    for name in ("g_lr", "d_lr", "checkpoint_minutes"):
        if not _positive(getattr(config, name)):
            raise UserError(f"{source}{name} must be positive, got {getattr(config, name)!r}")
    for name in ("penalty_weight", "clip"):
        if getattr(config, name) is not None and not _positive(getattr(config, name)):
            raise UserError(f"{source}{name} must be positive, got {getattr(config, name)!r}")
    if config.penalty_weight is not None and config.penalty == "none":
        raise UserError(f"{source}penalty_weight={config.penalty_weight} needs a penalty; valid choices: "
                        f"{', '.join(p for p in losses.PENALTIES if p != 'none')}")
    if config.clip is not None and config.penalty != "none":
        raise UserError(f"{source}clip={config.clip} and penalty={config.penalty} both constrain the "
                        f"discriminator's gradients; choose one")
    for name in ("spectral_norm", "minibatch_discrimination", "jit_compile", "mixed_precision", "lr_decay",
                 "mismatched_labels"):
        if not isinstance(getattr(config, name), bool) and not (name == "jit_compile" and config.jit_compile is None):
            raise UserError(f"{source}{name} must be true or false, got {getattr(config, name)!r}")
    for name in ("eval_every", "final_eval_samples"):
        if not isinstance(getattr(config, name), int) or getattr(config, name) < 0:
            raise UserError(f"{source}{name} must be zero or a positive integer, got {getattr(config, name)!r}")
    if not isinstance(config.eval_samples, int) or config.eval_samples < 10:
        raise UserError(f"{source}eval_samples must be an integer of at least 10, got {config.eval_samples!r}")
    if 0 < config.final_eval_samples < 10:
        raise UserError(f"{source}final_eval_samples must be 0 or at least 10, got {config.final_eval_samples!r}")
    for name, owners in models.option_owners().items():
        if getattr(config, name) != FIELD_DEFAULTS[name] and config.model not in owners:
            raise UserError(f"{source}{name}={getattr(config, name)!r} is an option of {', '.join(owners)}, "
                            f"not of {config.model}")
    if not (isinstance(config.dropout, (int, float)) and 0 <= config.dropout < 1):
        raise UserError(f"{source}dropout must lie in [0, 1), got {config.dropout!r}")
    for name in ("info_weight", "continuous_weight", "class_weight", "mismatch_temperature"):
        if not _positive(getattr(config, name)) and getattr(config, name) != 0:
            raise UserError(f"{source}{name} must be zero or positive, got {getattr(config, name)!r}")
    if config.mismatch_temperature and not config.mismatched_labels:
        raise UserError(f"{source}mismatch_temperature={config.mismatch_temperature} draws the wrong labels of "
                        "--mismatched_labels; add it, or leave the temperature at 0")
    for name in ("beta_1", "beta_2", "ema_decay"):
        if not 0 <= getattr(config, name) < 1:
            raise UserError(f"{source}{name} must lie in [0, 1), got {getattr(config, name)!r}")
    if not config.run_name or Path(config.run_name).name != config.run_name:
        raise UserError(f"{source}run_name must be a plain directory name, got {config.run_name!r}")
