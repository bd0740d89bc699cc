"""The paper's Table 2 (Lanfredi et al.) as evaluators and columns: accuracy, ε50% (L∞, L2),
ᾱ_Δx, ᾱ_x; the entry point an evaluation CLI calls.

    evaluators = alignment_evaluators(info)                # + any Δx source, grids, PGD steps
    comparison = compare_models(models, test_batches, evaluators)
    table = alignment_table(comparison.summaries)          # {model: {column: value}}
    text = alignment_markdown(table)
"""

from collections.abc import Callable

from igdtf.data.registry import DatasetInfo
from igdtf.evaluation.metrics.alignment import (
    InputAlignment, TabulatedDirectionAlignment, correlation_with_robustness, epsilon_50_columns,
)
from igdtf.evaluation.metrics.robustness_curve import DirectionAlignment, RobustnessCurve
from igdtf.validation import check_choice, check_positive_int

ALIGNMENT_METRICS = ("accuracy", "eps50_linf", "eps50_l2", "alpha_dx", "alpha_x")
COLUMN_TITLES = {"clean_acc": "accuracy (%)", "eps50_linf": "ε50% (L∞)", "eps50_l2": "ε50% (L2)",
                 "alpha_dx": "ᾱ_Δx", "alpha_dx_estimated": "ᾱ_Δx (estimated)", "alpha_x": "ᾱ_x"}

# ε grids of the robustness curves: the authors' Spheres grid; a pixel grid for [0, 1] images.
SPHERES_L2_EPSILONS = (0.01118, 0.02236, 0.04472, 0.08944, 0.1342, 0.1789, 0.2236)
SPHERES_LINF_EPSILONS = (0.0005, 0.001, 0.002, 0.004, 0.006, 0.008, 0.01, 0.02)
IMAGE_L2_EPSILONS = (0.0625, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0)
IMAGE_LINF_EPSILONS = tuple(e / 255 for e in (0.5, 1, 2, 4, 8, 16, 32))


def default_epsilons(info: DatasetInfo, norm: str) -> tuple:
    """The default ε grid of `norm` ("l2" or "linf") for a dataset: Spheres' own grid, the pixel
    grid for images in [0, 1]; other datasets have no default (ValueError: pass a grid)."""
    check_choice("norm", norm, ("l2", "linf"))
    if info.name == "spheres":
        return SPHERES_L2_EPSILONS if norm == "l2" else SPHERES_LINF_EPSILONS
    if info.bounds == (0.0, 1.0) and len(info.image_shape) == 3:
        return IMAGE_L2_EPSILONS if norm == "l2" else IMAGE_LINF_EPSILONS
    raise ValueError(f"No default {norm} ε grid for {info.name} (inputs {info.image_shape}, bounds {info.bounds}); "
                     "pass one (the distances to the boundary set its scale).")


def alignment_evaluators(info: DatasetInfo, metrics=ALIGNMENT_METRICS, delta_x: Callable | object | None = None,
                         l2_epsilons=None, linf_epsilons=None, steps: int = 40, seed: int = 0) -> list:
    """The evaluators of the chosen Table 2 `metrics` for `info`'s dataset.

    Args:
      metrics: any of ALIGNMENT_METRICS ("accuracy" is always measured: it needs no evaluator).
      delta_x: the Δx source of alpha_dx: None for the dataset's closed form (info.delta_x), a
        function (x, labels, target) → Δx (e.g. DirectDeltaX of igdtf.generative), or a table
        with `inputs` [N, ...] and `points` [N, K, ...] (a ProjectionTable).
      l2_epsilons, linf_epsilons: ε grids of the PGD robustness curves; default_epsilons otherwise.
      steps: PGD steps per ε (step size 2.5·ε/steps).
    Raises ValueError for an unknown metric, or alpha_dx without any Δx source.
    """
    for metric in metrics:
        check_choice("alignment metric", metric, ALIGNMENT_METRICS)
    check_positive_int("steps", steps)
    evaluators = []
    for norm, grid in (("linf", linf_epsilons), ("l2", l2_epsilons)):
        if f"eps50_{norm}" in metrics:
            evaluators.append(RobustnessCurve(grid or default_epsilons(info, norm), norm, steps=steps,
                                              bounds=info.bounds, seed=seed))
    if "alpha_dx" in metrics:
        source = info.delta_x if delta_x is None else delta_x
        if source is None:
            raise ValueError(f"alpha_dx needs a Δx source: {info.name} has no closed form; pass delta_x (a generator "
                             "estimate: igdtf.generative.DirectDeltaX or a ProjectionTable).")
        evaluators.append(TabulatedDirectionAlignment(source) if hasattr(source, "points")
                          else DirectionAlignment(source))
    if "alpha_x" in metrics:
        evaluators.append(InputAlignment())
    return evaluators


def alignment_table(summaries: dict) -> dict:
    """{model: {clean_acc, eps50_linf, eps50_l2, alpha_dx*, alpha_x}} (columns that were measured;
    alpha_dx* is every alignment evaluator's name, e.g. alpha_dx_estimated) from
    compare_models(...).summaries."""
    table = {}
    for name, summary in summaries.items():
        row = {"clean_acc": summary["clean_acc"], **epsilon_50_columns(summary)}
        row.update({k: v for k, v in summary.items() if k.startswith("alpha_")})
        table[name] = row
    return table


def correlations(table: dict, metrics=("alpha_dx", "alpha_x"), robustness=("eps50_linf", "eps50_l2")) -> dict:
    """{"<metric>~<robustness>": Pearson r over the table's models} for every pair measured on
    every model; pairs that cannot be computed (fewer than 2 models, a constant column, an ε50%
    above the grid) map to the reason, a string."""
    result = {}
    for metric in metrics:
        for column in robustness:
            if all(metric in row and column in row for row in table.values()):
                try:
                    result[f"{metric}~{column}"] = correlation_with_robustness(table, metric, column)
                except ValueError as error:
                    result[f"{metric}~{column}"] = f"not computed: {error}"
    return result


def _cell(column: str, value) -> str:
    if value is None:
        return "> largest ε" if column.startswith("eps50") else "n/a"
    if column == "clean_acc":
        return f"{100 * value:.1f}"
    return f"{value:.5f}" if column.startswith("eps50") else f"{value:.3f}"


def alignment_markdown(table: dict, pearson: dict | None = None) -> str:
    """Table 2 as markdown (one row per model), followed by the correlations if given."""
    columns = [c for c in COLUMN_TITLES if any(c in row for row in table.values())]
    lines = ["| model | " + " | ".join(COLUMN_TITLES[c] for c in columns) + " |",
             "|---|" + "---|" * len(columns)]
    for name, row in table.items():
        lines.append(f"| {name} | " + " | ".join(_cell(c, row.get(c)) for c in columns) + " |")
    if pearson:
        lines += ["", "Pearson correlation over the models:", ""]
        for pair, value in pearson.items():
            lines.append(f"- {pair}: {value if isinstance(value, str) else f'{value:.3f}'}")
    return "\n".join(lines) + "\n"
