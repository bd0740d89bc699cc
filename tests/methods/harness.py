"""The method harness: builds any registered method around a tiny student, through its own
`prepare` hook, so a new method class is exercised without being named here."""

import keras
import numpy as np
import tensorflow as tf

from igdtf.attacks import PGD
from igdtf.data.registry import DatasetInfo
from igdtf.methods import METHODS, MethodContext, build_trainer, method_class
from igdtf.methods.options import split_options
from igdtf.training import TrainConfig

from tests.conftest import IMAGE_SHAPE, NUM_CLASSES, tiny_cnn

# Option values that only make the harness fast, applied to every method that has the option.
FAST_OPTIONS = {"igam_finetune_steps": 0, "pag_pool_size": 4}


def toward_other_class(x, labels, target):
    """A stand-in Δx for 8×8 test images: +1 everywhere towards a higher class, −1 towards a lower."""
    sign = tf.cast(tf.sign(tf.cast(target, tf.int32) - tf.cast(labels, tf.int32)), tf.float32)
    return tf.ones_like(x) * sign[:, None, None, None]


HARNESS_INFO = DatasetInfo("harness", NUM_CLASSES, IMAGE_SHAPE, (0.5,) * 3, (0.25,) * 3, 4, ("train",), None,
                           delta_x=toward_other_class)


def fast_config(method: str, attack: PGD = PGD(steps=2), **options) -> TrainConfig:
    """A one-epoch TrainConfig of `method` with FAST_OPTIONS and `options` (option names)."""
    fast, _ = split_options(method_class(method).options_class, FAST_OPTIONS)
    return TrainConfig.create(method=method, arch="small_cnn", epochs=1, batch_size=4, attack=attack,
                              **{**fast, **options})


def harness_trainer(method, student, teacher, x, y, output_dir: str, strategy=None, optimizer=None,
                    attack: PGD = PGD(steps=2), **arguments):
    """`method`'s compiled trainer around `student`: its prepare hook on (x, y) batches of 4 (the
    config's training attack `attack`), the teacher if its options need one, `arguments` as
    option fields or constructor arguments."""
    cls = METHODS[method]
    options, arguments = split_options(cls.options_class, arguments)
    config = fast_config(method, attack, **options)
    needs_teacher = cls.required_teacher(config.method_options) is not None
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    context = MethodContext(config, HARNESS_INFO, data, output_dir, teacher if needs_teacher else None,
                            strategy or tf.distribute.get_strategy(), steps_per_epoch=2)
    prepared = dict(cls.prepare(context))
    chosen_teacher = prepared.pop("teacher", teacher if needs_teacher else None)
    trainer = build_trainer(method, student, teacher=chosen_teacher, options=config.method_options,
                            **{**prepared, **arguments})
    trainer.compile(optimizer=optimizer or keras.optimizers.SGD(0.1, momentum=0.9))
    return trainer


def reported_metrics(trainer) -> set:
    """The per-step metrics a trainer declares: loss, ce, its penalty's and regularizer's, acc."""
    return {"loss", "ce", *trainer.penalty_metrics, *trainer.regularizer_metrics(), "acc"}


def check_method_trains(method, batch, tmp_path, make_model=tiny_cnn, **options):
    """The harness: two steps move the student, leave the teacher frozen, report the declared
    metrics (finite); evaluation reports loss, ce, acc; the student saves and reloads.
    `make_model(seed)`: the student (seed 0) and teacher (seed 1) architecture, for 8×8×3 images
    and 3 classes; `options`: the method's option fields (e.g. pag_source)."""
    x, y = batch
    student, teacher = make_model(0), make_model(1)
    teacher_before = [w.copy() for w in teacher.get_weights()]
    student_before = [w.copy() for w in student.get_weights()]
    trainer = harness_trainer(method, student, teacher, x, y, str(tmp_path), weight_decay=5e-4,
                               **options)
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    history = trainer.fit(data, epochs=1, verbose=0).history
    assert set(history) == reported_metrics(trainer)
    assert all(np.isfinite(v[-1]) for v in history.values())
    assert int(trainer.optimizer.iterations.numpy()) == 2
    assert any(not np.allclose(a, b) for a, b in zip(student_before, student.get_weights()))
    for before, after in zip(teacher_before, teacher.get_weights()):
        np.testing.assert_array_equal(before, after)
    evaluation = trainer.evaluate(data, verbose=0, return_dict=True)
    assert set(evaluation) == {"loss", "ce", "acc"}
    path = str(tmp_path / "student.keras")
    student.save(path)
    np.testing.assert_allclose(keras.models.load_model(path)(x).numpy(), student(x).numpy(), atol=1e-5)
