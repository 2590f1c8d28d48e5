"""Image-to-image translation on the shared train step: the data's second element is the source image.

pix2pix (Isola et al. 2017) is the shared GAN step with three hooks: the generator is called on the source
image (its dropout is the only noise, so there is no latent), the discriminator judges the source and an
image side by side (a conditional PatchGAN: real pairs against generated ones), and the generator's objective
adds l1_weight times the mean absolute error to the pair's real target. Everything else (losses, penalties,
spectral norm, the weight average, d_steps, checkpoints) is the step's own.
"""

import numpy as np
from keras import ops

from tfganzoo import losses
from tfganzoo.gan import GAN


class Pix2Pix(GAN):
    """A generator that translates source images [B, H, W, C_A] into targets [B, H, W, C_B], trained on pairs.

    Args (beyond GAN's):
      l1_weight: lambda of the L1 term (100 in the paper); logged unweighted as "L1".
    """

    translates = True
    extra_log_names = ("L1",)

    def __init__(self, *args, l1_weight=100.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.l1_weight = l1_weight

    def sample_latent(self, batch_size):
        return {}  # the generator's dropout is its noise (Isola et al. 2017, section 2.1)

    def latent_spec(self):
        return {}

    def fixed_latent(self, num, seed):
        return {}

    def generator_inputs(self, latent, sources):
        return sources

    def discriminator_inputs(self, images, sources):
        return ops.concatenate([sources, ops.cast(images, sources.dtype)], axis=-1)

    def target_loss(self, fake_images, real_images):
        l1 = losses.l1_loss(fake_images, real_images)
        self.trackers["L1"].update_state(l1)
        return self.l1_weight * l1

    def translate(self, sources, batch_size=256):
        """Translated images in [-1, 1] [N, H, W, C_B] of numpy sources in [-1, 1] [N, H, W, C_A], by the
        network that samples (the weight average where there is one), in inference mode."""
        chunks = [
            np.asarray(self.generate({}, sources[start : start + batch_size], training=False))
            for start in range(0, len(sources), batch_size)
        ]
        return np.concatenate(chunks)
