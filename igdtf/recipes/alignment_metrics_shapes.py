"""Table 2 of Lanfredi et al. on a multi-class image dataset, with Δx estimated indirectly:
accuracy, ε50% (L∞, L2), ᾱ_Δx and ᾱ_x of a baseline and a PGD-adversarially trained CNN on
grayscale 16×16 Shapes (10 classes, no class texture; MNIST-size).

Steps (each reloaded from OUTPUT_DIR when it is there):
1. a class-conditional GAN G(z, c) (igdtf.generative.conditional_gan) on the training split;
   OUTPUT_DIR/conditional_generator.keras is its moving-average generator;
2. two small CNNs: plain cross-entropy (baseline) and PGDAT (L∞ PGD-5, ε = 8/255 reached after a
   linear warm-up over 3 epochs);
3. every test image projected onto every class's generator manifold (igdtf.generative.project_dataset,
   ProjectionSettings' defaults, cached in OUTPUT_DIR/projections.npz); a projection onto a wrong class
   that did not converge stops the recipe (exit code 2);
4. the Table 2 columns, ᾱ_Δx with Δx = G(z*, c̃(x)) − x, c̃ the closest wrong class of each model.
The report adds the projection residuals and check movements, and how often the baseline
classifies the generator's samples as the class they were drawn for. Writes
OUTPUT_DIR/report.json and report.md.

Command:       python -m igdtf.recipes.alignment_metrics_shapes --output_dir=runs/alignment_metrics_shapes
Hardware:      a 2-core CPU.
Expected time: about 7 minutes on 2 idle cores (GAN 2, models 1, projections 4); --smoke: a minute.
Expected numbers (two fresh runs, identical): accuracy 95.0 / 91.0 %, ε50% L∞ 0.0108 / 0.0238,
ε50% L2 0.112 / 0.250, ᾱ_Δx 0.150 / 0.291, ᾱ_x 0.056 / 0.113 (baseline / PGDAT); report.json
"checks" tests the paper's claim ᾱ_Δx(PGDAT) > ᾱ_Δx(baseline).
"""

import dataclasses
import logging
import os

import keras
import numpy as np
import tensorflow as tf
from absl import flags

from igdtf import errors
from igdtf.attacks import PGD
from igdtf.cli import check_output_dir, run
from igdtf.data.pipeline import evaluation_pipeline, training_pipeline
from igdtf.data.registry import dataset_info, load_split
from igdtf.errors import ConfigError
from igdtf.evaluation import alignment_evaluators, alignment_markdown, alignment_table, build_report, compare_models
from igdtf.generative import ConditionalGenerator, ProjectionError, ProjectionSettings, project_dataset
from igdtf.generative.conditional_gan import conditional_samples, train_conditional_gan
from igdtf.recipes.recipe_report import write_recipe_report
from igdtf.runs.artefacts import load_keras_file
from igdtf.runs.atomic import save_model
from igdtf.runs.lock import hold_folder
from igdtf.training import TensorBoardOptions, TrainConfig, train_model
from igdtf.training.overrides import with_epsilon_warmup

flags.DEFINE_string("output_dir", "runs/alignment_metrics_shapes", "Where the generator, models and report go.")
flags.DEFINE_bool("smoke", False, "A tiny, fast run that checks the pipeline (numbers meaningless).")
flags.DEFINE_float("epsilon_warmup_epochs", None, "Grow the adversarial models' training ε linearly over the "
                   "first W epochs (default: the recipe's own: 3 for PGDAT).")
FLAGS = flags.FLAGS
log = logging.getLogger("igdtf.alignment_metrics_shapes")

GENERATOR_FILE = "conditional_generator.keras"
PROJECTIONS_FILE = "projections.npz"


@dataclasses.dataclass(frozen=True)
class GANConfig:
    """The class-conditional GAN's training (igdtf.generative.conditional_gan.train_conditional_gan)."""

    steps: int = 3000
    batch_size: int = 64
    latent_dim: int = 32
    width: int = 32
    learning_rate: float = 5e-4


@dataclasses.dataclass(frozen=True)
class ShapesAlignmentConfig:
    image_size: int
    num_train: int
    num_test: int
    gan: GANConfig
    models: dict  # name → TrainConfig
    projection: ProjectionSettings
    eval_steps: int
    l2_epsilons: tuple | None = None  # None: the pixel grids of igdtf.evaluation.evaluators.alignment_suite
    linf_epsilons: tuple | None = None


def config(smoke: bool = False) -> ShapesAlignmentConfig:
    """The recipe's settings; `smoke` shrinks data, training, projections and attacks to seconds
    (and accepts projections that the check still moves by up to 20 % or improves by up to 5 %:
    its barely trained generator's numbers are meaningless anyway)."""
    common = dict(arch="small_cnn", arch_options={"width": 4 if smoke else 16}, batch_size=64, optimizer="adam",
                  learning_rate=1e-3, weight_decay=0.0, epochs=1 if smoke else 10)
    models = {"baseline": TrainConfig(method="standard", **common),
              "pgdat": TrainConfig(method="pgdat", attack=PGD("linf", 8 / 255, 2 / 255, 5), epsilon_warmup_epochs=3.0,
                                   **common)}  # without the warm-up PGDAT stays at chance accuracy
    if smoke:
        return ShapesAlignmentConfig(8, 256, 20, GANConfig(steps=10, batch_size=32, latent_dim=4, width=4), models,
                                     ProjectionSettings(steps=300, tolerance=0.2, objective_tolerance=0.05),
                                     eval_steps=2,
                                     l2_epsilons=(0.25, 1.0), linf_epsilons=(4 / 255,))
    return ShapesAlignmentConfig(16, 5000, 100, GANConfig(), models, ProjectionSettings(), eval_steps=20)


def gray_shapes_info(image_size: int):
    """Shapes' DatasetInfo for grayscale image_size² images (one channel, its mean/std)."""
    info = dataset_info("shapes").with_image_size(image_size)
    return dataclasses.replace(info, name=f"shapes_gray{image_size}", image_shape=(image_size, image_size, 1),
                               mean=(0.5,), std=(0.24,))


def gray_shapes(split: str, num_samples: int, image_size: int) -> tf.data.Dataset:
    """Unbatched (image [S, S, 1] in [0, 1], label) of Shapes without class texture, the mean of
    its three channels."""
    data = load_split("shapes", split, image_size=image_size, num_samples=num_samples, texture_amplitude=0.0)
    return data.map(lambda x, y: (tf.reduce_mean(x, axis=-1, keepdims=True), y))


def conditional_generator(cfg: ShapesAlignmentConfig, info, out: str) -> keras.Model:
    """The GAN's moving-average generator, trained on the training split or reloaded from OUTPUT_DIR."""
    path = os.path.join(out, GENERATOR_FILE)
    if os.path.exists(path):
        log.info("Loading the conditional generator %s", path)
        return load_keras_file(path, "Delete it to train the generator again.")
    log.info("Training the conditional GAN for %d steps", cfg.gan.steps)
    data = gray_shapes("train", cfg.num_train, cfg.image_size).shuffle(cfg.num_train, seed=0)
    gan, _ = train_conditional_gan(data.batch(cfg.gan.batch_size, drop_remainder=True), info.image_shape,
                                   info.num_classes, cfg.gan.steps, cfg.gan.latent_dim, cfg.gan.width,
                                   cfg.gan.learning_rate)
    save_model(gan.average_generator, path)
    return gan.average_generator


def sample_accuracy(generator: keras.Model, classifier: keras.Model, per_class: int = 50) -> float:
    """The share of the generator's samples G(z, c) that `classifier` assigns to c."""
    classes = np.repeat(np.arange(generator.input_shape[1][-1]), per_class)
    predicted = np.argmax(classifier.predict(conditional_samples(generator, classes, seed=1), verbose=0), axis=-1)
    return float(np.mean(predicted == classes))


def checks(table: dict) -> dict:
    """The paper's qualitative claim, checked on this run."""
    return {"alpha_dx(pgdat) > alpha_dx(baseline)": bool(table["pgdat"]["alpha_dx"] > table["baseline"]["alpha_dx"])}


def markdown(table: dict, projections: dict, samples_correct: float, checked: dict,
             cfg: ShapesAlignmentConfig) -> str:
    lines = [f"# Gradient-direction metrics on grayscale {cfg.image_size}×{cfg.image_size} Shapes "
             "(Lanfredi et al., Table 2 columns)", "",
             f"{cfg.num_test} test images; ε50%: where PGD-{cfg.eval_steps} misclassifies half of them; ᾱ_Δx with "
             "Δx = G(z*, c̃(x)) − x, the projection of x onto the closest wrong class's generator manifold.", "",
             alignment_markdown(table),
             "Projections (‖G(z*, c) − x‖₂/√n, pixels): "
             f"{projections['mean_residual_own_class']:.4f} onto the "
             f"image's own class, {projections['mean_residual_other_classes']:.4f} onto the other classes; "
             f"the last check moved G(z*) by a median {projections['median_movement_in_check']:.2%} of "
             f"‖G(z*) − x‖ (at most {projections['max_movement_in_check']:.1%}; wrong classes, the Δx "
             "candidates).",
             f"Generator samples classified as their class by the baseline: {100 * samples_correct:.1f} %.", "",
             "Checks: " + ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in checked.items())]
    return "\n".join(lines) + "\n"


def main(argv):
    del argv
    cfg = config(FLAGS.smoke)
    cfg = errors.checked(with_epsilon_warmup, cfg, FLAGS.epsilon_warmup_epochs)
    out = FLAGS.output_dir
    check_output_dir(out)
    hold_folder(out)  # one run per folder
    info = gray_shapes_info(cfg.image_size)
    generator = conditional_generator(cfg, info, out)
    batch_size = next(iter(cfg.models.values())).batch_size
    train = training_pipeline(gray_shapes("train", cfg.num_train, cfg.image_size), batch_size, seed=0)
    test = evaluation_pipeline(gray_shapes("test", cfg.num_test, cfg.image_size), 250).cache()
    models = {name: train_model(c, info, train, os.path.join(out, name), name=name, tensorboard=TensorBoardOptions())
              for name, c in cfg.models.items()}
    try:
        table = project_dataset(ConditionalGenerator(generator, info.image_shape), test, cfg.projection,
                                cache_path=os.path.join(out, PROJECTIONS_FILE))
    except ProjectionError as error:  # a one-line error, exit code 2: no ᾱ_Δx from garbage Δx
        raise ConfigError(f"{error} (settings: config().projection)") from error
    evaluators = alignment_evaluators(info, delta_x=table, l2_epsilons=cfg.l2_epsilons,
                                      linf_epsilons=cfg.linf_epsilons, steps=cfg.eval_steps)
    comparison = compare_models(models, test, evaluators)
    results = alignment_table(comparison.summaries)
    checked = checks(results)
    samples_correct = sample_accuracy(generator, models["baseline"])
    report = build_report(comparison, evaluators, dataset=info.name,
                          training={name: dataclasses.asdict(c) for name, c in cfg.models.items()},
                          conditional_gan=dataclasses.asdict(cfg.gan))
    report.update(results=results, checks=checked, projections=table.describe(),
                  generator_samples_classified_as_their_class=samples_correct)
    write_recipe_report(out, report, markdown(results, table.describe(), samples_correct, checked, cfg))


if __name__ == "__main__":
    run(main)
