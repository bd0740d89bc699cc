"""PNG figures: error curves (IGD paper Figure 3 style) and attribution-map grids (Figure 2).

Curves come from a report's numbers alone; grids need the models and a few images.
"""

import logging
import os

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from igdtf.attributions import ATTRIBUTIONS, DEFAULT_ATTRIBUTION  # noqa: E402
from igdtf.data.corruptions.names import CORRUPTIONS  # noqa: E402
from igdtf.evaluation.metrics.outcomes import parse_name  # noqa: E402
from igdtf.runs.atomic import save_figure  # noqa: E402

log = logging.getLogger("igdtf.evaluation")

# figure file → (title, x label, x scale, curve metrics)
CURVE_FIGURES = {
    "error_curves.png": ("Error rate vs. fraction of perturbed input elements", "perturbed elements (%)", 100.0,
                         ("ina1", "ina2", "rn1", "rn2")),
    "ioa_curves.png": ("Inductive occlusion error rate vs. largest radius", "largest occlusion radius r", 1.0,
                       ("ioa_black", "ioa_gray", "ioa_white")),
    "corruption_curves.png": ("Corruption error rate vs. severity", "severity", 1.0, CORRUPTIONS),
}


def write_curve_figures(report: dict, output_dir: str) -> list[str]:
    """Writes every curve figure whose curves the report holds; returns the file names."""
    written = []
    for file_name, (title, x_label, x_scale, metrics) in CURVE_FIGURES.items():
        if _plot_curves(report["models"], metrics, title, x_label, x_scale, os.path.join(output_dir, file_name)):
            written.append(file_name)
    return written


def _plot_curves(models: dict, metrics, title, x_label, x_scale, path) -> bool:
    keys = sorted({k for m in models.values() for k, v in m.items()
                   if isinstance(v, dict) and parse_name(k)[0] in metrics},
                  key=lambda k: (metrics.index(parse_name(k)[0]), k))
    if not keys:
        return False
    columns = min(len(keys), 4)
    rows = -(-len(keys) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3.3 * rows), squeeze=False)
    for ax, key in zip(axes.flat, keys):
        plotted = False
        for model_name, summary in models.items():
            points = sorted((float(p), v) for p, v in (summary.get(key) or {}).items() if v is not None)
            if points:
                xs, ys = zip(*points)
                ax.plot(np.array(xs) * x_scale, 100 * np.array(ys), marker="o", markersize=3, label=model_name)
                plotted = True
        metric, attribution, _ = parse_name(key)
        name = metric.upper() if metric.startswith(("ina", "rn")) else metric.replace("_", " ")
        ax.set_title(name if key == metric else f"{name} ({attribution})")
        ax.set_xlabel(x_label)
        ax.set_ylabel("error rate (%)")
        if x_scale == 1.0:  # radii and severities are integers
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if plotted:
            ax.legend(fontsize=8)
        else:  # error rates are n/a when no sample is classified correctly by every model
            ax.text(0.5, 0.5, "n/a: no test sample is\nclassified correctly by every model", ha="center",
                    va="center", transform=ax.transAxes, fontsize=9, color="0.3")
            ax.set_yticks([])
            ax.set_xticks([])
    for ax in list(axes.flat)[len(keys):]:
        ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path, dpi=110)  # atomically; creates the output folder on first write
    plt.close(fig)
    return True


def _display(maps: np.ndarray) -> np.ndarray:
    """[N, H, W, C] attributions → [N, H, W] in [0, 1]: |A| summed over channels, each map
    divided by its 99th percentile and clipped, so one extreme pixel does not hide the rest."""
    per_pixel = np.abs(maps).sum(-1)
    scale = np.percentile(per_pixel.reshape(len(per_pixel), -1), 99, axis=1)[:, None, None]
    return np.clip(per_pixel / np.where(scale > 0, scale, 1.0), 0.0, 1.0)


def attribution_maps(model, images: np.ndarray, labels: np.ndarray, attribution: str, seed: int = 0) -> np.ndarray:
    """[N, H, W] display maps of `attribution` (or "gradcam", tf-keras-vis's GradCAM) for the labels."""
    if attribution == "gradcam":
        from tf_keras_vis.gradcam import Gradcam
        from tf_keras_vis.utils.scores import CategoricalScore

        return np.asarray(Gradcam(model, clone=True)(CategoricalScore(list(labels)), images, penultimate_layer=-1))
    maps = ATTRIBUTIONS[attribution](model, images, labels, tf.constant([seed, 0], tf.int64))
    return _display(maps.numpy())


def write_attribution_grid(models: dict, images: np.ndarray, labels: np.ndarray, attribution: str, path: str,
                           class_names=None, seed: int = 0, row_labels: dict | None = None) -> bool:
    """One row of images, then one row of maps per model (columns: the images), labelled with
    row_labels[model] (default: the model's name). Returns False (and logs why) when a model
    cannot be drawn this way, e.g. GradCAM without conv layers."""
    rows, row_labels = [("image", np.clip(images, 0.0, 1.0))], row_labels or {}
    for name, model in models.items():
        try:
            rows.append((row_labels.get(name, name), attribution_maps(model, images, labels, attribution, seed)))
        except ValueError as error:
            log.warning("No %s grid: %s: %s", attribution, name, error)
            return False
    columns = len(images)
    fig, axes = plt.subplots(len(rows), columns, figsize=(1.6 * columns + 0.8, 1.6 * len(rows)), squeeze=False)
    for r, (row_name, pictures) in enumerate(rows):
        for c in range(columns):
            ax = axes[r, c]
            picture = pictures[c]
            ax.imshow(picture if picture.ndim == 3 and picture.shape[-1] == 3 else picture.squeeze(),
                      cmap="gray" if r == 0 else "inferno", vmin=0.0, vmax=1.0, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                label = int(labels[c])
                ax.set_title(class_names[label] if class_names else f"class {label}", fontsize=8)
            if c == 0:
                ax.set_ylabel(row_name, fontsize=9)
    how = ("GradCAM of tf-keras-vis, min-max normalised" if attribution == "gradcam"
           else "|A| summed over channels, clipped at its 99th percentile")
    fig.suptitle(f"{attribution} maps of the true class ({how})", fontsize=10)
    fig.tight_layout()
    save_figure(fig, path, dpi=110)  # atomically; creates the output folder on first write
    plt.close(fig)
    return True


def example_images(dataset, keep: np.ndarray, count: int):
    """(images, labels) of the first `count` samples of `dataset` (batches of (x, y)) with keep[i]
    True (or the first `count` if none is); (None, None) when there are none."""
    chosen = np.flatnonzero(keep)[:count] if keep.any() else np.arange(min(count, keep.size))
    if not chosen.size:
        return None, None
    images, labels, start = [], [], 0
    for x, y in dataset:
        y = np.reshape(np.asarray(y), [-1])
        inside = chosen[(chosen >= start) & (chosen < start + len(y))] - start
        images.append(np.asarray(x)[inside])
        labels.append(y[inside])
        start += len(y)
        if start > chosen.max():
            break
    return np.concatenate(images), np.concatenate(labels)


def write_comparison_figures(report: dict, comparison, models: dict, data, output_dir: str,
                             attributions=("saliency",), class_names=None, seed: int = 0, count: int = 6) -> list[str]:
    """Every figure of a comparison of `models` on `data` (batches of (x, y)): the curve figures
    the report's numbers allow, then, for image data, one attribution grid per name in
    `attributions` ("gradcam" included) of the first `count` test images every model gets right
    (count 0, as for vector data: none); a row is labelled with the model's global Gini of that
    attribution when the report has it. Returns the file names written in output_dir."""
    written = write_curve_figures(report, output_dir)
    images, labels = example_images(data, comparison.correct_by_all, count) if count else (None, None)
    if images is None:
        return written
    for attribution in attributions:
        file_name = f"attributions_{attribution}.png"
        if write_attribution_grid(models, images, labels, attribution, os.path.join(output_dir, file_name),
                                  class_names, seed, _gini_labels(report, attribution)):
            written.append(file_name)
    return written


def _gini_labels(report: dict, attribution: str) -> dict:
    """{model: "name\nGini 0.688"} for the models whose report has the attribution's global Gini."""
    key = "gini_global" if attribution == DEFAULT_ATTRIBUTION else f"gini_global[{attribution}]"
    return {name: f"{name}\nGini {summary[key]:.3f}" for name, summary in report["models"].items()
            if isinstance(summary.get(key), float)}
