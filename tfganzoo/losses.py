"""Adversarial losses as pure, paired functions (TF-GAN style), all on discriminator logits.

Every pair has the same signatures:
  <name>_generator_loss(fake_logits) -> scalar
  <name>_discriminator_loss(real_logits, fake_logits) -> scalar
where the logits are float tensors of shape [batch, 1] (or [batch]). Working on logits rather than sigmoid
probabilities keeps the log terms numerically stable; the tutorial's sigmoid output layer lives in here.
"""

import dataclasses
import math
from typing import Callable

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


# ----- auxiliary terms, added by the AC-GAN and InfoGAN hooks -----

# Odena et al. 2017, "Conditional Image Synthesis with Auxiliary Classifier GANs", eq. 2 (L_C, negated).
def acgan_class_loss(class_logits, labels):
    """-E[log P(C = c | X)]: softmax cross-entropy of class logits [B, K] against int labels [B]."""
    return ops.mean(ops.sparse_categorical_crossentropy(ops.cast(labels, "int32"), class_logits, from_logits=True))


HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


# Chen et al. 2016, "InfoGAN", eq. 4-5: the variational lower bound L_I, negated (up to the constant H(c)).
def infogan_mutual_information_loss(q, categorical, continuous):
    """-E[log Q(c | G(z, c))] for one categorical code and a unit-variance Gaussian over the continuous codes.

    The Gaussian's standard deviation is fixed at 1, as in the authors' code (`fix_std=True`): with a learned
    one the negative log-likelihood is unbounded below, and generator and Q learn to win it with
    high-frequency patterns instead of meaningful codes.

    Args:
      q: the Q head's outputs: "code_logits" [B, K], "code_mean" [B, M].
      categorical: int [B], the categorical code the images were generated from.
      continuous: float [B, M], the continuous codes they were generated from.
    Returns:
      cross-entropy of the categorical code + Gaussian negative log-likelihood of the continuous codes
      (summed over the M codes), both averaged over the batch.
    """
    cross_entropy = acgan_class_loss(q["code_logits"], categorical)
    nll = ops.sum(HALF_LOG_2PI + 0.5 * ops.square(continuous - q["code_mean"]), axis=-1)
    return cross_entropy + ops.mean(nll)


@dataclasses.dataclass(frozen=True)
class LossPair:
    generator: Callable
    discriminator: Callable


LOSSES = {
    "ns": LossPair(ns_generator_loss, ns_discriminator_loss),
}


def get_loss(name: str) -> LossPair:
    if name not in LOSSES:
        raise unknown_choice("loss", name, LOSSES)
    return LOSSES[name]
