"""The settings of one training run (TrainConfig) and of its TensorBoard logs."""

import dataclasses

import keras

from igdtf.attacks import ATTACK_PRECISIONS, PGD, TRAIN_ATTACKS
from igdtf.data.registry import DatasetInfo
from igdtf.methods import ADAPTERS, ADVERSARIAL_METHODS, METHODS, PAG_SOURCES
from igdtf.methods.igam import DEFAULT_DIFFERENCE_WEIGHT, DISCRIMINATOR_EVERY
from igdtf.methods.igam_teacher import FINETUNE_STEPS
from igdtf.methods.kdiga import check_kd_weight, check_temperature
from igdtf.models import ARCHITECTURES
from igdtf.training.overfitting_guard import OVERFITTING_ACTIONS
from igdtf.validation import check_choice, check_non_negative, check_positive_int

OPTIMIZERS = ("sgd", "adam")
IDENTITY_FIELDS = ("method", "arch", "arch_options", "batch_size", "seed", "mixed_precision")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that defines one training run; validated on construction.

    learning_rate is the initial rate; with plateau_patience set, it is multiplied by 0.1
    whenever the monitored validation metric (pgd_acc for adversarial methods, acc otherwise)
    has not improved for that many epochs. batch_size is the global batch (distribute.py).
    checkpoint_every_steps adds checkpoints within epochs. mixed_precision builds the student
    under Keras' mixed_float16 policy (attacks and input-gradient terms stay float32).

    Method settings (each used only by its method): alignment_weight (IGD's λ, also for
    trades_igd), cutout_size (pgdat_cutout), igam_* (IGAM: λ_adv, λ_diff, input adapter, steps
    of the logit-layer finetuning (0: use a same-task teacher as it is), classifier steps per
    discriminator update), pag_* (PAG: λ, target source, nearest-neighbour pool size,
    classes aligned per example: None for all),
    alignment_penalty_weight (λ_α), gradient_norm_weight (Ross & Doshi-Velez's λ), trades_beta,
    kdiga_* (KDIGA: α, τ, γ), igdm_* (IGDM: α, reached linearly at the last epoch, and β).

    Training attack of every adversarial method (methods/pgdat.py): train_attack (pgd, fgsm_rs,
    n_fgsm), attack_precision, gradalign_weight (GradAlign's λ, 0 = off); overfitting_action
    (log, stop, pgd) is what the catastrophic-overfitting guard does, which runs whenever
    validation PGD accuracy is measured (overfitting_guard.py).
    """

    method: str = "standard"
    arch: str = "resnet18"
    arch_options: dict = dataclasses.field(default_factory=dict)
    epochs: int = 150
    batch_size: int = 128
    optimizer: str = "sgd"
    learning_rate: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    plateau_patience: int | None = None
    attack: PGD = PGD()
    eval_attack: PGD | None = None
    alignment_weight: float = 2.0
    cutout_size: int | None = None
    epsilon_warmup_epochs: float = 0.0
    igam_adversarial_weight: float = 2.0
    igam_difference_weight: float = DEFAULT_DIFFERENCE_WEIGHT
    igam_adapter: str = "none"
    igam_finetune_steps: int = FINETUNE_STEPS
    igam_discriminator_every: int = DISCRIMINATOR_EVERY
    pag_weight: float = 1.5
    pag_source: str = "nearest_neighbor"
    pag_pool_size: int = 64
    pag_classes_per_example: int | None = None
    alignment_penalty_weight: float = 0.1
    gradient_norm_weight: float = 1.0
    trades_beta: float = 6.0
    train_attack: str = "pgd"
    attack_precision: str = "float32"
    gradalign_weight: float = 0.0
    overfitting_action: str = "log"
    kdiga_kd_weight: float = 0.5
    kdiga_temperature: float = 1.0
    kdiga_gradient_weight: float = 1.0
    igdm_weight: float = 20.0
    igdm_beta: float = 1.0
    seed: int = 0
    checkpoint_every_steps: int | None = None
    mixed_precision: bool = False

    def __post_init__(self):
        check_choice("method", self.method, METHODS)
        check_choice("architecture", self.arch, ARCHITECTURES)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_positive_int("epochs", self.epochs)
        check_positive_int("batch_size", self.batch_size)
        check_non_negative("learning_rate", self.learning_rate)
        check_non_negative("momentum", self.momentum)
        check_non_negative("weight_decay", self.weight_decay)
        check_non_negative("alignment_weight (λ)", self.alignment_weight)
        if self.plateau_patience is not None:
            check_positive_int("plateau_patience", self.plateau_patience)
        if self.cutout_size is not None:
            check_positive_int("cutout_size", self.cutout_size)
        if self.checkpoint_every_steps is not None:
            check_positive_int("checkpoint_every_steps", self.checkpoint_every_steps)
        check_non_negative("epsilon_warmup_epochs", self.epsilon_warmup_epochs)
        check_non_negative("igam_adversarial_weight (λ_adv)", self.igam_adversarial_weight)
        check_non_negative("igam_difference_weight (λ_diff)", self.igam_difference_weight)
        check_choice("IGAM input adapter", self.igam_adapter, ADAPTERS)
        if isinstance(self.igam_finetune_steps, bool) or not isinstance(self.igam_finetune_steps, int) \
                or self.igam_finetune_steps < 0:
            raise ValueError("igam_finetune_steps must be an integer >= 0 (0: a same-task teacher used as it is), "
                             f"received {self.igam_finetune_steps!r}.")
        check_positive_int("igam_discriminator_every", self.igam_discriminator_every)
        check_non_negative("pag_weight (λ)", self.pag_weight)
        check_choice("PAG target source", self.pag_source, PAG_SOURCES)
        check_positive_int("pag_pool_size", self.pag_pool_size)
        if self.pag_classes_per_example is not None:
            check_positive_int("pag_classes_per_example", self.pag_classes_per_example)
        check_non_negative("alignment_penalty_weight (λ_α)", self.alignment_penalty_weight)
        check_non_negative("gradient_norm_weight (λ)", self.gradient_norm_weight)
        check_non_negative("trades_beta (β)", self.trades_beta)
        check_choice("training attack", self.train_attack, TRAIN_ATTACKS)
        check_choice("attack precision", self.attack_precision, ATTACK_PRECISIONS)
        check_non_negative("gradalign_weight (λ)", self.gradalign_weight)
        check_choice("overfitting action", self.overfitting_action, OVERFITTING_ACTIONS)
        fast = (self.train_attack != "pgd", self.attack_precision != "float32", self.gradalign_weight > 0)
        if any(fast) and self.method not in ADVERSARIAL_METHODS:
            raise ValueError(f"train_attack, attack_precision and gradalign_weight apply to the adversarial methods "
                             f"({', '.join(ADVERSARIAL_METHODS)}), not to {self.method}.")
        check_kd_weight(self.kdiga_kd_weight)
        check_temperature(self.kdiga_temperature)
        check_non_negative("kdiga_gradient_weight (γ)", self.kdiga_gradient_weight)
        check_non_negative("igdm_weight (α)", self.igdm_weight)
        check_non_negative("igdm_beta (β)", self.igdm_beta)

    def trainer_options(self, steps_per_epoch: int | None = None) -> dict:
        """Keyword arguments of the method's trainer class (the ε warm-up needs steps_per_epoch)."""
        options = {"weight_decay": self.weight_decay, "eval_attack": self.eval_attack, "seed": self.seed}
        if self.method in ADVERSARIAL_METHODS:
            options.update(attack=self.attack, train_attack=self.train_attack,
                           attack_precision=self.attack_precision, gradalign_weight=self.gradalign_weight)
            if self.epsilon_warmup_epochs:
                if not steps_per_epoch:
                    raise ValueError("An ε warm-up needs a training dataset of known length.")
                options["epsilon_warmup_steps"] = max(1, round(self.epsilon_warmup_epochs * steps_per_epoch))
        method_options = {
            "pgdat_cutout": {"cutout_size": self.cutout_size},
            "igd": {"alignment_weight": self.alignment_weight},
            "trades": {"trades_beta": self.trades_beta},
            "trades_igd": {"trades_beta": self.trades_beta, "alignment_weight": self.alignment_weight},
            "igam": {"igam_adversarial_weight": self.igam_adversarial_weight,
                     "igam_difference_weight": self.igam_difference_weight,
                     "discriminator_every": self.igam_discriminator_every},
            "pag": {"pag_weight": self.pag_weight, "pag_source": self.pag_source,
                    "classes_per_example": self.pag_classes_per_example},
            "alignment_penalty": {"alignment_penalty_weight": self.alignment_penalty_weight},
            "input_gradient_norm": {"gradient_norm_weight": self.gradient_norm_weight},
            "kdiga": {"kdiga_kd_weight": self.kdiga_kd_weight, "kdiga_temperature": self.kdiga_temperature,
                      "kdiga_gradient_weight": self.kdiga_gradient_weight},
            "igdm": {"igdm_weight": self.igdm_weight, "igdm_beta": self.igdm_beta, "ramp_epochs": self.epochs,
                     "steps_per_epoch": steps_per_epoch},
        }
        options.update(method_options.get(self.method, {}))
        return options

    def make_optimizer(self) -> keras.optimizers.Optimizer:
        if self.optimizer == "adam":
            return keras.optimizers.Adam(self.learning_rate)
        return keras.optimizers.SGD(self.learning_rate, momentum=self.momentum)

    @property
    def monitor(self) -> str:
        """The validation metric of plateau and best-checkpoint selection: PGD accuracy for
        adversarial methods (the papers' choice), clean accuracy otherwise."""
        return "val_pgd_acc" if self.eval_attack is not None else "val_acc"

    def identity(self, info: DatasetInfo) -> dict:
        """The settings a checkpoint of this run cannot change."""
        fields = {name: getattr(self, name) for name in IDENTITY_FIELDS}
        return {**fields, "dataset": info.name, "image_shape": list(info.image_shape),
                "num_classes": info.num_classes}


@dataclasses.dataclass(frozen=True)
class TensorBoardOptions:
    """What the TensorBoard callback logs besides the training logs (callbacks.TensorBoardLogger).

    probe: (images, labels) numpy arrays evaluated every epoch; evaluators: run on the probe.
    """

    probe: tuple | None = None
    evaluators: tuple = ()
    every_steps: int = 50
    hparams: dict = dataclasses.field(default_factory=dict)


def run_settings(config: TrainConfig, info: DatasetInfo, settings: dict | None = None) -> dict:
    """What run.json records as the run's settings: the config, the dataset, and `settings`."""
    return {**dataclasses.asdict(config), "dataset": info.name, **(settings or {})}
