"""The candidates of the training-step benchmark: igdtf's trainers and the plain-TensorFlow
reference steps, each as a callable that runs one step on a fixed random batch."""

import keras
import numpy as np
import tensorflow as tf

from igdtf.attacks import ATTACK_PRECISIONS, PGD, TRAIN_ATTACKS
from igdtf.benchmarks.plain_steps import make_plain_step
from igdtf.methods import build_trainer
from igdtf.models import build_model
from igdtf.models.first_order import with_stock_layers
from igdtf.precision import MIXED_FLOAT16, dtype_policy
from igdtf.validation import check_choice

TRAINER_METHODS = ("standard", "pgdat", "pgdat_cutout", "igd")
PLAIN_METHODS = ("plain_pgdat", "plain_igd")
CANDIDATES = TRAINER_METHODS + PLAIN_METHODS
ALL = ("pgdat", "igd", "plain_pgdat", "plain_igd")
NUM_CLASSES = 10


def selected_candidates(names) -> tuple:
    """The candidates named (with "all" expanded), in order, without repeats."""
    expanded = []
    for name in names:
        for candidate in ALL if name == "all" else (check_choice("method", name, CANDIDATES + ("all",)),):
            if candidate not in expanded:
                expanded.append(candidate)
    return tuple(expanded)


def _fixed_batch(image_size: int, batch: int):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.uniform(size=(batch, image_size, image_size, 3)), tf.float32)
    y = tf.constant(rng.integers(0, NUM_CLASSES, size=batch), tf.int32)
    return x, y


def _model(arch: str, image_size: int, seed: int, stock_layers: bool, arch_options: dict) -> keras.Model:
    keras.utils.set_random_seed(seed)
    model = build_model(arch, (image_size, image_size, 3), NUM_CLASSES, mean=[0.5] * 3, std=[0.25] * 3,
                        **arch_options)
    return with_stock_layers(model) if stock_layers else model


def build_candidate(name: str, arch: str, image_size: int, batch: int, xla: bool, mixed_precision: bool = False,
                    stock_layers: bool = False, train_attack: str = "pgd", attack_precision: str = "float32",
                    arch_options: dict | None = None):
    """A callable that runs one training step of candidate `name` and waits for its result.

    stock_layers: build the models with Keras' ReLU and max-pooling instead of igdtf's
    first-order ones (models/first_order.py), to measure what those save.
    train_attack, attack_precision: the adversarial trainers' training attack (plain_* steps
    are PGD-10 in float32 only).
    arch, arch_options: any --arch form of igdtf/models/arch.py and its options.
    """
    arch_options = arch_options or {}
    x, y = _fixed_batch(image_size, batch)
    teacher = _model(arch, image_size, 1, stock_layers, arch_options) if name in ("igd", "plain_igd") else None
    if name in PLAIN_METHODS:
        step = make_plain_step(_model(arch, image_size, 0, stock_layers, arch_options), teacher, jit_compile=xla)
        seed = tf.constant([0, 0], tf.int64)
        return lambda: step(x, y, seed).numpy()
    with dtype_policy(MIXED_FLOAT16 if mixed_precision else keras.config.dtype_policy().name):
        student = _model(arch, image_size, 0, stock_layers, arch_options)
        options = {"teacher": teacher} if teacher is not None else {}
        if name != "standard":
            options.update(attack=PGD(), train_attack=train_attack, attack_precision=attack_precision)
        trainer = build_trainer(name, student, weight_decay=5e-4, **options)
        trainer.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), jit_compile=xla)
        trainer.optimizer.build(student.trainable_variables)
    trainer.make_train_function()
    iterator = iter(tf.data.Dataset.from_tensors((x, y)).repeat())
    return lambda: trainer.train_function(iterator)["loss"].numpy()


def report(timings: dict, batch: int) -> list[str]:
    """One line per candidate: median/min/max ms per step, images/s, ratio to the PGDAT line of
    the same setting (XLA, layers, training attack), for a non-default training attack the
    speed-up over the same method's default (PGD-10 float32) line, the median CPU time of the
    process per step (all threads), peak device memory where a GPU is used. A label is a method then "+setting" parts, e.g. igd+n_fgsm+bfloat16."""
    lines = []
    for name, timing in timings.items():
        method = name.split("+")[0]
        setting = name[len(method):]  # "", "+stock", "+xla", "+n_fgsm+bfloat16", ...
        reference = timings.get("pgdat" + setting)
        ms = [1000 * s for s in timing.seconds]
        line = (f"{name:<20} {timing.median * 1000:9.1f} ms/step (min {min(ms):.1f}, max {max(ms):.1f})  "
                f"{batch / timing.median:8.1f} images/s")
        if reference is not None:
            line += f"  {timing.median / reference.median:5.2f}x pgdat"
        default = timings.get(method + _without_attack(setting))
        if default is not None and default is not timing:
            line += f"  speed-up {default.median / timing.median:.2f}x vs {method + _without_attack(setting)}"
        line += f"  (warm-up {timing.warmup_seconds:.0f} s)  cpu {timing.cpu_median * 1000:.0f} ms/step"
        if timing.peak_device_bytes is not None:
            line += f"  peak GPU memory {timing.peak_device_bytes / 2**20:.0f} MiB"
        lines.append(line)
    return lines


def attack_label(train_attack: str, attack_precision: str) -> str:
    """The label part of a training attack: "" for the default PGD in float32, else
    "+n_fgsm", "+bfloat16", "+fgsm_rs+float16", ..."""
    parts = [part for part, default in ((train_attack, "pgd"), (attack_precision, "float32")) if part != default]
    return "".join("+" + part for part in parts)


def _without_attack(setting: str) -> str:
    """A label's setting without its training-attack parts."""
    attack_parts = set(TRAIN_ATTACKS + tuple(ATTACK_PRECISIONS))
    return "".join("+" + part for part in setting.split("+")[1:] if part not in attack_parts)
