"""The dataset recipes' paper settings live in igdtf/recipes/paper_settings.py: the flag files
are written from it, and the recipes' flag defaults are its values."""

import os

from igdtf.recipes.paper_settings import DATASETS, METHODS, flag_defaults, flagfile_text, get_config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_every_flag_file_is_the_one_paper_settings_writes():
    for dataset in DATASETS:
        for method in METHODS:
            with open(os.path.join(ROOT, "recipes", dataset, f"{method}.flags")) as file:
                assert file.read() == flagfile_text(dataset, method), (
                    f"recipes/{dataset}/{method}.flags: run python scripts/write_recipe_flagfiles.py")
    assert sorted(os.listdir(os.path.join(ROOT, "recipes", "cifar10"))) == sorted(f"{m}.flags" for m in METHODS)


def test_the_flag_defaults_are_igd_without_its_teacher_choice():
    igd = get_config("igd")
    assert igd["teacher"] == "train" and igd["igd_lambda"] == 2.0 and "teacher" not in flag_defaults()
    assert flag_defaults() == {name: value for name, value in igd.items() if name not in ("teacher", "igd_lambda")}
    assert "--epsilon=8\n" in flagfile_text("cifar10", "pgdat") and "--weight_decay=0.0005\n" in flagfile_text(
        "stl10", "standard")
