"""Training-step benchmark: ms/step, images/s and peak memory of igdtf's trainers, side by side.

Command (the IGD/PGDAT target of BUILD.md, "Benchmarks"):
  python -m igdtf.benchmarks.train_step --method=all --arch=resnet18 --image_size=32 --batch=32
Fast training attacks (every combination of the values listed, e.g. igd+n_fgsm+bfloat16 lines):
  python -m igdtf.benchmarks.train_step --method=pgdat,igd --train_attack=pgd,n_fgsm --attack_precision=float32,bfloat16
Each method trains on one fixed random batch (10 classes) with momentum SGD, weight decay 5e-4
and the papers' PGD-10 (ε 8/255, step 2/255); IGD's teacher is a second, randomly initialised
model of the same architecture. Candidates are warmed up (traced, compiled) once, then timed
in round-robin rounds of one step each, so that load from other processes hits all of them
alike; the figures are the median (min, max) over the rounds, and ratios compare medians from
the same run. Each line ends with the median CPU time of the process per step (all threads),
which waiting for a busy core does not inflate; with --threads=1 it is one core's work, the
figure to compare with scripts/torch_train_step.py --threads=1 on a shared machine. `plain_*`
lines are straightforward tf.function steps (plain_steps.py) with the same maths, as a
reference for what the Trainer machinery costs.
"""

import tensorflow as tf
from absl import flags

from igdtf.attacks import ATTACK_PRECISIONS, TRAIN_ATTACKS
from igdtf.benchmarks.candidates import (
    ALL, CANDIDATES, PLAIN_METHODS, attack_label, build_candidate, report, selected_candidates,
)
from igdtf.benchmarks.timing import gpu_device, load_average, peak_host_rss_bytes, round_robin
from igdtf.cli import model_flags, run
from igdtf.cli.model_flags import arch_and_options
from igdtf.errors import checked
from igdtf.precision import MIXED_FLOAT16
from igdtf.validation import check_choice, check_non_negative_int, check_positive_int

flags.DEFINE_list("method", ["all"], f"Comma-separated candidates among {', '.join(CANDIDATES)}, or all "
                  f"(= {', '.join(ALL)}).")
model_flags.define_arch_flags("resnet18", "The student's and the teacher's.")
flags.adopt_module_key_flags(model_flags)
flags.DEFINE_integer("image_size", 32, "Image side in pixels (3 channels).")
flags.DEFINE_integer("batch", 32, "Batch size (one device).")
flags.DEFINE_integer("steps", 5, "Timed steps per candidate, taken round-robin.")
flags.DEFINE_integer("warmup", 1, "Untimed steps per candidate first (tracing, XLA compilation).")
flags.DEFINE_enum("xla", "off", ["on", "off", "both"], "Compile each step with XLA (jit_compile); off, as "
                  "training runs (on CPU it measured slower, see BUILD.md).")
flags.DEFINE_enum("layers", "first_order", ["first_order", "stock", "both"], "ReLU and max-pooling layers: "
                  "igdtf's first-order ones (models/first_order.py, what build_model uses), Keras' stock ones "
                  "(same values and gradients, larger double-backprop graph), or both in the same run.")
flags.DEFINE_bool("mixed_precision", False, "Student in mixed_float16 (attacks and gradient terms stay "
                  "float32); plain_* candidates are float32 only.")
flags.DEFINE_list("train_attack", ["pgd"], f"Training attacks of the adversarial trainers, among "
                  f"{', '.join(TRAIN_ATTACKS)} (pgd = PGD-10); several give one line each.")
flags.DEFINE_list("attack_precision", ["float32"], f"Compute precisions of the training attack, among "
                  f"{', '.join(ATTACK_PRECISIONS)}; several give one line each.")
flags.DEFINE_integer("threads", 0, "TensorFlow's intra-op and inter-op threads; 0 = its default (one per core). "
                     "1 measures one core's work, which other processes' load distorts least (compare with "
                     "scripts/torch_train_step.py --threads=1).")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    names = checked(selected_candidates, FLAGS.method)
    _, arch_options = arch_and_options(FLAGS.arch, FLAGS.arch_option, "arch")
    for flag in ("image_size", "batch", "steps"):
        checked(check_positive_int, flag, getattr(FLAGS, flag))
    if checked(check_non_negative_int, "threads", FLAGS.threads):
        tf.config.threading.set_intra_op_parallelism_threads(FLAGS.threads)
        tf.config.threading.set_inter_op_parallelism_threads(FLAGS.threads)
    if FLAGS.mixed_precision:
        names = tuple(name for name in names if name not in PLAIN_METHODS)
    xla_settings = {"on": (True,), "off": (False,), "both": (False, True)}[FLAGS.xla]
    layer_settings = {"first_order": (False,), "stock": (True,), "both": (False, True)}[FLAGS.layers]
    attacks = [(checked(check_choice, "training attack", kind, TRAIN_ATTACKS),
                checked(check_choice, "attack precision", precision, ATTACK_PRECISIONS))
               for kind in FLAGS.train_attack for precision in FLAGS.attack_precision]
    candidates = {}
    for xla in xla_settings:
        for stock in layer_settings:
            for name in names:
                fixed_attack = name in PLAIN_METHODS or name == "standard"  # PGD-10 float32, or no attack
                for kind, precision in [("pgd", "float32")] if fixed_attack else attacks:
                    label = (name + attack_label(kind, precision) + ("+stock" if stock and FLAGS.layers == "both" else "")
                             + ("+xla" if xla and FLAGS.xla == "both" else ""))
                    candidates[label] = checked(build_candidate, name, FLAGS.arch, FLAGS.image_size, FLAGS.batch,
                                                xla, FLAGS.mixed_precision, stock_layers=stock,
                                                train_attack=kind, attack_precision=precision,
                                                arch_options=arch_options)
    load_before = load_average()
    timings = round_robin(candidates, FLAGS.steps, FLAGS.warmup)
    precision = MIXED_FLOAT16 if FLAGS.mixed_precision else "float32"
    print(f"train_step: {FLAGS.arch} {FLAGS.image_size}x{FLAGS.image_size}x3, batch {FLAGS.batch}, "
          f"{FLAGS.steps} timed steps each (round-robin) after {FLAGS.warmup} warm-up, "
          f"device {gpu_device() or 'CPU'}, strategy {type(tf.distribute.get_strategy()).__name__}, "
          f"threads {FLAGS.threads or 'default'}, XLA {FLAGS.xla}, layers {FLAGS.layers}, precision {precision}, "
          f"training attacks "
          f"{', '.join(kind + '/' + attack_precision for kind, attack_precision in attacks)}")
    print(f"before: {load_before}; after: {load_average()}")
    for line in report(timings, FLAGS.batch):
        print(line)
    print(f"peak host RSS of the process (all candidates): {peak_host_rss_bytes() / 2**20:.0f} MiB")


if __name__ == "__main__":
    run(main)
