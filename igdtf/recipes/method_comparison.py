"""One seed of a recipe that compares methods: train each method into SEED_DIR/<method>/ (each
teacher before the methods that use it, validated on held-out data, best checkpoint kept),
evaluate the best checkpoints together with the IGD paper's suites (evaluation/evaluators/suites.py) on the
test data, and write SEED_DIR/report.json, report.md, outcomes.npz and the figures, with the
verdicts on the IGD paper's claims (evaluation/reporting/claims.py). Flag-free: the recipes call it.
"""

import contextlib
import dataclasses
import logging
import os

import keras
import tensorflow as tf

from igdtf.data.registry import DatasetInfo
from igdtf.evaluation import AttributionGini, add_robustness_checks, build_report, compare_models, write_report
from igdtf.evaluation.reporting.claims import check_claims
from igdtf.evaluation.reporting.figures import write_comparison_figures
from igdtf.evaluation.evaluators.suites import DEFAULT_SUITES, SuiteSettings, build_evaluators
from igdtf.evaluation.reporting.tensorboard import training_probes
from igdtf.methods import teacher_requirement
from igdtf.models.loading import load_classifier
from igdtf.precision import float32_compute
from igdtf.runs.overfitting_record import read_overfitting
from igdtf.training import TensorBoardOptions, TrainConfig, train_model

log = logging.getLogger("igdtf.recipes")


@dataclasses.dataclass(frozen=True)
class ComparisonData:
    """The data of one comparison.

    train: EpochBatches (or batches) of training images; validation, test: batches (x, y) in a
    fixed order; probe: (images, labels) arrays logged to TensorBoard every epoch, or None;
    description: how the splits were made, recorded in run.json (compared on resume) and the report.
    """

    info: DatasetInfo
    train: object
    validation: tf.data.Dataset
    test: tf.data.Dataset
    probe: tuple | None
    description: dict

    def training_description(self) -> dict:
        """The description without the test data, which does not change a training run."""
        return {part: value for part, value in self.description.items() if part != "test"}


@dataclasses.dataclass(frozen=True)
class TrainedModel:
    model: keras.Model
    checkpoint: dict  # {"checkpoint": "best" or "final", and best.json's entries}
    run_dir: str


def train_methods(configs: dict[str, TrainConfig], data: ComparisonData, seed_dir: str, teachers: dict[str, str],
                  tensorboard_every_steps: int = 100) -> dict[str, TrainedModel]:
    """Trains (or resumes, or reloads) every config into seed_dir/<name>/, in the given order,
    and returns their best checkpoints. A method needing a teacher of kind K ("standard",
    "robust") gets the best checkpoint of the run named teachers[K], which must come earlier."""
    trained: dict[str, TrainedModel] = {}
    for name, config in configs.items():
        kind = teacher_requirement(config.method, config.method_options)
        teacher, teacher_note = None, None
        if kind is not None:
            teacher = trained[teachers[kind]].model
            teacher.trainable = False
            teacher_note = f"{teachers[kind]} of this seed (best checkpoint)"
        run_dir = os.path.join(seed_dir, name)
        probes = training_probes(data.probe, (AttributionGini(block=data.info.gini_block),))
        tensorboard = TensorBoardOptions(probes=probes,
                                         every_steps=tensorboard_every_steps,
                                         hparams={**dataclasses.asdict(config), "dataset": data.info.name})
        train_model(config, data.info, data.train, run_dir, validation_data=data.validation, teacher=teacher,
                    name=name, tensorboard=tensorboard, settings={"data": data.training_description(),
                                                                  "teacher": teacher_note})
        loaded = load_classifier(run_dir, best=True)
        selected = {"checkpoint": "best", **loaded.best} if loaded.best is not None else {"checkpoint": "final"}
        trained[name] = TrainedModel(loaded.model, selected, run_dir)
    return trained


def evaluate_methods(trained: dict[str, TrainedModel], configs: dict[str, TrainConfig], data: ComparisonData,
                     suite_settings: SuiteSettings, seed_dir: str, claims: dict, figure_images: int = 8,
                     suites=DEFAULT_SUITES, **context) -> dict:
    """Evaluates the trained models on data.test with `suites`, checks the `claims`
    (evaluation/reporting/claims.py) that compare two of these models, then writes seed_dir/report.*,
    outcomes.npz and the figures (report.json last); returns the report. `context` goes into the
    report's protocol section."""
    models = {name: entry.model for name, entry in trained.items()}
    evaluators = build_evaluators(suites, suite_settings)
    with contextlib.ExitStack() as stack:  # evaluate every model in float32
        for model in models.values():
            stack.enter_context(float32_compute(model))
        comparison = compare_models(models, data.test, evaluators)
    report = build_report(
        comparison, evaluators, data=data.info.describe(), splits=data.description,
        checkpoints={name: entry.checkpoint for name, entry in trained.items()},
        training={name: dataclasses.asdict(config) for name, config in configs.items()},
        catastrophic_overfitting={name: read_overfitting(entry.run_dir) for name, entry in trained.items()
                                  if configs[name].eval_attack is not None},
        **context)
    if "sanity" in suites:
        add_robustness_checks(report, undefended=[name for name in models if name == "standard"])
    report["claims"] = check_claims({name: claim for name, claim in claims.items()
                                     if claim.model in models and claim.other in models}, report["models"])
    report["figures"] = write_comparison_figures(report, comparison, models, data.test, seed_dir, ("saliency",),
                                                 data.info.class_names, suite_settings.seed, figure_images)
    write_report(report, comparison, seed_dir)
    return report
