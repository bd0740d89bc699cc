"""The 19 ImageNet-C corruptions (Hendrycks & Dietterich 2019), written from the published
algorithms. Each takes an image [H, W, C] float64 in [0, 1], its severity constant `c` (see
severities.py), a NumPy RandomState and the parameter set's name, and returns the
corrupted image as float64 [H, W, C] (clipped and quantised by the caller). NOISE_FUNCTIONS are
elementwise and also take whole batches [..., H, W, C], drawing their noise in one call.
RGB_ONLY corruptions (colour space or coloured overlays) need C = 3.
"""

import functools
import io
import os

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage import color, filters, util
from skimage.feature import canny

from igdtf.data.corruptions.filters import (
    LUMA, clipped_zoom, correlate_channels, disk_kernel, equalize_histogram, motion_blur, plasma_fractal,
)
from igdtf.data.corruptions.severities import FROST_RESIZE, REFERENCE_SIZE

FROST_DIR = os.path.join(os.path.dirname(__file__), "frost")
FROST_FILES = ("frost1.png", "frost2.png", "frost3.png", "frost4.jpg", "frost5.jpg")


def gaussian_noise(x, c, rng, parameters=None):
    return x + rng.normal(size=x.shape, scale=c)


def shot_noise(x, c, rng, parameters=None):
    return rng.poisson(x * c) / float(c)


def impulse_noise(x, c, rng, parameters=None):
    return util.random_noise(x, mode="s&p", amount=c, rng=np.random.default_rng(rng.randint(2 ** 32)))


def speckle_noise(x, c, rng, parameters=None):
    return x + x * rng.normal(size=x.shape, scale=c)


def gaussian_blur(x, c, rng, parameters):
    return filters.gaussian(x, sigma=c, channel_axis=-1)


def glass_blur(x, c, rng, parameters):
    """Blur, then move every pixel inside the border to a random neighbour up to c[1] px away
    (c[2] rounds, bottom-right to top-left), then blur again. The published loop meant to swap
    the two pixels; on NumPy views its tuple swap copies the neighbour into the pixel and leaves
    the neighbour as it was, which is what the published images show, so that is what runs here."""
    sigma, shift, rounds = c
    x = np.uint8(filters.gaussian(x, sigma=sigma, channel_axis=-1) * 255)
    height, width, channels = x.shape
    rows, cols = np.meshgrid(np.arange(height - shift, shift, -1), np.arange(width - shift, shift, -1),
                             indexing="ij")
    pixels = [tuple(p) for p in x.reshape(-1, channels)]  # flat list: a plain loop copies fast
    for _ in range(rounds):
        dx, dy = np.moveaxis(rng.randint(-shift, shift, size=rows.shape + (2,)), -1, 0)
        for i, j in zip((rows * width + cols).ravel().tolist(), ((rows + dy) * width + cols + dx).ravel().tolist()):
            pixels[i] = pixels[j]  # in order: later pixels may read already-moved ones
    x = np.array(pixels, np.uint8).reshape(height, width, channels)
    return filters.gaussian(x / 255.0, sigma=sigma, channel_axis=-1)


def defocus_blur(x, c, rng, parameters):
    return correlate_channels(x, disk_kernel(radius=c[0], alias_sigma=c[1]))


def motion_blur_corruption(x, c, rng, parameters):
    return motion_blur(_quantised(x), radius=c[0], sigma=c[1], angle_degrees=rng.uniform(-45, 45)) / 255.0


def zoom_blur(x, c, rng, parameters):
    return (x + sum(clipped_zoom(x, factor) for factor in c)) / (len(c) + 1)


def fog(x, c, rng, parameters):
    strength, decay = c
    height, width = x.shape[:2]
    size = 1 << int(np.ceil(np.log2(max(height, width))))
    brightest = x.max()
    x = x + strength * plasma_fractal(size, decay, rng)[:height, :width, None]
    return x * brightest / (brightest + strength)


@functools.lru_cache(maxsize=None)
def frost_image(index: int, scale: float) -> np.ndarray:
    """Frost photograph `index` (0–4) as RGB float64 [h, w, 3] in [0, 1], resized by `scale`
    (bilinear) — alpha dropped, as OpenCV's imread does."""
    with Image.open(os.path.join(FROST_DIR, FROST_FILES[index])) as picture:
        picture = picture.convert("RGB")
        if scale != 1.0:
            picture = picture.resize((int(round(picture.width * scale)), int(round(picture.height * scale))),
                                     Image.BILINEAR)
        return np.asarray(picture, np.float64) / 255.0


def frost(x, c, rng, parameters):
    """c[0]·image + c[1]·a random crop of one of five frost photographs, resized so that they
    cover the image as they cover the parameter set's reference size."""
    height, width = x.shape[:2]
    scale = FROST_RESIZE[parameters] * max(height, width) / REFERENCE_SIZE[parameters]
    texture = frost_image(int(rng.randint(5)), round(scale, 6))
    if texture.shape[0] <= height or texture.shape[1] <= width:
        raise ValueError(f"Frost needs images of at most {texture.shape[0] - 1}×{texture.shape[1] - 1} px "
                         f"(the {parameters} frost scale), received {height}×{width}.")
    top, left = rng.randint(0, texture.shape[0] - height), rng.randint(0, texture.shape[1] - width)
    return c[0] * x + c[1] * texture[top:top + height, left:left + width]


def snow(x, c, rng, parameters):
    """Falling snow: thresholded, zoomed Gaussian noise smeared by a motion blur (angle −135°…−45°),
    added twice (once turned 180°) over an image pulled towards its brightened greyscale."""
    mean, spread, zoom, threshold, radius, sigma, weight = c
    height, width = x.shape[:2]
    flakes = clipped_zoom(rng.normal(size=(height, width), loc=mean, scale=spread)[..., None], zoom)
    flakes[flakes < threshold] = 0
    flakes = _quantised(np.clip(flakes, 0, 1))
    flakes = _quantised(motion_blur(flakes, radius, sigma, rng.uniform(-135, -45)) / 255.0) / 255.0
    grey = (x @ LUMA)[..., None]
    x = weight * x + (1 - weight) * np.maximum(x, grey * 1.5 + 0.5)
    return x + flakes + np.rot90(flakes, k=2)


def spatter(x, c, rng, parameters):
    """Water drops (c[5] = 0: pale turquoise, shaded by the distance to the drops' edges) or mud
    (c[5] = 1: brown blotches) from thresholded, blurred Gaussian noise."""
    mean, spread, blur, threshold, strength, mud = c
    liquid = filters.gaussian(rng.normal(size=x.shape[:2], loc=mean, scale=spread), sigma=blur)
    liquid[liquid < threshold] = 0
    if mud:
        mask = filters.gaussian(np.where(liquid > threshold, 1.0, 0.0), sigma=strength)
        mask[mask < 0.8] = 0
        return x * (1 - mask[..., None]) + np.array([63, 42, 20]) / 255.0 * mask[..., None]
    shading = _water_shading((liquid * 255).astype(np.uint8))
    layer = liquid * shading
    if layer.max() > 0:
        layer = layer / layer.max()
    return x + strength * layer[..., None] * (np.array([175, 238, 238]) / 255.0)


def _water_shading(liquid: np.ndarray) -> np.ndarray:
    """The published OpenCV steps with scikit-image/SciPy equivalents: distance to the Canny edges
    of the drops (capped at 20 px), 3×3 box blur, histogram equalisation, an embossing filter,
    another box blur. uint8 [H, W] → float64 [H, W]."""
    edges = canny(liquid.astype(np.float64), sigma=0.0, low_threshold=50, high_threshold=150)
    distance = np.minimum(ndimage.distance_transform_edt(~edges), 20)
    distance = ndimage.uniform_filter(distance, 3, mode="mirror").astype(np.uint8)
    distance = equalize_histogram(distance)
    emboss = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], np.float64)
    distance = np.clip(np.round(ndimage.correlate(distance.astype(np.float64), emboss, mode="mirror")), 0, 255)
    return ndimage.uniform_filter(distance, 3, mode="mirror")


def contrast(x, c, rng, parameters):
    means = x.mean(axis=(0, 1), keepdims=True)
    return (x - means) * c + means


def brightness(x, c, rng, parameters):
    hsv = color.rgb2hsv(x)
    hsv[..., 2] = np.clip(hsv[..., 2] + c, 0, 1)
    return color.hsv2rgb(hsv)


def saturate(x, c, rng, parameters):
    hsv = color.rgb2hsv(x)
    hsv[..., 1] = np.clip(hsv[..., 1] * c[0] + c[1], 0, 1)
    return color.hsv2rgb(hsv)


def jpeg_compression(x, c, rng, parameters):
    buffer = io.BytesIO()
    _picture(x).save(buffer, "JPEG", quality=c)
    with Image.open(buffer) as decoded:
        return _from_picture(decoded, x.shape)


def pixelate(x, c, rng, parameters):
    picture = _picture(x)
    small = picture.resize((int(picture.width * c), int(picture.height * c)), Image.BOX)
    return _from_picture(small.resize(picture.size, Image.BOX), x.shape)


def elastic_transform(x, c, rng, parameters):
    """A random affine warp (three control points jittered by up to c[2]·side px), then a smooth
    random displacement field (uniform noise blurred with σ = c[1]·side, scaled by c[0]·side)."""
    side = min(x.shape[:2])
    scale, smoothing, jitter = (value * side for value in c)
    height, width = x.shape[:2]
    centre = np.float32(x.shape[:2]) // 2
    square = min(height, width) // 3
    source = np.float32([centre + square, [centre[0] + square, centre[1] - square], centre - square])
    target = source + rng.uniform(-jitter, jitter, size=source.shape).astype(np.float32)
    # Points are (column, row); the warp maps source to target, so pixels are read through its inverse.
    forward = np.linalg.solve(np.c_[source, np.ones(3)], target).T  # [2, 3]
    inverse = np.linalg.inv(np.vstack([forward, [0, 0, 1]]))[:2]
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    src_cols = inverse[0, 0] * cols + inverse[0, 1] * rows + inverse[0, 2]
    src_rows = inverse[1, 0] * cols + inverse[1, 1] * rows + inverse[1, 2]
    warped = np.stack([ndimage.map_coordinates(x[..., k], [src_rows, src_cols], order=1, mode="mirror")
                       for k in range(x.shape[-1])], axis=-1)
    dx = filters.gaussian(rng.uniform(-1, 1, size=(height, width)), smoothing, mode="reflect", truncate=3) * scale
    dy = filters.gaussian(rng.uniform(-1, 1, size=(height, width)), smoothing, mode="reflect", truncate=3) * scale
    return np.stack([ndimage.map_coordinates(warped[..., k], [rows + dy, cols + dx], order=1, mode="reflect")
                     for k in range(x.shape[-1])], axis=-1)


def _quantised(x: np.ndarray) -> np.ndarray:
    """[0, 1] → 0..255 rounded (the 8-bit PNG the published code passes to ImageMagick)."""
    return np.round(np.clip(x, 0, 1) * 255.0)


def _picture(x: np.ndarray) -> Image.Image:
    pixels = _quantised(x).astype(np.uint8)
    return Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)


def _from_picture(picture: Image.Image, shape) -> np.ndarray:
    return np.asarray(picture, np.float64).reshape(shape) / 255.0


NOISE_FUNCTIONS = {"gaussian_noise": gaussian_noise, "shot_noise": shot_noise, "impulse_noise": impulse_noise,
                   "speckle_noise": speckle_noise}
FUNCTIONS = {
    **NOISE_FUNCTIONS, "defocus_blur": defocus_blur, "glass_blur": glass_blur,
    "motion_blur": motion_blur_corruption, "zoom_blur": zoom_blur, "snow": snow, "frost": frost, "fog": fog,
    "brightness": brightness, "contrast": contrast, "elastic_transform": elastic_transform, "pixelate": pixelate,
    "jpeg_compression": jpeg_compression, "gaussian_blur": gaussian_blur, "spatter": spatter, "saturate": saturate,
}
RGB_ONLY = ("snow", "frost", "spatter", "brightness", "saturate")
