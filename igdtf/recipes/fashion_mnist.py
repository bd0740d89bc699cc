"""Fashion-MNIST, offline: standard, PGDAT and IGD (or any --methods) on real images, compared
with the IGD paper's suites over several seeds, with verdicts on the paper's claims.

Per seed s (--seeds, default 0,1,2), OUTPUT_DIR/seed_<s>/ holds one run directory per method
(checkpoints, TensorBoard logs, best.keras chosen on a validation holdout of 1 000 training
images, never on the test split), report.json/report.md (Tables 1-3: accuracy, PGD-20, Gini;
‖A‖₁; IOA; INA/RN/IOA curves; Tables 5-7: noise corruptions by severity; sanity checks; the
claims), outcomes.npz and the figures (error curves, saliency grid, one row per model).
OUTPUT_DIR/summary.md and summary.json: every number as mean ± std (min-max) over the seeds,
and in how many seeds each claim holds. Settings and their sources:
igdtf/recipes/fashion_mnist_config.py and docs/paper_settings.md ("Fashion-MNIST").

Command:       python -m igdtf.recipes.fashion_mnist --output_dir=runs/fashion_mnist
Data:          the four idx files of Fashion-MNIST in --manual_dir (default
               /usr/share/datasets/fashion-mnist, from the Debian package dataset-fashion-mnist),
               or --download (tensorflow-datasets' fashion_mnist builder).
Hardware:      a 2-core CPU is enough.
Expected time and numbers: README.md, "Real data offline: Fashion-MNIST" (measured with this
               command); --smoke: under a minute.
Re-running on the same OUTPUT_DIR resumes: finished runs are reloaded, an interrupted one
continues from its last checkpoint, and a seed whose report was written with the same settings
is not evaluated again.
"""

import dataclasses
import json
import logging
import os
import types

from absl import flags

from igdtf.attacks import ATTACK_PRECISIONS
from igdtf.cli import check_output_dir, data_flags, method_flags, model_flags, run, seed_flags
from igdtf.cli.model_flags import arch_and_options
from igdtf.data.archives import fashion_mnist
from igdtf.data.registry import dataset_info
from igdtf.errors import ConfigError, checked
from igdtf.evaluation import markdown_report
from igdtf.evaluation.reporting.seed_summary import (
    SUMMARY_MD, flatten_metrics, parse_seeds, read_seed_reports, seed_run_dir, summary_markdown, write_seed_summary,
)
from igdtf.methods import METHODS, method_class
from igdtf.native_bfloat16 import AUTO, resolve_attack_precision
from igdtf.recipes.fashion_mnist_config import (
    SUMMARY_METRICS, TEACHERS, get_config, igd_paper_claims, train_config, training_order,
)
from igdtf.recipes.holdout_data import HoldoutSplits
from igdtf.recipes.method_comparison import evaluate_methods, train_methods
from igdtf.runs.artefacts import read_json
from igdtf.runs.lock import hold_folder

flags.DEFINE_string("output_dir", "runs/fashion_mnist", "Where the seeds' runs, reports and the summary go.")
seed_flags.define_seeds_flag("one run of every method", default=["0", "1", "2"])
flags.adopt_module_key_flags(seed_flags)
flags.DEFINE_list("methods", ["standard", "pgdat", "igd"], f"Methods to train and compare ({', '.join(sorted(METHODS))}"
                  f"); a method needing a standard teacher gets the seed's {TEACHERS['standard']} model, one needing "
                  f"a robust teacher its {TEACHERS['robust']} model (added when not listed).")
flags.DEFINE_bool("smoke", False, "A tiny, fast run that checks the pipeline (numbers meaningless).")
data_flags.define_data_flags(dataset_option=False, manual_dir=f"{fashion_mnist.DEBIAN_DIR} when present, from "
                             f"the Debian package {fashion_mnist.DEBIAN_PACKAGE}")
flags.adopt_module_key_flags(data_flags)
flags.DEFINE_integer("train_examples", None, "Training images (class-stratified, outside the holdout; default "
                     "5 000; 0: all 59 000).")
flags.DEFINE_integer("validation_examples", None, "Training images held out for validation (default 1 000).")
flags.DEFINE_integer("test_examples", None, "Test images of the final report (class-stratified; default 2 000; "
                     "0: all 10 000).")
flags.DEFINE_integer("epochs", None, "Training epochs of every method but standard (default 10).")
flags.DEFINE_integer("standard_epochs", None, "Training epochs of the standard model (default 10).")
flags.DEFINE_enum("attack_precision", AUTO, [AUTO, *ATTACK_PRECISIONS], "Compute precision of the adversarial "
                  "methods' training attack; auto: bfloat16 where the hardware has it natively, else float32. "
                  "Validation and evaluation stay float32.")
model_flags.define_arch_flags("small_cnn", "The architecture of every model; default small_cnn, width 32 (docs/"
                              "paper_settings.md).")
flags.adopt_module_key_flags(model_flags)
flags.DEFINE_integer("tensorboard_every_steps", 100, "Period of the per-step TensorBoard scalars.")
method_flags.define_option_flags({}, skip=("attack_precision",))
flags.adopt_module_key_flags(method_flags)  # list the method options in --help
FLAGS = flags.FLAGS
log = logging.getLogger("igdtf.recipes")


def _listed_methods() -> tuple[str, ...]:
    """--methods, checked, without repeats."""
    methods = tuple(dict.fromkeys(m.strip() for m in FLAGS.methods))
    if not methods:
        raise ConfigError("--methods must name at least one method, e.g. standard,pgdat,igd.")
    for method in methods:
        if method not in METHODS:
            raise ConfigError(f"--methods: unknown method {method!r}. Allowed: {', '.join(sorted(METHODS))}.")
    return methods


def _methods_and_options() -> tuple[tuple[str, ...], dict[str, dict]]:
    """(the methods to train, in order, with the teachers they need; {method: its option values
    from the flags}). ConfigError for an option flag given that none of them has."""
    listed = _listed_methods()
    given, fields = method_flags.given_flags(FLAGS), method_flags.option_fields()
    values = {name: FLAGS[name].value for name in FLAGS}
    values["attack_precision"] = resolve_attack_precision(FLAGS.attack_precision)
    options = {}
    for method in dict.fromkeys(listed + tuple(TEACHERS.values())):
        own = {field.name for field in dataclasses.fields(method_class(method).options_class)}
        namespace = types.SimpleNamespace(**values, method=method)
        options[method] = dataclasses.asdict(checked(method_flags.method_options_from_flags, namespace, given & own))
    methods = training_order(listed, options)
    for name in sorted(given & set(fields)):
        if not any(name in options[method] for method in methods):
            raise ConfigError(f"--{name} applies to {', '.join(fields[name][1])}, none of --methods="
                              f"{','.join(methods)}.")
    return methods, {method: options[method] for method in methods}


def _settings():
    """The recipe's settings with the size flags applied (ConfigError for bad values)."""
    arch, arch_options = arch_and_options(FLAGS.arch, FLAGS.arch_option, "arch")
    return checked(get_config, FLAGS.smoke, train_examples=FLAGS.train_examples,
                   validation_examples=FLAGS.validation_examples, test_examples=FLAGS.test_examples,
                   epochs=FLAGS.epochs, standard_epochs=FLAGS.standard_epochs, arch=arch, arch_options=arch_options)


def _summary_metrics(reports: dict) -> tuple[str, ...]:
    """SUMMARY_METRICS first, then every other metric of the reports in name order."""
    names = {name for report in reports.values() for summary in report["models"].values()
             for name in flatten_metrics(summary)}
    first = [name for name in SUMMARY_METRICS if name in names]
    return tuple(first + sorted(names - set(first)))


def _finished(seed_dir: str, recipe: dict) -> bool:
    """True if seed_dir holds a report written with these recipe settings."""
    path = os.path.join(seed_dir, "report.json")
    if not os.path.isfile(path):
        return False
    recorded = read_json(path, "Delete it to evaluate this seed again.").get("protocol", {}).get("recipe")
    return recorded == json.loads(json.dumps(recipe, default=str))


def _run_seed(seed: int, splits: HoldoutSplits, settings, methods, options: dict, output_dir: str) -> None:
    """Trains, evaluates and reports one seed into OUTPUT_DIR/seed_<seed>/ (skipped when done)."""
    seed_dir = seed_run_dir(output_dir, seed)
    configs = {method: checked(train_config, method, options[method], seed, settings) for method in methods}
    recipe = {"settings": settings.describe(), "methods": list(methods), "seed": seed, "options": options}
    if _finished(seed_dir, recipe):
        log.info("Seed %d: %s was written with these settings; not evaluated again.", seed, seed_dir)
        return
    data = splits.comparison_data(seed, configs[methods[0]].batch_size, settings.eval_batch_size,
                                  settings.probe_examples)
    trained = train_methods(configs, data, seed_dir, TEACHERS, FLAGS.tensorboard_every_steps)
    suite_settings = settings.suite_settings(splits.info, seed)
    log.info("Seed %d: evaluating %s on %d test images.", seed, ", ".join(methods), data.description["test"]["examples"])
    report = evaluate_methods(trained, configs, data, suite_settings, seed_dir,
                              igd_paper_claims(suite_settings.ioa_radius), settings.figure_images,
                              dataset=splits.info.name, split=splits.info.evaluation_split, seed=seed, recipe=recipe)
    print(markdown_report(report))


def main(argv):
    del argv
    seeds = checked(parse_seeds, FLAGS.seeds)
    methods, options = _methods_and_options()
    settings = _settings()
    output_dir = FLAGS.output_dir
    check_output_dir(output_dir)
    hold_folder(output_dir)  # one run per folder
    info = dataset_info("fashion_mnist")
    loader_options = {"manual_dir": FLAGS.manual_dir, "data_dir": FLAGS.data_dir, "download": FLAGS.download}
    for split in fashion_mnist.SPLITS:  # all four files, before any work
        fashion_mnist.split_files(split, **loader_options)
    splits = checked(HoldoutSplits, info, loader_options, settings.validation_examples, settings.train_examples,
                     settings.test_examples)
    for seed in seeds:
        _run_seed(seed, splits, settings, methods, options, output_dir)
    reports = read_seed_reports(output_dir, seeds)
    metrics, title = _summary_metrics(reports), f"Fashion-MNIST ({', '.join(methods)}), test split"
    print(summary_markdown(write_seed_summary(output_dir, reports, metrics, title), metrics, title))
    for seed in seeds:
        print(f"Seed {seed}: {os.path.join(seed_run_dir(output_dir, seed), 'report.md')} (figures beside it)")
    print(f"Summary over seeds: {os.path.join(output_dir, SUMMARY_MD)}")
    print(f"TensorBoard: tensorboard --logdir {output_dir}")


if __name__ == "__main__":
    run(main)
