"""GradAlign (Andriushchenko & Flammarion, NeurIPS 2020, "Understanding and improving fast
adversarial training"): a regulariser against catastrophic overfitting of single-step training.

    term = λ·(1 − cos(∇ₓCE(f(x), y), ∇ₓCE(f(x + η), y))),  η uniform in the ε-ball,

both input gradients with training=False, differentiated again by the outer tape (double
backprop). The paper uses λ = 0.2 at ε = 8/255 on CIFAR-10 and grows λ with ε.
"""

import tensorflow as tf

from igdtf.attributions import cross_entropy_input_gradient
from igdtf.ops import per_example_cosine


def gradalign_cosine(model, x, y, threat, seed) -> tf.Tensor:
    """cos(∇ₓCE at x, ∇ₓCE at x + η) per example, [N]; x [N, ...] float32, x + η a random point
    of `threat` (threat_models.py) around x, drawn from the stateless [2] `seed`."""
    noisy = threat.random_init(x, seed)
    return per_example_cosine(cross_entropy_input_gradient(model, x, y),
                              cross_entropy_input_gradient(model, noisy, y))
