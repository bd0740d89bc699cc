"""Input gradients of logits and losses, per example: the building blocks of saliency and of
every input-gradient training method (IGD, IGAM, PAG, the alignment penalty, gradient norms),
and `average_over_samples`, the shared core of the path and sampling attributions (IG,
SmoothGrad, GradientShap).

Examples do not interact (models are called with training=False, so BatchNorm is per example),
so the gradient of a sum over the batch is each example's own gradient. Called under an outer
tf.GradientTape the results stay differentiable with respect to the model's weights (double
backprop). Inputs may be images [N, H, W, C] or vectors [N, D]; outputs have x's shape.
"""

import tensorflow as tf

from igdtf.attacks.losses import cross_entropy


def class_logit_gradient(model, x, classes, training: bool = False) -> tf.Tensor:
    """∂f_c(x)/∂x for each example's class c, [N, ...] float32.

    Args:
      model: [N, ...] inputs → [N, K] logits.
      x: [N, ...] inputs. classes: [N] integer class ids.
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


def class_logit_gradients(model, x, classes, training: bool = False) -> tf.Tensor:
    """∂f_{c_nj}(x_n)/∂x_n for K classes per example: one forward pass and K backward passes.

    Args:
      x: [N, ...] inputs. classes: [N, K] integer class ids (K static), e.g. every class
        (tf.tile(tf.range(C)[None], [N, 1])) or a sample of them.
    Returns:
      [N, K, ...] float32.
    """
    x = tf.cast(x, tf.float32)
    classes = tf.cast(classes, tf.int32)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        logits = tf.cast(model(x, training=training), tf.float32)
        totals = [tf.reduce_sum(tf.gather(logits, classes[:, k], axis=1, batch_dims=1))
                  for k in range(classes.shape[1])]
    gradients = [tape.gradient(total, x) for total in totals]
    del tape
    return tf.stack(gradients, axis=1)


def cross_entropy_input_gradient(model, x, labels, training: bool = False) -> tf.Tensor:
    """J(x) = ∂CE(f(x), y)/∂x per example, [N, ...] float32 (IGAM's and Ross & Doshi-Velez's J)."""
    x = tf.cast(x, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(cross_entropy(labels, model(x, training=training)))
    return tape.gradient(total, x)
