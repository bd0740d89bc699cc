"""The IGD paper's training settings (appendix A.2.2, ImageNet-100), by flag name: the one place
the dataset recipes' paper defaults are written (BUILD.md, "Paper settings").

Every dataset recipe (cifar10, cifar100, imagenet100, stl10, tinyimagenet) and
`python -m igdtf.recipes.train` take their flag defaults from `flag_defaults()`. The flag files
recipes/<dataset>/<method>.flags (`--flagfile=recipes/imagenet100/igd.flags`) are written from
`get_config(method)` by scripts/write_recipe_flagfiles.py; tests/recipes/test_paper_settings.py
fails when a file and this module disagree. (TrainConfig's field defaults are the Python API's,
in training/config.py; the command line does not read them.)
"""

DATASETS = ("cifar10", "cifar100", "imagenet100", "stl10", "tinyimagenet")
METHODS = ("standard", "pgdat", "pgdat_cutout", "igd")  # the IGD paper's table rows, one flag file each
DEFAULT_METHOD = "igd"

# ResNet-18, SGD momentum 0.9, weight decay 5e-4, lr 0.1 x0.1 on a 10-epoch plateau, 150 epochs,
# PGD-10 at ε = 8/255 with step 2/255 (1/255 units, as the flags), PGD-20 in the final report.
_TRAINING = {"arch": "resnet18", "epochs": 150, "batch_size": 128, "optimizer": "sgd", "learning_rate": 0.1,
             "momentum": 0.9, "weight_decay": 5e-4, "plateau_patience": 10, "epsilon": 8.0, "step_size": 2.0,
             "pgd_steps": 10, "eval_pgd_steps": 20}
# λ = 2 (the paper's headline value); IGD's standard teacher trained first, with the student's settings.
_METHOD_SETTINGS = {"igd": {"igd_lambda": 2.0, "teacher": "train"}}


def get_config(method: str = DEFAULT_METHOD) -> dict:
    """The paper's settings of `method` by flag name, in flag-file order."""
    return {"method": method, **_TRAINING, **_METHOD_SETTINGS.get(method, {})}


def flag_defaults() -> dict:
    """The dataset recipes' flag defaults: the shared training settings with --method=igd. The
    method's own settings stay out (a run's teacher is never trained unasked: --teacher=train is
    in igd.flags, not a default)."""
    return {"method": DEFAULT_METHOD, **_TRAINING}


def flagfile_text(dataset: str, method: str) -> str:
    """The text of recipes/<dataset>/<method>.flags: two comment lines, then one --flag=value a line."""
    lines = [f"# {dataset}, method {method}: the IGD paper's training settings (ResNet-18, SGD, plateau schedule, "
             "PGD-10 at 8/255).",
             f"# python -m igdtf.recipes.{dataset} --flagfile=recipes/{dataset}/{method}.flags --manual_dir=FOLDER "
             f"--output_dir=runs/{dataset}_{method}"]
    return "\n".join(lines + as_flags(get_config(method))) + "\n"


def as_flags(settings: dict) -> list[str]:
    """["--name=value", ...] of `settings` by flag name (floats as %g: 0.0005, 8)."""
    return [f"--{name}={value:g}" if isinstance(value, float) else f"--{name}={value}"
            for name, value in settings.items()]
