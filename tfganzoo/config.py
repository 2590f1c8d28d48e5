"""The run configuration: one frozen object, built once from flags (or directly by tests), kept as config.json.

Every option is declared once, as a field of `Config` (see tfganzoo.options for what a declaration holds and
what derives from it: train.py's flags, validation, the resume rules, docs/flags.md). Values a preset sets
come from the model's recipe (models.recipe) unless given; image_shape and num_classes come from the data.
"""

import dataclasses
import json
from pathlib import Path

from tfganzoo import classifier, datasets, distribute, losses, models, options
from tfganzoo.errors import UserError
from tfganzoo.files import write_text_atomic
from tfganzoo.options import (
    COUNT,
    FRACTION,
    NO_OR_SAMPLES,
    NON_NEGATIVE,
    PLAIN_NAME,
    POSITIVE,
    POSITIVE_INT,
    SAMPLES,
    SEED,
    option,
)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Config:
    # ----- what is trained, on what -----
    model: str = option(help="Which GAN to train.", choices=lambda: models.MODELS, flag_default="cgan")
    dataset: str = option("mnist", "Which dataset to train on.", choices=lambda: datasets.DATASETS)
    preset: str = option(
        "default",
        "Recipe of every hyperparameter left unset: default (the zoo's, measured to "
        "learn) or tutorial (the one the model's tutorial or paper publishes).",
        choices=lambda: dict.fromkeys(models.PRESETS),
        resumable=True,
    )
    data_path: str | None = option(
        None,
        "Local data: a directory of MNIST-format IDX files or a Keras .npz; for "
        "--dataset=folder a directory of PNG/JPEG images (sub-directories = classes).",
        resumable=True,
    )
    data_dir: str | None = option(None, "TFDS data directory (where TFDS caches downloaded datasets).", resumable=True)
    image_size: int | None = option(
        None, "Resize colour images to this square side (celeb_a: 64, folder: 64).", check=POSITIVE_INT
    )
    # ----- the recipe -----
    epochs: int = option(help="Training epochs.", check=POSITIVE_INT, resumable=True)
    batch_size: int = option(
        help="Batch size (with --strategy, the global batch).", check=POSITIVE_INT, aliases=("BATCH_SIZE",)
    )
    g_lr: float = option(help="Generator learning rate (--lr sets both rates).", check=POSITIVE)
    d_lr: float = option(help="Discriminator learning rate (--lr sets both rates).", check=POSITIVE)
    beta_1: float = option(help="Adam beta_1 of both networks.", check=FRACTION)
    beta_2: float = option(0.999, "Adam beta_2 of both networks.", check=FRACTION)
    lr_decay: bool = option(
        False,
        "Decay both learning rates linearly to 0 over the run's epochs (a resumed run "
        "with more --epochs stretches the decay to the new end).",
    )
    noise_dim: int | None = option(None, "Length of the noise vector.", check=POSITIVE_INT, models=models.NOISE_MODELS)
    steps_per_epoch: int | None = option(None, "Steps per epoch (default: one pass over the data).", check=POSITIVE_INT)
    # None until training starts a run and draws one; config.json always records it.
    seed: int | None = option(
        help="Random seed (default: a random one, recorded in config.json; a resumed run keeps its own).", check=SEED
    )
    # ----- the stabilisers of the shared train step -----
    loss: str = option(
        "ns",
        "Adversarial loss: ns (non-saturating), minimax, wgan, hinge, lsgan; a loss or penalty chosen brings its "
        "paper's settings for the options not given (the table below).",
        choices=lambda: losses.LOSSES,
        reads="gan",
    )
    penalty: str = option(
        "none", "Gradient penalty on the discriminator.", choices=lambda: losses.PENALTIES, reads="gan"
    )
    penalty_weight: float | None = option(
        None,
        "Weight of --penalty (default 10: lambda of WGAN-GP and DRAGAN, gamma of R1).",
        check=POSITIVE,
        reads="gan",
    )
    penalty_every: int = option(
        1,
        "Lazy regularisation (Karras et al. 2020): --penalty on every N-th discriminator update only, weighted N "
        "times, for the same expected strength at about 1/N of its cost.",
        check=POSITIVE_INT,
        reads="gan",
    )
    clip: float | None = option(
        None,
        "Clip the discriminator's weights to [-clip, clip] after each update (the original WGAN used 0.01).",
        check=POSITIVE,
        reads="gan",
    )
    d_steps: int = option(
        1,
        "Discriminator updates per generator update, each on its own batch (5 for WGAN critics).",
        check=POSITIVE_INT,
        reads="gan",
    )
    spectral_norm: bool = option(False, "Spectral normalisation of the discriminator's dense and conv layers.")
    minibatch_discrimination: bool = option(
        False, "Minibatch discrimination before the discriminator's real/fake output.", models=models.NOISE_MODELS
    )
    ema_decay: float = option(
        0.0,
        "Decay per generator step of an exponential moving average of the generator's "
        "weights, which then samples, is evaluated and saved (0: no average).",
        check=FRACTION,
        reads="gan",
    )
    # ----- model options -----
    num_categorical: int = option(
        10, "Values of the categorical code.", check=POSITIVE_INT, models=("infogan",), reads="gan"
    )
    num_continuous: int = option(
        2, "Continuous codes, uniform on [-1, 1].", check=POSITIVE_INT, models=("infogan",), reads="gan"
    )
    uniform_noise: bool = option(
        False,
        "Draw the noise from U(-1, 1), as the InfoGAN authors' code does, instead of N(0, I).",
        models=("infogan",),
        reads="gan",
    )
    infogan_body: str = option(
        "dcgan",
        "The networks: dcgan (the DCGAN bodies acgan shares) or paper (the InfoGAN authors' MNIST networks: "
        "conv 64-128, FC 1024 in D; FC 1024, FC 7x7x128, deconv 64 in G; 4x4 kernels).",
        choices=lambda: dict.fromkeys(("dcgan", "paper")),
        models=("infogan",),
        reads="network",
    )
    info_weight: float = option(
        1.0, "Lambda, the weight of the mutual-information term.", check=NON_NEGATIVE, models=("infogan",), reads="gan"
    )
    continuous_weight: float = option(
        1.0,
        "Weight of the continuous codes within the mutual-information term (the paper advises less than 1).",
        check=NON_NEGATIVE,
        models=("infogan",),
        reads="gan",
    )
    dense_batch_norm: bool = option(
        True,
        "The DCGAN body at 28x28: batch norm on the discriminator's dense layer before its heads, as the "
        "tutorial's network has it (dcgan goes without). Over an all-fake batch it scores every collapsed batch "
        "the same, which lsgan never escapes; the codes and classes learn better with it.",
        models=("acgan", "infogan"),
        reads="network",
    )
    class_weight: float = option(
        1.0, "Weight of the class log-likelihood term.", check=NON_NEGATIVE, models=("acgan",), reads="gan"
    )
    mismatched_labels: bool = option(
        False,
        "The discriminator also learns real images paired with a wrong label "
        "as fakes (the matching-aware discriminator of Reed et al. 2016).",
        models=("cgan",),
        reads="gan",
    )
    mismatch_temperature: float = option(
        0.0,
        "Temperature of the draw of --mismatched_labels' wrong labels: 0 "
        "draws them uniformly; t > 0 in proportion to exp(D's running output on "
        "such pairs / t), so the look-alike classes D still confuses come up most.",
        check=NON_NEGATIVE,
        models=("cgan",),
        reads="gan",
    )
    dropout: float = option(
        0.5,
        "Dropout rate after each of the discriminator's maxout blocks (the tutorial's: 0.5).",
        check=FRACTION,
        models=("cgan",),
        reads="network",
    )
    adversarial_weight: float = option(
        1.0,
        "Weight of the adversarial term in the generator's objective; 0 trains by the L1 or cycle "
        "terms alone (the papers' ablation without an adversary).",
        check=NON_NEGATIVE,
        models=models.TRANSLATION_MODELS,
        reads="gan",
    )
    l1_weight: float = option(
        100.0,
        "Lambda, the weight of the L1 distance to the pair's target in the generator's objective.",
        check=NON_NEGATIVE,
        models=("pix2pix",),
        reads="gan",
    )
    width: int = option(
        64,
        "Channels of the networks' outermost layers, doubled per halving up to 8 times it (the paper's ngf, ndf).",
        check=POSITIVE_INT,
        models=("pix2pix", "cyclegan"),
        reads="network",
    )
    patch_layers: int = option(
        3,
        "Stride-2 layers of the PatchGAN discriminator: 3 judges 70x70 patches (the paper's), 2 34x34, 1 16x16.",
        check=POSITIVE_INT,
        models=("pix2pix", "cyclegan"),
        reads="network",
    )
    cycle_weight: float = option(
        10.0,
        "Lambda, the weight of the cycle-consistency L1 terms |F(G(a)) - a| and |G(F(b)) - b|.",
        check=NON_NEGATIVE,
        models=("cyclegan",),
        reads="gan",
    )
    identity_weight: float = option(
        0.0,
        "Weight of the identity L1 terms |G(b) - b| and |F(a) - a| (the paper's 0.5 x lambda = 5); "
        "needs domains with the same channels.",
        check=NON_NEGATIVE,
        models=("cyclegan",),
        reads="gan",
    )
    pool_size: int = option(
        50,
        "Earlier translations each discriminator's pool keeps and shows it half of the time (the paper's 50); 0: none.",
        check=COUNT,
        models=("cyclegan",),
        reads="gan",
    )
    resnet_blocks: int | None = option(
        None,
        "Residual blocks of the ResNet generators (default: the paper's, 9 at 256 px and above, 6 below).",
        check=POSITIVE_INT,
        models=("cyclegan",),
        reads="network",
    )
    # ----- where the run goes, and its bookkeeping -----
    log_dir: str = option("logs", "Directory holding the run directories.", resumable=True, aliases=("LOG_PATH",))
    run_name: str = option(
        help="Run directory name inside --log_dir (default: <model>-<dataset>).", check=PLAIN_NAME, resumable=True
    )
    weights_dir: str | None = option(
        None, "Where weights are saved (default: <run_dir>/weights).", aliases=("MODEL_PATH",)
    )
    save_every: int = option(
        15, "Save both networks' weights every this many epochs.", check=POSITIVE_INT, resumable=True
    )
    keep_checkpoints: int = option(
        3,
        "Newest checkpoints kept in <run_dir>/checkpoints (one is written after every epoch).",
        check=POSITIVE_INT,
        resumable=True,
    )
    checkpoint_minutes: float = option(
        10.0,
        "Also checkpoint within an epoch when this many minutes have passed since the last checkpoint.",
        check=POSITIVE,
        resumable=True,
    )
    # ----- how it computes -----
    jit_compile: bool | None = option(
        None,
        "Compile the train step with XLA (default: where it measured faster: "
        "on a GPU, and on a CPU for gan and cgan; not under --strategy).",
        resumable=True,
    )
    strategy: str = option(
        "default",
        "tf.distribute strategy: default (one device), mirrored (all local GPUs), "
        "multi_worker (machines listed in TF_CONFIG), tpu. --batch_size is the global batch.",
        choices=lambda: dict.fromkeys(distribute.STRATEGIES),
        resumable=True,
    )
    mixed_precision: bool = option(
        False,
        "Compute in bfloat16 (CPU, TPU) or float16 with loss scaling (GPU); weights, images and losses stay float32.",
    )
    steps_per_execution: int | None = option(
        None,
        "Train steps per call of the compiled train function (default "
        "10; callbacks, the NaN check and signals see every this many steps). "
        "An epoch of one pass is rounded down to a multiple of it.",
        check=POSITIVE_INT,
    )
    # ----- evaluation -----
    eval_every: int = option(
        0,
        "Evaluate every this many epochs (FID, KID, precision/recall, label/code "
        "accuracy) into metrics.csv and TensorBoard; 0: not during training.",
        check=COUNT,
        resumable=True,
    )
    eval_samples: int = option(2000, "Generated images per evaluation during training.", check=SAMPLES, resumable=True)
    final_eval_samples: int = option(
        10_000,
        "Generated images of the evaluation after training, written to metrics.json; 0: none.",
        check=NO_OR_SAMPLES,
        resumable=True,
    )
    features: str = option(
        "classifier",
        "Feature space of evaluation: an evaluation classifier trained on the "
        "dataset, or InceptionV3 (downloads ImageNet weights).",
        choices=lambda: dict.fromkeys(classifier.FEATURES),
        resumable=True,
    )
    classifier_dir: str | None = option(
        None,
        "Cache of evaluation classifiers (default: "
        "$XDG_CACHE_HOME/tfganzoo/classifiers, else ~/.cache/tfganzoo/classifiers).",
        resumable=True,
    )
    # ----- from the data -----
    image_shape: tuple | None = option(None, "Shape of one image [H, W, C].", flag=False)
    num_classes: int | None = option(None, "Number of classes.", flag=False)
    source_shape: tuple | None = option(None, "Shape of one source image [H, W, C] (translation).", flag=False)
    # ----- a record -----
    brought: str | None = option(
        None,
        "What the chosen --loss and --penalty brought from their papers' recipes (the options not given).",
        flag=False,
        resumable=True,
    )

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

    def gan_arguments(self):
        """The options the model's GAN class takes (reads="gan"), by name."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.metadata["reads"] == "gan" and options.applies(f, self.model)
        }

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
        if set(values) - set(FIELDS):
            raise UserError(f"{path}: unknown entries {sorted(set(values) - set(FIELDS))}")
        for name in ("image_shape", "source_shape"):
            if values.get(name) is not None:
                values[name] = tuple(values[name])
        try:
            config = cls(**values)
        except TypeError as e:  # a required entry is missing
            raise UserError(f"{path}: {e}") from None
        validate(config, source=f"{path}: ")
        return config


FIELDS = {f.name: f for f in dataclasses.fields(Config)}
RESUMABLE = tuple(name for name, f in FIELDS.items() if f.metadata["resumable"])


def make_config(model, dataset=None, lr=None, preset=None, **given):
    """A validated Config: `model`'s recipe for `preset`, then what the chosen loss and penalty bring (their
    papers' recipes, losses.recipe_of), then `lr` (both networks), then every option given (not None)."""
    given = {k: v for k, v in {"dataset": dataset, **given}.items() if v is not None}
    preset = preset or FIELDS["preset"].default
    values = {**models.recipe(model, preset), "preset": preset}
    explicit = set(given) | ({"g_lr", "d_lr"} if lr is not None else set())
    preset_value = lambda name: values.get(name, FIELDS[name].default)  # noqa: E731
    # A loss or penalty brings its recipe when it is a choice: given, and not what the preset has already.
    chosen = {k: given[k] for k in ("loss", "penalty") if k in given and given[k] != preset_value(k)}
    recipe = losses.recipe_of(chosen.get("loss"), chosen.get("penalty"), given.get("penalty", preset_value("penalty")))
    brought = {
        name: (value, source)
        for name, (value, source) in recipe.items()
        if name not in explicit and preset_value(name) != value and options.applies(FIELDS[name], model)
    }
    values.update({name: value for name, (value, _) in brought.items()})
    if lr is not None:
        values.update(g_lr=lr, d_lr=lr)
    values.update(given)
    if not values.get("mismatched_labels") and given.get("mismatch_temperature") is None:
        values.pop("mismatch_temperature", None)  # the preset's draw of the wrong labels goes with them
    if set(values) - set(FIELDS):
        raise TypeError(f"unknown Config fields {sorted(set(values) - set(FIELDS))}")
    if brought:
        sources = dict.fromkeys(source for _, source in brought.values())
        values["brought"] = f"{' '.join(f'{k}={v}' for k, (v, _) in brought.items())} from {'; '.join(sources)}"
    values.setdefault("run_name", f"{model}-{values.get('dataset', FIELDS['dataset'].default)}")
    values.setdefault("seed", None)
    config = Config(model=model, **values)
    validate(config)
    return config


def config_from_args(args):
    """The Config that train.py's option flags `args` (e.g. ["--model=gan", "--loss=lsgan"]) make, in this
    process: what a test or a benchmark asks of a command line without running it."""
    from absl import flags

    flag_values = flags.FlagValues()
    options.define_flags(FIELDS.values(), flag_values, "train.py")
    flag_values(["train.py", *map(str, args)])
    return make_config(**options.values_from_flags(FIELDS.values(), flag_values))


def validate(config, source=""):
    """Raises a UserError naming the first invalid value (and the valid choices, for names)."""
    try:
        for field in FIELDS.values():
            options.check_value(field, getattr(config, field.name), config.model)
        _check_relations(config)
    except UserError as e:
        raise UserError(f"{source}{e}") from None


def _check_relations(config):
    """The rules that tie options together."""
    if config.strategy in ("mirrored", "multi_worker") and config.steps_per_execution not in (None, 1):
        # Keras 3.15 runs each step of an execution inside a tf.cond, where the replicas' cross-device sum
        # fails ("You must feed a value for placeholder tensor"), even for a plain Sequential with SGD.
        raise UserError(
            f"steps_per_execution={config.steps_per_execution} does not work under "
            f"strategy={config.strategy} (a Keras bug: keras-team/keras#19246); use 1"
        )
    # The options that only tune a penalty, each with whether it was set to something other than no effect.
    for name, is_set in (
        ("penalty_weight", config.penalty_weight is not None),
        ("penalty_every", config.penalty_every > 1),
    ):
        if is_set and config.penalty == "none":
            raise UserError(
                f"{name}={getattr(config, name)} needs a penalty; valid choices: "
                f"{', '.join(p for p in losses.PENALTIES if p != 'none')}"
            )
    if config.clip is not None and config.penalty != "none":
        raise UserError(
            f"clip={config.clip} and penalty={config.penalty} both constrain the discriminator's gradients; choose one"
        )
    if config.penalty != "none" and models.get_model(config.model).GAN_CLASS.unpaired:
        raise UserError(
            f"penalty={config.penalty} takes the gradient of one discriminator, and {config.model} trains two "
            "(one per domain); use --penalty=none"
        )
    if config.mismatch_temperature and not config.mismatched_labels:
        raise UserError(
            f"mismatch_temperature={config.mismatch_temperature} draws the wrong labels of "
            "--mismatched_labels; add it, or leave the temperature at 0"
        )


def flags_reference():
    """docs/flags.md: every option's flag, and what choosing a loss or penalty brings."""
    return options.reference(dataclasses.fields(Config)) + "\n" + losses.recipes_reference()


if __name__ == "__main__":  # docs/flags.md
    print(flags_reference(), end="")
