"""Run as a script: one training step on 1 and on 2 replicas (logical CPUs) must agree.

Prints one JSON line {method: {weight_difference, weight_change, log_difference, ...}}. Logical
devices must be configured before any TensorFlow op, which is why the test runs this in a
subprocess. Weights compared: the student's and, for IGAM, the discriminator's.
"""

import json
import sys
import tempfile

import tensorflow as tf

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0],
    [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()],
)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from igdtf.attacks import PGD  # noqa: E402
from igdtf.methods import METHODS  # noqa: E402
from igdtf.methods.options import split_options  # noqa: E402
from igdtf.models import build_model  # noqa: E402

from tests.methods.harness import harness_trainer  # noqa: E402

GLOBAL_BATCH = 8
# The method whose loss is this method's without its own term: the term must move the weights.
BASELINES = {"igd": "pgdat", "trades_igd": "trades", "igam": "standard", "pag": "standard",
             "alignment_penalty": "standard", "input_gradient_norm": "standard", "trades": "standard",
             "kdiga": "standard", "igdm": "pgdat"}
# Options that make each term large enough to move one step visibly (applied where a method has them);
# IGAM's discriminator steps every step: one replica would accumulate, two fall back to a scaled rate;
# its input noise is on, so its replica-invariant draws are checked too.
STRONGER_TERMS = {"igd_lambda": 3.0, "igam_lambda_adv": 1.0, "igam_lambda_diff": 1.0, "igam_discriminator_every": 1,
                  "igam_input_noise": True,
                  "alignment_penalty_lambda": 1.0, "input_gradient_norm_lambda": 10.0, "kdiga_temperature": 2.0,
                  "kdiga_gamma": 10.0, "igdm_alpha": 5.0, "igdm_beta": 0.5}


def _model():
    return build_model("small_cnn", (8, 8, 3), 3, [0.5] * 3, [0.25] * 3, width=4)


def one_step(method: str, strategy, initial_weights, teacher_weights, x, y):
    with strategy.scope():
        student = _model()
        student.set_weights(initial_weights)
        teacher = _model()
        teacher.set_weights(teacher_weights)
        options, _ = split_options(METHODS[method].options_class, STRONGER_TERMS)
        keras.utils.set_random_seed(1)  # the same initial discriminator (IGAM) on 1 and 2 replicas
        trainer = harness_trainer(method, student, teacher, x, y, tempfile.mkdtemp(), strategy=strategy,
                                  optimizer=keras.optimizers.SGD(0.5), weight_decay=5e-3,
                                  attack=PGD(steps=3, random_start=False), **options)
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH)
    logs = trainer.fit(data, epochs=1, verbose=0).history
    weights = student.get_weights() + (trainer.adversary.get_weights() if trainer.adversary is not None else [])
    return weights, {k: v[-1] for k, v in logs.items()}


def _max_difference(first, second) -> float:
    return max(float(np.abs(a - b).max()) for a, b in zip(first, second))


def main(methods):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (GLOBAL_BATCH, 8, 8, 3)).astype("float32")
    y = rng.integers(0, 3, GLOBAL_BATCH).astype("int32")
    keras.utils.set_random_seed(0)
    reference, teacher = _model(), _model()
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert mirrored.num_replicas_in_sync == 2
    result, single_weights = {}, {}
    for method in methods:
        single, single_logs = one_step(method, tf.distribute.get_strategy(), reference.get_weights(),
                                       teacher.get_weights(), x, y)
        double, double_logs = one_step(method, mirrored, reference.get_weights(), teacher.get_weights(), x, y)
        single_weights[method] = single
        result[method] = {
            "weight_difference": _max_difference(single, double),
            "weight_change": _max_difference(single, reference.get_weights()),
            "log_difference": max(abs(single_logs[k] - double_logs[k]) for k in single_logs),
        }
    for method, baseline in BASELINES.items():  # each method's own term must move the weights
        if method in single_weights and baseline in single_weights:
            result[method]["difference_from_baseline"] = _max_difference(single_weights[method],
                                                                         single_weights[baseline])
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
