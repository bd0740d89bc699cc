"""Square Attack (Andriushchenko et al., ECCV 2020): a score-based black-box random search.

Uses only the model's outputs: it minimises the margin z_y − max_{k≠y} z_k, accepting a random
square-shaped change of the perturbation whenever it lowers the margin, and stops on a point once
the margin is negative. The square's side follows p, the fraction of pixels it covers: p starts
at p_init (0.8 in AutoAttack) and is halved after 10, 50, 200, 500, 1000, 2000, 4000, 6000 and 8000
of 10 000 queries (the schedule is rescaled to the query budget).

L∞: start from vertical stripes (±ε per column and channel); each proposal sets one square of
the perturbation to ±ε (one sign per channel). L2: start from a grid of "double pseudo-Gaussian"
patches rescaled to norm ε; each proposal moves the perturbation's mass from a second square into
the first, adds a fresh patch there plus the unused budget, and rescales to norm ε.
Windows, signs and patch orientations are drawn independently for every image.
"""

import tensorflow as tf

from igdtf.attacks.losses import margin
from igdtf.attacks.norms import per_example, select
from igdtf.seeding import fold_seed_int32

_HALVING_AT = (10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000)  # of 10 000 queries
_TINY = 1e-12


def square_fraction(iteration, queries: int, p_init: float):
    """p at `iteration` (scalar int tensor) for a budget of `queries`."""
    rescaled = tf.cast(iteration, tf.float32) * (10_000.0 / queries)
    halvings = tf.reduce_sum(tf.cast(rescaled > tf.constant(_HALVING_AT, tf.float32), tf.float32))
    return p_init / 2.0 ** halvings


def _side(p, height, width, least: int):
    """Square side covering a fraction p of the H×W pixels, in [least, min(H, W) − 1]."""
    area = tf.cast(height * width, tf.float32)
    side = tf.cast(tf.round(tf.sqrt(p * area)), tf.int32)
    return tf.clip_by_value(side, least, tf.maximum(tf.minimum(height, width) - 1, least))


def _window_mask(corner_rows, corner_cols, side, height, width):
    """[N, H, W, 1] float mask of the side×side squares with top-left corners ([N] ints)."""
    rows = tf.range(height)[None, :]
    cols = tf.range(width)[None, :]
    in_rows = (rows >= corner_rows[:, None]) & (rows < corner_rows[:, None] + side)
    in_cols = (cols >= corner_cols[:, None]) & (cols < corner_cols[:, None] + side)
    return tf.cast(in_rows[:, :, None, None] & in_cols[:, None, :, None], tf.float32)


def _random_corners(n, side, height, width, seed):
    rows_seed, cols_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    rows = tf.random.stateless_uniform([n], rows_seed, 0, height - side + 1, dtype=tf.int32)
    cols = tf.random.stateless_uniform([n], cols_seed, 0, width - side + 1, dtype=tf.int32)
    return rows, cols


def _random_signs(shape, seed):
    return 2.0 * tf.cast(tf.random.stateless_uniform(shape, seed, 0, 2, dtype=tf.int32), tf.float32) - 1.0


def _concentric(rows, cols):
    """[rows, cols] "pseudo-Gaussian" patch: nested squares around the centre with weights
    1/(k+1)² for the k-th ring, summed, then scaled to unit L2 norm."""
    rings = tf.maximum(rows // 2, cols // 2) + 1
    distance = tf.maximum(tf.abs(tf.range(rows)[:, None] - rows // 2),
                          tf.abs(tf.range(cols)[None, :] - cols // 2))
    weights = 1.0 / tf.cast(tf.range(1, rings + 1), tf.float32) ** 2
    tail = tf.cumsum(weights, reverse=True)  # tail[d] = Σ_{k≥d} 1/(k+1)²
    patch = tf.gather(tail, tf.minimum(distance, rings - 1))
    return patch / tf.norm(patch)


def double_patch(side):
    """[side, side] patch: +concentric on the top half, −concentric on the bottom, unit norm."""
    top = side // 2
    patch = tf.concat([_concentric(top, side), -_concentric(side - top, side)], axis=0)
    return patch / tf.norm(patch)


def _place(patch, flip, corner_rows, corner_cols, height, width):
    """[N, H, W, 1]: the [s, s] patch (transposed where flip) at each image's corner, 0 elsewhere."""
    side = tf.shape(patch)[0]
    patches = tf.where(flip[:, None, None], tf.transpose(patch)[None], patch[None])  # [N, s, s]
    rows = tf.range(height)[None, :] - corner_rows[:, None]
    cols = tf.range(width)[None, :] - corner_cols[:, None]
    picked = tf.gather(patches, tf.clip_by_value(rows, 0, side - 1), axis=1, batch_dims=1)
    picked = tf.gather(picked, tf.clip_by_value(cols, 0, side - 1), axis=2, batch_dims=1)
    inside = _window_mask(corner_rows, corner_cols, side, height, width)[..., 0]
    return (picked * inside)[..., None]


def _scale_to(delta, radius):
    """delta rescaled to L2 norm `radius` per example."""
    norms = tf.norm(tf.reshape(delta, [tf.shape(delta)[0], -1]), axis=1)
    return delta * per_example(radius / (norms + _TINY), delta)


class _LinfProposals:
    """Vertical-stripe start and ±ε square proposals."""

    least_side = 1

    def __init__(self, epsilon):
        self.epsilon = epsilon

    def initial(self, x, seed):
        shape = tf.shape(x)
        stripes = _random_signs([shape[0], 1, shape[2], shape[3]], seed)
        return tf.clip_by_value(x + self.epsilon * stripes, 0.0, 1.0)

    def propose(self, x, x_best, side, seed):
        shape = tf.shape(x)
        corner_seed, sign_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
        rows, cols = _random_corners(shape[0], side, shape[1], shape[2], corner_seed)
        mask = _window_mask(rows, cols, side, shape[1], shape[2])
        signs = self.epsilon * _random_signs([shape[0], 1, 1, shape[3]], sign_seed)
        window_now = tf.clip_by_value(x + signs, 0.0, 1.0)
        # A proposal equal to the current window changes nothing: take the opposite signs.
        unchanged = tf.reduce_all(tf.equal(window_now * mask, x_best * mask), axis=[1, 2, 3])
        signs = tf.where(unchanged[:, None, None, None], -signs, signs)
        delta = (x_best - x) * (1.0 - mask) + signs * mask
        return tf.clip_by_value(x + delta, 0.0, 1.0)


class _L2Proposals:
    """Grid-of-patches start and mass-moving square proposals (sides odd, ≥ 3)."""

    least_side = 3

    def __init__(self, epsilon):
        self.epsilon = epsilon

    def initial(self, x, seed):
        shape = tf.shape(x)
        n, height, width, channels = shape[0], shape[1], shape[2], shape[3]
        side = tf.maximum(height // 5, 2)
        row_offset = (height - side * (height // side)) // 2
        col_offset = (width - side * (width // side)) // 2
        patch = double_patch(side)
        delta = tf.zeros_like(x)
        tiles = (height // side) * (width // side)
        signs = _random_signs([tiles, n, 1, 1, channels], seed)

        def add_tile(t, delta):
            row = row_offset + (t // (width // side)) * side
            col = col_offset + (t % (width // side)) * side
            corner = tf.fill([n], row), tf.fill([n], col)
            placed = _place(patch, tf.zeros([n], tf.bool), *corner, height, width)
            return t + 1, delta + placed * signs[t]

        _, delta = tf.while_loop(lambda t, _: t < tiles, add_tile, (tf.constant(0), delta))
        return tf.clip_by_value(x + _scale_to(delta, self.epsilon), 0.0, 1.0)

    def propose(self, x, x_best, side, seed):
        side = side + 1 - side % 2  # odd
        shape = tf.shape(x)
        n, height, width, channels = shape[0], shape[1], shape[2], shape[3]
        seeds = tf.unstack(tf.random.experimental.stateless_split(seed, 4))
        rows1, cols1 = _random_corners(n, side, height, width, seeds[0])
        rows2, cols2 = _random_corners(n, side, height, width, seeds[1])
        mask1 = _window_mask(rows1, cols1, side, height, width)
        mask2 = _window_mask(rows2, cols2, side, height, width)
        delta = x_best - x
        per_channel = lambda t: tf.sqrt(tf.reduce_sum(t ** 2, axis=[1, 2], keepdims=True))  # noqa: E731
        total = tf.norm(tf.reshape(delta, [n, -1]), axis=1)
        unused = tf.maximum(self.epsilon ** 2 - total ** 2, 0.0) / tf.cast(channels, tf.float32)
        union_norm = per_channel(delta * tf.maximum(mask1, mask2))  # [N, 1, 1, C]
        flip = tf.random.stateless_uniform([n], seeds[2]) < 0.5
        fresh = _place(double_patch(side), flip, rows1, cols1, height, width)
        fresh = fresh * _random_signs([n, 1, 1, channels], seeds[3])
        window = fresh + delta * mask1 / (per_channel(delta * mask1) + _TINY)
        window = window / (per_channel(window) + _TINY) * tf.sqrt(per_example(unused, x) + union_norm ** 2)
        delta = delta * (1.0 - mask2) * (1.0 - mask1) + window
        return tf.clip_by_value(x + _scale_to(delta, self.epsilon), 0.0, 1.0)


def square_attack(model, x, y, norm: str, epsilon: float, queries: int, seed, p_init: float = 0.8):
    """Runs Square with a budget of `queries` model evaluations per image.

    Args:
      model: [N, H, W, C] images in [0, 1] → [N, K] scores (only outputs are used).
      x: [N, H, W, C] clean images; y: [N] labels. norm: "linf" or "l2"; epsilon: radius.
      queries: model evaluations per image (AutoAttack: 5000). seed: stateless [2] seed.
    Returns:
      (x_adv [N, H, W, C], fooled [N] bool): the lowest-margin point found, misclassified
      where fooled.
    """
    x = tf.cast(x, tf.float32)
    y = tf.cast(y, tf.int32)
    proposals = _LinfProposals(epsilon) if norm == "linf" else _L2Proposals(epsilon)
    shape = tf.shape(x)
    x_best = proposals.initial(x, fold_seed_int32(seed, 0))
    best = margin(y, model(x_best, training=False))

    def body(i, x_best, best):
        active = best > 0
        side = _side(square_fraction(i, queries, p_init), shape[1], shape[2], proposals.least_side)
        x_new = proposals.propose(x, x_best, side, fold_seed_int32(seed, i))
        candidate = margin(y, model(x_new, training=False))
        better = active & (candidate < best)
        return i + 1, select(better, x_new, x_best), tf.where(better, candidate, best)

    _, x_best, best = tf.while_loop(
        lambda i, _, best: (i < queries) & tf.reduce_any(best > 0), body, (tf.constant(1), x_best, best))
    return tf.stop_gradient(x_best), best < 0
