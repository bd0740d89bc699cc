"""PNG of 2-D classifiers' decision regions with their data (the PAG paper's Figure 3 style)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from igdtf.runs.atomic import save_figure  # noqa: E402


def predicted_classes(model, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """argmax of `model` ([N, 2] points → [N, K] logits) on the grid xs × ys: [len(ys), len(xs)]."""
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2).astype(np.float32)
    logits = np.concatenate([np.asarray(model(grid[i:i + 8192], training=False)) for i in range(0, len(grid), 8192)])
    return logits.argmax(axis=1).reshape(len(ys), len(xs))


def plot_decision_boundaries(models: dict, points: np.ndarray, labels: np.ndarray, path: str, title: str,
                             limits=((-70.0, 70.0), (-140.0, 140.0)), resolution: int = 300) -> None:
    """One panel per model ({name: model}): predicted class over `limits` ((x₁ min, max), (x₂
    min, max)) in two colours, the decision boundary in black, `points` [N, 2] coloured by
    `labels` [N]. Equal axis scales, so L2 distances read true."""
    xs, ys = (np.linspace(lo, hi, resolution) for lo, hi in limits)
    figure, axes = plt.subplots(1, len(models), figsize=(3.2 * len(models), 5.2), squeeze=False)
    for axis, (name, model) in zip(axes[0], models.items()):
        classes = predicted_classes(model, xs, ys)
        axis.contourf(xs, ys, classes, levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fdd0a2"])
        axis.contour(xs, ys, classes, levels=[0.5], colors="black", linewidths=0.8)
        for label, colour in ((0, "#08519c"), (1, "#a63603")):
            chosen = points[labels == label]
            axis.scatter(chosen[:, 0], chosen[:, 1], s=2, c=colour, label=f"class {label}")
        axis.set_title(name, fontsize=9)
        axis.set_aspect("equal")
        axis.set_xlabel("x₁")
    axes[0][0].set_ylabel("x₂")
    axes[0][0].legend(loc="upper left", fontsize=7)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    save_figure(figure, path, dpi=110)  # atomically; creates the output folder on first write
    plt.close(figure)
