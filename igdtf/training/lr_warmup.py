"""A linear learning-rate warm-up (TrainConfig.lr_warmup_epochs).

From the first optimizer step a large initial learning rate can throw a freshly initialised
network into a state it does not leave (all predictions one class, or NaN), most often for small
models without BatchNorm and for few steps per epoch (Goyal et al. 2017 warm up for the same
reason). The warm-up sets the rate of optimizer step t (0-based) to lr · min(1, (t + 1) / W), so
the full rate is reached at step W − 1 and kept after. The step comes from the optimizer's own
counter, which is in the checkpoint, so a resumed run warms up exactly as an uninterrupted one.
The plateau schedule (callbacks.PlateauSchedule) acts on the rate after the warm-up: a reduction
it decided inside the warm-up is overwritten by the warm-up's next rate.
"""

import keras


def warmup_steps(epochs: float, steps_per_epoch: int | None) -> int:
    """W in optimizer steps for a warm-up of `epochs` epochs (0: none); ValueError when the
    training data's length is unknown."""
    if not epochs:
        return 0
    if not steps_per_epoch:
        raise ValueError("A learning-rate warm-up needs training data of known length.")
    return max(1, round(epochs * steps_per_epoch))


class LearningRateWarmup(keras.callbacks.Callback):
    """Sets the optimizer's learning rate to `learning_rate` · min(1, (t + 1) / `steps`) before
    each of the first `steps` optimizer steps t."""

    def __init__(self, learning_rate: float, steps: int):
        super().__init__()
        self.learning_rate, self.steps = float(learning_rate), int(steps)
        self.step = None

    def on_train_begin(self, logs=None):
        self.step = int(self.model.optimizer.iterations.numpy())  # a resumed run continues its warm-up

    def on_train_batch_begin(self, batch, logs=None):
        if self.step < self.steps:
            self.model.optimizer.learning_rate = self.learning_rate * min(1.0, (self.step + 1) / self.steps)

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
