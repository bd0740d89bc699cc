"""Reference training steps in plain TensorFlow, to compare igdtf's trainers against.

A straightforward tf.function per method, without Keras' train_step machinery: an inline L∞
PGD-k loop (random start, training=False), one tape for the loss, momentum SGD with L2 weight
decay applied by hand. The models are ordinary Keras models used as callables. Same maths as
igdtf's PGDAT and IGD (ε, step, k, λ from the arguments; the loss is attacks.losses'
cross_entropy); the random draws differ.
"""

import tensorflow as tf

from igdtf.attacks.losses import cross_entropy


def _pgd(model, x, y, seed, epsilon, step_size, steps, random_start):
    x_adv = x
    if random_start:
        x_adv = tf.clip_by_value(x + tf.random.stateless_uniform(tf.shape(x), seed, -epsilon, epsilon), 0.0, 1.0)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            tape.watch(x_adv)
            loss = tf.reduce_sum(cross_entropy(y, model(x_adv, training=False)))
        x_adv = x_adv + step_size * tf.sign(tape.gradient(loss, x_adv))
        x_adv = tf.clip_by_value(tf.clip_by_value(x_adv, x - epsilon, x + epsilon), 0.0, 1.0)
    return tf.stop_gradient(x_adv)


def _true_logit_gradient(model, x, y):
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = tf.cast(model(x, training=False), tf.float32)
        total = tf.reduce_sum(tf.gather(logits, y, axis=1, batch_dims=1))
    return tape.gradient(total, x)


def _cosine(a, b):
    a = tf.reshape(a, [tf.shape(a)[0], -1])
    b = tf.reshape(b, [tf.shape(b)[0], -1])
    dot = tf.reduce_sum(a * b, 1)
    return dot / tf.sqrt(tf.reduce_sum(a * a, 1) * tf.reduce_sum(b * b, 1) + 1e-12)


def make_plain_step(student, teacher=None, *, learning_rate=0.1, momentum=0.9, weight_decay=5e-4,
                    epsilon=8 / 255, step_size=2 / 255, steps=10, random_start=True, alignment_weight=2.0, jit_compile=False):
    """A tf.function step(x [N,H,W,C] float32 in [0, 1], y [N] int32, seed [2] int64) -> loss.

    PGDAT when `teacher` is None, IGD (−λ·cos of the clean true-logit input gradients) otherwise.
    """
    variables = student.trainable_variables
    velocities = [tf.Variable(tf.zeros_like(v), trainable=False) for v in variables]

    def step(x, y, seed):
        x_adv = _pgd(student, x, y, seed, epsilon, step_size, steps, random_start)
        teacher_gradient = None if teacher is None else tf.stop_gradient(_true_logit_gradient(teacher, x, y))
        with tf.GradientTape() as tape:
            per_example = cross_entropy(y, student(x_adv, training=True))
            if teacher is not None:
                cosine = _cosine(_true_logit_gradient(student, x, y), teacher_gradient)
                per_example -= alignment_weight * cosine
            loss = tf.reduce_mean(per_example)
        gradients = tape.gradient(loss, variables)
        for variable, velocity, gradient in zip(variables, velocities, gradients):
            velocity.assign(momentum * velocity + gradient + weight_decay * variable)
            variable.assign_sub(learning_rate * velocity)
        return loss

    return tf.function(step, jit_compile=jit_compile)
