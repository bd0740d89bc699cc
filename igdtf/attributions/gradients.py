"""Input gradients of one logit per example: the building block of saliency, IGD, PAG, IGAM."""

import tensorflow as tf


def class_logit_gradient(model, x, classes, training: bool = False) -> tf.Tensor:
    """∂f_c(x)/∂x for each example's class c, [N, H, W, C] float32.

    Examples do not interact (training=False keeps BatchNorm per-example), so the gradient of
    the summed selected logits is each example's own gradient. Called under an outer
    tf.GradientTape the result stays differentiable with respect to the model's weights
    (double backprop).

    Args:
      model: [N, H, W, C] images in [0, 1] → [N, K] logits.
      x: [N, H, W, C] images. classes: [N] integer class ids.
    """
    x = tf.cast(x, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = tf.cast(model(x, training=training), tf.float32)
        selected = tf.gather(logits, tf.cast(classes, tf.int32), axis=1, batch_dims=1)
        total = tf.reduce_sum(selected)
    return tape.gradient(total, x)
