"""Run as a script: one training step on 1 and on 2 replicas (logical CPUs) must agree.

Prints one JSON line {method: max |w_1 − w_2|}. Logical devices must be configured before any
TensorFlow op, which is why the test runs this in a subprocess.
"""

import json
import sys

import tensorflow as tf

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0],
    [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()],
)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from igdtf.attacks import PGD  # noqa: E402
from igdtf.methods import build_trainer  # noqa: E402
from igdtf.models import build_model  # noqa: E402

GLOBAL_BATCH = 8


def one_step(method: str, strategy, initial_weights, teacher_weights, x, y):
    with strategy.scope():
        student = build_model("small_cnn", (8, 8, 3), 3, [0.5] * 3, [0.25] * 3, width=4)
        student.set_weights(initial_weights)
        options = {"weight_decay": 5e-3}
        teacher = None
        if method != "standard":
            options["attack"] = PGD(steps=3, random_start=False)
        if method == "igd":
            teacher = build_model("small_cnn", (8, 8, 3), 3, [0.5] * 3, [0.25] * 3, width=4)
            teacher.set_weights(teacher_weights)
            options["alignment_weight"] = 3.0
        trainer = build_trainer(method, student, teacher=teacher, **options)
        trainer.compile(optimizer=keras.optimizers.SGD(0.5))
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH)
    logs = trainer.fit(data, epochs=1, verbose=0).history
    return student.get_weights(), {k: v[-1] for k, v in logs.items()}


def main(methods):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (GLOBAL_BATCH, 8, 8, 3)).astype("float32")
    y = rng.integers(0, 3, GLOBAL_BATCH).astype("int32")
    keras.utils.set_random_seed(0)
    reference = build_model("small_cnn", (8, 8, 3), 3, [0.5] * 3, [0.25] * 3, width=4)
    teacher = build_model("small_cnn", (8, 8, 3), 3, [0.5] * 3, [0.25] * 3, width=4)
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert mirrored.num_replicas_in_sync == 2
    result, single_weights = {}, {}
    for method in methods:
        single, single_logs = one_step(method, tf.distribute.get_strategy(), reference.get_weights(),
                                       teacher.get_weights(), x, y)
        double, double_logs = one_step(method, mirrored, reference.get_weights(), teacher.get_weights(), x, y)
        single_weights[method] = single
        moved = max(float(np.abs(a - b).max()) for a, b in zip(single, reference.get_weights()))
        result[method] = {
            "weight_difference": max(float(np.abs(a - b).max()) for a, b in zip(single, double)),
            "weight_change": moved,
            "log_difference": max(abs(single_logs[k] - double_logs[k]) for k in single_logs),
        }
    if {"pgdat", "igd"} <= set(methods):  # the alignment term must move the weights
        result["igd"]["difference_from_pgdat"] = max(
            float(np.abs(a - b).max()) for a, b in zip(single_weights["igd"], single_weights["pgdat"])
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
