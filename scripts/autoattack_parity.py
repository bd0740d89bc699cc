"""Parity check: igdtf's AutoAttack against torchattacks' AutoAttack on the same Keras weights.

  PYTHONPATH=. python scripts/autoattack_parity.py --torch_python=/path/to/venv-torch/bin/python \\
      --model standard=runs/quickstart/standard/model.keras --model pgdat=runs/quickstart/pgdat/model.keras \\
      --num_samples=300 --output_dir=runs/parity

Evaluates each model on the first `num_samples` Shapes test images (texture amplitude 4/255) with
igdtf (AutoAttack standard, L∞ ε = 8/255, and PGD-20 for reference), then runs
scripts/torchattacks_autoattack.py in the torch environment (KERAS_BACKEND=torch) on the same
images and weights, and writes parity.json and parity.md (one row per model). Exits with 1
if any model's robust accuracies differ by more than --tolerance (default 1 point).

Both sides see the same images in the same batches (--batch_size) with the same --seed.
--torch_budget=published (default) gives torchattacks' attacks the published budgets;
--torch_budget=torchattacks runs what torchattacks.AutoAttack builds (10-iteration APGD, APGD-T
and FAB: weaker, so its robust accuracy is higher).
"""

import argparse
import json
import os
import subprocess
import sys
import time

import keras
import numpy as np
import tensorflow as tf

import igdtf  # noqa: F401  (selects the TensorFlow backend)
from igdtf.attacks import PGD, AutoAttack
from igdtf.data.registry import load_split
from igdtf.evaluation import AutoAttackAccuracy, PGDAccuracy

HERE = os.path.dirname(os.path.abspath(__file__))


def shapes_test(num_samples: int):
    """(x [N, 32, 32, 3] float32, y [N] int32): the quickstart's test images."""
    x, y = next(iter(load_split("shapes", "test", num_samples=num_samples, texture_amplitude=4 / 255)
                     .batch(num_samples)))
    return x.numpy(), y.numpy().astype(np.int32)


def ours(model_path: str, x, y, batch_size: int, seed: int) -> dict:
    model = keras.models.load_model(model_path)
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)
    start = time.time()
    aa = AutoAttackAccuracy(AutoAttack(), seed=seed).run(model, data)
    seconds = time.time() - start
    pgd = PGDAccuracy(PGD(steps=20), seed=seed).run(model, data)["pgd_acc"].values
    clean = model.predict(x, verbose=0, batch_size=batch_size).argmax(-1) == y
    after = {k.split("@")[1]: v.values for k, v in aa.items() if "@" in k}
    return {"clean_correct": clean, "robust": aa["autoattack_acc"].values, "robust_after": after,
            "pgd20": pgd, "seconds": seconds}


def reference(torch_python: str, model_path: str, data_path: str, out_path: str, batch_size: int,
              seed: int, budget: str) -> dict:
    env = dict(os.environ, KERAS_BACKEND="torch")
    command = [torch_python, os.path.join(HERE, "torchattacks_autoattack.py"), "--model", model_path,
               "--data", data_path, "--out", out_path, "--batch_size", str(batch_size), "--seed", str(seed),
               "--budget", budget]
    subprocess.run(command, env=env, check=True)
    with open(out_path) as f:
        result = json.load(f)
    to_bool = lambda v: np.asarray(v, bool)  # noqa: E731
    return {"clean_correct": to_bool(result["clean_correct"]), "robust": to_bool(result["robust"]),
            "robust_after": {k: to_bool(v) for k, v in result["robust_after"].items()},
            "seconds": result["seconds"], "versions": result["versions"]}


def table(rows: list[dict]) -> str:
    lines = [f"torchattacks budget: {rows[0]['torch_budget']}; seed {rows[0]['seed']}; "
             f"batches of {rows[0]['batch_size']} on both sides", "","| model | N | clean (igdtf / torch) | PGD-20 | igdtf AA: APGD-CE → APGD-T → FAB-T → Square | "
             "torchattacks AA: APGD-CE → APGD-T → FAB-T → Square | difference | within ±1 |",
             "|---|---|---|---|---|---|---|---|"]
    pct = lambda v: f"{100 * v:.1f}"  # noqa: E731
    for r in rows:
        chain = lambda a: " → ".join(pct(a[k]) for k in ("apgd-ce", "apgd-t", "fab-t", "square"))  # noqa: E731
        lines.append(f"| {r['model']} | {r['n']} | {pct(r['clean_igdtf'])} / {pct(r['clean_torch'])} | "
                     f"{pct(r['pgd20'])} | {chain(r['after_igdtf'])} | {chain(r['after_torch'])} | "
                     f"{100 * r['difference']:+.1f} | {'yes' if r['within'] else 'NO'} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", required=True, help="name=path/to/model.keras (repeat)")
    parser.add_argument("--torch_python", required=True, help="Python of an environment with torch, torchattacks, keras")
    parser.add_argument("--num_samples", type=int, default=300)
    parser.add_argument("--batch_size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--torch_budget", default="published", choices=["published", "torchattacks"])
    parser.add_argument("--tolerance", type=float, default=0.01)
    parser.add_argument("--output_dir", default="runs/parity")
    args = parser.parse_args()
    models = dict(item.split("=", 1) for item in args.model)
    os.makedirs(args.output_dir, exist_ok=True)
    x, y = shapes_test(args.num_samples)
    data_path = os.path.join(args.output_dir, "data.npz")
    np.savez(data_path, x=x, y=y)
    rows = []
    for name, path in models.items():
        mine = ours(path, x, y, args.batch_size, args.seed)
        print(f"{name}: igdtf AutoAttack {mine['robust'].mean():.4f} in {mine['seconds']:.0f} s", flush=True)
        theirs = reference(args.torch_python, path, data_path, os.path.join(args.output_dir, f"{name}_torch.json"),
                           args.batch_size, args.seed, args.torch_budget)
        print(f"{name}: torchattacks AutoAttack {theirs['robust'].mean():.4f} in {theirs['seconds']:.0f} s",
              flush=True)
        difference = float(mine["robust"].mean() - theirs["robust"].mean())
        rows.append({
            "model": name, "path": path, "n": int(len(y)), "seed": args.seed, "batch_size": args.batch_size,
            "torch_budget": args.torch_budget,
            "clean_igdtf": float(mine["clean_correct"].mean()), "clean_torch": float(theirs["clean_correct"].mean()),
            "pgd20": float(mine["pgd20"].mean()),
            "after_igdtf": {k: float(v.mean()) for k, v in mine["robust_after"].items()},
            "after_torch": {k: float(v.mean()) for k, v in theirs["robust_after"].items()},
            "aa_igdtf": float(mine["robust"].mean()), "aa_torch": float(theirs["robust"].mean()),
            "difference": difference, "within": abs(difference) <= args.tolerance + 1e-9,
            "aa_not_above_pgd20": bool(mine["robust"].mean() <= mine["pgd20"].mean()),
            "disagreeing_points": int(np.sum(mine["robust"] != theirs["robust"])),
            "seconds": {"igdtf": mine["seconds"], "torchattacks": theirs["seconds"]},
            "versions": theirs["versions"],
        })
    with open(os.path.join(args.output_dir, "parity.json"), "w") as f:
        json.dump(rows, f, indent=2)
    markdown = table(rows)
    with open(os.path.join(args.output_dir, "parity.md"), "w") as f:
        f.write(markdown)
    print(markdown)
    sys.exit(0 if all(r["within"] for r in rows) else 1)


if __name__ == "__main__":
    main()
