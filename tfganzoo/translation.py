"""Image-to-image translation on the shared train step: the data's second element is the source image.

pix2pix (Isola et al. 2017) is the shared GAN step with three hooks: the generator is called on the source
image (its dropout is the only noise, so there is no latent), the discriminator judges the source and an
image side by side (a conditional PatchGAN: real pairs against generated ones), and the generator's objective
adds l1_weight times the mean absolute error to the pair's real target. Everything else (losses, penalties,
spectral norm, the weight average, d_steps, checkpoints) is the step's own.

CycleGAN (Zhu et al. 2017) is the same step on structures: its generator network holds both generators,
G: A -> B and F: B -> A, and maps the sources (a, b) to (G(a), F(b)); its discriminator network holds D_B and
D_A and maps images (b, a) to their patch logits stacked along the batch, so each loss of the registry is the
mean of the two directions' (the papers' sum, halved, which Adam's updates do not see). The hooks arrange the
unpaired batch (b, a) as both directions (step_batch), let the discriminators learn from a pool of earlier
translations (discriminator_fakes, ImagePool), and add the cycle and identity terms (target_loss).
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from tfganzoo import losses
from tfganzoo.gan import GAN


class Translation(GAN):
    """A generator that translates source images [B, H, W, C_A] into images [B, H, W, C_B]; no latent noise."""

    translates = True
    directions = ("AtoB",)  # the ways it translates at inference
    shares_generator_pass = True

    def sample_latent(self, batch_size):
        return {}  # the generator's dropout is its noise (Isola et al. 2017, section 2.1)

    def latent_spec(self):
        return {}

    def fixed_latent(self, num, seed):
        return {}

    def generator_inputs(self, latent, sources):
        return sources

    def translator(self, direction="AtoB"):
        """The network that translates one way at inference: the sampler (the weight average where there is
        one), or its half for `direction` when it holds both ways."""
        return self.sampler

    def source_shape(self, direction="AtoB"):
        """[H, W, C] of the images it translates `direction`."""
        return tuple(self.translator(direction).input_shape[1:])

    def translate(self, sources, batch_size=256, direction="AtoB"):
        """Translated images in [-1, 1] [N, H, W, C] of numpy sources in [-1, 1] [N, H, W, C'], by the
        network that samples (the weight average where there is one), in inference mode."""
        network = self.translator(direction)
        chunks = [
            np.asarray(network(ops.convert_to_tensor(sources[start : start + batch_size]), training=False))
            for start in range(0, len(sources), batch_size)
        ]
        return np.concatenate(chunks).astype(keras.config.floatx())


class Pix2Pix(Translation):
    """pix2pix: a generator trained on pairs (source, target) against a discriminator of pairs.

    Args (beyond GAN's):
      l1_weight: lambda of the L1 term (100 in the paper); logged unweighted as "L1".
    """

    extra_log_names = ("L1",)

    def __init__(self, *args, l1_weight=100.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.l1_weight = l1_weight

    def discriminator_inputs(self, images, sources):
        return ops.concatenate([sources, ops.cast(images, sources.dtype)], axis=-1)

    def target_loss(self, fake_images, real_images):
        l1 = losses.l1_loss(fake_images, real_images)
        self.trackers["L1"].update_state(l1)
        return self.l1_weight * l1


class CycleGAN(Translation):
    """CycleGAN: G: A -> B and F: B -> A trained on unpaired images of the two domains, each against its own
    discriminator, and tied by cycle consistency (F(G(a)) ~ a, G(F(b)) ~ b).

    The generator network maps [a, b] to [G(a), F(b)] (its first output depends on its first input only);
    the discriminator network maps [b, a] to [D_B(b); D_A(a)], stacked along the batch (models/cyclegan.py).

    Args (beyond GAN's):
      cycle_weight: lambda of the cycle terms (10 in the paper); logged unweighted as "Cycle", the mean L1
        of the two reconstructions.
      identity_weight: weight of the identity terms, |G(b) - b| and |F(a) - a| (the reference's
        lambda_identity 0.5 is this 5 with cycle weight 10); needs domains with the same channels. Logged
        unweighted as "Identity" when it is on.
      pool_size: translations each discriminator's pool keeps (ImagePool); 0: none.
    """

    unpaired = True
    directions = ("AtoB", "BtoA")

    def __init__(self, generator, *args, cycle_weight=10.0, identity_weight=0.0, pool_size=50, **kwargs):
        self.cycle_weight, self.identity_weight = cycle_weight, identity_weight
        super().__init__(generator, *args, **kwargs)
        # One pool per discriminator, for the translations into its domain: (B, A), as the images are.
        self.pools = [ImagePool(pool_size, tuple(output.shape[1:])) for output in generator.outputs]
        for pool in self.pools:
            self.step_state.extend(pool.variables)

    @property
    def extra_log_names(self):
        return ("Cycle",) + (("Identity",) if self.identity_weight else ())

    def step_batch(self, targets, sources):
        """The unpaired batch (b, a) as both directions: real images (b, a), translated from sources (a, b)."""
        return (targets, sources), (sources, targets)

    def discriminator_inputs(self, images, sources):
        return list(images)

    def generator_inputs(self, latent, sources):
        return list(sources)

    def discriminator_fakes(self, fake_images):
        return tuple(
            pool.query(images, self.seed_generator) for pool, images in zip(self.pools, fake_images, strict=True)
        )

    def target_loss(self, fake_images, real_images):
        (fake_b, fake_a), (real_b, real_a) = fake_images, real_images
        cycle = _mean_l1(self.generate({}, (fake_a, fake_b), training=True), (real_b, real_a))
        self.trackers["Cycle"].update_state(cycle)
        loss = self.cycle_weight * cycle
        if self.identity_weight:
            identity = _mean_l1(self.generate({}, (real_b, real_a), training=True), (real_b, real_a))
            self.trackers["Identity"].update_state(identity)
            loss += self.identity_weight * identity
        return loss

    def translator(self, direction="AtoB"):
        side = self.directions.index(direction)  # the networks' inputs and outputs are in this order
        return keras.Model(self.sampler.inputs[side], self.sampler.outputs[side])


def _mean_l1(images, targets):
    """The mean over the two directions of the mean absolute error of images to targets (pairs of tensors)."""
    return ops.mean(ops.stack([losses.l1_loss(x, y) for x, y in zip(images, targets, strict=True)]))


class ImagePool:
    """The history of translations a CycleGAN discriminator learns from (Shrivastava et al. 2017; the
    reference's ImagePool): until `size` images are stored, each new image is stored and returned; then each
    is returned as it is with probability 1/2, else swapped for a stored one, drawn uniformly, which is
    returned while the new image takes its place. Images are processed in batch order, as the reference's
    loop does. Its contents and count are variables, so a checkpoint holds them and a resumed run continues
    with the same pool. Under a tf.distribute strategy the first replica's pool is everyone's."""

    def __init__(self, size, image_shape):
        self.size = size
        variable = lambda name, shape, dtype: keras.Variable(  # noqa: E731
            np.zeros(shape, dtype), trainable=False, name=name, aggregation="only_first_replica"
        )
        self.images = variable("pool_images", (max(size, 1),) + image_shape, keras.config.floatx())
        self.count = variable("pool_count", (), "int32")

    @property
    def variables(self):
        return [self.images, self.count]

    def query(self, images, seed_generator):
        """The images [B, ...] to show the discriminator in place of `images`, updating the pool."""
        if not self.size:
            return images
        n = ops.shape(images)[0]
        swaps = keras.random.uniform((n,), seed=seed_generator) < 0.5
        slots = keras.random.randint((n,), 0, self.size, seed=seed_generator)
        return tf.stop_gradient(self.exchange(images, swaps, slots))

    def exchange(self, images, swaps, slots):
        """`query` with its draws given: swaps [B] bool (whether a full pool swaps the image), slots [B] int."""

        def one(i, state):  # the pool travels as loop values and is written once: iterations run in order
            returned, stored, count = state
            filling = count < self.size
            slot = tf.where(filling, count, slots[i])
            swapped = tf.logical_and(tf.logical_not(filling), swaps[i])
            old = stored[slot]
            returned = tf.tensor_scatter_nd_update(returned, [[i]], [tf.where(swapped, old, images[i])])
            new = tf.where(tf.logical_or(filling, swapped), images[i], old)
            stored = tf.tensor_scatter_nd_update(stored, [[slot]], [new])
            return returned, stored, count + tf.cast(filling, "int32")

        state = (ops.convert_to_tensor(images), ops.convert_to_tensor(self.images), ops.convert_to_tensor(self.count))
        returned, stored, count = ops.fori_loop(0, ops.shape(images)[0], one, state)
        self.images.assign(stored)
        self.count.assign(count)
        return returned
