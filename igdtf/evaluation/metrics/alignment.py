"""Gradient-direction metrics (Lanfredi et al., "Quantifying the preferential direction of the
model gradient in adversarial training with PGD"):

- α_x(x) = |⟨x, ∇f_m(x)⟩| / (‖x‖·‖∇f_m(x)‖), m(x) the predicted class (Etmann et al. 2019): the
  baseline alignment, in [0, 1]; x is the model's input ([0, 1] pixels, normalisation inside);
- α_Δx(x) = cos(∇ℓ(x), Δx), ℓ = f_c̃ − f_y (igdtf.attributions.direction_alignment) with Δx from
  a closed form, a function of x (a direct generator), or a table of precomputed points (the
  projections of an indirect estimate);
- the ε50% columns from robustness curves, and the Pearson correlation of a metric with a
  robustness column over a set of models.
"""

import numpy as np
import tensorflow as tf

from igdtf.attributions import direction_alignment
from igdtf.evaluation.metrics.batches import map_batches
from igdtf.evaluation.metrics.outcomes import MEAN, PerSample
from igdtf.evaluation.metrics.robustness_curve import epsilon_50
from igdtf.ops import per_example_cosine


def input_alignment(model, x, training: bool = False) -> tf.Tensor:
    """α_x per example, [N] float32 in [0, 1] (Etmann et al.), for the predicted class m(x)."""
    x = tf.cast(x, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = tf.cast(model(x, training=training), tf.float32)
        predicted = tf.stop_gradient(tf.argmax(logits, axis=-1, output_type=tf.int32))
        total = tf.reduce_sum(tf.gather(logits, predicted, axis=1, batch_dims=1))
    return tf.abs(per_example_cosine(tape.gradient(total, x), x))


class InputAlignment:
    """alpha_x: α_x per test sample (Etmann et al.'s alignment of x and its predicted logit's gradient)."""

    def run(self, model, dataset) -> dict[str, PerSample]:
        values = map_batches(lambda x, y, i: {"alpha_x": input_alignment(model, x)}, dataset)
        return {name: PerSample(v, MEAN) for name, v in values.items()}

    def describe(self) -> dict:
        return {"class": "predicted", "input": "as given to the model (normalisation inside it)"}


class TabulatedDirectionAlignment:
    """α_Δx per test sample with Δx = points[n, c̃(x_n)] − x_n from precomputed candidate points.

    `table` has `inputs` [N, ...] (the test samples, in the dataset's order) and `points`
    [N, K, ...] (for each sample, the closest point found on class k's manifold, e.g. a
    ProjectionTable of igdtf.generative). Every batch is checked against `inputs`, so a
    table computed for another dataset or order is refused instead of giving a wrong Δx.
    """

    def __init__(self, table, name: str = "alpha_dx"):
        self.inputs = np.asarray(table.inputs, np.float32)
        self.points = np.asarray(table.points, np.float32)
        if self.points.shape[0] != self.inputs.shape[0] or self.points.shape[2:] != self.inputs.shape[1:]:
            raise ValueError(f"A table of Δx points needs points [N, K, ...] for inputs [N, ...]; received points "
                             f"{self.points.shape} for inputs {self.inputs.shape}.")
        self.name = name
        self.description = table.describe() if hasattr(table, "describe") else {}

    def run(self, model, dataset) -> dict[str, PerSample]:
        @tf.function(reduce_retracing=True)
        def step(x, y, candidates):
            def delta_x(x, labels, target):
                return tf.gather(candidates, target, axis=1, batch_dims=1) - x
            return direction_alignment(model, x, y, delta_x)

        num_classes = self.points.shape[1]
        if model.output_shape[-1] != num_classes:
            raise ValueError(f"The table holds points for {num_classes} classes; the model has "
                             f"{model.output_shape[-1]}.")
        chunks, offset = [], 0
        for x, y in dataset:
            x = tf.cast(x, tf.float32)
            y = tf.cast(tf.reshape(y, [-1]), tf.int32)
            size = int(x.shape[0])
            if offset + size > len(self.inputs) or not np.allclose(x.numpy(), self.inputs[offset:offset + size],
                                                                  atol=1e-5):
                raise ValueError(f"The dataset's samples {offset}..{offset + size - 1} are not the table's inputs "
                                 f"({len(self.inputs)} samples): compute the table on this dataset, in this order.")
            chunks.append(step(x, y, tf.constant(self.points[offset:offset + size])).numpy())
            offset += size
        if offset != len(self.inputs):
            raise ValueError(f"The dataset has {offset} samples; the table of Δx points has {len(self.inputs)}.")
        return {self.name: PerSample(np.concatenate(chunks), MEAN)}

    def describe(self) -> dict:
        return {"delta_x": "tabulated points (indirect estimate)", **self.description}


def epsilon_50_columns(summary: dict) -> dict:
    """{"eps50_<norm>": ε50%} for every robust_acc_<norm> curve in one model's summary (None when
    the accuracy stays above one half over the whole grid)."""
    return {f"eps50_{name[len('robust_acc_'):]}": epsilon_50(curve, summary["clean_acc"])
            for name, curve in summary.items() if name.startswith("robust_acc_") and isinstance(curve, dict)}


def pearson(a, b) -> float:
    """Pearson's correlation coefficient of two equally long sequences of numbers (>= 2 each, not constant)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    if a.shape != b.shape or a.ndim != 1 or a.size < 2:
        raise ValueError(f"Pearson's correlation needs two 1-d sequences of the same length >= 2; received "
                         f"shapes {a.shape} and {b.shape}.")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError(f"Pearson's correlation needs finite numbers; received {a.tolist()} and {b.tolist()}.")
    a, b = a - a.mean(), b - b.mean()
    scale = np.sqrt((a * a).sum() * (b * b).sum())
    if scale == 0:
        raise ValueError(f"Pearson's correlation is undefined for a constant sequence; received {a.tolist()} "
                         f"and {b.tolist()} (centred).")
    return float((a * b).sum() / scale)


def correlation_with_robustness(results: dict, metric: str, robustness: str) -> float:
    """Pearson correlation over models of results[model][metric] with results[model][robustness].

    `results` is {model: {column: value}} (e.g. alignment_table's). Models whose robustness is
    None (above the largest ε tested) cannot be placed and are refused with a ValueError.
    """
    missing = [name for name, r in results.items() if r.get(metric) is None or r.get(robustness) is None]
    if missing:
        raise ValueError(f"Every model needs both {metric!r} and {robustness!r} for a correlation; missing or None "
                         f"for {missing} (for ε50%: extend the ε grid).")
    return pearson([r[metric] for r in results.values()], [r[robustness] for r in results.values()])
