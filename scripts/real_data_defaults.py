"""A first run on small real data (issue 28, item 7): `igdtf.recipes.train --method=standard` on the
first N Fashion-MNIST training images, over several seeds, with igdtf.recipes.train's fitted
defaults or with the dataset recipes' ResNet-18 settings (SGD lr 0.1, batch 128, weight decay
5e-4, plateau 10, no warm-up), and a table of each seed's best validation and test accuracy.

  python scripts/real_data_defaults.py --settings=fitted --output_dir=runs/real_data_fitted
  python scripts/real_data_defaults.py --settings=recipes --seeds=0,1,2,3 --output_dir=runs/real_data_recipes

Reads the four idx files of /usr/share/datasets/fashion-mnist (Debian: dataset-fashion-mnist).
"""

import argparse
import gzip
import json
import os
import subprocess
import sys

import numpy as np

from igdtf.recipes.paper_settings import as_flags, flag_defaults
from igdtf.training.fitted_defaults import FITTED

FASHION = "/usr/share/datasets/fashion-mnist"
FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz")
# The dataset recipes' values of the settings igdtf.recipes.train fits (no warm-up: the flag's default).
RECIPE_SETTINGS = as_flags({name: value for name, value in flag_defaults().items() if name in FITTED}) + [
    "--lr_warmup_epochs=0"]


def read_idx(path: str) -> np.ndarray:
    """The uint8 array of a gzipped idx file (big-endian header: magic 2051 images [N, H, W], 2049 labels [N])."""
    with gzip.open(path) as f:
        data = f.read()
    dims = data[3]  # the header's fourth byte: the number of dimensions
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def fashion_npz(path: str, train: int, test: int, folder: str = FASHION) -> str:
    """Writes the first `train` training and `test` test images and labels as an npz for npz:PATH."""
    x_train, y_train, x_test, y_test = (read_idx(os.path.join(folder, name)) for name in FILES)
    np.savez(path, x_train=x_train[:train], y_train=y_train[:train], x_test=x_test[:test], y_test=y_test[:test])
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", choices=("fitted", "recipes"), default="fitted")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--train", type=int, default=1_400, help="training images (the issue's 1 400)")
    parser.add_argument("--test", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--output_dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.output_dir, exist_ok=True)
    data = fashion_npz(os.path.join(args.output_dir, "fashion.npz"), args.train, args.test)
    command = [sys.executable, "-m", "igdtf.recipes.train", f"--dataset=npz:{data}", "--method=standard",
               "--arch=small_cnn", f"--epochs={args.epochs}", f"--seeds={args.seeds}",
               f"--output_dir={os.path.join(args.output_dir, 'runs')}"]
    subprocess.run(command + (RECIPE_SETTINGS if args.settings == "recipes" else []), check=True)
    print(f"{args.settings} settings, {args.train} training images ({args.epochs} epochs), {args.test} test images")
    print("| seed | best validation accuracy (epoch) | test accuracy of that checkpoint |\n|---|---|---|")
    for seed in args.seeds.split(","):
        run = os.path.join(args.output_dir, "runs", f"seed_{seed}")
        best = json.load(open(os.path.join(run, "best.json")))
        report = json.load(open(os.path.join(run, "report.json")))
        print(f"| {seed} | {100 * best['value']:.1f} % ({best['epoch']}) | "
              f"{100 * report['models']['standard']['clean_acc']:.1f} % |")


if __name__ == "__main__":
    main()
