"""The machinery igdtf's GAN trainers share (DeltaXGAN, ConditionalGAN): a generator and a
discriminator with one optimizer each, an exponential moving average of G's weights, and
per-step mean metrics."""

import keras


class AveragedGAN(keras.Model):
    """compile(generator_optimizer=..., discriminator_optimizer=...); a subclass's train_step
    updates both players, then calls `update_average_generator()` and returns
    `log_step({metric: values})`.

    `average_generator` holds the exponential moving average of G's weights (decay
    `ema_decay` in [0, 1)), which averages out the oscillations of the min-max game.
    Subclasses list their metric names in `metric_names`.
    """

    metric_names: tuple = ()

    def __init__(self, generator: keras.Model, discriminator: keras.Model, ema_decay: float = 0.999, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in [0, 1), received {ema_decay!r}.")
        self.generator, self.discriminator = generator, discriminator
        self.ema_decay = float(ema_decay)
        self.average_generator = keras.models.clone_model(generator)
        self.average_generator.set_weights(generator.get_weights())
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names}

    def compile(self, generator_optimizer, discriminator_optimizer, **kwargs):
        super().compile(**kwargs)
        self.generator_optimizer = generator_optimizer
        self.discriminator_optimizer = discriminator_optimizer

    @property
    def metrics(self):
        return list(self.trackers.values())

    def update_average_generator(self) -> None:
        for average, current in zip(self.average_generator.weights, self.generator.weights):
            average.assign(self.ema_decay * average + (1.0 - self.ema_decay) * current)

    def log_step(self, values: dict) -> dict:
        """Adds each metric's values (any shape) to its running mean; returns the means."""
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}
