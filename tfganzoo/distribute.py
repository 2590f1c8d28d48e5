"""--strategy: which tf.distribute strategy trains the GAN, and which process writes the run.

The batch size is the global batch: Keras splits each batch of the pipeline across the replicas, every
replica averages its losses over its share and divides them by the number of replicas, and the optimizers
sum the replicas' gradients, so the update is that of the global batch's mean loss (see GAN.train_step).
"""

import json
import os

import tensorflow as tf

from tfganzoo.errors import UserError, unknown_choice

STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")


def make_strategy(name):
    """The tf.distribute strategy called `name`:

    default       one device (TensorFlow's default strategy);
    mirrored      MirroredStrategy over all local GPUs, or all logical CPU devices when there is no GPU;
    multi_worker  MultiWorkerMirroredStrategy, the cluster read from the TF_CONFIG environment variable;
    tpu           TPUStrategy on the TPU the environment names (Cloud TPU VM or TPU_NAME).
    """
    if name not in STRATEGIES:
        raise unknown_choice("strategy", name, STRATEGIES)
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        return tf.distribute.MirroredStrategy([d.name for d in gpus or tf.config.list_logical_devices("CPU")])
    if name == "multi_worker":
        if "TF_CONFIG" not in os.environ:
            raise UserError(
                "--strategy=multi_worker needs the cluster in TF_CONFIG, e.g. "
                '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", '
                '"index": 0}} (see docs/usage.md)'
            )
        return tf.distribute.MultiWorkerMirroredStrategy()
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, tf.errors.OpError) as e:
        raise UserError(f"--strategy=tpu: no TPU found ({str(e).splitlines()[0]})") from None
    return tf.distribute.TPUStrategy(resolver)


def is_chief(strategy):
    """Whether this process writes the run: always, except for the non-chief workers of multi_worker (the
    chief is the task of type "chief", or worker 0 when the cluster has none)."""
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return True
    config = json.loads(os.environ["TF_CONFIG"])
    task = config.get("task", {})
    if "chief" in config.get("cluster", {}):
        return task.get("type") == "chief"
    return task.get("type", "worker") == "worker" and task.get("index", 0) == 0
