"""Flags shared by the dataset recipes, and the TrainConfig they describe.

Distances (epsilon, step_size) are in units of 1/255 of the pixel range: --epsilon=8 is 8/255.
--batch_size is the global batch, split evenly over all replicas (see igdtf/distribute.py).
"""

from absl import flags

from igdtf.attacks import PGD, VERSIONS
from igdtf.distribute import STRATEGIES
from igdtf.errors import checked
from igdtf.evaluation import INA_FRACTIONS
from igdtf.methods import METHODS, method_class
from igdtf.cli import method_flags, model_flags
from igdtf.cli.method_flags import define_method_flags, method_options_from_flags
from igdtf.cli.model_flags import define_model_flags, model_settings_from_flags
from igdtf.cli.pixel_flags import pixel_distance
from igdtf.training import OPTIMIZERS, TrainConfig
from igdtf.training.overfitting_guard import OVERFITTING_ACTIONS


def define_training_flags(defaults: dict) -> None:
    """Defines the shared flags; `defaults` gives the paper values by flag name (method, arch, the
    optimisation and attack settings, eval_pgd_steps: igdtf/recipes/paper_settings.py flag_defaults)."""
    define_method_flags(defaults)
    flags.adopt_module_key_flags(method_flags)  # recipes adopting this module's flags list them in --help
    define_model_flags(defaults)
    flags.adopt_module_key_flags(model_flags)
    _define_optimisation_flags(defaults)
    _define_attack_flags(defaults)
    _define_teacher_flags()
    _define_scale_flags()
    _define_evaluation_flags(defaults)


def _define_optimisation_flags(defaults: dict) -> None:
    flags.DEFINE_integer("epochs", defaults["epochs"], "Training epochs.")
    flags.DEFINE_integer("batch_size", defaults["batch_size"], "Global batch size (split over replicas).")
    flags.DEFINE_enum("optimizer", defaults["optimizer"], OPTIMIZERS, "Optimizer.")
    flags.DEFINE_float("learning_rate", defaults["learning_rate"], "Initial learning rate.")
    flags.DEFINE_float("momentum", defaults["momentum"], "SGD momentum.")
    flags.DEFINE_float("weight_decay", defaults["weight_decay"],
                       "L2 weight decay added to the gradient (PyTorch SGD semantics).")
    flags.DEFINE_integer("plateau_patience", defaults["plateau_patience"],
                         "Epochs without improvement of the validation metric (PGD accuracy for "
                         "adversarial methods, clean accuracy otherwise) before lr *= 0.1.")
    flags.DEFINE_float("lr_warmup_epochs", defaults.get("lr_warmup_epochs", 0.0), "Grow the learning rate "
                       "linearly from lr/W to lr over the first W epochs (fractions allowed; 0: none).")
    flags.DEFINE_integer("seed", 0, "Seed of weights, data order and every random draw.")


def _define_attack_flags(defaults: dict) -> None:
    flags.DEFINE_float("epsilon", defaults["epsilon"], "L-inf radius of PGD, in 1/255 units.")
    flags.DEFINE_float("step_size", defaults["step_size"], "PGD step size, in 1/255 units.")
    flags.DEFINE_integer("pgd_steps", defaults["pgd_steps"], "PGD steps in training and validation.")
    flags.DEFINE_float("epsilon_warmup_epochs", defaults.get("epsilon_warmup_epochs", 0.0), "Grow the training "
                       "attack's ε (and step) linearly over the first W epochs (adversarial methods; 0: none, the "
                       "papers' setting; small models without BatchNorm may need it, see the quickstart).")
    flags.DEFINE_enum("overfitting_action", "log", OVERFITTING_ACTIONS, "What the catastrophic-overfitting guard "
                      "does when validation PGD accuracy drops by > 0.2 while training accuracy rises: log (and "
                      "record in overfitting.json and the report), stop training, or fall back to pgd.")


def _define_teacher_flags() -> None:
    standard = [name for name, cls in sorted(METHODS.items()) if cls.teacher_kind == "standard"]
    robust = [name for name, cls in sorted(METHODS.items()) if cls.teacher_kind == "robust"]
    flags.DEFINE_string("teacher", None, f"Frozen teacher (.keras, SavedModel or run directory): a standard model for "
                        f"{', '.join(standard)} (required: a path, or 'train' to train one first into "
                        "OUTPUT_DIR/teacher with the student's settings); a robust model "
                        f"(required) for {', '.join(robust)} (igam: any task and resolution; .keras) and for the "
                        "options that ask for one (--pag_source=rigd).")
    flags.DEFINE_integer("teacher_epochs", None, "Epochs of the standard teacher of --teacher=train (default: --epochs).")


def _define_scale_flags() -> None:
    """Scale and reproducibility."""
    flags.DEFINE_enum("strategy", "auto", STRATEGIES, "tf.distribute strategy (multi_worker reads TF_CONFIG).")
    flags.DEFINE_bool("synchronized_bn", False, "BatchNorm statistics over all replicas (BatchNorm architectures).")
    flags.DEFINE_bool("mixed_precision", False, "float16 compute for the training forward pass "
                      "(mixed_float16 policy, loss scaling); attacks and gradient terms stay float32.")
    flags.DEFINE_bool("deterministic", False, "Deterministic tf.data order and TensorFlow ops: the same "
                      "flags give the same weights (slower).")
    flags.DEFINE_bool("resume", True, "Continue the run in --output_dir if it holds a checkpoint "
                      "(--noresume refuses such a directory instead).")
    flags.DEFINE_bool("extend_epochs", False, "Let a run recorded with fewer --epochs (even a finished one) "
                      "train on to --epochs; run.json and the report record each segment. Without it a "
                      "changed --epochs is refused like every other changed setting.")
    flags.DEFINE_integer("checkpoint_every_steps", None, "Also checkpoint every N steps within an epoch.")
    flags.DEFINE_integer("pipeline_cutout", None, "CutOut square side applied in the input pipeline, for "
                         "any method (default: none).")
    flags.DEFINE_integer("shuffle_buffer", None, "tf.data shuffle buffer (default: per dataset).")


def _define_evaluation_flags(defaults: dict) -> None:
    """Evaluation and logs."""
    flags.DEFINE_integer("eval_examples", None, "Evaluate on the first N held-out examples (default: all).")
    flags.DEFINE_integer("eval_batch_size", 250, "Batch size of validation and evaluation.")
    flags.DEFINE_integer("eval_pgd_steps", defaults["eval_pgd_steps"],
                         "PGD steps of the final report's adversarial accuracy.")
    flags.DEFINE_float("eval_step_size", None, "PGD step size of the final report, in 1/255 units (default: "
                       "--epsilon / 4, i.e. 2 at ε = 8). --pgd_steps and --step_size set the training attack "
                       "and validation.")
    flags.DEFINE_bool("eval_sanity_checks", True, "Run the robustness sanity checks in the final report (PGD "
                      "on an ε grid, logits, determinism, zero input gradients, BatchNorm statistics).")
    flags.DEFINE_bool("eval_autoattack", False, "Also report AutoAttack (L∞ at --epsilon) in the final report: "
                      "seconds per image for a robust model on a CPU.")
    flags.DEFINE_enum("eval_autoattack_version", "standard", list(VERSIONS), "AutoAttack version of "
                      "--eval_autoattack.")
    flags.DEFINE_list("ina_fractions", [f"{f:g}" for f in INA_FRACTIONS],
                      "Fractions of input elements perturbed by the inductive-noise attack (report).")
    flags.DEFINE_integer("tensorboard_every_steps", 100, "Period of the per-step TensorBoard scalars.")
    flags.DEFINE_integer("probe_examples", 16, "Held-out images whose Gini and saliency are logged every epoch.")


def config_from_flags(values, given: set | None = None) -> TrainConfig:
    """The TrainConfig described by the parsed flags (`given`: see method_options_from_flags);
    ConfigError (exit 2) if invalid."""
    attack = checked(PGD, epsilon=pixel_distance("epsilon", values.epsilon),
                     step_size=pixel_distance("step_size", values.step_size), steps=values.pgd_steps)
    model = model_settings_from_flags(values)
    options = checked(method_options_from_flags, values, given)
    return checked(
        TrainConfig, **model,
        method=values.method, epochs=values.epochs,
        batch_size=values.batch_size, optimizer=values.optimizer, learning_rate=values.learning_rate,
        momentum=values.momentum, weight_decay=values.weight_decay,
        plateau_patience=values.plateau_patience, lr_warmup_epochs=values.lr_warmup_epochs, attack=attack,
        epsilon_warmup_epochs=values.epsilon_warmup_epochs,
        eval_attack=attack if method_class(values.method).adversarial else None,
        checkpoint_every_steps=values.checkpoint_every_steps, mixed_precision=values.mixed_precision,
        overfitting_action=values.overfitting_action, method_options=options, seed=values.seed,
    )
