"""What every attribution method is: a small frozen object called as `method(model, x, classes, seed)`."""

import dataclasses

import tensorflow as tf


class Attribution:
    """Base of the attribution methods.

    `method(model, x, classes, seed=None)` returns A(x) for each example's class, [N, H, W, C]
    float32 with the channels kept (Gini, INA and IOA decide how to merge them). Methods that
    draw random numbers (`stochastic = True`) need a stateless [2] integer `seed`; the same seed
    gives the same map, which is how every compared model sees the same noise.
    """

    stochastic = False

    def __call__(self, model, x, classes, seed=None) -> tf.Tensor:
        if self.stochastic and seed is None:
            raise ValueError(f"{type(self).__name__} draws random numbers and needs a stateless [2] seed.")
        return self.attribute(model, tf.cast(x, tf.float32), tf.cast(classes, tf.int32), seed)

    def attribute(self, model, x, classes, seed) -> tf.Tensor:
        raise NotImplementedError

    def describe(self) -> dict:
        """The method's name and parameters, for reports."""
        return {"method": type(self).__name__, **dataclasses.asdict(self)}
