"""The final report of a dataset recipe run: the best checkpoint (and the teacher) evaluated on
the test split with the correct-by-all protocol, report.json/.md, outcomes.npz, the figures
(curves and a saliency grid, one row per model), the SavedModel, and the lines that name them."""

import contextlib
import dataclasses
import os

import keras

from igdtf.attacks import PGD, AutoAttack
from igdtf.evaluation import (
    SuiteSettings, add_robustness_checks, build_evaluators, build_report, compare_models, markdown_report,
    write_report,
)
from igdtf.evaluation.reporting.figures import write_comparison_figures
from igdtf.export import ImagePreprocessing, export_saved_model
from igdtf.methods import load_teacher, teacher_requirement
from igdtf.models.loading import load_classifier, recorded_modules, started_from
from igdtf.precision import float32_compute
from igdtf.runs.files import TEACHER_DIR
from igdtf.runs.overfitting_record import read_overfitting
from igdtf.runs.run_file import read_run_file

REPORT_SUITES = ("pgd", "gini", "ina")  # then "sanity" (sanity_checks) and "autoattack" (autoattack set)
FIGURE_IMAGES = 6  # test images of the saliency grid


@dataclasses.dataclass(frozen=True)
class ReportSettings:
    """The settings of the final report, checked before any work. attack: the report's PGD
    (--eval_pgd_steps, --eval_step_size at the training ε)."""

    batch_size: int
    examples: int | None
    attack: PGD
    ina_fractions: tuple
    sanity_checks: bool
    autoattack: AutoAttack | None

    def evaluators(self, info, seed: int) -> list:
        """The report's evaluators: REPORT_SUITES (Gini and INA of saliency without the extra norms)
        with PGD `attack`, then the sanity checks and AutoAttack where chosen."""
        suites = REPORT_SUITES + ("sanity",) * self.sanity_checks + ("autoattack",) * (self.autoattack is not None)
        settings = SuiteSettings(seed=seed, pgd=self.attack, autoattack=self.autoattack or AutoAttack(),
                                 gini_block=info.gini_block, ina_fractions=self.ina_fractions,
                                 map_norms=False, ina_weight_sums=False)
        return build_evaluators(suites, settings)


def _load_for_evaluation(run_dir: str) -> tuple[keras.Model, dict]:
    """The best checkpoint of a run (or its final model) outside any strategy, and what it is:
    {"checkpoint": "best" or "final", ..., "segments": the epochs and settings run.json records,
    "started_from": the init record of a run started from another model (--init_from)}.
    UnreadableFileError naming a file that cannot be read (igdtf.models.loading.load_classifier)."""
    recorded = {"segments": (read_run_file(run_dir) or {}).get("segments", []), **started_from(run_dir)}
    loaded = load_classifier(run_dir, best=True)
    if loaded.best is not None:
        return loaded.model, {"checkpoint": "best", **loaded.best, **recorded}
    return loaded.model, {"checkpoint": "final", **recorded}


def _models(config, output_dir: str, teacher_path: str | None) -> tuple[dict, dict]:
    """({name: model}, {name: which checkpoint}): the student's best checkpoint and the teacher
    (`teacher_path`, or the one the run trained into OUTPUT_DIR/teacher)."""
    student, selected = _load_for_evaluation(output_dir)
    models, checkpoints = {config.method: student}, {config.method: selected}
    if teacher_requirement(config.method, config.method_options) is not None:
        if teacher_path:
            models["teacher"], checkpoints["teacher"] = load_teacher(teacher_path), {"checkpoint": teacher_path}
        else:
            models["teacher"], checkpoints["teacher"] = _load_for_evaluation(os.path.join(output_dir, TEACHER_DIR))
    return models, checkpoints


def write_final_report(dataset: str, config, info, output_dir: str, test, settings: ReportSettings,
                       teacher_path: str | None, **protocol) -> dict:
    """Evaluates the run in `output_dir` on `test` (batches of the test split) and writes the
    report, figures and SavedModel; `protocol` adds entries to report["protocol"] (validation,
    fitted settings). Prints the report and the lines naming its files; returns the report."""
    models, checkpoints = _models(config, output_dir, teacher_path)
    evaluators = settings.evaluators(info, config.seed)
    with contextlib.ExitStack() as stack:  # evaluate mixed-precision models in float32
        for model in models.values():
            stack.enter_context(float32_compute(model))
        comparison = compare_models(models, test, evaluators)
        report = build_report(comparison, evaluators, dataset=dataset, split=info.evaluation_split,
                              image_size=info.image_shape[0], data=info.describe(), checkpoints=checkpoints,
                              training=dataclasses.asdict(config),
                              catastrophic_overfitting={config.method: read_overfitting(output_dir)}, **protocol)
        if settings.sanity_checks:  # a standard student, and a teacher this run trained, are undefended
            undefended = [name for name in models if name == "standard" or (name == "teacher" and not teacher_path)]
            add_robustness_checks(report, undefended=undefended)  # logs every failed check loudly
        count = FIGURE_IMAGES if len(info.image_shape) == 3 else 0
        report["figures"] = write_comparison_figures(report, comparison, models, test, output_dir, ("saliency",),
                                                     info.class_names, config.seed, count)
    write_report(report, comparison, output_dir)
    print(markdown_report(report))
    path = export_saved_model(models[config.method], os.path.join(output_dir, "export", config.method),
                              overwrite=True, class_names=info.class_names,
                              preprocessing=ImagePreprocessing.for_dataset(info), modules=recorded_modules(output_dir))
    print(f"Report: {os.path.join(output_dir, 'report.md')} (and report.json)")
    print(f"Figures: {', '.join(os.path.join(output_dir, name) for name in report['figures']) or 'none'}")
    print(f"SavedModel for TF Serving: {path}")
    print(f"Training curves and probes: tensorboard --logdir {output_dir}")
    return report
