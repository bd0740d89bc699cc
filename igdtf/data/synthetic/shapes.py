"""Shapes: the embedded default dataset, generated on the fly (no files, no network).

An extension of the Squares dataset of Lanfredi et al. (centred squares on spatially smoothed
Gaussian noise) to ten shape classes with random size, position, rotation and colour. Like
natural images, each image can carry two kinds of class evidence:

* the shape: large, high-contrast, local — a robust feature;
* a faint class texture (`texture_amplitude`, in pixel units; 0 turns it off): a fixed ±1
  pattern per class spread over the whole image, too weak to survive an ε = 8/255 attack — a
  non-robust feature in the sense of Ilyas et al. (2019).

Images are quantised to 8 bits like real photographs. Generation is deterministic given the
seed, vectorised with NumPy, and takes about a second per 10 000 32×32 images.
"""

import numpy as np

CLASS_NAMES = (
    "square", "disk", "triangle", "plus", "ring", "diamond", "frame", "x_cross", "bars", "half_disk",
)
NUM_CLASSES = len(CLASS_NAMES)


def _shape_mask(cls: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Boolean mask of shape class `cls` in its own coordinates u, v (the shape spans [−1, 1])."""
    r = np.hypot(u, v)
    box = np.maximum(np.abs(u), np.abs(v))
    if cls == 0:
        return box <= 1.0
    if cls == 1:
        return r <= 1.0
    if cls == 2:
        return (np.abs(v) <= 1.0) & (np.abs(u) <= (v + 1.0) / 2.0)
    if cls == 3:
        return ((np.abs(u) <= 0.32) | (np.abs(v) <= 0.32)) & (box <= 1.0)
    if cls == 4:
        return (r <= 1.0) & (r >= 0.55)
    if cls == 5:
        return np.abs(u) + np.abs(v) <= 1.0
    if cls == 6:
        return (box <= 1.0) & (box >= 0.6)
    if cls == 7:
        return ((np.abs(u - v) <= 0.45) | (np.abs(u + v) <= 0.45)) & (box <= 1.0)
    if cls == 8:
        return (np.abs(u) <= 1.0) & (np.abs(v) >= 0.35) & (np.abs(v) <= 1.0)
    return (r <= 1.0) & (v >= 0.0)


def _smooth_noise(rng: np.random.Generator, n: int, size: int, sigma: float) -> np.ndarray:
    """[N, size, size, 3] Gaussian noise blurred (wrapping) with a Gaussian of `sigma` px, unit std."""
    white = rng.standard_normal((n, 3, size, size), dtype=np.float32)
    offsets = (np.arange(size)[:, None] - np.arange(size)[None, :] + size // 2) % size - size // 2
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2).astype(np.float32)  # circulant [size, size]
    smooth = (kernel @ white @ kernel.T).transpose(0, 2, 3, 1)
    return smooth / smooth.std(axis=(1, 2, 3), keepdims=True)


def class_textures(image_size: int, texture_seed: int = 1234) -> np.ndarray:
    """The fixed ±1 texture of each class, [NUM_CLASSES, size, size, 3] float32."""
    rng = np.random.default_rng(texture_seed)
    return np.sign(rng.standard_normal((NUM_CLASSES, image_size, image_size, 3))).astype(np.float32)


def generate_shapes(
    num_samples: int,
    seed: int,
    image_size: int = 32,
    texture_amplitude: float = 0.0,
    max_rotation: float = 0.0,
    supersample: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """Generates `num_samples` balanced Shapes images.

    Returns:
      images: [N, S, S, 3] float32 in [0, 1] (multiples of 1/255).
      labels: [N] int32 in [0, 10).
    """
    rng = np.random.default_rng(seed)
    labels = (np.arange(num_samples) % NUM_CLASSES).astype(np.int32)
    rng.shuffle(labels)
    big = image_size * supersample
    grid = ((np.arange(big) + 0.5) / big).astype(np.float32)  # pixel centres in [0, 1]
    ys, xs = np.meshgrid(grid, grid, indexing="ij")

    def per_sample(low, high):
        return rng.uniform(low, high, num_samples).astype(np.float32)[:, None, None]

    scale = per_sample(0.22, 0.36)  # half the shape's size, as a fraction of the image side
    cy, cx = per_sample(0.35, 0.65), per_sample(0.35, 0.65)
    angle = per_sample(-max_rotation, max_rotation) * np.float32(np.pi / 180)
    dx, dy = (xs[None] - cx) / scale, (ys[None] - cy) / scale
    u = np.cos(angle) * dx + np.sin(angle) * dy
    v = -np.sin(angle) * dx + np.cos(angle) * dy
    masks = np.zeros(u.shape, np.float32)
    for cls in range(NUM_CLASSES):
        chosen = labels == cls
        masks[chosen] = _shape_mask(cls, u[chosen], v[chosen])
    masks = masks.reshape(num_samples, image_size, supersample, image_size, supersample).mean(axis=(2, 4))

    background = rng.uniform(0.2, 0.8, (num_samples, 1, 1, 3)).astype(np.float32)
    background = background + 0.12 * _smooth_noise(rng, num_samples, image_size, sigma=2.0)
    foreground = rng.uniform(0.0, 1.0, (num_samples, 1, 1, 3)).astype(np.float32)
    # Keep at least 0.3 of mean-brightness contrast between the shape and its background.
    gap = foreground.mean(axis=(1, 2, 3)) - background.mean(axis=(1, 2, 3))
    push = np.where(gap >= 0, 1.0, -1.0) * np.maximum(0.0, 0.3 - np.abs(gap))
    foreground = np.clip(foreground + push[:, None, None, None], 0.0, 1.0)
    images = background * (1 - masks[..., None]) + foreground * masks[..., None]
    images += 0.02 * rng.standard_normal(images.shape, dtype=np.float32)
    if texture_amplitude:
        images += texture_amplitude * class_textures(image_size)[labels]
    images = np.round(np.clip(images, 0.0, 1.0) * 255.0) / 255.0
    return images.astype(np.float32), labels
