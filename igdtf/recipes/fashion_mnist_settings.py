"""The Fashion-MNIST recipe's settings (recipes/fashion_mnist.py), with their sources; BUILD.md
"Paper settings" has the table.

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
- Validation: 1 000 training images (100 per class, a fixed draw) held out and never trained
  on (Rice et al. 2020 hold out 1 000 CIFAR-10 images); the best checkpoint by validation
  PGD-10 accuracy (clean accuracy for standard), as the IGD paper's appendix A.2.2.
- Evaluation: PGD-20, step ε/4, random start, float32; the IGD paper's suites (Gini, INA, RN,
  IOA with N = 10 and R = 4, the noise corruptions at severities 1-5, sanity checks).
- IGD: λ = 2 (the paper's ImageNet-100 headline value; it uses 1-4).
- Size (for a 2-core CPU): 10 000 training images (1 000 per class) instead of 59 000,
  10 epochs for the adversarial methods and the standard model.
"""

import dataclasses

from igdtf.attacks import PGD
from igdtf.methods import method_class, method_options, teacher_requirement
from igdtf.training import TrainConfig
from igdtf.validation import check_non_negative_int, check_positive_int

EPSILON = 0.1
HOLDOUT_SEED = 0  # the validation holdout and the training subset are the same for every --seeds
TEACHERS = {"standard": "standard", "robust": "pgdat"}  # the run of each seed that serves as teacher


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

    def __post_init__(self):
        for name in ("validation_examples", "standard_epochs", "epochs", "width", "eval_batch_size"):
            check_positive_int(name, getattr(self, name))

    def describe(self) -> dict:
        """The settings as report.json records them (and compares on a rerun)."""
        return {name: (dataclasses.asdict(value) if isinstance(value, PGD) else value)
                for name, value in dataclasses.asdict(self).items()}


def default_settings(smoke: bool = False, **overrides) -> RecipeSettings:
    """The recipe's settings; `smoke` shrinks data, model and attacks to seconds; `overrides`
    replace fields by name (values None are ignored; train_examples or test_examples 0: the
    whole split). ValueError for a count or epoch number out of range."""
    if smoke:
        values = dict(train_examples=256, validation_examples=64, test_examples=64, standard_epochs=1, epochs=1,
                      epsilon_warmup_epochs=0.0, width=8, train_attack=PGD(epsilon=EPSILON, step_size=EPSILON / 2,
                                                                          steps=2),
                      eval_attack=PGD(epsilon=EPSILON, step_size=EPSILON / 2, steps=2), eval_batch_size=64,
                      figure_images=4, probe_examples=4)
    else:
        values = dict(train_examples=10_000, validation_examples=1_000, test_examples=None, standard_epochs=10,
                      epochs=10, epsilon_warmup_epochs=3.0, width=32,
                      train_attack=PGD(epsilon=EPSILON, step_size=EPSILON / 4, steps=10),
                      eval_attack=PGD(epsilon=EPSILON, step_size=EPSILON / 4, steps=20), eval_batch_size=250)
    values.update({name: value for name, value in overrides.items() if value is not None})
    for name in ("train_examples", "test_examples"):  # 0: the whole split
        if values[name] is not None:
            values[name] = check_non_negative_int(name, values[name]) or None
    return RecipeSettings(**values)


def training_order(methods) -> tuple[str, ...]:
    """`methods` with the teachers they need (TEACHERS, default options) added, each teacher
    before the methods that use it: standard first, then pgdat, then the rest as given."""
    names = list(dict.fromkeys(methods))
    for method in list(names):
        kind = teacher_requirement(method)
        if kind is not None and TEACHERS[kind] not in names:
            names.append(TEACHERS[kind])
    first = [name for name in TEACHERS.values() if name in names]
    return tuple(first + [name for name in names if name not in first])


def train_config(method: str, options: dict, seed: int, settings: RecipeSettings) -> TrainConfig:
    """The TrainConfig of `method` (option values `options`, by name) for one seed."""
    common = dict(method=method, arch="small_cnn", arch_options={"width": settings.width}, batch_size=128,
                  optimizer="adam", learning_rate=1e-3, weight_decay=0.0, attack=settings.train_attack, seed=seed,
                  method_options=method_options(method, **options))
    if method == "standard":
        return TrainConfig(epochs=settings.standard_epochs, **common)
    warmup = settings.epsilon_warmup_epochs if method_class(method).adversarial else 0.0
    # every defence is selected on validation PGD accuracy with the training attack (PGD-10)
    return TrainConfig(epochs=settings.epochs, eval_attack=settings.train_attack, epsilon_warmup_epochs=warmup,
                       **common)
