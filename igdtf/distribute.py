"""tf.distribute strategies by name, and which worker writes files.

Global batch semantics: `batch_size` everywhere is the GLOBAL batch, summed over all replicas of
all workers. Each of R replicas gets batch_size / R examples (batch_size must be divisible by
R), losses are averaged over the global batch (tf.nn.compute_average_loss), so one step on R
replicas equals one step on one device at the same batch_size, and the learning rate needs no
rescaling when the number of GPUs changes. Synchronized BatchNorm (resnet18's
synchronized_bn) makes the batch statistics global too; by default they are per replica.

multi_worker: MultiWorkerMirroredStrategy configured by the TF_CONFIG environment variable,
e.g. on worker 0 of two:
  TF_CONFIG='{"cluster": {"worker": ["host0:12345", "host1:12345"]},
              "task": {"type": "worker", "index": 0}}'
Every worker runs the same command with the same --output_dir on a shared file system;
worker 0 (or the "chief" task, if the cluster has one) writes checkpoints, logs and reports,
the others write theirs to a scratch folder that is deleted (all must save, because saving
synchronises variables across workers).
"""

import json
import os

import tensorflow as tf

from igdtf.validation import check_choice

STRATEGIES = ("auto", "one_device", "mirrored", "multi_worker")


def make_strategy(name: str = "auto") -> tf.distribute.Strategy:
    """"auto": MirroredStrategy over all GPUs if there are several, else the default strategy;
    "one_device": the first GPU (or the CPU); "mirrored": MirroredStrategy over every GPU, or
    over every logical CPU device when there is no GPU (used by the tests); "multi_worker":
    MultiWorkerMirroredStrategy from TF_CONFIG (must be created before any other TF op)."""
    check_choice("strategy", name, STRATEGIES)
    if name == "multi_worker":
        if "TF_CONFIG" not in os.environ:
            raise ValueError("--strategy=multi_worker needs the TF_CONFIG environment variable (cluster "
                             "addresses and this worker's index); see igdtf/distribute.py.")
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    if name == "mirrored" or (name == "auto" and len(gpus) > 1):
        devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    if name == "one_device":
        return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")
    return tf.distribute.get_strategy()


def in_multi_worker_mode(strategy: tf.distribute.Strategy) -> bool:
    """True for a MultiWorkerMirroredStrategy spanning several workers."""
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and \
        strategy.extended._in_multi_worker_mode()  # noqa: SLF001  (no public accessor)


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """True unless this process is a non-chief worker of a multi-worker strategy."""
    if not in_multi_worker_mode(strategy):
        return True
    resolver = strategy.cluster_resolver
    task_type, task_id = resolver.task_type, resolver.task_id
    has_chief = "chief" in json.loads(os.environ.get("TF_CONFIG", "{}")).get("cluster", {})
    return task_type == "chief" or (task_type == "worker" and task_id == 0 and not has_chief)


def replica_sum(strategy: tf.distribute.Strategy):
    """A function value -> the sum of the int `value` over every replica of every worker: an
    all-reduce (traced once), so every worker must call it at the same point of its program."""

    @tf.function
    def total(value):
        return strategy.reduce(tf.distribute.ReduceOp.SUM, strategy.run(tf.identity, args=(value,)), axis=None)

    return lambda value: int(total(tf.constant(value, tf.int32)))


def worker_path(path: str, strategy: tf.distribute.Strategy) -> str:
    """`path` on the chief; a per-worker scratch path next to it on the other workers."""
    if is_chief(strategy):
        return path
    resolver = strategy.cluster_resolver
    parent, leaf = os.path.split(os.path.normpath(path))
    return os.path.join(parent, f".worker_scratch_{resolver.task_type}_{resolver.task_id}", leaf)
