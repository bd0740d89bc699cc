"""Inductive occlusion attacks (IOA, IGD paper §3): squares of one colour around the most
attributed pixels.

For n ≤ N centres (the n pixels with the largest |A| summed over channels) and radius r ≤ R,
the (2r+1)×(2r+1) squares around the n centres (clipped at the borders) are painted black (0),
gray (0.5) or white (1). A sample is broken at radius r if any occlusion with n ≤ N and
radius ≤ r changes its prediction away from the label. Radii start at 1 (3×3 squares).
Everything is vectorised over the batch; the N·R occlusions of one colour run in a tf.while_loop.
"""

import tensorflow as tf

OCCLUSION_COLOURS = {"black": 0.0, "gray": 0.5, "white": 1.0}


def top_pixels(attributions: tf.Tensor, n: int) -> tf.Tensor:
    """[N, n, 2] int32 (row, column) of each example's n pixels with the largest Σ_c |A|,
    most attributed first."""
    width = tf.shape(attributions)[2]
    per_pixel = tf.reduce_sum(tf.abs(attributions), axis=-1)
    _, index = tf.math.top_k(tf.reshape(per_pixel, [tf.shape(per_pixel)[0], -1]), k=n)
    return tf.stack([index // width, index % width], axis=-1)


def distance_to_nearest_centre(centres: tf.Tensor, height: int, width: int) -> tf.Tensor:
    """[n, N, H, W] int32: entry j is each pixel's Chebyshev distance to the nearest of the first
    j + 1 centres, so that the occlusion of n centres at radius r is `entry[n − 1] <= r`."""
    rows = tf.range(height)[None, None, :, None]
    cols = tf.range(width)[None, None, None, :]
    centre_rows = centres[:, :, 0][:, :, None, None]
    centre_cols = centres[:, :, 1][:, :, None, None]
    distance = tf.maximum(tf.abs(rows - centre_rows), tf.abs(cols - centre_cols))  # [N, n, H, W]
    nearest, running = [], distance[:, 0]
    for j in range(centres.shape[1]):
        running = tf.minimum(running, distance[:, j])
        nearest.append(running)
    return tf.stack(nearest)


def occlude(x: tf.Tensor, mask: tf.Tensor, colour: float) -> tf.Tensor:
    """x with colour where mask ([N, H, W] bool) is set, on every channel."""
    m = tf.cast(mask, x.dtype)[..., None]
    return x * (1.0 - m) + colour * m


def occlusion_still_correct(model, x, y, attributions, centres: int, radius: int, colour: float) -> tf.Tensor:
    """[R, N] bool: entry r − 1 says the prediction stays y under every occlusion with at most
    `centres` centres and radius ≤ r of `colour`."""
    height, width = x.shape[1], x.shape[2]
    nearest = distance_to_nearest_centre(top_pixels(attributions, centres), height, width)
    batch = tf.shape(x)[0]

    def body(c, broken):
        n_index, r = c // radius, c % radius + 1
        occluded = occlude(x, nearest[n_index] <= r, colour)
        prediction = tf.argmax(model(occluded, training=False), -1, output_type=tf.int32)
        flipped = tf.cast(tf.not_equal(prediction, y), tf.float32)
        return c + 1, tf.maximum(broken, tf.one_hot(r - 1, radius)[:, None] * flipped[None, :])

    _, broken = tf.while_loop(lambda c, _: c < centres * radius, body,
                              (tf.constant(0), tf.zeros([radius, batch])))
    return tf.equal(tf.cumsum(broken, axis=0), 0.0)
