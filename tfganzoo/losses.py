"""Adversarial losses as pure, paired functions (TF-GAN style), all on discriminator logits.

Every pair has the same signatures:
  <name>_generator_loss(fake_logits) -> scalar
  <name>_discriminator_loss(real_logits, fake_logits) -> scalar
where the logits are float tensors of shape [batch, 1] (or [batch]). Working on logits rather than sigmoid
probabilities keeps the log terms numerically stable; the tutorial's sigmoid output layer lives in here.
"""

import dataclasses
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
