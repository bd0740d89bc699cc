"""IGAM's first stage inside a training run: the teacher the student learns from.

The robust teacher's logit layer is finetuned on the target task (igam_teacher.py) with its
progress logged, then saved in the run directory with its accuracy on the training batches
(teacher_finetuned.json), or reloaded from there. With igam_finetune_steps = 0 a teacher that
already solves the target task (same classes, same input shape) is used as it is.
"""

import json
import logging
import os

import keras
import tensorflow as tf

from igdtf.methods.adapters import InputAdapter
from igdtf.methods.igam_teacher import finetune_teacher

log = logging.getLogger("igdtf.training")

FINETUNED_TEACHER_FILE = "teacher_finetuned.keras"
ADAPTER_WEIGHTS_FILE = "teacher_adapter.weights.h5"  # a learned input adapter
TEACHER_REPORT_FILE = "teacher_finetuned.json"  # {"finetune_steps", "train_acc"}
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


def prepare_igam_teacher(config, info, train_data, output_dir: str, teacher: keras.Model,
                         strategy: tf.distribute.Strategy):
    """(the frozen teacher the student matches, {"adapter": InputAdapter}) for an igam run.

    Raises ValueError when igam_finetune_steps = 0 and the teacher does not already have the
    target task's classes and input shape."""
    adapter = InputAdapter(config.igam_adapter, info.image_shape, tuple(teacher.input_shape[1:]))
    paths = {name: os.path.join(output_dir, name) for name in
             (FINETUNED_TEACHER_FILE, ADAPTER_WEIGHTS_FILE, TEACHER_REPORT_FILE)}
    with strategy.scope():
        if config.igam_finetune_steps == 0:
            shapes = (tuple(teacher.input_shape[1:]), teacher.output_shape[-1])
            if shapes != (tuple(info.image_shape), info.num_classes):
                raise ValueError(f"igam_finetune_steps=0 uses the teacher as it is, so it must take "
                                 f"{tuple(info.image_shape)} inputs and have {info.num_classes} classes; it takes "
                                 f"{shapes[0]} and has {shapes[1]}. Finetune it (igam_finetune_steps >= 1).")
            finetuned = teacher
        elif os.path.exists(paths[FINETUNED_TEACHER_FILE]):
            log.info("igam: loading the finetuned teacher %s", paths[FINETUNED_TEACHER_FILE])
            finetuned = keras.models.load_model(paths[FINETUNED_TEACHER_FILE], compile=False)
            if adapter.layer is not None:
                adapter.layer.load_weights(paths[ADAPTER_WEIGHTS_FILE])
        else:
            log.info("igam: finetuning the teacher's logit layer for %d steps", config.igam_finetune_steps)
            finetuned = finetune_teacher(teacher, info.num_classes, train_data, adapter, config.igam_finetune_steps,
                                         seed=config.seed)
            os.makedirs(output_dir, exist_ok=True)
            if adapter.layer is not None:
                adapter.layer.save_weights(paths[ADAPTER_WEIGHTS_FILE])
            finetuned.save(paths[FINETUNED_TEACHER_FILE])
        finetuned.trainable = False
    if not os.path.exists(paths[TEACHER_REPORT_FILE]):
        accuracy = teacher_accuracy(finetuned, adapter, train_data)
        os.makedirs(output_dir, exist_ok=True)
        with open(paths[TEACHER_REPORT_FILE], "w") as f:
            json.dump({"finetune_steps": config.igam_finetune_steps, "train_acc": accuracy}, f, indent=2)
        log.info("igam: the %s teacher is %.1f %% accurate on %d training batches",
                 "finetuned" if config.igam_finetune_steps else "unchanged (same-task)", 100 * accuracy,
                 ACCURACY_BATCHES)
    return finetuned, {"adapter": adapter}
