"""Run as a script: one PGDAT step with --synchronized_bn models on 1 and on 2 replicas (logical
CPUs, configured before any TensorFlow op, hence a subprocess) must give the same weights.

  synchronized_bn_check.py FACTORY_FOLDER
Prints one JSON line {model: largest weight difference}: a built-in BatchNorm architecture
(wide_resnet), a user's factory model (its BatchNorm layers synchronised by igdtf), and that
model saved as a .keras file and loaded as an --init_from run's student is.
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
from igdtf.data.registry import DatasetInfo  # noqa: E402
from igdtf.models import build_model  # noqa: E402
from igdtf.training import TrainConfig  # noqa: E402
from igdtf.training.init_from import student_model  # noqa: E402

from tests.methods.harness import harness_trainer  # noqa: E402

sys.path.insert(0, sys.argv[1])
MODELS = {"wide_resnet": ("wide_resnet", {"depth": 10, "width": 1}), "factory": ("my_models:small_net", {})}
INFO = DatasetInfo("check", 3, (8, 8, 3), (0.5,) * 3, (0.25,) * 3, 2, ("train",), None)


def built(arch, options):
    return build_model(arch, INFO.image_shape, 3, INFO.mean, INFO.std, synchronized_bn=True, **options)


def initialised_from(path):
    """The student of an --init_from=`path` --synchronized_bn run, as training builds it."""
    config = TrainConfig.create(method="pgdat", arch="init_from", init_from=path, arch_options={"synchronized_bn": True})
    return student_model(config, INFO, tempfile.mkdtemp(), tempfile.mkdtemp(), resuming=False)[1]


def one_step(make_student, strategy, x, y):
    with strategy.scope():
        keras.utils.set_random_seed(0)
        student = make_student()
        trainer = harness_trainer("pgdat", student, None, x, y, tempfile.mkdtemp(), strategy=strategy,
                                  optimizer=keras.optimizers.SGD(0.5), attack=PGD(steps=2, random_start=False))
    trainer.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(8), epochs=1, verbose=0)
    return student.get_weights()


rng = np.random.default_rng(0)
x, y = rng.uniform(0, 1, (8, 8, 8, 3)).astype("float32"), rng.integers(0, 3, 8).astype("int32")
# One strategy of each kind for every model: a second MirroredStrategy in a process reuses the
# first one's collective instance keys, and its all-reduces then clash.
one_device, mirrored = tf.distribute.OneDeviceStrategy("/cpu:0"), tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
source = f"{tempfile.mkdtemp()}/source.keras"
build_model("my_models:small_net", INFO.image_shape, 3).save(source)
makers = {name: lambda arch=arch, options=options: built(arch, options) for name, (arch, options) in MODELS.items()}
makers["init_from"] = lambda: initialised_from(source)
results = {}
for name, make_student in makers.items():
    one, two = (one_step(make_student, strategy, x, y) for strategy in (one_device, mirrored))
    results[name] = max(float(np.abs(a - b).max()) for a, b in zip(one, two))
print(json.dumps(results))
