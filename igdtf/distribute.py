"""tf.distribute strategies by name.

Global batch semantics: `batch_size` everywhere is the GLOBAL batch; each of R replicas gets
batch_size / R examples and losses are averaged over the global batch.
"""

import tensorflow as tf

from igdtf.validation import check_choice

STRATEGIES = ("auto", "one_device", "mirrored")


def make_strategy(name: str = "auto") -> tf.distribute.Strategy:
    """"auto": MirroredStrategy over all GPUs if there are several, else the default strategy;
    "one_device": the first GPU (or the CPU); "mirrored": MirroredStrategy over every GPU, or
    over every logical CPU device when there is no GPU (used by the tests)."""
    check_choice("strategy", name, STRATEGIES)
    gpus = tf.config.list_logical_devices("GPU")
    if name == "mirrored" or (name == "auto" and len(gpus) > 1):
        devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices)
    if name == "one_device":
        return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")
    return tf.distribute.get_strategy()
