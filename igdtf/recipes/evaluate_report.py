"""The outputs of an evaluation: report.json, report.md, outcomes.npz and the figures."""

import dataclasses
import os
import sys

import numpy as np
from absl import flags

from igdtf.evaluation import add_robustness_checks, build_report, markdown_report, write_report
from igdtf.evaluation.alignment_suite import alignment_table, correlations
from igdtf.evaluation.figures import write_attribution_grid, write_curve_figures

FLAGS = flags.FLAGS


def write_evaluation_report(plan, evaluators, comparison, models: dict, data) -> None:
    """Writes the report of `comparison` (the models of `plan` on `data`) and its figures to
    --output_dir, report.json last, and prints the report."""
    info, suites, settings = plan.info, plan.suites, plan.settings
    report = build_report(
        comparison, evaluators, dataset=info.name, split=plan.split, dataset_options=plan.options,
        data=info.describe(), max_samples=plan.max_samples, robustbench_protocol=FLAGS.robustbench_protocol,
        batch_size=FLAGS.batch_size, seed=FLAGS.seed, models=plan.model_paths,
        suites=list(suites), settings=dataclasses.asdict(settings), command=sys.argv,
        delta_x_generator=FLAGS.delta_x_generator, mce_baseline=FLAGS.mce_baseline,
    )
    if "alignment" in suites:
        table = alignment_table(comparison.summaries)
        report["alignment"] = {"table": table, "correlations": correlations(table)}
    if "sanity" in suites:
        add_robustness_checks(report, undefended=FLAGS.undefended)  # logs every failed check loudly
    report["figures"] = write_curve_figures(report, FLAGS.output_dir)
    report["figures"] += _attribution_figures(plan, comparison, models, data)
    write_report(report, comparison, FLAGS.output_dir)
    print(markdown_report(report))
    print(f"Report: {os.path.join(FLAGS.output_dir, 'report.md')}")


def _attribution_figures(plan, comparison, models: dict, data) -> list[str]:
    """Writes the attribution-map grids of the first --figure_images samples every model gets
    right (image datasets only); their file names."""
    info = plan.info
    count = FLAGS.figure_images if len(info.image_shape) == 3 else 0
    images, labels = example_images(data, comparison.correct_by_all, count)
    written = []
    if images is not None:
        for attribution in list(plan.settings.attributions) + (["gradcam"] if FLAGS.gradcam else []):
            file_name = f"attributions_{attribution}.png"
            if write_attribution_grid(models, images, labels, attribution, os.path.join(FLAGS.output_dir, file_name),
                                      info.class_names, FLAGS.seed):
                written.append(file_name)
    return written


def example_images(dataset, keep: np.ndarray, count: int):
    """The first `count` samples with keep[i] True (or the first `count` if there are none)."""
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
