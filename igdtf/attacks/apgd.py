"""Auto-PGD (Croce & Hein, ICML 2020): PGD with momentum and a step size that halves itself.

Budget in iterations; no step size to tune. The step size starts at 2ε. At checkpoints
w_j (after 22%, 41%, 57%, ... of the iterations: the gap shrinks by 3% of the budget down to 6%)
it is halved, and the search restarts from the best point found so far, when either
  (1) the loss rose in fewer than ρ = 75% of the steps since the last checkpoint, or
  (2) the step was not halved at the last checkpoint and the best loss has not improved since.
Each step moves with momentum α = 0.75:
  z = P(x_k + η·step(∇f(x_k))),  x_{k+1} = P(x_k + α(z − x_k) + (1 − α)(x_k − x_{k−1})).
Besides the highest-loss point, every misclassified iterate is remembered: the attack returns
a misclassified point whenever it met one.
"""

import tensorflow as tf

from igdtf.attacks.norms import per_example, predicted_wrong, select

MOMENTUM = 0.75
RHO = 0.75


def checkpoint_intervals(steps: int) -> list[int]:
    """Lengths of the intervals between step-size checkpoints (22%, then −3% each, ≥ 6%)."""
    first, shrink, least = max(int(0.22 * steps), 1), max(int(0.03 * steps), 1), max(int(0.06 * steps), 1)
    intervals, total, length = [], 0, first
    while total + length <= steps:
        intervals.append(length)
        total += length
        length = max(length - shrink, least)
    return intervals


def _checkpoint_table(steps: int):
    """([steps] bool: iteration k ends an interval, [steps] float: that interval's length)."""
    is_check, lengths, position = [False] * steps, [0.0] * steps, 0
    for length in checkpoint_intervals(steps):
        position += length
        is_check[position - 1], lengths[position - 1] = True, float(length)
    return tf.constant(is_check), tf.constant(lengths)


def loss_and_gradient(model, x, loss_fn, eot_iter: int = 1):
    """Mean over `eot_iter` forward passes of loss_fn(logits) [N] and its input gradient.

    Returns (loss [N], gradient like x, logits [N, K] of the last pass). Several passes
    (expectation over transformation) matter only for randomised models.
    """
    def one_pass(_):
        with tf.GradientTape() as tape:
            tape.watch(x)
            logits = tf.cast(model(x, training=False), tf.float32)
            loss = loss_fn(logits)
            total = tf.reduce_sum(loss)
        return loss, tape.gradient(total, x, unconnected_gradients=tf.UnconnectedGradients.ZERO), logits

    if eot_iter == 1:
        return one_pass(0)
    losses, grads, logits = tf.map_fn(
        one_pass, tf.range(eot_iter), parallel_iterations=1,
        fn_output_signature=(tf.float32, tf.float32, tf.float32),
    )
    return tf.reduce_mean(losses, 0), tf.reduce_mean(grads, 0), logits[-1]


def apgd_attack(model, x, y, threat, steps: int, loss_fn, seed, eot_iter: int = 1):
    """Maximises loss_fn over the threat set around x with APGD.

    Args:
      model: [N, H, W, C] images in [0, 1] → [N, K] logits (called with training=False).
      x: [N, H, W, C] clean images. y: [N] labels (used to detect misclassification).
      threat: LinfBall or L2Ball (its step and project; radius threat.epsilon).
      steps: iterations. loss_fn: logits [N, K] → [N] loss to maximise.
      seed: stateless [2] seed of the random start. eot_iter: passes averaged per gradient.
    Returns:
      (x_adv [N, H, W, C], fooled [N] bool): a misclassified point where one was met, else
      the highest-loss point.
    """
    x = tf.cast(x, tf.float32)
    is_check, interval = _checkpoint_table(steps)
    start = threat.random_init(x, seed)
    loss, grad, logits = loss_and_gradient(model, start, loss_fn, eot_iter)
    fooled = predicted_wrong(logits, y)
    n = tf.shape(x)[0]
    state = dict(
        k=tf.constant(0), x_k=start, x_prev=start, f_k=loss, g_k=grad,
        x_max=start, f_max=loss, g_max=grad, x_adv=select(fooled, start, x), fooled=fooled,
        eta=tf.fill([n], 2.0 * tf.cast(threat.epsilon, tf.float32)),
        rises=tf.zeros([n]), reduced_last=tf.zeros([n], tf.bool), f_max_last=loss,
    )

    def body(s):
        x_k, k = s["x_k"], s["k"]
        z = threat.project(threat.step(x_k, s["g_k"], per_example(s["eta"], x_k)), x)
        alpha = tf.where(k > 0, MOMENTUM, 1.0)
        x_new = threat.project(x_k + alpha * (z - x_k) + (1.0 - alpha) * (x_k - s["x_prev"]), x)
        f_new, g_new, logits = loss_and_gradient(model, x_new, loss_fn, eot_iter)
        wrong = predicted_wrong(logits, y)
        better = f_new > s["f_max"]
        s = dict(
            s, k=k + 1, x_prev=x_k, x_k=x_new, f_k=f_new, g_k=g_new,
            x_adv=select(wrong, x_new, s["x_adv"]), fooled=s["fooled"] | wrong,
            rises=s["rises"] + tf.cast(f_new > s["f_k"], tf.float32),
            x_max=select(better, x_new, s["x_max"]), f_max=tf.where(better, f_new, s["f_max"]),
            g_max=select(better, g_new, s["g_max"]),
        )
        check = is_check[k]
        few_rises = s["rises"] < RHO * interval[k]
        stalled = tf.logical_not(s["reduced_last"]) & (s["f_max"] <= s["f_max_last"])
        reduce = check & (few_rises | stalled)
        return dict(
            s, eta=tf.where(reduce, s["eta"] / 2.0, s["eta"]),
            x_k=select(reduce, s["x_max"], s["x_k"]), x_prev=select(reduce, s["x_max"], s["x_prev"]),
            g_k=select(reduce, s["g_max"], s["g_k"]), f_k=tf.where(reduce, s["f_max"], s["f_k"]),
            rises=tf.where(check, 0.0, s["rises"]),
            reduced_last=tf.where(check, reduce, s["reduced_last"]),
            f_max_last=tf.where(check, s["f_max"], s["f_max_last"]),
        )

    final = tf.while_loop(lambda s: s["k"] < steps, lambda s: (body(s),), (state,))[0]
    x_adv = select(final["fooled"], final["x_adv"], final["x_max"])
    return tf.stop_gradient(x_adv), final["fooled"]
