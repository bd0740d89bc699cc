"""The Fashion-MNIST recipe's settings (recipes/fashion_mnist.py), with their sources; docs/paper_settings.md
has the table.

- ε = 0.1 (L∞, pixels in [0, 1]): the common Fashion-MNIST setting (Wong & Kolter 2018 train
  and test at 0.1; some papers use 0.2).
- Model: igdtf's small_cnn, width 32 (conv 32-32, pool, conv 64-64, pool, dense 128): the
  four-conv MNIST network of Carlini & Wagner 2017 (also TRADES' MNIST model) with one dense
  layer of 128 instead of two of 200.
- Optimiser: Adam, lr 1e-3 constant, no weight decay (Wong & Kolter's Fashion-MNIST script;
  Madry et al.'s MNIST model also trains with Adam), batch 128.
- Training attack: PGD-10, step ε/4 = 0.025, random start (the IGD paper's 10 steps and step
  ε/4, 2/255 at 8/255), in bfloat16 where the CPU/GPU has it natively (--attack_precision=auto).
  ε grows linearly over the first 3 epochs (Wong & Kolter ramp ε over the first half).
- Validation: 1 000 training images (100 per class; data/holdout.py, the same for every
  seed) held out and never trained on (Rice et al. 2020 hold out 1 000 CIFAR-10 images);
  the best checkpoint by validation
  PGD-10 accuracy (clean accuracy for standard), as the IGD paper's appendix A.2.2.
- Evaluation: PGD-20, step ε/4, random start, float32; the IGD paper's suites (Gini, INA, RN,
  IOA with N = 10 and R = 4, the noise corruptions at severities 1-5, sanity checks).
- IGD: λ = 2 (the paper's ImageNet-100 headline value; it uses 1-4).
- Size (for a 2-core CPU): 5 000 training images (500 per class) instead of 59 000,
  10 epochs for the adversarial methods and the standard model, and every suite on 2 000
  test images (200 per class, a fixed draw) instead of 10 000.
"""

import dataclasses

from igdtf.attacks import PGD
from igdtf.evaluation.reporting.claims import Difference
from igdtf.evaluation.evaluators.suites import SuiteSettings
from igdtf.methods import method_class, method_options, teacher_requirement
from igdtf.training import TrainConfig
from igdtf.validation import check_non_negative_int, check_positive_int

EPSILON = 0.1
TEACHERS = {"standard": "standard", "robust": "pgdat"}  # the run of each seed that serves as teacher
# The first rows of summary.md (README's table); every other number follows in name order.
SUMMARY_METRICS = ("clean_acc", "pgd_acc", "gini_global", "gini_regional", "grad_l1", "attribution_l1",
                   "ioa_black@4", "ioa_gray@4", "ioa_white@4", "ina1@0.02", "ina2@0.02", "rn1@0.2", "rn2@0.2",
                   "gaussian_noise@5", "shot_noise@5", "impulse_noise@5")
_SMOKE_SUITES = dict(ina_fractions=(0.01, 0.02), rn_fractions=(0.1, 0.2), ioa_centres=2, ioa_radius=1,
                     severities=(1, 5), sanity_grid=(0.0, 1.0))


@dataclasses.dataclass(frozen=True)
class RecipeSettings:
    """What the recipe trains and evaluates (see the module docstring for the values' sources)."""

    train_examples: int | None  # None: every training image outside the holdout
    validation_examples: int
    test_examples: int | None  # None: the whole test split
    standard_epochs: int
    epochs: int  # of every other method
    epsilon_warmup_epochs: float
    width: int
    train_attack: PGD
    eval_attack: PGD
    eval_batch_size: int
    figure_images: int = 8
    probe_examples: int = 16
    smoke: bool = False  # fewer curve points in the evaluation suites
    arch: str = "small_cnn"  # any --arch form (models/arch.py); small_cnn gets `width` unless an option sets it
    arch_options: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        for name in ("validation_examples", "standard_epochs", "epochs", "width", "eval_batch_size"):
            check_positive_int(name, getattr(self, name))

    def suite_settings(self, info, seed: int) -> SuiteSettings:
        """The evaluation suites' settings for `info` (the IGD paper's, PGD = eval_attack)."""
        return SuiteSettings.for_dataset(info, seed=seed, pgd=self.eval_attack, **(_SMOKE_SUITES if self.smoke else {}))

    def describe(self) -> dict:
        """The settings as report.json records them (and compares on a rerun)."""
        return {name: (dataclasses.asdict(value) if isinstance(value, PGD) else value)
                for name, value in dataclasses.asdict(self).items()}


def get_config(smoke: bool = False, **overrides) -> RecipeSettings:
    """The recipe's settings; `smoke` shrinks data, model and attacks to seconds; `overrides`
    replace fields by name (values None are ignored; train_examples or test_examples 0: the
    whole split). ValueError for a count or epoch number out of range."""
    if smoke:
        values = dict(train_examples=256, validation_examples=64, test_examples=64, standard_epochs=1, epochs=1,
                      epsilon_warmup_epochs=0.0, width=8, train_attack=PGD(epsilon=EPSILON, step_size=EPSILON / 2,
                                                                          steps=2),
                      eval_attack=PGD(epsilon=EPSILON, step_size=EPSILON / 2, steps=2), eval_batch_size=64,
                      figure_images=4, probe_examples=4, smoke=True)
    else:
        values = dict(train_examples=5_000, validation_examples=1_000, test_examples=2_000, standard_epochs=10,
                      epochs=10, epsilon_warmup_epochs=3.0, width=32,
                      train_attack=PGD(epsilon=EPSILON, step_size=EPSILON / 4, steps=10),
                      eval_attack=PGD(epsilon=EPSILON, step_size=EPSILON / 4, steps=20), eval_batch_size=250)
    values.update({name: value for name, value in overrides.items() if value is not None})
    for name in ("train_examples", "test_examples"):  # 0: the whole split
        if values[name] is not None:
            values[name] = check_non_negative_int(name, values[name]) or None
    return RecipeSettings(**values)


def training_order(methods, options: dict | None = None) -> tuple[str, ...]:
    """`methods` with the teachers they need with their `options` ({method: {option: value}},
    default: the defaults) added, each teacher before the methods that use it: standard first,
    then pgdat, then the rest as given."""
    names = list(dict.fromkeys(methods))
    for method in list(names):
        kind = teacher_requirement(method, method_options(method, **(options or {}).get(method, {})))
        if kind is not None and TEACHERS[kind] not in names:
            names.append(TEACHERS[kind])
    first = [name for name in TEACHERS.values() if name in names]
    return tuple(first + [name for name in names if name not in first])


def train_config(method: str, options: dict, seed: int, settings: RecipeSettings) -> TrainConfig:
    """The TrainConfig of `method` (option values `options`, by name) for one seed."""
    arch_options = dict(settings.arch_options)
    if settings.arch == "small_cnn":
        arch_options = {"width": settings.width, **arch_options}
    common = dict(method=method, arch=settings.arch, arch_options=arch_options, batch_size=128,
                  optimizer="adam", learning_rate=1e-3, weight_decay=0.0, attack=settings.train_attack, seed=seed,
                  method_options=method_options(method, **options))
    if method == "standard":
        return TrainConfig(epochs=settings.standard_epochs, **common)
    warmup = settings.epsilon_warmup_epochs if method_class(method).adversarial else 0.0
    # every defence is selected on validation PGD accuracy with the training attack (PGD-10)
    return TrainConfig(epochs=settings.epochs, eval_attack=settings.train_attack, epsilon_warmup_epochs=warmup,
                       **common)


def igd_paper_claims(ioa_radius: int) -> dict:
    """The IGD paper's claims (Chen et al.: §3 the inequality phenomenon, §4-5 IGD), checked on
    every seed's own numbers (report.json "claims"; summary.md counts the seeds in which each
    holds). Errors are on the samples every model classifies correctly; IOA at the largest
    radius evaluated (Table 3's)."""
    claims = {
        "gini_pgdat_above_standard": Difference(
            "Adversarial training makes saliency maps more unequal: PGDAT's Gini is above standard's",
            "gini_global", "pgdat", "standard", 0.0),
        "gini_igd_below_pgdat": Difference(
            "IGD makes them more equal: IGD's Gini is below PGDAT's", "gini_global", "pgdat", "igd", 0.0),
    }
    for curve in ("ina1", "ina2", "rn1", "rn2"):
        claims[f"{curve}_igd_below_pgdat"] = Difference(
            f"IGD's {curve.upper()} error (mean over its curve) is below PGDAT's", f"{curve}@mean", "pgdat", "igd",
            0.0, percent=True)
    for colour in ("black", "gray", "white"):
        claims[f"ioa_{colour}_igd_below_pgdat"] = Difference(
            f"IGD's IOA-{colour[0].upper()} error (r ≤ {ioa_radius}) is below PGDAT's", f"ioa_{colour}@{ioa_radius}",
            "pgdat", "igd", 0.0, percent=True)
    claims["pgd_cost_of_igd"] = Difference(
        "IGD costs at most 2 points of PGD-20 accuracy against PGDAT (the paper: 1-2 points)", "pgd_acc", "igd",
        "pgdat", -0.02, percent=True)
    return claims
