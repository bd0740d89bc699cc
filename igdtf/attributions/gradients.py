"""Input gradients of one logit per example: the building block of saliency, IGD, PAG, IGAM,
and the shared core of every path and sampling attribution (IG, SmoothGrad, GradientShap)."""

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


def average_over_samples(num_samples: int, contribution) -> tf.Tensor:
    """(1/S)·Σ_{s=0}^{S−1} contribution(s) for S = num_samples, accumulated in a tf.while_loop.

    `contribution(s)` (s a scalar int32 tensor) returns an [N, H, W, C] float32 tensor, e.g. the
    gradient at the s-th point of a path or at the s-th noisy copy of the batch. Memory stays
    that of one sample whatever S is, and the loop works both eagerly and in tf.function.
    """
    first = contribution(tf.constant(0))

    def body(s, total):
        return s + 1, total + contribution(s)

    _, total = tf.while_loop(lambda s, _: s < num_samples, body, (tf.constant(1), first))
    return total / float(num_samples)


def sample_seed(seed: tf.Tensor, sample: tf.Tensor) -> tf.Tensor:
    """The stateless [2] seed of sample `sample` of an attribution drawn with `seed`."""
    return tf.random.experimental.stateless_fold_in(tf.cast(seed, tf.int64), tf.cast(sample, tf.int64))
