"""Adversarial losses as pure, paired functions (TF-GAN style), all on the discriminator's raw output.

Every pair has the same signatures:
  <name>_generator_loss(fake_logits) -> scalar
  <name>_discriminator_loss(real_logits, fake_logits) -> scalar
where the "logits" are the discriminator's linear output, float tensors of shape [batch, 1] (or [batch]).
Every discriminator ends in a linear unit, and each loss applies its own link (a sigmoid inside the log
for ns/minimax, nothing for the critics of wgan/hinge, a square for lsgan), so any loss combines with any
model: there is no sigmoid output to conflict with a Wasserstein critic. Working on logits also keeps the
log terms numerically stable; the tutorial's sigmoid output layer lives in here.

Gradient penalties (LIPSCHITZ_PENALTIES) take the critic as a function of images and return a scalar.
"""

import dataclasses
import math
from collections.abc import Callable

import keras
import tensorflow as tf
from keras import ops

from tfganzoo.errors import unknown_choice

# With D(x) = sigmoid(logit): -log D(x) == softplus(-logit) and -log(1 - D(x)) == softplus(logit),
# computed without overflow for large logits.


# Goodfellow et al. 2014, "Generative Adversarial Nets", section 3 (non-saturating generator heuristic).
def ns_generator_loss(fake_logits):
    """-E[log D(G(z))]: the generator maximises log D instead of minimising log(1 - D)."""
    return ops.mean(ops.softplus(-fake_logits))


def ns_discriminator_loss(real_logits, fake_logits):
    """-E[log D(x)] - E[log(1 - D(G(z)))]: binary cross-entropy, real labelled 1 and fake 0 (summed)."""
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


# Goodfellow et al. 2014, the minimax game of eq. 1 as written (saturates when D rejects the fakes confidently).
def minimax_generator_loss(fake_logits):
    """E[log(1 - D(G(z)))], which the generator minimises."""
    return -ops.mean(ops.softplus(fake_logits))


# Arjovsky et al. 2017, "Wasserstein GAN", algorithm 1 (the critic is kept Lipschitz by --clip or a penalty).
def wgan_generator_loss(fake_logits):
    """-E[C(G(z))]."""
    return -ops.mean(fake_logits)


def wgan_discriminator_loss(real_logits, fake_logits):
    """E[C(G(z))] - E[C(x)]: minus the critic's estimate of the Wasserstein-1 distance."""
    return ops.mean(fake_logits) - ops.mean(real_logits)


# Lim & Ye 2017, "Geometric GAN"; Miyato et al. 2018 (the SN-GAN hinge loss). The generator's is WGAN's.
def hinge_discriminator_loss(real_logits, fake_logits):
    """E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]."""
    return ops.mean(ops.relu(1 - real_logits)) + ops.mean(ops.relu(1 + fake_logits))


# Mao et al. 2017, "Least Squares Generative Adversarial Networks", eq. 2 with a = 0, b = c = 1.
def lsgan_generator_loss(fake_logits):
    """1/2 E[(D(G(z)) - 1)^2]."""
    return 0.5 * ops.mean(ops.square(fake_logits - 1))


def lsgan_discriminator_loss(real_logits, fake_logits):
    """1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]."""
    return 0.5 * ops.mean(ops.square(real_logits - 1)) + 0.5 * ops.mean(ops.square(fake_logits))


# ----- gradient penalties on the discriminator, added to its loss times --penalty_weight -----


def critic_gradients(critic, images):
    """grad_x critic(x) per example, [B, ...] like `images`."""
    with tf.GradientTape() as tape:
        tape.watch(images)
        outputs = critic(images)
    # The gradient of the outputs' sum; examples are independent, so its rows are the per-example gradients.
    return tape.gradient(outputs, images)


def squared_norms(gradients):
    """||g||^2 of each example's gradient g in [B, ...]."""
    return ops.sum(ops.square(gradients), axis=list(range(1, len(gradients.shape))))


def gradient_norms(critic, images, epsilon=1e-12):
    """||grad_x critic(x)||_2 per example, with `epsilon` inside the square root (finite gradient at 0)."""
    return ops.sqrt(squared_norms(critic_gradients(critic, images)) + epsilon)


def _per_example_uniform(images, seed):
    return keras.random.uniform((ops.shape(images)[0],) + (1,) * (len(images.shape) - 1), seed=seed)


# Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", algorithm 1 (lambda = 10).
def wgan_gp_penalty(critic, real, fake, seed=None):
    """E[(||grad C(x_hat)|| - 1)^2] at x_hat = e x + (1 - e) G(z), e ~ U[0, 1] drawn per example."""
    e = _per_example_uniform(real, seed)
    return ops.mean(ops.square(gradient_norms(critic, e * real + (1 - e) * fake) - 1))


# Kodali et al. 2017, "On Convergence and Stability of GANs" (DRAGAN; the authors' code's perturbation).
def dragan_penalty(critic, real, fake, seed=None):
    """E[(||grad D(x_hat)|| - 1)^2] around the data: x_hat = x + a (x_p - x), a ~ U[0, 1] per example and
    x_p = x + 0.5 std(x) u, u ~ U[0, 1] per pixel."""
    perturbed = real + 0.5 * ops.std(real) * keras.random.uniform(ops.shape(real), seed=seed)
    a = _per_example_uniform(real, seed)
    return ops.mean(ops.square(gradient_norms(critic, real + a * (perturbed - real)) - 1))


# Mescheder et al. 2018, "Which Training Methods for GANs do actually Converge?", eq. 9 (gamma = 10).
def r1_penalty(critic, real, fake, seed=None):
    """1/2 E[||grad D(x)||^2] on real data (so that --penalty_weight is the paper's gamma)."""
    return r1_of_real_gradients(critic_gradients(critic, real))


def r1_of_real_gradients(gradients):
    """r1_penalty from D's gradients at the real images [B, ...], which the train step takes from its own pass
    over them instead of a second one (issue 33)."""
    return 0.5 * ops.mean(squared_norms(gradients))


# ----- auxiliary terms, added by the AC-GAN, InfoGAN and pix2pix hooks -----


# Odena et al. 2017, "Conditional Image Synthesis with Auxiliary Classifier GANs", eq. 2 (L_C, negated).
def acgan_class_loss(class_logits, labels):
    """-E[log P(C = c | X)]: softmax cross-entropy of class logits [B, K] against int labels [B]."""
    return ops.mean(ops.sparse_categorical_crossentropy(ops.cast(labels, "int32"), class_logits, from_logits=True))


# Isola et al. 2017, "Image-to-Image Translation with Conditional Adversarial Networks", eq. 3.
def l1_loss(fake_images, real_images):
    """E[||y - G(x)||_1] per pixel: the mean absolute difference of images [B, H, W, C] (pix2pix's L1 term)."""
    return ops.mean(ops.abs(real_images - fake_images))


HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


# Chen et al. 2016, "InfoGAN", eq. 4-5: the variational lower bound L_I, negated (up to the constant H(c)).
def infogan_mutual_information_loss(q, categorical, continuous, continuous_weight=1.0):
    """-E[log Q(c | G(z, c))] for one categorical code and a unit-variance Gaussian over the continuous codes.

    The Gaussian's standard deviation is fixed at 1, as in the authors' code (`fix_std=True`): with a learned
    one the negative log-likelihood is unbounded below, and generator and Q learn to win it with
    high-frequency patterns instead of meaningful codes.

    Args:
      q: the Q head's outputs: "code_logits" [B, K], "code_mean" [B, M].
      categorical: int [B], the categorical code the images were generated from.
      continuous: float [B, M], the continuous codes they were generated from.
      continuous_weight: the continuous codes' share; the paper advises less than 1 for them, their
        differential entropy being on another scale than the GAN objective.
    Returns:
      cross-entropy of the categorical code + continuous_weight * the Gaussian negative log-likelihood of
      the continuous codes (summed over the M codes), both averaged over the batch.
    """
    cross_entropy = acgan_class_loss(q["code_logits"], categorical)
    nll = ops.sum(HALF_LOG_2PI + 0.5 * ops.square(continuous - q["code_mean"]), axis=-1)
    return cross_entropy + continuous_weight * ops.mean(nll)


@dataclasses.dataclass(frozen=True)
class Recipe:
    """The settings a loss's or penalty's paper trained with: choosing it brings them (config.make_config)."""

    source: str
    settings: dict
    # The settings that come with weight clipping, which a penalty in force replaces (the model's own stay).
    replaced_by_a_penalty: tuple = ()


@dataclasses.dataclass(frozen=True)
class LossPair:
    generator: Callable
    discriminator: Callable
    # What loss.csv's Real_P / Fake_P average: D(x) = sigmoid(logits) for the log losses, the raw output
    # (a critic value, or lsgan's regression target 1 / 0) for the others.
    output: Callable = ops.sigmoid
    recipe: Recipe | None = None


def _raw(logits):
    return logits


# Adam with beta_1 = 0 is RMSProp (with bias correction), which the WGAN and R1 papers trained with.
# Neither minimax, lsgan nor WGAN's papers used minibatch discrimination or spectral norm, and on our data they
# undid those losses: gan's minibatch discrimination collapsed minimax and lsgan in the first epoch, and spectral
# norm over clipped weights left the WGAN critic rating fakes above reals. The penalties keep both: on gan, their
# cells without them lost their recall (docs/results/gan.md#what-a-chosen-loss-brings).
NO_BATCH_FEATURES = dict(minibatch_discrimination=False)
LOSSES = {
    "ns": LossPair(ns_generator_loss, ns_discriminator_loss),
    "minimax": LossPair(
        minimax_generator_loss,
        ns_discriminator_loss,
        recipe=Recipe("Goodfellow et al. 2014: no minibatch discrimination", NO_BATCH_FEATURES),
    ),
    "wgan": LossPair(
        wgan_generator_loss,
        wgan_discriminator_loss,
        _raw,
        Recipe(
            "Arjovsky et al. 2017, algorithm 1: RMSProp at 5e-5, clip 0.01, 5 critic steps; no spectral norm",
            dict(g_lr=5e-5, d_lr=5e-5, beta_1=0.0, beta_2=0.99, clip=0.01, d_steps=5, spectral_norm=False)
            | NO_BATCH_FEATURES,
            replaced_by_a_penalty=("clip", "spectral_norm", "minibatch_discrimination"),
        ),
    ),
    # hinge and lsgan keep the model's own rates: on dcgan after 5 epochs their papers' 2e-4 for both networks
    # gave FID 47.4 and 34.7, dcgan's 1e-3 / 1e-4 gave 11.2 and 15.1 (docs/results/dcgan.md#the-rates-a-loss-brings).
    "hinge": LossPair(
        wgan_generator_loss,
        hinge_discriminator_loss,
        _raw,
        Recipe(
            "Miyato et al. 2018 (SN-GAN), setting C: spectral norm, betas (0.5, 0.999); the model's own rates",
            dict(spectral_norm=True, beta_1=0.5, beta_2=0.999, d_steps=1),
        ),
    ),
    # Batch norm on acgan's and infogan's dense layer scores every collapsed fake batch alike: under lsgan,
    # infogan stayed on one image for 5 epochs (docs/matrix.md#infogan), so lsgan's discriminator goes without.
    "lsgan": LossPair(
        lsgan_generator_loss,
        lsgan_discriminator_loss,
        _raw,
        Recipe(
            "Mao et al. 2017: betas (0.5, 0.999), one D step; the model's own rates; "
            "no dense batch norm (our measurement)",
            dict(beta_1=0.5, beta_2=0.999, d_steps=1, dense_batch_norm=False) | NO_BATCH_FEATURES,
        ),
    ),
}


@dataclasses.dataclass(frozen=True)
class Penalty:
    function: Callable | None  # (critic, real, fake, seed) -> scalar; None: no penalty
    default_weight: float = 0.0
    recipe: Recipe | None = None
    # The same value from D's gradients at the real images, for a penalty taken there: the train step then
    # differentiates its own forward pass over the real batch instead of making another.
    of_real_gradients: Callable | None = None


PENALTIES = {
    "none": Penalty(None),
    "wgan-gp": Penalty(
        wgan_gp_penalty,
        10.0,
        Recipe(
            "Gulrajani et al. 2017, algorithm 1: Adam 1e-4, betas (0, 0.9), 5 critic steps",
            dict(g_lr=1e-4, d_lr=1e-4, beta_1=0.0, beta_2=0.9, d_steps=5),
        ),
    ),
    "dragan": Penalty(
        dragan_penalty,
        10.0,
        Recipe(
            "Kodali et al. 2017, the authors' code: Adam 1e-4, betas (0.5, 0.9)",
            dict(g_lr=1e-4, d_lr=1e-4, beta_1=0.5, beta_2=0.9, d_steps=1),
        ),
    ),
    # r1 keeps the model's own rates, as hinge and lsgan: on dcgan after 5 epochs the paper's 1e-4 for both
    # networks gave FID 43.6, dcgan's 1e-3 / 1e-4 9.8; DRAGAN at dcgan's rates collapsed (FID 350 against 80.7)
    # (docs/results/dcgan.md#the-rates-a-loss-brings).
    "r1": Penalty(
        r1_penalty,
        10.0,
        Recipe(
            "Mescheder et al. 2018: RMSProp-like betas (0, 0.99); the model's own rates",
            dict(beta_1=0.0, beta_2=0.99, d_steps=1),
        ),
        r1_of_real_gradients,
    ),
}


def get_loss(name: str) -> LossPair:
    if name not in LOSSES:
        raise unknown_choice("loss", name, LOSSES)
    return LOSSES[name]


def get_penalty(name: str) -> Penalty:
    if name not in PENALTIES:
        raise unknown_choice("penalty", name, PENALTIES)
    return PENALTIES[name]


def recipe_of(loss=None, penalty=None, penalty_in_force=None):
    """{option: (value, source)}: the settings that choosing `loss` and `penalty` brings (None: not chosen), the
    penalty's over the loss's; a penalty in force (chosen or not) replaces the loss's weight clipping and the
    critic the clipping came with (no spectral norm or minibatch discrimination): the model's own stays."""
    penalised = (penalty_in_force or penalty) not in (None, "none")
    settings = {}
    for flag, recipe in (
        (f"--loss={loss}", loss and get_loss(loss).recipe),
        (f"--penalty={penalty}", penalty and get_penalty(penalty).recipe),
    ):
        if recipe:
            replaced = recipe.replaced_by_a_penalty if penalised else ()
            settings.update(
                {
                    name: (value, f"{flag} ({recipe.source})")
                    for name, value in recipe.settings.items()
                    if name not in replaced
                }
            )
    return settings


def recipes_reference():
    """docs/flags.md's table of what each loss and penalty brings when chosen."""
    lines = [
        "## What choosing a loss or penalty brings",
        "",
        "`--loss` or `--penalty` given on the command line sets these options to its paper's values (or, where",
        "the last column says so, to what measured better on our data) unless they are given too (`--lr` counts",
        "for both rates); a penalty's settings win over a loss's, and a penalty replaces `--clip` and the clipped",
        "critic's `--spectral_norm` and `--minibatch_discrimination` (the model's stay). An option the model does",
        "not have is left alone. train.py prints what the choice changed, and config.json keeps it as `brought`.",
        "",
        "| choice | brings | from |",
        "|---|---|---|",
    ]
    for flag, registry in (("loss", LOSSES), ("penalty", PENALTIES)):
        for name, entry in registry.items():
            if entry.recipe:
                settings = " ".join(
                    f"`--{k}={str(v).lower() if isinstance(v, bool) else v}`" for k, v in entry.recipe.settings.items()
                )
                lines.append(f"| `--{flag}={name}` | {settings} | {entry.recipe.source} |")
    return "\n".join(lines) + "\n"
