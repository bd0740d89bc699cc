"""Flags shared by the dataset recipes, and the TrainConfig they describe.

Distances (epsilon, step_size) are in units of 1/255 of the pixel range: --epsilon=8 is 8/255.
"""

from absl import flags

from igdtf.attacks import PGD
from igdtf.distribute import STRATEGIES
from igdtf.methods import ADVERSARIAL_METHODS, METHODS
from igdtf.models import ARCHITECTURES
from igdtf.recipes.runner import checked
from igdtf.training import OPTIMIZERS, TrainConfig


def define_training_flags(defaults: dict) -> None:
    """Defines the shared flags; `defaults` gives each recipe's paper values."""
    flags.DEFINE_enum("method", defaults.get("method", "igd"), sorted(METHODS),
                      "standard: CE on clean inputs. pgdat: PGD adversarial training. pgdat_cutout: "
                      "PGDAT on CutOut-augmented inputs. igd: PGDAT - lambda * cos(student, teacher "
                      "input gradients), teacher = a frozen standard model.")
    flags.DEFINE_enum("arch", defaults.get("arch", "resnet18"), sorted(ARCHITECTURES), "Architecture.")
    flags.DEFINE_integer("epochs", defaults["epochs"], "Training epochs.")
    flags.DEFINE_integer("batch_size", defaults["batch_size"], "Global batch size (split over replicas).")
    flags.DEFINE_enum("optimizer", defaults.get("optimizer", "sgd"), OPTIMIZERS, "Optimizer.")
    flags.DEFINE_float("learning_rate", defaults["learning_rate"], "Initial learning rate.")
    flags.DEFINE_float("momentum", defaults.get("momentum", 0.9), "SGD momentum.")
    flags.DEFINE_float("weight_decay", defaults.get("weight_decay", 5e-4),
                       "L2 weight decay added to the gradient (PyTorch SGD semantics).")
    flags.DEFINE_integer("plateau_patience", defaults.get("plateau_patience", 10),
                         "Epochs without improvement of the validation metric (PGD accuracy for "
                         "adversarial methods, clean accuracy otherwise) before lr *= 0.1.")
    flags.DEFINE_float("epsilon", defaults.get("epsilon", 8.0), "L-inf radius of PGD, in 1/255 units.")
    flags.DEFINE_float("step_size", defaults.get("step_size", 2.0), "PGD step size, in 1/255 units.")
    flags.DEFINE_integer("pgd_steps", defaults.get("pgd_steps", 10), "PGD steps in training.")
    flags.DEFINE_float("igd_lambda", defaults.get("igd_lambda", 2.0),
                       "lambda, weight of the IGD alignment term (paper: 1-4).")
    flags.DEFINE_integer("cutout_size", None, "CutOut square side in pixels (default: half the image side).")
    flags.DEFINE_string("teacher", None, "Frozen standard teacher for igd (.keras or SavedModel). "
                        "Default: train a standard model first into OUTPUT_DIR/teacher.")
    flags.DEFINE_enum("strategy", "auto", STRATEGIES, "tf.distribute strategy.")
    flags.DEFINE_integer("seed", 0, "Seed of weights, data order and every random draw.")


def config_from_flags(values) -> TrainConfig:
    """The TrainConfig described by the parsed flags; ConfigError (exit 2) if invalid."""
    attack = checked(PGD, epsilon=values.epsilon / 255, step_size=values.step_size / 255,
                     steps=values.pgd_steps)
    return checked(
        TrainConfig,
        method=values.method, arch=values.arch, epochs=values.epochs, batch_size=values.batch_size,
        optimizer=values.optimizer, learning_rate=values.learning_rate, momentum=values.momentum,
        weight_decay=values.weight_decay, plateau_patience=values.plateau_patience, attack=attack,
        eval_attack=attack if values.method in ADVERSARIAL_METHODS else None,
        alignment_weight=values.igd_lambda, cutout_size=values.cutout_size, seed=values.seed,
    )
