"""Writes recipes/<dataset>/<method>.flags, the flag files of the dataset recipes
(`python -m igdtf.recipes.imagenet100 --flagfile=recipes/imagenet100/igd.flags`), from the IGD
paper's settings in igdtf/recipes/paper_settings.py; run it after changing that module.

  python scripts/write_recipe_flagfiles.py

tests/recipes/test_paper_settings.py fails while a file differs from what this script writes.
"""

import os

from igdtf.recipes.paper_settings import DATASETS, METHODS, flagfile_text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    for dataset in DATASETS:
        os.makedirs(os.path.join(ROOT, "recipes", dataset), exist_ok=True)
        for method in METHODS:
            path = os.path.join(ROOT, "recipes", dataset, f"{method}.flags")
            with open(path, "w") as file:
                file.write(flagfile_text(dataset, method))
            print(path)


if __name__ == "__main__":
    main()
