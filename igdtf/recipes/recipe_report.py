"""The report files of a recipe that trains and compares several runs below its output folder."""

import os

from igdtf.runs.atomic import write_json, write_text
from igdtf.runs.collapse_record import attach_collapse


def write_recipe_report(output_dir: str, report: dict, text: str) -> None:
    """Writes OUTPUT_DIR/report.md (`text`) and then report.json (`report`; values JSON cannot
    hold as strings), each atomically and each with the collapse check of the training runs
    below OUTPUT_DIR, and prints `text` and the lines naming the report, its figures
    (report["figures"]) and the TensorBoard logs of the training runs."""
    text = text + "\n".join(attach_collapse(report, output_dir))
    write_text(os.path.join(output_dir, "report.md"), text)
    write_json(os.path.join(output_dir, "report.json"), report, default=str)
    print(text)
    print(f"Report: {os.path.join(output_dir, 'report.md')} (and report.json)")
    if report.get("figures"):
        print(f"Figures: {', '.join(os.path.join(output_dir, name) for name in report['figures'])}")
    print(f"Training curves: tensorboard --logdir {output_dir}")
