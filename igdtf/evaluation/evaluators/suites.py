"""Suites: the names the CLI and the TensorBoard callback accept, each a factory of evaluators.

SUITES maps a name to `factory(settings: SuiteSettings) -> list`, whose items are evaluators
(`run(model, dataset)`) or map tests (map_tests.py). `build_evaluators` runs the chosen
factories and groups every map test into one AttributionEvaluator per attribution, so the maps
of an attribution are computed once per batch however many suites read them. This is the one way
evaluators are built: the evaluation CLI, the TensorBoard SuiteProbe, the dataset recipes' final
report and the quickstart each name their suites and settings and call `build_evaluators`.
"""

import dataclasses

from igdtf.attacks import PGD, AutoAttack
from igdtf.attributions import ATTRIBUTIONS, DEFAULT_ATTRIBUTION
from igdtf.data.corruptions.names import NOISE_CORRUPTIONS, SEVERITIES
from igdtf.data.registry import dataset_info
from igdtf.evaluation.evaluators.alignment_suite import ALIGNMENT_METRICS, alignment_evaluators
from igdtf.evaluation.evaluators.autoattack import AutoAttackAccuracy
from igdtf.evaluation.evaluators.corruptions import FolderCorruptions, GeneratedCorruptions
from igdtf.evaluation.evaluators.batch_evaluators import (
    RN_FRACTIONS, AttributionEvaluator, Confidence, GradientNorm, PGDAccuracy, RandomNoise,
)
from igdtf.evaluation.metrics.map_tests import INA_FRACTIONS, GiniTest, InductiveNoiseTest, MapNorm, OcclusionTest
from igdtf.evaluation.evaluators.sanity import GRID_NAME, SANITY_GRID, RobustnessChecks
from igdtf.validation import check_choice, check_fraction, check_positive_int


@dataclasses.dataclass(frozen=True)
class SuiteSettings:
    """Every parameter of the suites; `for_dataset` fills the dataset-dependent ones.

    ioa_radius: R, 4 for inputs up to 64 px (CIFAR, Shapes), 20 above (ImageNet-100).
    corruptions_dir: read corruptions from this ImageNet-C style folder instead of generating
    them (then `image_shape` and `num_classes` are needed).
    dataset: registry name of the data (the alignment suite reads its Δx, bounds and ε grids).
    alignment_steps: PGD steps per ε of the alignment suite's robustness curves.
    map_norms: the gini suite also measures grad_l1 and attribution_l1 (IGD paper Table 2).
    ina_weight_sums: the ina suite also measures Σw² and (Σw)² over the attacked elements.
    sanity_reuses_pgd: the sanity grid's ε point is not run again but read from the pgd suite's
    pgd_acc (the same attack and seed; `complete_sanity_grid` writes it into the report).
    """

    attributions: tuple[str, ...] = (DEFAULT_ATTRIBUTION,)
    seed: int = 0
    gini_block: int = 4
    gini_channels: tuple[str, str] = ("keep", "sum")  # (global, regional), see gini.py
    pgd: PGD = PGD(steps=20)
    autoattack: AutoAttack = AutoAttack()
    sanity_grid: tuple[float, ...] = SANITY_GRID  # multiples of the PGD ε (sanity suite)
    ina_fractions: tuple[float, ...] = INA_FRACTIONS
    rn_fractions: tuple[float, ...] = RN_FRACTIONS
    ioa_centres: int = 10
    ioa_radius: int = 4
    corruptions: tuple[str, ...] = NOISE_CORRUPTIONS
    severities: tuple[int, ...] = SEVERITIES
    corruptions_dir: str | None = None
    corruption_class_folders: tuple[str, ...] | None = None
    image_shape: tuple[int, int, int] | None = None
    num_classes: int | None = None
    dataset: str | None = None
    alignment_steps: int = 40
    map_norms: bool = True
    ina_weight_sums: bool = True
    sanity_reuses_pgd: bool = False

    def __post_init__(self):
        if not self.attributions:
            raise ValueError("Choose at least one attribution.")
        for name in self.attributions:
            check_choice("attribution", name, ATTRIBUTIONS)
        check_positive_int("gini block", self.gini_block)
        for f in self.ina_fractions:
            check_fraction("INA fraction", f)
        for f in self.rn_fractions:
            check_fraction("RN fraction", f)
        check_positive_int("IOA centres (N)", self.ioa_centres)
        check_positive_int("IOA radius (R)", self.ioa_radius)
        check_positive_int("alignment PGD steps", self.alignment_steps)
        if self.sanity_reuses_pgd and 1.0 not in self.sanity_grid:
            raise ValueError(f"sanity_reuses_pgd needs the ε point (1.0) in the sanity grid, received {self.sanity_grid}.")

    @classmethod
    def for_dataset(cls, info, **overrides) -> "SuiteSettings":
        """Settings for a registry dataset (its Gini block, image size and classes)."""
        side = max(info.image_shape[:2])
        defaults = dict(gini_block=info.gini_block or cls.gini_block, ioa_radius=4 if side <= 64 else 20,
                        image_shape=tuple(info.image_shape), num_classes=info.num_classes, dataset=info.name)
        return cls(**{**defaults, **overrides})


def _corruptions(s: SuiteSettings) -> list:
    if s.corruptions_dir is None:
        return [GeneratedCorruptions(s.corruptions, s.severities, s.seed)]
    if s.image_shape is None or s.num_classes is None:
        raise ValueError("Reading corruptions from a folder needs image_shape and num_classes in the settings.")
    return [FolderCorruptions(s.corruptions_dir, s.image_shape, s.num_classes, s.corruptions, s.severities,
                              s.corruption_class_folders)]


def _alignment(s: SuiteSettings) -> list:
    """Table 2 of Lanfredi et al.: ε50% (L∞, L2), ᾱ_x, and ᾱ_Δx where the dataset has a closed-form Δx."""
    if s.dataset is None:
        raise ValueError("The alignment suite needs the dataset's name in the settings (SuiteSettings.for_dataset).")
    info = dataset_info(s.dataset)
    metrics = [m for m in ALIGNMENT_METRICS if m != "alpha_dx" or info.delta_x is not None]
    return alignment_evaluators(info, metrics, steps=s.alignment_steps, seed=s.seed)


def _gini(s: SuiteSettings) -> list:
    gini = GiniTest(s.gini_block, *s.gini_channels)
    return [GradientNorm(), gini, MapNorm()] if s.map_norms else [gini]


def _sanity(s: SuiteSettings) -> list:
    grid = tuple(g for g in s.sanity_grid if not (s.sanity_reuses_pgd and g == 1.0))
    return [RobustnessChecks(s.pgd, grid, s.seed)]


SUITES = {
    "clean": lambda s: [Confidence()],  # clean_acc always runs (compare_models adds it)
    "pgd": lambda s: [PGDAccuracy(s.pgd, s.seed)],
    "gini": _gini,
    "ina": lambda s: [InductiveNoiseTest(s.ina_fractions, weight_sums=s.ina_weight_sums)],
    "rn": lambda s: [RandomNoise(s.rn_fractions, seed=s.seed)],
    "ioa": lambda s: [OcclusionTest(s.ioa_centres, s.ioa_radius)],
    "corruptions": _corruptions,
    "alignment": _alignment,
    "sanity": _sanity,
    "autoattack": lambda s: [AutoAttackAccuracy(s.autoattack, s.seed)],
}
SLOW_SUITES = ("autoattack", "alignment")  # minutes per model on a CPU: opt-in
DEFAULT_SUITES = tuple(name for name in SUITES if name not in SLOW_SUITES)
ROBUSTNESS_SUITES = ("pgd", "autoattack")  # their numbers need the sanity checks beside them
VECTOR_SUITES = ("clean", "alignment")  # the suites defined on vector (non-image) datasets


def check_suites(names) -> tuple[str, ...]:
    """`names` without repeats if every one is in SUITES (ValueError naming the unknown one otherwise)."""
    names = tuple(dict.fromkeys(names))
    if not names:
        raise ValueError(f"Choose at least one suite. Allowed: {', '.join(SUITES)}.")
    for name in names:
        check_choice("suite", name, SUITES)
    return names


def is_map_test(item) -> bool:
    return hasattr(item, "outcomes") and not hasattr(item, "run")


def build_evaluators(suites, settings: SuiteSettings) -> list:
    """The evaluators of `suites` (in order), map tests grouped per attribution."""
    suites = check_suites(suites)
    if settings.sanity_reuses_pgd and "sanity" in suites and "pgd" not in suites:
        raise ValueError("sanity_reuses_pgd reads the sanity grid's ε point from the pgd suite: choose pgd too.")
    evaluators, map_tests = [], []
    for name in suites:
        for item in SUITES[name](settings):
            (map_tests if is_map_test(item) else evaluators).append(item)
    if map_tests:
        evaluators += [AttributionEvaluator(map_tests, attribution, settings.seed)
                       for attribution in settings.attributions]
    return evaluators


def complete_sanity_grid(report: dict, settings: SuiteSettings) -> dict:
    """With `settings.sanity_reuses_pgd`, writes every model's pgd_acc as its sanity grid's ε point
    (report["models"][name]["pgd_acc_at_eps"][ε]: PGD at ε with the same attack and seed); call it
    after build_report, before add_robustness_checks. Returns the same report."""
    if settings.sanity_reuses_pgd:
        for summary in report["models"].values():
            summary[GRID_NAME][f"{settings.pgd.epsilon:.6g}"] = summary["pgd_acc"]
    return report
