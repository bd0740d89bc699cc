"""The comparison protocol (IGD paper A.2.3): several models, one test set, and robustness error
rates measured only on the samples that every model classifies correctly."""

import dataclasses
import logging
import time

import numpy as np

from igdtf.evaluation.evaluators.batch_evaluators import CleanAccuracy
from igdtf.evaluation.metrics.outcomes import PerSample, summarize
from igdtf.evaluation.evaluators.progress import CountingBatches, count_batches, progress_bar

log = logging.getLogger("igdtf.evaluation")


@dataclasses.dataclass
class Comparison:
    """outcomes[model][name]: per-sample values; correct_by_all: [N] bool; summaries[model]."""

    outcomes: dict[str, dict[str, PerSample]]
    correct_by_all: np.ndarray
    summaries: dict[str, dict]


def evaluator_label(evaluator) -> str:
    """An evaluator's key in reports and logs: its `label` if it has one, else its class name."""
    return getattr(evaluator, "label", type(evaluator).__name__)


def check_comparable(models: dict) -> None:
    """Raises ValueError unless all models share input shape and class count."""
    if not models:
        raise ValueError("Need at least one model to evaluate.")
    signatures = {name: (tuple(m.input_shape[1:]), m.output_shape[-1]) for name, m in models.items()}
    if len(set(signatures.values())) > 1:
        described = ", ".join(f"{n}: input {s} with {k} classes" for n, (s, k) in signatures.items())
        raise ValueError(f"Models to compare must share input shape and class count; got {described}.")


def from_outcomes(outcomes: dict[str, dict[str, PerSample]]) -> Comparison:
    """The Comparison of per-sample outcomes (each model's must include clean_acc)."""
    sizes = {len(o.values) for per_model in outcomes.values() for o in per_model.values()}
    if len(sizes) != 1:
        raise RuntimeError(f"Evaluators saw different sample counts {sorted(sizes)}; the dataset "
                           "must yield the same samples in the same order every time.")
    correct_by_all = np.logical_and.reduce(
        [per_model["clean_acc"].values.astype(bool) for per_model in outcomes.values()]
    )
    summaries = {name: summarize(per_model, correct_by_all) for name, per_model in outcomes.items()}
    return Comparison(outcomes, correct_by_all, summaries)


def compare_models(models: dict, dataset, evaluators, progress: bool = False) -> Comparison:
    """Runs every evaluator on every model over `dataset` (fixed order, batches of (x, y)).

    CleanAccuracy always runs first: its per-sample correctness defines the correct-by-all set.
    With `progress`, a bar on stderr counts the batches evaluated.
    """
    check_comparable(models)
    evaluators = [CleanAccuracy()] + [e for e in evaluators if not isinstance(e, CleanAccuracy)]
    bar = None
    if progress:
        bar = progress_bar(len(models) * len(evaluators) * count_batches(dataset))
        dataset = CountingBatches(dataset, bar)
    outcomes: dict[str, dict[str, PerSample]] = {}
    try:
        for model_name, model in models.items():
            outcomes[model_name] = {}
            for evaluator in evaluators:
                label = evaluator_label(evaluator)
                if bar is not None:
                    bar.set_description(f"{model_name}: {label}")
                start = time.time()
                outcomes[model_name].update(evaluator.run(model, dataset))
                log.info("%s: %s done in %.1f s", model_name, label, time.time() - start)
    finally:
        if bar is not None:
            bar.close()
    return from_outcomes(outcomes)
