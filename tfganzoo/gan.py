"""One GAN base class with the one shared `train_step`; variants override small hooks, never the step."""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from tfganzoo import losses

# Names of the logged quantities, as in the tutorial's loss.csv header (after the epoch column).
LOG_NAMES = ("Real_P", "Fake_P", "Gen_loss", "Dis_loss")


def _as_tensors(structure):
    return keras.tree.map_structure(lambda x: x if x is None else ops.convert_to_tensor(x), structure)


def _cast(structure, dtype):
    return keras.tree.map_structure(lambda x: ops.cast(x, dtype), structure)


def _rows(structure, part):
    """The rows `part` (a slice) of every tensor of a structure (None stays None)."""
    return keras.tree.map_structure(lambda x: None if x is None else x[part], structure)


class GAN(keras.Model):
    """A generator and a discriminator trained adversarially by `fit`.

    The discriminator returns logits, shape [batch, 1], or a dict with a "logits" entry plus auxiliary
    heads. Variants change behaviour only through these hooks:

      sample_latent(batch_size)             -> dict of latent inputs (here {"noise": [batch, noise_dim]})
      generator_inputs(latent, labels)      -> what the generator network is called on
      discriminator_inputs(images, labels)  -> what the discriminator network is called on
      discriminator_extra_loss(real_out, fake_out, latent, labels) -> scalar added to the D objective
      generator_extra_loss(fake_out, latent, labels)                -> scalar added to the G objective
      mismatched_logits(real_images, labels) -> None, or D's logits for more negatives (real images, wrong labels)
      target_loss(fake_images, real_images) -> scalar added to the G objective, tying each generated image to
                                               the real image of its pair (pix2pix's L1; 0 without pairs)
      step_batch(real_images, labels)       -> the (real_images, labels) the step trains on, of the data's
      discriminator_fakes(fake_images)      -> the generated images D learns from this update (CycleGAN's pool)
    (the AC-GAN class term and the InfoGAN mutual-information term go in the extra losses; images and labels
    may be structures of tensors, as CycleGAN's two domains are), and, outside the
    step, latent_spec() and fixed_latent(num, seed), which describe and draw the same latents for sampling
    and export. Code outside this module asks what a variant can do through its capabilities, never its
    class: `conditional` (generation takes class labels), `latent_codes` (with num_categorical and
    num_continuous), `translates` (the data's "labels" are the source images each real image translates,
    tfganzoo.translation) and `unpaired` (it learns from two unpaired domains). A variant logs more
    quantities by naming them in `extra_log_names`.

    Args:
      generator: maps generator_inputs(...) to images in [-1, 1], shape [batch, H, W, C].
      discriminator: maps discriminator_inputs(...) to logits.
      noise_dim: length of the noise vector z ~ N(0, I).
      num_classes: number of classes in the data (used by conditional variants).
      loss: key of `losses.LOSSES`.
      penalty: key of `losses.PENALTIES`, added to the D loss times `penalty_weight` (None: its default).
      penalty_every: lazy regularisation (Karras et al. 2020, appendix B): the penalty only on every
        `penalty_every`-th D update, times `penalty_every`, so its expected weight stays the same.
      clip: clip every discriminator weight to [-clip, clip] after each D update (the original WGAN).
      d_steps: discriminator updates per generator update, each on its own real batch: a step receives
        d_steps batches at once (the pipeline's batch is d_steps x batch_size) and splits them.
      seed: seed of the generator-noise stream drawn inside the train step.
      ema_decay: if > 0, `generator_ema` keeps an exponential moving average of the generator's weights,
        updated after each generator step, and everything outside the train step samples from it (see
        `sampler`). The decay ramps up as min(ema_decay, (1 + t) / (10 + t)) at generator step t, as
        tf.train.ExponentialMovingAverage's num_updates does, so the first epochs do not average in the
        initial weights.
      adversarial_weight: weight of the adversarial term in the generator's objective (0: a translation
        model trained by its target terms alone, the papers' ablation; the discriminator still trains).
    """

    conditional = False  # whether generation takes class labels
    latent_codes = False  # whether the latents hold codes to recover (InfoGAN's categorical and continuous ones)
    num_categorical = 0  # values of the categorical code, where there is one
    num_continuous = 0  # continuous codes
    translates = False  # whether it translates source images (the data's second element) instead of noise
    unpaired = False  # whether it learns translation from unpaired domains (the data's pairs, if any, unused)
    extra_log_names = ()  # quantities a variant logs beyond LOG_NAMES (its hooks update their trackers)
    # Whether the last D update and the G update learn from one generator pass, as the reference pix2pix and
    # CycleGAN loops do, instead of a generation each: a translation generator takes no latent and the D
    # update does not change it, so a second pass would cost a forward pass to recompute the same images
    # (only its dropout, pix2pix's noise, would differ).
    shares_generator_pass = False

    def __init__(
        self,
        generator,
        discriminator,
        *,
        noise_dim,
        num_classes,
        loss="ns",
        penalty="none",
        penalty_weight=None,
        penalty_every=1,
        clip=None,
        d_steps=1,
        seed=None,
        ema_decay=0.0,
        adversarial_weight=1.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.noise_dim = noise_dim
        self.num_classes = num_classes
        self.loss_pair = losses.get_loss(loss)
        self.penalty = losses.get_penalty(penalty)
        self.penalty_weight = self.penalty.default_weight if penalty_weight is None else penalty_weight
        self.penalty_every = penalty_every
        self.clip = clip
        self.d_steps = d_steps
        self.adversarial_weight = adversarial_weight
        # A SeedGenerator's state is a variable: the noise stream is reproducible and checkpointable.
        self.seed_generator = keras.random.SeedGenerator(seed)
        names = LOG_NAMES + self.extra_log_names + (("Penalty",) if self.penalty.function else ())
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.ema_decay = ema_decay
        self.generator_ema = averaged_copy(generator) if ema_decay else None
        self.step_state = []  # variables the train step keeps beyond the networks, optimizers and noise
        self.built = True  # its networks are built; fit must not trace `call` on a batch to build it

    def compile(self, g_optimizer, d_optimizer, **kwargs):
        super().compile(**kwargs)
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer
        # Create the optimizers' slot variables now, outside the replica context: Keras 3 otherwise builds
        # them lazily inside the first step, which fails under tf.distribute (keras-team/keras#20164).
        g_optimizer.build(self.generator.trainable_variables)
        d_optimizer.build(self.discriminator.trainable_variables)

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras's TF trainer peeks a batch to build an unbuilt model under a tf.distribute strategy; every
        # part of a GAN is built by then (networks, optimizers in compile), and under MultiWorkerMirrored-
        # Strategy the peek itself fails (it reduces a batch of PerReplica values to a tensor).
        pass

    @property
    def metrics(self):
        # Listed here so that `fit` resets the running means at the start of every epoch.
        return list(self.trackers.values())

    # ----- hooks for variants -----
    def sample_latent(self, batch_size):
        return {"noise": keras.random.normal((batch_size, self.noise_dim), seed=self.seed_generator)}

    def generator_inputs(self, latent, labels):
        return latent["noise"]

    def latent_spec(self):
        """{name: (shape without batch, dtype)} of the latent inputs, for serving signatures."""
        return {"noise": ((self.noise_dim,), "float32")}

    def fixed_latent(self, num, seed):
        """`num` latents as numpy arrays, the same for the same seed (for sampling outside training)."""
        rng = np.random.default_rng(seed)
        return {"noise": rng.standard_normal((num, self.noise_dim)).astype(np.float32)}

    def discriminator_inputs(self, images, labels):
        return images

    def discriminator_extra_loss(self, real_out, fake_out, latent, labels):
        return 0.0

    def generator_extra_loss(self, fake_out, latent, labels):
        return 0.0

    def mismatched_logits(self, real_images, labels):
        return None

    def target_loss(self, fake_images, real_images):
        return 0.0

    def step_batch(self, real_images, labels):
        return real_images, labels

    def discriminator_fakes(self, fake_images):
        return fake_images

    # ----- shared machinery -----
    @property
    def sampler(self):
        """The generator that samples, is evaluated, saved and exported: the averaged one when there is one."""
        return self.generator if self.generator_ema is None else self.generator_ema

    def generate(self, latent, labels, training=False):
        """Images from the trained generator (training=True, in the step) or from the sampler (otherwise)."""
        latent, labels = _as_tensors((latent, labels))  # Keras refuses numpy and tensors mixed in one call
        network = self.generator if training else self.sampler
        # Out in full precision (keras.config.floatx(): float32 unless a program sets it) whatever the compute
        # precision, so images and losses never come out in 16 bits.
        return _cast(network(self.generator_inputs(latent, labels), training=training), keras.config.floatx())

    def discriminate(self, images, labels, training=False):
        images, labels = _as_tensors((images, labels))
        out = self.discriminator(self.discriminator_inputs(images, labels), training=training)
        out = out if isinstance(out, dict) else {"logits": out}
        return {name: ops.cast(value, keras.config.floatx()) for name, value in out.items()}

    def call(self, inputs, training=False):
        latent, labels = inputs
        return self.generate(latent, labels, training=training)

    def train_step(self, data):
        real_images, labels = self.step_batch(*keras.utils.unpack_x_y_sample_weight(data)[:2])
        batch_size = ops.shape(keras.tree.flatten(real_images)[0])[0] // self.d_steps
        parts = [slice(k * batch_size, (k + 1) * batch_size) for k in range(self.d_steps)]
        batches = [(_rows(real_images, part), _rows(labels, part)) for part in parts]  # one per D update
        last_real, last_labels = batches[-1]  # the G update's too
        with tf.GradientTape() as tape:  # the generator's; the D updates inside it are not recorded
            shared = self._generation(last_labels, batch_size) if self.shares_generator_pass else None
            with tape.stop_recording():
                for k, (real, batch_labels) in enumerate(batches):  # unrolled: d_steps is small and fixed
                    generated = shared if k == self.d_steps - 1 else None
                    self._track(self._discriminator_update(real, batch_labels, batch_size, generated))
            g_loss = self._generator_loss(last_real, last_labels, shared or self._generation(last_labels, batch_size))
            scaled_loss = self._for_gradients(self.g_optimizer, g_loss)
        self._generator_update(tape, scaled_loss)
        self._track({"Gen_loss": g_loss})
        logs = {name: tracker.result() for name, tracker in self.trackers.items()}
        if isinstance(self.distribute_strategy, tf.distribute.MultiWorkerMirroredStrategy):
            # Keras reduces each worker's logs with reduce("MEAN", axis=0), which needs an axis to reduce.
            logs = {name: ops.reshape(value, (1,)) for name, value in logs.items()}
        return logs

    def _track(self, values):
        for name, value in values.items():
            self.trackers[name].update_state(value)

    def _generation(self, labels, batch_size):
        """(latent, images): fresh latents for `batch_size` examples of `labels`, and the generator's images."""
        latent = self._replica_latent(batch_size)
        return latent, self.generate(latent, labels, training=True)

    def _replica_latent(self, batch_size):
        return self._replica_draw(self.sample_latent, batch_size)

    @staticmethod
    def _replica_draw(sample, batch_size):
        """`sample(n)` (a structure of [n, ...] random tensors) for this replica's `batch_size` examples: under
        a tf.distribute strategy, this replica's slice of a draw for the global batch (the random stream's state
        is the same on every replica), so any number of replicas trains on the draws one device would."""
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context else 1
        if replicas == 1:
            return sample(batch_size)
        start = context.replica_id_in_sync_group * batch_size
        return keras.tree.map_structure(lambda x: x[start : start + batch_size], sample(batch_size * replicas))

    @staticmethod
    def _for_gradients(optimizer, loss):
        """The loss to differentiate: scaled for float16 (LossScaleOptimizer), and divided by the number of
        replicas, whose gradients the optimizer sums, so the update is that of the global batch's mean."""
        context = tf.distribute.get_replica_context()
        return optimizer.scale_loss(loss) / (context.num_replicas_in_sync if context else 1)

    def _discriminator_update(self, real_images, labels, batch_size, generated=None):
        """One D step, on `generated` (latent, images) if given, else on a generation of its own. Returns its
        loss, penalty, and its mean output (LossPair.output) on real and fake."""
        latent, fake_images = generated or self._generation(labels, batch_size)
        # No gradient into the generator from this step.
        fake_images = self.discriminator_fakes(keras.tree.map_structure(tf.stop_gradient, fake_images))
        real_images = _cast(real_images, keras.config.floatx())
        with tf.GradientTape() as tape:
            with tf.GradientTape(watch_accessed_variables=False) as at_real:  # for a penalty on the real images
                at_real.watch(real_images)
                real_out = self.discriminate(real_images, labels, training=True)
            fake_out = self.discriminate(fake_images, labels, training=True)
            negatives = fake_out["logits"]
            mismatched = self.mismatched_logits(real_images, labels)
            if mismatched is not None:
                # The fake half of the loss then averages over generated images and mismatched real pairs.
                negatives = ops.concatenate([negatives, mismatched], axis=0)
            d_loss = self.loss_pair.discriminator(real_out["logits"], negatives)
            d_loss += self.discriminator_extra_loss(real_out, fake_out, latent, labels)
            values = {}
            if self.penalty.function:
                penalty = lambda: self._penalty(real_images, fake_images, labels, real_out, at_real)  # noqa: E731
                values["Penalty"] = self._lazy(penalty)
                d_loss += self.penalty_weight * values["Penalty"]
            scaled_loss = self._for_gradients(self.d_optimizer, d_loss)
        variables = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(tape.gradient(scaled_loss, variables), variables, strict=True))
        if self.clip:
            for variable in variables:
                variable.assign(ops.clip(variable, -self.clip, self.clip))
        output = self.loss_pair.output
        return {
            "Dis_loss": d_loss,
            "Real_P": ops.mean(output(real_out["logits"])),
            "Fake_P": ops.mean(output(fake_out["logits"])),
            **values,
        }

    def _penalty(self, real_images, fake_images, labels, real_out, at_real):
        """The gradient penalty's value. One taken at the real images gets D's gradients there from `at_real`,
        the tape of the step's own pass over them (real_out), which saves a forward pass per step."""
        if self.penalty.of_real_gradients:
            return self.penalty.of_real_gradients(at_real.gradient(real_out["logits"], real_images))
        critic = lambda images: self.discriminate(images, labels, training=True)["logits"]  # noqa: E731
        return self.penalty.function(critic, real_images, fake_images, self.seed_generator)

    def _lazy(self, penalty):
        """penalty() on D updates 0, k, 2k, ... (k = penalty_every), times k, else 0 without computing it: the
        logged mean is still the penalty's, and the D loss's expected gradient the same."""
        if self.penalty_every == 1:
            return penalty()
        due = ops.equal(self.d_optimizer.iterations % self.penalty_every, 0)
        return ops.cond(due, lambda: self.penalty_every * penalty(), lambda: ops.zeros((), keras.config.floatx()))

    def _generator_loss(self, real_images, labels, generated):
        """The G objective of `generated` (latent, images; made under the caller's tape) through the just-
        updated discriminator (`real_images`: the real batch of the last D step, for target_loss)."""
        latent, fake_images = generated
        fake_out = self.discriminate(fake_images, labels, training=True)
        g_loss = self.adversarial_weight * self.loss_pair.generator(fake_out["logits"])
        g_loss += self.generator_extra_loss(fake_out, latent, labels)
        return g_loss + self.target_loss(fake_images, _cast(real_images, keras.config.floatx()))

    def _generator_update(self, tape, scaled_loss):
        """Applies the gradients of scaled_loss (recorded on `tape`) to the generator, then updates its
        weight average."""
        variables = self.generator.trainable_variables
        gradients = tape.gradient(scaled_loss, variables)
        self.g_optimizer.apply_gradients(zip(gradients, variables, strict=True))
        if self.generator_ema is not None:
            self._update_average()

    def _update_average(self):
        """Moves generator_ema towards the generator: every weight, batch-norm statistics included. Each replica
        holds the same weights, so each assigns the same value to its copy."""
        steps = ops.cast(self.g_optimizer.iterations, keras.config.floatx())
        decay = ops.minimum(self.ema_decay, (1.0 + steps) / (10.0 + steps))
        for average, variable in zip(self.generator_ema.variables, self.generator.variables, strict=True):
            average.assign(decay * average + (1.0 - decay) * ops.cast(variable, average.dtype))


def averaged_copy(network):
    """A copy of `network` with its weights, to hold their moving average (GAN's ema_decay)."""
    copy = keras.models.clone_model(network)
    copy.set_weights(network.get_weights())
    copy.trainable = False
    return copy


class LabelledGAN(GAN):
    """A generator that draws the class it is given (one-hot). The fakes of a step are conditioned on the labels
    of the real batch, so they follow the data's class frequencies."""

    conditional = True

    def one_hot(self, labels):
        return ops.one_hot(ops.cast(labels, "int32"), self.num_classes)

    def generator_inputs(self, latent, labels):
        return [latent["noise"], self.one_hot(labels)]


class ConditionalGAN(LabelledGAN):
    """Both networks also see the class label, one-hot (Mirza & Osindero 2014, "Conditional GANs").

    With `mismatched_labels`, the discriminator also learns to reject real images paired with a
    wrong label (the matching-aware discriminator of Reed et al. 2016, "GAN-CLS"): its fake half of the loss
    averages generated pairs and mismatched real pairs, so it must read the label, not only the image.

    Each real image's wrong label is drawn uniformly from the other classes, or, with `mismatch_temperature`
    t > 0, with probability proportional to exp(s / t), where s is the running mean of the discriminator's
    output (LossPair.output) on real images of that class paired with that label (`label_scores`, [true
    class, label], updated from each step's mismatched pairs). The wrong labels it still accepts, those of
    look-alike classes (a coat for a pullover), are drawn most: the negatives that teach the boundary the
    generator's samples fall across.
    """

    SCORES_DECAY = 0.99  # label_scores: a mean over about the last 100 draws of each pair

    def __init__(self, *args, mismatched_labels=False, mismatch_temperature=0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.mismatched_labels = mismatched_labels
        self.mismatch_temperature = mismatch_temperature
        self.label_scores = None
        if mismatched_labels and mismatch_temperature > 0:
            self.label_scores = self.add_weight(
                shape=(self.num_classes, self.num_classes),
                initializer="zeros",
                trainable=False,
                aggregation="mean",
                name="label_scores",
            )
            self.step_state.append(self.label_scores)

    def discriminator_inputs(self, images, labels):
        return [images, self.one_hot(labels)]

    def mismatched_logits(self, real_images, labels):
        if not self.mismatched_labels:
            return None
        wrong = self.wrong_labels(labels)
        logits = self.discriminate(real_images, wrong, training=True)["logits"]
        if self.label_scores is not None:
            self._update_label_scores(labels, wrong, ops.stop_gradient(self.loss_pair.output(logits)))
        return logits

    def wrong_labels(self, labels):
        """A label other than its own for each of `labels` [B]: uniform, or drawn by `label_scores`."""
        labels = ops.cast(labels, "int32")
        if self.label_scores is None:  # its own shifted by 1..K-1 classes, uniformly
            shift = self._replica_draw(
                lambda n: keras.random.randint((n,), 1, self.num_classes, seed=self.seed_generator),
                ops.shape(labels)[0],
            )
            return (labels + shift) % self.num_classes
        logits = ops.take(ops.convert_to_tensor(self.label_scores), labels, axis=0) / self.mismatch_temperature
        probabilities = ops.softmax(logits - 1e9 * self.one_hot(labels), axis=-1)  # never its own
        # Inverse-CDF sampling with one uniform per image, drawn as one device would draw them: the first
        # class whose cumulative probability exceeds u (a class of probability 0 is never the first).
        cumulative = ops.cumsum(probabilities, axis=-1)
        u = (
            self._replica_draw(lambda n: keras.random.uniform((n, 1), seed=self.seed_generator), ops.shape(labels)[0])
            * cumulative[:, -1:]
        )
        return ops.minimum(ops.sum(ops.cast(cumulative <= u, "int32"), axis=-1), self.num_classes - 1)

    def _update_label_scores(self, labels, wrong, scores):
        """Moves label_scores[i, j] towards the mean of `scores` [B, 1] over this batch's pairs (i, j)."""
        true, given = self.one_hot(labels), self.one_hot(wrong)
        counts = ops.matmul(ops.transpose(true), given)
        sums = ops.matmul(ops.transpose(true), given * ops.cast(ops.reshape(scores, (-1, 1)), given.dtype))
        context = tf.distribute.get_replica_context()
        if context and context.num_replicas_in_sync > 1:  # the global batch's pairs, as one device would count
            counts, sums = context.all_reduce("sum", [counts, sums])
        moved = self.SCORES_DECAY * self.label_scores + (1 - self.SCORES_DECAY) * sums / ops.maximum(counts, 1.0)
        self.label_scores.assign(ops.where(counts > 0, moved, self.label_scores))


class ACGAN(LabelledGAN):
    """AC-GAN (Odena et al. 2017): the generator takes the class, the discriminator sees only the image and
    predicts its class ("class_logits" [B, K]); both players add the class log-likelihood of real and
    generated images to their objectives (the generator only the generated one's, which it controls)."""

    def __init__(self, *args, class_weight=1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.class_weight = class_weight

    def discriminator_extra_loss(self, real_out, fake_out, latent, labels):
        return self.class_weight * (
            losses.acgan_class_loss(real_out["class_logits"], labels)
            + losses.acgan_class_loss(fake_out["class_logits"], labels)
        )

    def generator_extra_loss(self, fake_out, latent, labels):
        return self.class_weight * losses.acgan_class_loss(fake_out["class_logits"], labels)


class InfoGAN(GAN):
    """InfoGAN (Chen et al. 2016): the generator also takes latent codes, one categorical code of
    `num_categorical` values and `num_continuous` codes uniform on [-1, 1]; a Q head on the discriminator
    body predicts them from generated images, and both the generator and Q minimise
    info_weight * (the negated mutual-information lower bound), its continuous part weighted by
    continuous_weight. With uniform_noise the noise is U(-1, 1), as in the authors' code, instead of N(0, I)."""

    latent_codes = True

    def __init__(
        self,
        *args,
        num_categorical=10,
        num_continuous=2,
        info_weight=1.0,
        continuous_weight=1.0,
        uniform_noise=False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.uniform_noise = uniform_noise
        self.num_categorical = num_categorical
        self.num_continuous = num_continuous
        self.info_weight = info_weight
        self.continuous_weight = continuous_weight

    def sample_latent(self, batch_size):
        if self.uniform_noise:
            noise = keras.random.uniform((batch_size, self.noise_dim), -1.0, 1.0, seed=self.seed_generator)
        else:
            noise = super().sample_latent(batch_size)["noise"]
        return {
            "noise": noise,
            "categorical": keras.random.randint((batch_size,), 0, self.num_categorical, seed=self.seed_generator),
            "continuous": keras.random.uniform((batch_size, self.num_continuous), -1.0, 1.0, seed=self.seed_generator),
        }

    def latent_spec(self):
        return {
            **super().latent_spec(),
            "categorical": ((), "int32"),
            "continuous": ((self.num_continuous,), "float32"),
        }

    def fixed_latent(self, num, seed):
        rng = np.random.default_rng([seed, 1])  # independent of the noise stream of the same seed
        noise = super().fixed_latent(num, seed)["noise"]
        if self.uniform_noise:  # the same stream, mapped to U(-1, 1) through the normal's CDF
            noise = np.vectorize(math.erf)(noise / math.sqrt(2)).astype(np.float32)
        return {
            "noise": noise,
            "categorical": rng.integers(0, self.num_categorical, num).astype(np.int32),
            "continuous": rng.uniform(-1, 1, (num, self.num_continuous)).astype(np.float32),
        }

    def generator_inputs(self, latent, labels):
        categorical = ops.one_hot(ops.cast(latent["categorical"], "int32"), self.num_categorical)
        codes = ops.concatenate([categorical, ops.cast(latent["continuous"], categorical.dtype)], axis=-1)
        return [latent["noise"], codes]

    def _information_loss(self, fake_out, latent):
        return self.info_weight * losses.infogan_mutual_information_loss(
            fake_out, latent["categorical"], latent["continuous"], self.continuous_weight
        )

    def discriminator_extra_loss(self, real_out, fake_out, latent, labels):
        return self._information_loss(fake_out, latent)

    def generator_extra_loss(self, fake_out, latent, labels):
        return self._information_loss(fake_out, latent)
