"""Evaluate and compare trained models: the IGD paper's robustness suite as one command.

Command:
  python -m igdtf.evaluate --model standard=runs/qs/standard/model.keras \
      --model igd=runs/qs/igd/model.keras --dataset shapes --output_dir runs/eval
Writes OUTPUT_DIR/report.json, report.md (Tables 1-3, 5-7 and the curves), outcomes.npz
(per-sample values) and PNG figures (error curves, attribution-map grids).
Robustness error rates are measured on the test samples that every model classifies correctly.
Hardware: any. Expected time: on a shared 2-core CPU, every suite with saliency and IG maps
took about 10 minutes per quickstart model on 1000 Shapes images (IOA, IG and PGD-20 dominate);
--suite clean,pgd,gini,ina with saliency alone about 3 minutes.
Every setting is checked before a model is loaded: a bad flag exits at once with code 2, as does
a --output_dir that cannot be written or already holds files (without --overwrite). report.json
is written last, each file atomically: a killed evaluation leaves no report claiming to be whole.

The parts (igdtf/cli/evaluate/): flags.py (the flags), plan.py (flags → checked plan),
delta_x.py (the Δx generator), models.py (models against the dataset), runs.py (seed runs),
report.py (report files and figures); this module runs them (`python -m igdtf.evaluate`).
"""

import contextlib
import dataclasses
import logging
import os

from absl import flags

from igdtf.data.pipeline import evaluation_pipeline
from igdtf.data.registry import load_split
from igdtf.errors import ConfigError, WriteError, checked
from igdtf.evaluation import compare_models
from igdtf.evaluation.evaluators.protocol import check_comparable
from igdtf.evaluation.reporting.seed_summary import seed_run_dir
from igdtf.cli.evaluate.delta_x import estimated_alignment
from igdtf.cli.evaluate.models import check_models_fit, fit_image_size, load_model_to_evaluate
from igdtf.cli.evaluate.plan import plan_at, plan_from_flags
from igdtf.cli.evaluate.report import write_evaluation_report
from igdtf.cli.seed_flags import write_summary
from igdtf.runs.lock import hold_folder
from igdtf.runs.write_errors import remove_paths
from igdtf.stop_signals import StopRequested

FLAGS = flags.FLAGS


def main(argv):
    del argv  # cli.run refuses positional arguments
    plan = plan_from_flags()  # everything is checked before the first model is loaded
    hold_folder(FLAGS.output_dir)  # refused while a run holds it (or a folder around it)
    logging.info("PGD at ε = %g/255 (from %s).", plan.epsilon, plan.epsilon_source)
    with _emptied_if_unfinished(FLAGS.output_dir, started_empty=not FLAGS.overwrite):
        _evaluate_plan(plan)


@contextlib.contextmanager
def _emptied_if_unfinished(output_dir: str, started_empty: bool):
    """Removes the files of an evaluation that a full disk or a stop signal ended, when its
    folder was empty at the start (check_output_dir without --overwrite), so that the same
    command runs again instead of being refused for a folder that is not empty."""
    try:
        yield
    except (WriteError, StopRequested):
        if started_empty:
            remove_paths([os.path.join(output_dir, "*")])  # not the hidden lock file
        raise


def _evaluate_plan(plan) -> None:
    """The plan's comparison into --output_dir (with --seed_runs: one per seed, then the summary)."""
    if plan.seed_models is None:
        _evaluate(plan, FLAGS.output_dir)
        return
    for seed, paths in plan.seed_models.items():  # one comparison per seed, each its own report
        logging.info("Seed %d: %s", seed, ", ".join(f"{name}={path}" for name, path in paths.items()))
        _evaluate(dataclasses.replace(plan, model_paths=paths), seed_run_dir(FLAGS.output_dir, seed))
    path = write_summary(FLAGS.output_dir, list(plan.seed_models), "Evaluation over seeds")
    print(f"Summary over seeds: {path} (and summary.json); per seed: {FLAGS.output_dir}/seed_<s>/report.md")


def _evaluate(plan, output_dir: str) -> None:
    """Compares the plan's models (a run directory: its best.keras, else its final model) into output_dir."""
    samples = _samples(plan)  # fails fast
    models = {name: _load(name, path) for name, path in plan.model_paths.items()}
    checked(check_comparable, models)
    sized = fit_image_size(models, plan.info)
    if sized is not plan.info:  # the settings and Δx generator of the models' size
        plan = plan_at(plan, sized)
        samples = _samples(plan)
    check_models_fit(models, plan.info)
    if plan.max_samples:
        samples = samples.take(plan.max_samples)
    data = evaluation_pipeline(samples, FLAGS.batch_size)
    evaluators = list(plan.evaluators)  # one list per comparison (seeds)
    if plan.generator is not None:  # after the models fit: the projections take a while
        evaluators.append(estimated_alignment(plan.generator, plan.projection, data, plan.info))
    comparison = compare_models(models, data, evaluators, progress=FLAGS.progress)
    write_evaluation_report(plan, evaluators, comparison, models, data, output_dir)


def _load(name: str, path: str):
    """The classifier --model NAME=PATH names (evaluate_models.load_model_to_evaluate); ConfigError
    when it cannot be loaded."""
    try:
        return checked(load_model_to_evaluate, name, path)
    except FileNotFoundError as error:
        raise ConfigError(str(error)) from None


def _samples(plan):
    """The evaluation split of the plan's dataset, at its image size."""
    return checked(load_split, plan.info.name, plan.split, image_size=plan.info.image_shape[0], **plan.options)

