"""Adversarial accuracy with sanity checks for saved Shapes models (until the evaluation CLI
wires these evaluators in):

  PYTHONPATH=. python scripts/robustness_report.py --model standard=runs/quickstart/standard/model.keras \\
      --model pgdat=runs/quickstart/pgdat/model.keras --undefended=standard --num_samples=100 \\
      --output_dir=runs/robustness

Runs PGD-20 (L∞ 8/255), AutoAttack (standard) and the robustness checks on the first
`num_samples` Shapes test images, and writes report.json / report.md / outcomes.npz with the
verdicts of the sanity checks (failures are also logged).
"""

import argparse
import logging

import keras

import igdtf  # noqa: F401  (selects the TensorFlow backend)
from igdtf.data.pipeline import evaluation_pipeline
from igdtf.data.registry import load_split
from igdtf.evaluation import (
    SuiteSettings, add_robustness_checks, build_evaluators, build_report, compare_models, markdown_report,
    write_report,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", required=True, help="name=path/to/model.keras (repeat)")
    parser.add_argument("--undefended", action="append", default=[], help="name of a model trained without defence")
    parser.add_argument("--num_samples", type=int, default=100)
    parser.add_argument("--batch_size", type=int, default=100)
    parser.add_argument("--output_dir", default="runs/robustness")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    models = {name: keras.models.load_model(path) for name, path in (m.split("=", 1) for m in args.model)}
    test = evaluation_pipeline(load_split("shapes", "test", num_samples=args.num_samples,
                                          texture_amplitude=4 / 255), args.batch_size)
    evaluators = build_evaluators(("pgd", "autoattack", "sanity"), SuiteSettings())  # PGD-20, AutoAttack 8/255
    comparison = compare_models(models, test, evaluators)
    report = build_report(comparison, evaluators, dataset="shapes", num_samples=args.num_samples)
    add_robustness_checks(report, undefended=tuple(args.undefended))
    write_report(report, comparison, args.output_dir)
    print(markdown_report(report))


if __name__ == "__main__":
    main()
