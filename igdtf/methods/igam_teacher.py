"""IGAM's first stage: finetune only the teacher's logit layer on the target task.

The robust teacher (trained on a source task, possibly with other classes and another input
resolution) keeps every layer frozen (BatchNorm in inference mode); its last layer, the logit
layer, is replaced by a new dense layer with the target task's classes, trained with
cross-entropy on the target data seen through the input adapter (the authors: Adam, learning
rate 1e-3, 4 700 steps). A learned transpose-convolution adapter is trained with it.
"""

import logging
import time

import keras
import tensorflow as tf

from igdtf.attacks import cross_entropy
from igdtf.methods.adapters import InputAdapter
from igdtf.seeding import fold_seed, replica_id
from igdtf.validation import check_non_negative, check_positive_int

FINETUNE_STEPS = 4700
log = logging.getLogger("igdtf.training")


class FinetuneProgress(keras.callbacks.Callback):
    """Logs the finetuning's step, running loss and accuracy every `every` steps."""

    def __init__(self, steps: int, every: int = 500):
        super().__init__()
        self.steps, self.every, self.start = steps, every, time.time()

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every == 0 or batch + 1 == self.steps:
            logs = logs or {}
            log.info("igam finetuning step %d/%d: loss=%.4f, acc=%.4f (%.0f s)", batch + 1, self.steps,
                     float(logs.get("loss", float("nan"))), float(logs.get("acc", float("nan"))),
                     time.time() - self.start)


def replace_logit_layer(teacher: keras.Model, num_classes: int) -> keras.Model:
    """A model sharing the teacher's frozen layers up to its logit layer, with a new trainable
    dense logit layer of `num_classes` outputs. Raises ValueError if the teacher's last layer
    is not a dense layer (e.g. a SavedModel wrapped by TFSMLayer)."""
    last = teacher.layers[-1]
    if not isinstance(last, keras.layers.Dense):
        raise ValueError(f"IGAM replaces the teacher's logit layer, so the teacher's last layer must be a Dense "
                         f"layer; received {type(last).__name__} {last.name!r}. Load the teacher from a .keras file.")
    for layer in teacher.layers:
        layer.trainable = False
    logits = keras.layers.Dense(num_classes, name="target_logits")(last.input)
    return keras.Model(teacher.inputs, logits, name=f"{teacher.name}_finetuned")


class LogitFinetuner(keras.Model):
    """Trains the new logit layer (and a learned adapter) of `finetuned` with CE on adapter(x)."""

    def __init__(self, finetuned: keras.Model, adapter: InputAdapter, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.finetuned, self.adapter, self.seed = finetuned, adapter, seed
        self.tracker = keras.metrics.Mean(name="loss")
        self.accuracy = keras.metrics.Mean(name="acc")

    @property
    def metrics(self):
        return [self.tracker, self.accuracy]

    def call(self, x, training=False):
        return self.finetuned(self.adapter(x, tf.constant([self.seed, 0], tf.int64)), training=False)

    def train_step(self, data):
        x, y = data
        x, y = tf.cast(x, tf.float32), tf.cast(tf.reshape(y, [-1]), tf.int32)
        seed = fold_seed(fold_seed(tf.constant([self.seed, 1], tf.int64), self.optimizer.iterations), replica_id())
        variables = self.finetuned.trainable_variables + self.adapter.trainable_variables
        with tf.GradientTape() as tape:
            logits = tf.cast(self.finetuned(self.adapter(x, seed), training=False), tf.float32)
            per_example = cross_entropy(y, logits)
            loss = self.optimizer.scale_loss(tf.nn.compute_average_loss(per_example))
        self.optimizer.apply(tape.gradient(loss, variables), variables)
        self.tracker.update_state(per_example)
        self.accuracy.update_state(tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), y), tf.float32))
        return {"loss": self.tracker.result(), "acc": self.accuracy.result()}


def finetune_teacher(teacher: keras.Model, num_classes: int, train_data: tf.data.Dataset, adapter: InputAdapter,
                     steps: int = FINETUNE_STEPS, learning_rate: float = 1e-3, seed: int = 0) -> keras.Model:
    """Stage 1: returns the teacher with a new logit layer trained for `steps` batches of
    `train_data` (batched (inputs, labels), repeated as needed). Build it in the strategy scope
    of the second stage. The adapter's own weights (transpose_conv) are trained in place."""
    check_positive_int("finetune steps", steps)
    check_non_negative("finetune learning_rate", learning_rate)
    finetuned = replace_logit_layer(teacher, num_classes)
    finetuner = LogitFinetuner(finetuned, adapter, seed)
    finetuner.compile(optimizer=keras.optimizers.Adam(learning_rate), jit_compile=False)
    finetuner.optimizer.build(finetuned.trainable_variables + adapter.trainable_variables)
    finetuner.fit(train_data.repeat(), steps_per_epoch=steps, epochs=1, verbose=0,
                  callbacks=[FinetuneProgress(steps, max(1, min(500, steps // 10)))])
    finetuned.trainable = False
    return finetuned
