"""The quickstart's settings (data sizes, the three TrainConfigs, evaluation: get_config) and its
Shapes data; recipes/quickstart.py runs them, benchmarks/time_to_robustness.py times them."""

import dataclasses

import tensorflow as tf

from igdtf.attacks import PGD, AutoAttack
from igdtf.data.pipeline import evaluation_pipeline, training_pipeline
from igdtf.data.registry import dataset_info, load_split
from igdtf.evaluation import INA_FRACTIONS
from igdtf.evaluation.evaluators.suites import SuiteSettings
from igdtf.evaluation.reporting.claims import Difference
from igdtf.native_bfloat16 import AUTO, resolve_attack_precision
from igdtf.training import TrainConfig

EPSILON = 8 / 255
MODELS = ("standard", "pgdat", "igd")
EVALUATION_SUITES = ("pgd", "gini", "ina", "sanity")  # of the report (--autoattack adds "autoattack")
# The rows of summary.md over seeds (README's table).
SUMMARY_METRICS = ("clean_acc", "pgd_acc", "gini_global", "gini_regional", "ina1@0.02", "ina2@0.02",
                   "ina1@mean", "ina2@mean")


@dataclasses.dataclass(frozen=True)
class QuickstartConfig:
    num_train: int
    num_validation: int  # held-out images checked with PGD after every epoch (overfitting guard)
    num_test: int
    texture_amplitude: float  # pixel units; below EPSILON, so it is a non-robust feature
    standard: TrainConfig
    pgdat: TrainConfig
    igd: TrainConfig
    eval_attack: PGD
    ina_fractions: tuple
    eval_batch_size: int = 250
    seed: int = 0  # of the weights, the data order and every random draw of training and evaluation

    def training_data(self) -> tf.data.Dataset:
        """The num_train Shapes training images (the same images for every seed), shuffled with
        `seed` in batches of standard.batch_size."""
        return training_pipeline(load_split("shapes", "train", num_samples=self.num_train,
                                            texture_amplitude=self.texture_amplitude), self.standard.batch_size,
                                 seed=self.seed)

    def suite_settings(self) -> SuiteSettings:
        """The settings of EVALUATION_SUITES: PGD `eval_attack` (the sanity grid's ε point is its
        pgd_acc, not run again), Gini and INA of saliency without the extra norms, AutoAttack at EPSILON."""
        return SuiteSettings(seed=self.seed, pgd=self.eval_attack, autoattack=AutoAttack(epsilon=EPSILON),
                             gini_block=dataset_info("shapes").gini_block, ina_fractions=self.ina_fractions,
                             map_norms=False, ina_weight_sums=False, sanity_reuses_pgd=True)

    def evaluation_data(self, split: str, num_samples: int) -> tf.data.Dataset:
        """The first num_samples Shapes images of `split`, fixed order, batches of eval_batch_size."""
        return evaluation_pipeline(load_split("shapes", split, num_samples=num_samples,
                                              texture_amplitude=self.texture_amplitude), self.eval_batch_size)


IGD_LAMBDA = 6.0  # docs/measurements/quickstart.md, "Why λ = 6": λ = 2–3 barely move the Gini on Shapes


def get_config(smoke: bool = False, train_attack: str = "pgd", attack_precision: str = AUTO,
           igd_lambda: float | None = None, seed: int = 0) -> QuickstartConfig:
    """The quickstart's settings; `smoke` shrinks data and epochs to seconds. train_attack and
    attack_precision set PGDAT's and IGD's training attack (validation and evaluation stay
    float32 PGD; "auto" = bfloat16 on hardware with native bfloat16, else float32);
    igd_lambda defaults to IGD_LAMBDA; `seed` seeds all three models' training."""
    attack_precision = resolve_attack_precision(attack_precision)
    attack = PGD(epsilon=EPSILON, step_size=2.5 * EPSILON / 5, steps=5)
    validation_attack = PGD(epsilon=EPSILON, step_size=2 / 255, steps=10)
    common = dict(arch="small_cnn", arch_options={"width": 32}, batch_size=128, optimizer="adam",
                  learning_rate=1e-3, weight_decay=0.0, attack=attack, epsilon_warmup_epochs=6, seed=seed)
    epochs = {"standard": 4, "adversarial": 10}
    if smoke:
        common.update(arch_options={"width": 8}, batch_size=32, attack=PGD(steps=2))
        validation_attack = PGD(steps=2)
        epochs = {"standard": 1, "adversarial": 1}
    adversarial = dict(common, epochs=epochs["adversarial"], eval_attack=validation_attack,
                       train_attack=train_attack, attack_precision=attack_precision)
    return QuickstartConfig(
        num_train=256 if smoke else 5_000,
        num_validation=32 if smoke else 250,
        num_test=64 if smoke else 1_000,
        texture_amplitude=4 / 255,
        standard=TrainConfig(method="standard", epochs=epochs["standard"], **common),
        pgdat=TrainConfig.create(method="pgdat", **adversarial),
        igd=TrainConfig.create(method="igd", igd_lambda=IGD_LAMBDA if igd_lambda is None else igd_lambda,
                               **adversarial),
        eval_attack=PGD(steps=2) if smoke else PGD(epsilon=EPSILON, step_size=2 / 255, steps=20),
        ina_fractions=(0.01, 0.02) if smoke else INA_FRACTIONS,
        eval_batch_size=64 if smoke else 250,
        seed=seed,
    )


# What the quickstart claims (README, "What the quickstart shows"), checked on every run's own
# numbers (report.json "claims"); the bounds leave room for the spread over seeds and machines
# (docs/measurements/quickstart.md, "Why λ = 6").
CLAIMS = {
    "pgdat_is_robust": Difference(
        "PGDAT resists PGD-20 far better than standard training (by at least 50 points)",
        "pgd_acc", "pgdat", "standard", 0.50, percent=True),
    "pgdat_gini_above_standard": Difference(
        "Adversarial training makes saliency maps more unequal: PGDAT's Gini is at least 0.10 above standard's",
        "gini_global", "pgdat", "standard", 0.10),
    "igd_gini_below_pgdat": Difference(
        "IGD makes them more equal again: IGD's Gini is at least 0.02 below PGDAT's",
        "gini_global", "pgdat", "igd", 0.02),
    "igd_is_robust": Difference(
        "IGD resists PGD-20 far better than standard training (by at least 50 points)",
        "pgd_acc", "igd", "standard", 0.50, percent=True),
    "igd_pgd_cost": Difference(
        "IGD pays for its equality with at most 25 PGD-20 points against PGDAT",
        "pgd_acc", "igd", "pgdat", -0.25, percent=True),
    "pgdat_ina1_below_standard": Difference(
        "PGDAT's INA1 error (mean over 0.2-2 % of the input elements) is at least 1 point below standard's",
        "ina1@mean", "standard", "pgdat", 0.01, percent=True),
    "igd_ina1_below_standard": Difference(
        "IGD's INA1 error (mean over 0.2-2 % of the input elements) is at least 1 point below standard's",
        "ina1@mean", "standard", "igd", 0.01, percent=True),
}
