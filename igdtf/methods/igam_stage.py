"""IGAM's first stage inside a training run: the teacher the student learns from.

The robust teacher's logit layer is finetuned on the target task (igam_teacher.py) with its
progress logged, then saved in the run directory with its accuracy on the training batches
(teacher_finetuned.json), or reloaded from there. With igam_finetune_steps = 0 a teacher that
already solves the target task (same classes, same input shape) is used as it is.
"""

import logging
import os

import keras
import tensorflow as tf

from igdtf.errors import UnreadableFileError
from igdtf.methods.adapters import InputAdapter
from igdtf.methods.igam_teacher import finetune_teacher
from igdtf.runs.artefacts import error_summary, load_keras_file
from igdtf.runs.atomic import atomic_path, save_model, write_json
from igdtf.runs.files import ADAPTER_WEIGHTS_FILE, FINETUNED_TEACHER_FILE, TEACHER_REPORT_FILE

log = logging.getLogger("igdtf.training")

ACCURACY_BATCHES = 50


def teacher_accuracy(teacher: keras.Model, adapter: InputAdapter, batches, max_batches: int = ACCURACY_BATCHES) -> float:
    """Accuracy of `teacher` on adapter(x) over the first `max_batches` (x, y) batches."""
    correct = total = 0
    for x, y in batches.take(max_batches):
        logits = teacher(adapter(tf.cast(x, tf.float32), tf.constant([0, 0], tf.int64)), training=False)
        y = tf.cast(tf.reshape(y, [-1]), tf.int64)
        correct += int(tf.reduce_sum(tf.cast(tf.equal(tf.argmax(logits, -1), y), tf.int32)))
        total += int(tf.size(y))
    return correct / max(total, 1)


def _saved_first_stage(teacher_path: str, adapter: InputAdapter, adapter_path: str) -> keras.Model | None:
    """The finetuned teacher saved by an earlier run (loading the adapter's weights), or None if
    there is none or it cannot be read (it is then finetuned again, deterministically from the seed)."""
    if not os.path.exists(teacher_path):
        return None
    try:
        finetuned = load_keras_file(teacher_path)
        if adapter.layer is not None:
            adapter.layer.load_weights(adapter_path)
    except (UnreadableFileError, OSError, ValueError) as error:
        log.warning("igam: %s cannot be read (%s); finetuning the teacher again.", teacher_path,
                    error_summary(error))
        return None
    log.info("igam: loaded the finetuned teacher %s", teacher_path)
    return finetuned


def prepare_igam_teacher(context) -> tuple[keras.Model, InputAdapter]:
    """(the frozen teacher the student matches, its InputAdapter) for an igam run, from a
    MethodContext (options.py) whose teacher is set.

    Raises ValueError when igam_finetune_steps = 0 and the teacher does not already have the
    target task's classes and input shape."""
    info, teacher, output_dir, train_data = context.info, context.teacher, context.output_dir, context.train_data
    options, seed, strategy = context.config.method_options, context.config.seed, context.strategy
    adapter = InputAdapter(options.igam_adapter, info.image_shape, tuple(teacher.input_shape[1:]))
    paths = {name: os.path.join(output_dir, name) for name in
             (FINETUNED_TEACHER_FILE, ADAPTER_WEIGHTS_FILE, TEACHER_REPORT_FILE)}
    with strategy.scope():
        if options.igam_finetune_steps == 0:
            shapes = (tuple(teacher.input_shape[1:]), teacher.output_shape[-1])
            if shapes != (tuple(info.image_shape), info.num_classes):
                raise ValueError(f"igam_finetune_steps=0 uses the teacher as it is, so it must take "
                                 f"{tuple(info.image_shape)} inputs and have {info.num_classes} classes; it takes "
                                 f"{shapes[0]} and has {shapes[1]}. Finetune it (igam_finetune_steps >= 1).")
            finetuned = teacher
        else:
            finetuned = _saved_first_stage(paths[FINETUNED_TEACHER_FILE], adapter, paths[ADAPTER_WEIGHTS_FILE])
        if finetuned is None:
            log.info("igam: finetuning the teacher's logit layer for %d steps", options.igam_finetune_steps)
            finetuned = finetune_teacher(teacher, info.num_classes, train_data, adapter, options.igam_finetune_steps,
                                         seed=seed)
            if adapter.layer is not None:
                with atomic_path(paths[ADAPTER_WEIGHTS_FILE]) as temporary:
                    adapter.layer.save_weights(temporary)
            save_model(finetuned, paths[FINETUNED_TEACHER_FILE])  # last: its existence means the stage is done
        finetuned.trainable = False
    if not os.path.exists(paths[TEACHER_REPORT_FILE]):
        accuracy = teacher_accuracy(finetuned, adapter, train_data)
        write_json(paths[TEACHER_REPORT_FILE], {"finetune_steps": options.igam_finetune_steps, "train_acc": accuracy})
        log.info("igam: the %s teacher is %.1f %% accurate on %d training batches",
                 "finetuned" if options.igam_finetune_steps else "unchanged (same-task)", 100 * accuracy,
                 ACCURACY_BATCHES)
    return finetuned, adapter
