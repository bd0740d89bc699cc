"""Flags shared by the dataset recipes, and the TrainConfig they describe.

Distances (epsilon, step_size) are in units of 1/255 of the pixel range: --epsilon=8 is 8/255.
--batch_size is the global batch, split evenly over all replicas (see igdtf/distribute.py).
"""

from absl import flags

from igdtf.attacks import ATTACK_PRECISIONS, PGD, TRAIN_ATTACKS, VERSIONS
from igdtf.distribute import STRATEGIES
from igdtf.errors import ConfigError
from igdtf.evaluation import INA_FRACTIONS
from igdtf.methods import ADAPTERS, ADVERSARIAL_METHODS, METHOD_HELP, METHODS, PAG_SOURCES
from igdtf.methods.igam import DEFAULT_DIFFERENCE_WEIGHT, DISCRIMINATOR_EVERY
from igdtf.methods.igam_teacher import FINETUNE_STEPS
from igdtf.models import ARCHITECTURES
from igdtf.overfitting_guard import OVERFITTING_ACTIONS
from igdtf.cli import checked
from igdtf.training import OPTIMIZERS, TrainConfig


def method_help() -> str:
    """One entry per registered method: METHOD_HELP, else the first line of its trainer's
    docstring (new methods appear here as soon as they are in METHODS)."""
    lines = []
    for name, cls in sorted(METHODS.items()):
        summary = (cls.__doc__ or "").strip().splitlines()
        lines.append(f"{name}: {METHOD_HELP.get(name) or (summary[0] if summary else cls.__name__)}")
    return "Training method. " + " | ".join(lines)


def define_training_flags(defaults: dict) -> None:
    """Defines the shared flags; `defaults` gives each recipe's paper values."""
    flags.DEFINE_enum("method", defaults.get("method", "igd"), sorted(METHODS), method_help())
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
    flags.DEFINE_integer("pgd_steps", defaults.get("pgd_steps", 10), "PGD steps in training and validation.")
    flags.DEFINE_enum("train_attack", "pgd", TRAIN_ATTACKS, "Training attack of the adversarial methods: pgd "
                      "(--pgd_steps of --step_size), fgsm_rs (Wong et al.: uniform start, one step of 1.25*eps) or "
                      "n_fgsm (de Jorge et al.: noise 2*eps, one step of eps, no projection). Validation and "
                      "evaluation attacks are PGD.")
    flags.DEFINE_enum("attack_precision", "float32", list(ATTACK_PRECISIONS), "Compute precision of the "
                      "training attack's forward and backward passes; evaluation stays float32.")
    flags.DEFINE_float("gradalign_lambda", 0.0, "GradAlign's lambda (Andriushchenko & Flammarion: 0.2 at eps "
                       "8/255) for the adversarial methods; 0 = off.")
    flags.DEFINE_enum("overfitting_action", "log", OVERFITTING_ACTIONS, "What the catastrophic-overfitting guard "
                      "does when validation PGD accuracy drops by > 0.2 while training accuracy rises: log (and "
                      "record in overfitting.json and the report), stop training, or fall back to pgd.")
    flags.DEFINE_float("igd_lambda", defaults.get("igd_lambda", 2.0),
                       "lambda, weight of the IGD alignment term (paper: 1-4).")
    flags.DEFINE_integer("cutout_size", None, "CutOut square side in pixels of pgdat_cutout "
                         "(default: half the image side).")
    flags.DEFINE_float("igam_lambda_adv", defaults.get("igam_lambda_adv", 2.0),
                       "igam: lambda_adv, weight of the adversarial (fool-the-discriminator) term (authors: 2).")
    flags.DEFINE_float("igam_lambda_diff", defaults.get("igam_lambda_diff", DEFAULT_DIFFERENCE_WEIGHT),
                       "igam: lambda_diff, weight of ||J_s - J_t||^2 per example, x in [0, 1] (the authors' "
                       "gamma=10 on a batch sum of 32 with 0-255 pixels = 10*32/255^2).")
    flags.DEFINE_enum("igam_adapter", defaults.get("igam_adapter", "none"), ADAPTERS,
                      "igam: how student inputs reach a teacher of another resolution: upsize, zero_pad, "
                      "random_pad, transpose_conv (teacher larger) or center_crop (teacher smaller).")
    flags.DEFINE_integer("igam_finetune_steps", defaults.get("igam_finetune_steps", FINETUNE_STEPS),
                         "igam: steps of the first stage, which finetunes only the teacher's logit layer on "
                         "this task (Adam, lr 1e-3); 0 uses a teacher of this very task as it is.")
    flags.DEFINE_integer("igam_discriminator_every", defaults.get("igam_discriminator_every", DISCRIMINATOR_EVERY),
                         "igam: classifier steps per discriminator update (the paper's appendix: 10 for "
                         "CIFAR-10 -> CIFAR-100, 5 for most other transfers).")
    flags.DEFINE_float("pag_lambda", defaults.get("pag_lambda", 1.5), "pag: lambda, weight of the PAG term.")
    flags.DEFINE_enum("pag_source", defaults.get("pag_source", "nearest_neighbor"), PAG_SOURCES,
                      "pag: target gradients g(x, t) = r_t - x with r_t one training image of class t "
                      "(one_image), the class mean (class_mean), the nearest of a pool of class-t images "
                      "(nearest_neighbor); or a robust teacher's input gradients (rigd, needs --teacher).")
    flags.DEFINE_integer("pag_pool_size", defaults.get("pag_pool_size", 64),
                         "pag: training images kept per class for nearest_neighbor.")
    flags.DEFINE_integer("pag_classes_per_example", defaults.get("pag_classes_per_example"),
                         "pag: align K classes drawn per example instead of all C (sum scaled by C/K; "
                         "K backward passes instead of C). Default: all classes.")
    flags.DEFINE_float("alignment_penalty_lambda", defaults.get("alignment_penalty_lambda", 0.1),
                       "alignment_penalty: lambda_alpha, weight of the gradient-direction alignment (authors: 0.1).")
    flags.DEFINE_float("grad_norm_lambda", defaults.get("grad_norm_lambda", 1.0),
                       "input_gradient_norm: lambda, weight of ||dCE/dx||^2.")
    flags.DEFINE_float("trades_beta", defaults.get("trades_beta", 6.0), "trades, trades_igd: beta (paper: 6).")
    flags.DEFINE_float("kdiga_alpha", defaults.get("kdiga_alpha", 0.5),
                       "kdiga: alpha in [0, 1], loss (1-alpha)*CE + alpha*tau^2*KL + gamma*||grad difference||.")
    flags.DEFINE_float("kdiga_temperature", defaults.get("kdiga_temperature", 1.0), "kdiga: tau > 0 of the KD term.")
    flags.DEFINE_float("kdiga_gamma", defaults.get("kdiga_gamma", 1.0),
                       "kdiga: gamma, weight of the L2 distance of the CE input gradients (x in [0, 1]).")
    flags.DEFINE_float("igdm_alpha", defaults.get("igdm_alpha", 20.0),
                       "igdm: alpha, weight of the output-difference KL, reached linearly at the last epoch.")
    flags.DEFINE_float("igdm_beta", defaults.get("igdm_beta", 1.0), "igdm: beta, outputs compared at x +- beta*delta.")
    flags.DEFINE_string("teacher", None, "Frozen teacher (.keras or SavedModel): a standard model for igd and "
                        "trades_igd (default: train one first into OUTPUT_DIR/teacher); a robust model for "
                        "igam (any task and resolution; .keras), kdiga and igdm (required), and for pag with "
                        "--pag_source=rigd.")
    flags.DEFINE_integer("teacher_epochs", None, "Epochs of that standard teacher (default: --epochs).")
    flags.DEFINE_integer("seed", 0, "Seed of weights, data order and every random draw.")
    # Scale and reproducibility.
    flags.DEFINE_enum("strategy", "auto", STRATEGIES, "tf.distribute strategy (multi_worker reads TF_CONFIG).")
    flags.DEFINE_bool("synchronized_bn", False, "BatchNorm statistics over all replicas (resnet18).")
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
    # Evaluation and logs.
    flags.DEFINE_integer("eval_examples", None, "Evaluate on the first N held-out examples (default: all).")
    flags.DEFINE_integer("eval_batch_size", 250, "Batch size of validation and evaluation.")
    flags.DEFINE_integer("eval_pgd_steps", 20, "PGD steps of the final report's adversarial accuracy.")
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


def config_from_flags(values) -> TrainConfig:
    """The TrainConfig described by the parsed flags; ConfigError (exit 2) if invalid."""
    attack = checked(PGD, epsilon=values.epsilon / 255, step_size=values.step_size / 255,
                     steps=values.pgd_steps)
    arch_options = {}
    if values.synchronized_bn:
        if values.arch != "resnet18":
            raise ConfigError(f"--synchronized_bn applies to resnet18 (BatchNorm); --arch is {values.arch}.")
        arch_options["synchronized_bn"] = True
    return checked(
        TrainConfig,
        method=values.method, arch=values.arch, arch_options=arch_options, epochs=values.epochs,
        batch_size=values.batch_size, optimizer=values.optimizer, learning_rate=values.learning_rate,
        momentum=values.momentum, weight_decay=values.weight_decay,
        plateau_patience=values.plateau_patience, attack=attack,
        eval_attack=attack if values.method in ADVERSARIAL_METHODS else None,
        alignment_weight=values.igd_lambda, cutout_size=values.cutout_size,
        checkpoint_every_steps=values.checkpoint_every_steps, mixed_precision=values.mixed_precision,
        igam_adversarial_weight=values.igam_lambda_adv, igam_difference_weight=values.igam_lambda_diff,
        igam_adapter=values.igam_adapter, igam_finetune_steps=values.igam_finetune_steps,
        igam_discriminator_every=values.igam_discriminator_every,
        pag_weight=values.pag_lambda, pag_source=values.pag_source, pag_pool_size=values.pag_pool_size,
        pag_classes_per_example=values.pag_classes_per_example,
        alignment_penalty_weight=values.alignment_penalty_lambda, gradient_norm_weight=values.grad_norm_lambda,
        trades_beta=values.trades_beta, train_attack=values.train_attack,
        attack_precision=values.attack_precision, gradalign_weight=values.gradalign_lambda,
        overfitting_action=values.overfitting_action, kdiga_kd_weight=values.kdiga_alpha,
        kdiga_temperature=values.kdiga_temperature, kdiga_gradient_weight=values.kdiga_gamma,
        igdm_weight=values.igdm_alpha, igdm_beta=values.igdm_beta, seed=values.seed,
    )
