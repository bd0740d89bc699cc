"""The settings of one training run (TrainConfig) and of its TensorBoard logs."""

import dataclasses

import keras

from igdtf.attacks import PGD
from igdtf.data.registry import DatasetInfo
from igdtf.methods import METHODS, MethodOptions, method_class, method_options
from igdtf.methods.options import split_options
from igdtf.models.spec import check_student_arch
from igdtf.training.overfitting_guard import OVERFITTING_ACTIONS
from igdtf.validation import check_choice, check_non_negative, check_non_negative_int, check_positive_int

OPTIMIZERS = ("sgd", "adam")
IDENTITY_FIELDS = ("method", "arch", "arch_options", "batch_size", "seed", "mixed_precision")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that defines one training run; validated on construction.

    learning_rate is the initial rate; with plateau_patience set, it is multiplied by 0.1
    whenever the monitored validation metric (pgd_acc for adversarial methods, acc otherwise)
    has not improved for that many epochs; lr_warmup_epochs grows it linearly from lr/W to lr over
    the first W epochs (lr_warmup.py). batch_size is the global batch (distribute.py).
    checkpoint_every_steps adds checkpoints within epochs. mixed_precision builds the student
    under Keras' mixed_float16 policy (attacks and input-gradient terms stay float32).
    attack is the PGD of adversarial training (ε, steps, step size); epsilon_warmup_epochs
    grows its ε linearly over that many epochs. overfitting_action (log, stop, pgd) is what
    the catastrophic-overfitting guard does, which runs whenever validation PGD accuracy is
    measured (overfitting_guard.py).

    arch is any form of models/arch.py (a built-in name, keras.applications.NAME,
    module:function) with its arch_options; or "init_from", when init_from (a .keras file,
    SavedModel or run directory) gives the architecture and first weights: replace_head puts a
    new logit layer on it for these classes. For the first freeze_backbone_epochs epochs only
    the head (the student's last layer) trains.

    method_options holds the method's own settings: an instance of its options class
    (igdtf.methods; default its defaults), or a dict of them. `TrainConfig.create` takes both
    kinds of settings by name.
    """

    method: str = "standard"
    arch: str = "resnet18"
    arch_options: dict = dataclasses.field(default_factory=dict)
    init_from: str | None = None
    replace_head: bool = False
    freeze_backbone_epochs: int = 0
    epochs: int = 150
    batch_size: int = 128
    optimizer: str = "sgd"
    learning_rate: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    plateau_patience: int | None = None
    lr_warmup_epochs: float = 0.0
    attack: PGD = PGD()
    eval_attack: PGD | None = None
    epsilon_warmup_epochs: float = 0.0
    overfitting_action: str = "log"
    method_options: MethodOptions | dict | None = None
    seed: int = 0
    checkpoint_every_steps: int | None = None
    mixed_precision: bool = False

    @classmethod
    def create(cls, **settings) -> "TrainConfig":
        """A config from settings of the run (TrainConfig fields) and of the method (its option
        names), e.g. TrainConfig.create(method="igd", epochs=10, igd_lambda=3.0)."""
        own, options = split_options(cls, settings)
        return cls(**{**own, "method_options": method_options(own.get("method", "standard"), **options)})

    def __post_init__(self):
        check_choice("method", self.method, METHODS)
        check_student_arch(self.arch, self.init_from)
        if self.replace_head and self.init_from is None:
            raise ValueError("replace_head replaces the head of the init_from model; set init_from.")
        check_non_negative_int("freeze_backbone_epochs", self.freeze_backbone_epochs)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_positive_int("epochs", self.epochs)
        check_positive_int("batch_size", self.batch_size)
        check_non_negative("learning_rate", self.learning_rate)
        check_non_negative("momentum", self.momentum)
        check_non_negative("weight_decay", self.weight_decay)
        if self.plateau_patience is not None:
            check_positive_int("plateau_patience", self.plateau_patience)
        if self.checkpoint_every_steps is not None:
            check_positive_int("checkpoint_every_steps", self.checkpoint_every_steps)
        check_non_negative("epsilon_warmup_epochs", self.epsilon_warmup_epochs)
        check_non_negative("lr_warmup_epochs", self.lr_warmup_epochs)
        check_choice("overfitting action", self.overfitting_action, OVERFITTING_ACTIONS)
        options, options_class = self.method_options, method_class(self.method).options_class
        if options is None or isinstance(options, dict):
            options = method_options(self.method, **(options or {}))
        elif not isinstance(options, options_class):
            raise ValueError(f"method_options of {self.method} must be {options_class.__name__}, "
                             f"received {type(options).__name__}.")
        object.__setattr__(self, "method_options", options)

    @property
    def method_class(self) -> type:
        """The method's Trainer subclass."""
        return method_class(self.method)

    def trainer_options(self) -> dict:
        """The constructor arguments every trainer takes besides its options and prepared inputs."""
        return {"weight_decay": self.weight_decay, "eval_attack": self.eval_attack, "seed": self.seed}

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
    """What the TensorBoard callback logs besides the training logs (tensorboard_logger.py).

    probes: evaluated at every epoch's end (e.g. igdtf.evaluation.reporting.tensorboard.training_probes).
    hparams: the run's settings (nested dicts are flattened; "method" is added).
    """

    probes: tuple = ()
    every_steps: int = 50
    hparams: dict = dataclasses.field(default_factory=dict)


def run_settings(config: TrainConfig, info: DatasetInfo, settings: dict | None = None) -> dict:
    """What run.json records as the run's settings: the config, the dataset, and `settings`."""
    return {**dataclasses.asdict(config), "dataset": info.name, **(settings or {})}
