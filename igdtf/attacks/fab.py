"""FAB, the fast adaptive boundary attack (Croce & Hein, ICML 2020), for L∞ and L2.

A minimum-norm attack: each iteration linearises the decision boundary between the true class
y and a class s (a fixed target for FAB-T; otherwise the class whose linearised boundary is
closest), projects both the current point x_i and the original x onto that hyperplane inside
the image box, and moves to a biased combination of the two projections:
  x_{i+1} = clip((1 − α)(x_i + η δ_i) + α(x + η δ_x)),  α = min(‖δ_i‖ / (‖δ_i‖ + ‖δ_x‖), α_max),
with overshoot η = 1.05 and α_max = 0.1. When x_{i+1} is misclassified it is kept if closer to x
than the best so far, and the iterate steps back towards x: x_{i+1} ← (1 − β)x + βx_{i+1}, β = 0.9.
Restarts after the first begin at a random point at distance ½·min(best norm, ε).
"""

import tensorflow as tf

from igdtf.attacks.losses import true_logit
from igdtf.attacks.norms import norm_of, per_example, predicted_wrong, select
from igdtf.seeding import fold_seed_int32

OVERSHOOT = 1.05
ALPHA_MAX = 0.1
BACKTRACK = 0.9
_TINY = 1e-12


_BISECTIONS = 30


def _capped_level(weights, caps, target):
    """Smallest s ≥ 0 with V(s) = Σ_j weights_j·min(s, caps_j) = target (rows of [N, D]; target [N] ≥ 0).

    V is piecewise linear and non-decreasing: bisection brackets s to 2⁻³⁰ of the largest cap,
    then one linear step inside the bracket makes it exact up to rounding. Where even
    s = max(caps) falls short, returns max(caps) (the best the box allows).
    """
    def value(level):
        return tf.reduce_sum(weights * tf.minimum(level[:, None], caps), axis=1)

    def halve(i, low, high):
        middle = 0.5 * (low + high)
        short = value(middle) < target
        return i + 1, tf.where(short, middle, low), tf.where(short, high, middle)

    top = tf.reduce_max(caps, axis=1)
    _, low, high = tf.while_loop(lambda i, *_: i < _BISECTIONS, halve,
                                 (tf.constant(0), tf.zeros_like(top), top))
    slope = tf.reduce_sum(tf.where(caps > low[:, None], weights, 0.0), axis=1)
    level = low + tf.math.divide_no_nan(target - value(low), slope)
    level = tf.clip_by_value(level, low, high)
    return tf.where(value(top) < target, top, level)


def boundary_step(x, w, g, norm: str):
    """The smallest δ (in `norm`) with g + w·δ = 0 and x + δ in [0, 1].

    x, w: [N, ...] point and gradient of the linearised function; g: [N] its value at x.
    """
    shape = tf.shape(x)
    x, w = tf.reshape(x, [shape[0], -1]), tf.reshape(w, [shape[0], -1])
    needed = -g
    direction = w * tf.sign(needed)[:, None]  # now we need direction·δ = |g| ≥ 0
    room = tf.where(direction > 0, 1.0 - x, tf.where(direction < 0, x, 0.0))
    magnitude = tf.abs(direction)
    if norm == "linf":
        level = _capped_level(magnitude, room, tf.abs(needed))
        delta = tf.sign(direction) * tf.minimum(level[:, None], room)
    else:
        caps = tf.math.divide_no_nan(room, magnitude)
        level = _capped_level(magnitude ** 2, caps, tf.abs(needed))
        delta = tf.sign(direction) * tf.minimum(level[:, None] * magnitude, room)
    return tf.reshape(delta, shape)


def _dual_norm(t, norm: str):
    """The dual norm over the last axis (ℓ1 for L∞, ℓ2 for L2)."""
    return tf.reduce_sum(tf.abs(t), -1) if norm == "linf" else tf.norm(t, axis=-1)


def _boundary_function(model, x, y, targets, norm: str):
    """(g [N], ∇g like x, logits): g = z_s − z_y for s = targets, or for the closest class
    by the linear estimate |z_l − z_y| / ‖∇(z_l − z_y)‖_dual when targets is None."""
    if targets is not None:
        with tf.GradientTape() as tape:
            tape.watch(x)
            logits = tf.cast(model(x, training=False), tf.float32)
            g = true_logit(targets, logits) - true_logit(y, logits)
            total = tf.reduce_sum(g)
        return g, tape.gradient(total, x, unconnected_gradients=tf.UnconnectedGradients.ZERO), logits
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = tf.cast(model(x, training=False), tf.float32)
    jacobian = tape.batch_jacobian(logits, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    jacobian = tf.reshape(jacobian, [tf.shape(x)[0], tf.shape(logits)[1], -1])  # [N, K, D]
    diffs = logits - true_logit(y, logits)[:, None]
    grads = jacobian - tf.gather(jacobian, y, axis=1, batch_dims=1)[:, None]
    distance = tf.abs(diffs) / (_dual_norm(grads, norm) + _TINY)
    distance = tf.where(tf.one_hot(y, tf.shape(logits)[1]) > 0, float("inf"), distance)
    closest = tf.argmin(distance, axis=1, output_type=tf.int32)
    g = tf.gather(diffs, closest, batch_dims=1)
    w = tf.reshape(tf.gather(grads, closest, batch_dims=1), tf.shape(x))
    return g, w, logits


def _random_start(x, radius, norm: str, seed):
    """x plus a random perturbation of `norm` equal to radius ([N]), clipped to [0, 1]."""
    if norm == "linf":
        noise = tf.random.stateless_uniform(tf.shape(x), seed, -1.0, 1.0)
    else:
        noise = tf.random.stateless_normal(tf.shape(x), seed)
    noise /= per_example(norm_of(noise, norm) + _TINY, x)
    return tf.clip_by_value(x + per_example(radius, x) * noise, 0.0, 1.0)


def _fab_run(model, x, y, targets, norm, steps, start, x_best, best_norm):
    """One FAB run from `start`; returns the updated (x_best, best_norm)."""
    def body(i, x_i, x_best, best_norm):
        g, w, _ = _boundary_function(model, x_i, y, targets, norm)
        delta_i = boundary_step(x_i, w, g, norm)
        g_at_x = g + tf.reduce_sum(tf.reshape(w * (x - x_i), [tf.shape(x)[0], -1]), axis=1)
        delta_x = boundary_step(x, w, g_at_x, norm)
        size_i, size_x = norm_of(delta_i, norm), norm_of(delta_x, norm)
        alpha = tf.minimum(tf.math.divide_no_nan(size_i, size_i + size_x), ALPHA_MAX)
        alpha = per_example(alpha, x)
        x_next = tf.clip_by_value(
            (1 - alpha) * (x_i + OVERSHOOT * delta_i) + alpha * (x + OVERSHOOT * delta_x), 0.0, 1.0)
        wrong = predicted_wrong(model(x_next, training=False), y)
        distance = norm_of(x_next - x, norm)
        closer = wrong & (distance < best_norm)
        x_best = select(closer, x_next, x_best)
        best_norm = tf.where(closer, distance, best_norm)
        x_next = select(wrong, (1 - BACKTRACK) * x + BACKTRACK * x_next, x_next)
        return i + 1, x_next, x_best, best_norm

    _, _, x_best, best_norm = tf.while_loop(
        lambda i, *_: i < steps, body, (tf.constant(0), start, x_best, best_norm))
    return x_best, best_norm


def fab_attack(model, x, y, norm: str, epsilon: float, steps: int, seed, targets=None, restarts: int = 1):
    """Searches the closest misclassified point to x (in `norm`) with FAB.

    Args:
      model: [N, H, W, C] images in [0, 1] → [N, K] logits. x: clean images. y: [N] labels.
      norm: "linf" or "l2". epsilon: radius used to place restarts (pixel units).
      steps: iterations per restart. seed: stateless [2] seed (restarts after the first).
      targets: [N] target classes (FAB-T) or None (untargeted; uses the full Jacobian).
    Returns:
      (x_best [N, H, W, C], best_norm [N]): the closest misclassified point found and its
      distance to x; x itself and +inf where none was found.
    """
    x = tf.cast(x, tf.float32)
    y = tf.cast(y, tf.int32)
    x_best, best_norm = x, tf.fill(tf.shape(y), float("inf"))
    for restart in range(restarts):
        if restart == 0:
            start = x
        else:
            radius = 0.5 * tf.minimum(best_norm, epsilon)
            start = _random_start(x, radius, norm, fold_seed_int32(seed, restart))
        x_best, best_norm = _fab_run(model, x, y, targets, norm, steps, start, x_best, best_norm)
    return tf.stop_gradient(x_best), best_norm
