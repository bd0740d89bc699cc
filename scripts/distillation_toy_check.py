"""Toy check of the robust-teacher distillation methods on the quickstart's Shapes data.

  PYTHONPATH=. python scripts/distillation_toy_check.py --output_dir=runs/distillation_toy

Trains, with the quickstart's settings (small CNN of width 32, Adam 1e-3, batch 128, 5 000 Shapes
images with a 4/255 class texture, igdtf/recipes/quickstart_config.py): a robust teacher (the quickstart's
PGDAT), the standard student, and the same student with KDIGA and with IGDM (the quickstart's
IGD settings, method changed) from that teacher;
then prints clean and PGD-20 (L∞ 8/255, step 2/255) accuracy on 1 000 test images and writes
report.json/report.md. Each distilled student must beat the standard one under PGD-20 (exit 1
otherwise). Runs resume like every igdtf run. Its time was not measured at the current quickstart settings.
--smoke shrinks everything to a minute (numbers meaningless).
"""

import argparse
import dataclasses
import os
import sys

from igdtf.data.pipeline import evaluation_pipeline, training_pipeline
from igdtf.data.registry import dataset_info, load_split
from igdtf.evaluation import PGDAccuracy, build_report, compare_models, markdown_report, write_report
from igdtf.recipes.quickstart import config
from igdtf.training import train_model

DISTILLATION_METHODS = ("kdiga", "igdm")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output_dir", default="runs/distillation_toy")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    cfg = config(args.smoke)
    info = dataset_info("shapes")
    shapes = dict(texture_amplitude=cfg.texture_amplitude)
    train = training_pipeline(load_split("shapes", "train", num_samples=cfg.num_train, **shapes),
                              cfg.standard.batch_size, seed=0)
    test = evaluation_pipeline(load_split("shapes", "test", num_samples=cfg.num_test, **shapes), cfg.eval_batch_size)

    teacher = train_model(cfg.pgdat, info, train, os.path.join(args.output_dir, "robust_teacher"), name="teacher")
    teacher.trainable = False
    models = {"robust_teacher": teacher,
              "standard": train_model(cfg.standard, info, train, os.path.join(args.output_dir, "standard"))}
    configs = {"robust_teacher": cfg.pgdat, "standard": cfg.standard}
    for method in DISTILLATION_METHODS:
        configs[method] = dataclasses.replace(cfg.igd, method=method)
        models[method] = train_model(configs[method], info, train, os.path.join(args.output_dir, method),
                                     teacher=teacher)

    comparison = compare_models(models, test, [PGDAccuracy(cfg.eval_attack)])
    report = build_report(comparison, [PGDAccuracy(cfg.eval_attack)], dataset="shapes",
                          texture_amplitude=cfg.texture_amplitude, command=sys.argv,
                          training={name: dataclasses.asdict(c) for name, c in configs.items()})
    write_report(report, comparison, args.output_dir)
    print(markdown_report(report))
    summaries = report["models"]
    for name, summary in summaries.items():
        print(f"{name}: clean {100 * summary['clean_acc']:.1f} %, PGD-20 {100 * summary['pgd_acc']:.1f} %")
    worse = [m for m in DISTILLATION_METHODS if summaries[m]["pgd_acc"] <= summaries["standard"]["pgd_acc"]]
    if worse and not args.smoke:
        print(f"Not more robust than standard training: {', '.join(worse)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
