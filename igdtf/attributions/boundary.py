"""The closest wrong class and the gradient pointing towards it (Lanfredi et al.).

For an example x of class y, the linear (first-order, DeepFool-style) estimate of the distance
to the decision boundary between y and another class c is

    d_c(x) = (f_y(x) − f_c(x)) / ‖∇f_y(x) − ∇f_c(x)‖₂,

and the closest wrong class is c̃(x) = argmin_{c ≠ y} d_c(x). The margin ℓ(x) = f_c̃(x) − f_y(x)
grows towards class c̃; its input gradient ∇ℓ(x) is the direction whose alignment with Δx (the
vector to the closest point of class c̃'s support) the alignment penalty rewards.
"""

from collections.abc import Callable

import tensorflow as tf

from igdtf.attributions.gradients import class_logit_gradients
from igdtf.ops import per_example_cosine


def closest_wrong_class(model, x, labels, training: bool = False) -> tf.Tensor:
    """c̃(x) for each example, [N] int32 (never the true label), from the linear estimate.

    Costs one forward and K backward passes (K classes). With two classes it is the other class.
    """
    labels = tf.cast(labels, tf.int32)
    if model.output_shape[-1] == 2:
        return 1 - labels
    x = tf.cast(x, tf.float32)
    logits = tf.cast(model(x, training=training), tf.float32)
    num_classes = logits.shape[-1]
    every = tf.tile(tf.range(num_classes)[None], [tf.shape(x)[0], 1])
    gradients = tf.reshape(class_logit_gradients(model, x, every, training), [tf.shape(x)[0], num_classes, -1])
    own_gradient = tf.gather(gradients, labels, axis=1, batch_dims=1)[:, None]  # [N, 1, D]
    own_logit = tf.gather(logits, labels, axis=1, batch_dims=1)[:, None]  # [N, 1]
    distance = (own_logit - logits) / (tf.norm(own_gradient - gradients, axis=-1) + 1e-12)
    distance = tf.where(tf.one_hot(labels, num_classes) > 0, float("inf"), distance)
    return tf.argmin(distance, axis=1, output_type=tf.int32)


def margin_gradient(model, x, labels, target, training: bool = False) -> tf.Tensor:
    """∇ₓ(f_target(x) − f_label(x)) per example, [N, ...] float32; differentiable (double backprop)."""
    pair = tf.stack([tf.cast(target, tf.int32), tf.cast(labels, tf.int32)], axis=1)
    gradients = class_logit_gradients(model, x, pair, training)
    return gradients[:, 0] - gradients[:, 1]


def direction_alignment(model, x, labels, delta_x: Callable, training: bool = False) -> tf.Tensor:
    """α_Δx(x) = cos(∇ℓ(x), Δx) per example, [N] in [−1, 1] (Lanfredi et al.).

    ℓ = f_c̃ − f_y with c̃ the closest wrong class (linear estimate), and Δx = delta_x(x, labels,
    c̃) the vector from x to the closest point of class c̃'s support (closed form on Spheres and
    Squares: DatasetInfo.delta_x; a generative estimate elsewhere). Differentiable in the
    model's weights, so it serves both as a metric and as a training penalty.
    """
    target = tf.stop_gradient(closest_wrong_class(model, x, labels, training))
    direction = tf.stop_gradient(delta_x(x, labels, target))
    return per_example_cosine(margin_gradient(model, x, labels, target, training), direction)
