"""The outputs of an evaluation: report.json, report.md, outcomes.npz and the figures."""

import dataclasses
import os
import sys

from absl import flags

from igdtf.evaluation import add_robustness_checks, build_report, markdown_report, write_report
from igdtf.evaluation.evaluators.alignment_suite import alignment_table, correlations
from igdtf.evaluation.reporting.figures import write_comparison_figures

FLAGS = flags.FLAGS


def write_evaluation_report(plan, evaluators, comparison, models: dict, data, output_dir: str) -> None:
    """Writes the report of `comparison` (the models of `plan` on `data`) and its figures to
    output_dir, report.json last, and prints the report."""
    info, suites, settings = plan.info, plan.suites, plan.settings
    report = build_report(
        comparison, evaluators, dataset=info.name, split=plan.split, dataset_options=plan.options,
        data=info.describe(), max_samples=plan.max_samples, robustbench_protocol=FLAGS.robustbench_protocol,
        batch_size=FLAGS.batch_size, seed=FLAGS.seed, models=plan.model_paths,
        epsilon={"value": plan.epsilon, "unit": "1/255", "source": plan.epsilon_source},
        suites=list(suites), settings=dataclasses.asdict(settings), command=sys.argv,
        delta_x_generator=FLAGS.delta_x_generator, mce_baseline=FLAGS.mce_baseline,
    )
    if "alignment" in suites:
        table = alignment_table(comparison.summaries)
        report["alignment"] = {"table": table, "correlations": correlations(table)}
    if "sanity" in suites:
        add_robustness_checks(report, undefended=FLAGS.undefended)  # logs every failed check loudly
    count = FLAGS.figure_images if len(info.image_shape) == 3 else 0
    attributions = list(settings.attributions) + (["gradcam"] if FLAGS.gradcam else [])
    report["figures"] = write_comparison_figures(report, comparison, models, data, output_dir, attributions,
                                                 info.class_names, FLAGS.seed, count)
    write_report(report, comparison, output_dir)
    print(markdown_report(report))
    print(f"Report: {os.path.join(output_dir, 'report.md')}")
