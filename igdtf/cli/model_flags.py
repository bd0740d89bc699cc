"""The flags that choose the model a recipe trains (README: Your own model): --arch in any form
of igdtf/models/arch.py with its --arch_option values, or --init_from a trained model
(--replace_head, --freeze_backbone_epochs); and --teacher_arch for a teacher the recipe trains."""

from absl import flags

from igdtf.errors import ConfigError, checked
from igdtf.models import ARCHITECTURES
from igdtf.models.arch import SYNCHRONIZED_BN, check_arch, parse_arch_options, takes_synchronized_bn
from igdtf.models.spec import INIT_ARCH
from igdtf.cli.method_flags import given_flags

_ARCH_HELP = (f"a built-in name ({', '.join(sorted(ARCHITECTURES))}), keras.applications.NAME (e.g. "
              "keras.applications.ResNet50V2: a new logit head, its own preprocessing inside the model, "
              "--arch_option weights=imagenet|PATH, default no weights), or module:function (your factory "
              "function(input_shape, num_classes, **arch_options) -> keras.Model returning logits for [0, 1] "
              "images, importable from the working directory or PYTHONPATH)")


def define_arch_flags(default: str, note: str = "") -> None:
    """Defines --arch (default `default`; `note`: a sentence that ends its help) and --arch_option."""
    flags.DEFINE_string("arch", default, f"Architecture: {_ARCH_HELP}. {note}".rstrip())
    flags.DEFINE_multi_string("arch_option", [], "KEY=VALUE option of --arch (Python literal values), e.g. "
                              "depth=28, width=10, dropout=0.3 for wide_resnet, stem=3x3 for resnet50, "
                              "weights=imagenet for keras.applications; repeat for several.")


def define_model_flags(defaults: dict) -> None:
    """Defines the student's model flags (`defaults`: the recipe's, by flag name) and the teacher's."""
    define_arch_flags(defaults["arch"])
    flags.DEFINE_string("init_from", None, "Start from this trained model instead of --arch: a .keras file, a "
                        "run directory (its best.keras, else its final model), or a SavedModel igdtf exported "
                        "(BASE/VERSION, or BASE for its highest version).")
    flags.DEFINE_bool("replace_head", False, "With --init_from: a new logit layer for the data's classes "
                      "(required when the class counts differ).")
    flags.DEFINE_integer("freeze_backbone_epochs", 0, "Train only the head (the model's last layer) for the "
                         "first N epochs; BatchNorm statistics keep adapting to the data.")
    flags.DEFINE_string("teacher_arch", None, "Architecture of the standard teacher the recipe trains when no "
                        "--teacher is given (any --arch form; default: the student's).")
    flags.DEFINE_multi_string("teacher_arch_option", [], "KEY=VALUE option of --teacher_arch.")


def model_settings_from_flags(values) -> dict:
    """The TrainConfig fields of the student's model (arch, arch_options, init_from,
    replace_head, freeze_backbone_epochs) from parsed flags; ConfigError naming the flag."""
    init_from = getattr(values, "init_from", None)
    given = given_flags(values)
    settings = {"init_from": init_from, "replace_head": getattr(values, "replace_head", False),
                "freeze_backbone_epochs": getattr(values, "freeze_backbone_epochs", 0)}
    if init_from is not None:
        clash = sorted(given & {"arch", "arch_option"})
        if clash:
            raise ConfigError(f"--init_from={init_from} trains that model's architecture; drop --{clash[0]}.")
        arch, options = INIT_ARCH, {}
    else:
        arch, options = arch_and_options(values.arch, getattr(values, "arch_option", []), "arch")
    if values.synchronized_bn:
        if init_from is None and not takes_synchronized_bn(arch):
            raise ConfigError(f"--synchronized_bn applies to BatchNorm architectures (resnet18, resnet50, "
                              f"preact_resnet18, wide_resnet, ...); --arch is {arch}.")
        options[SYNCHRONIZED_BN] = True
    return {"arch": arch, "arch_options": options, **settings}


def teacher_model_settings(values, trained: bool = True) -> dict | None:
    """The model fields of a recipe-trained teacher's TrainConfig from --teacher_arch (a model
    built from scratch), or None to use the student's; ConfigError for --teacher_arch when the
    recipe trains no teacher (`trained` False)."""
    if getattr(values, "teacher_arch", None) is not None and not trained:
        raise ConfigError("--teacher_arch is the architecture of the teacher a recipe trains: it needs a method "
                          f"with a standard teacher and --teacher=train (--method={values.method}, --teacher="
                          f"{getattr(values, 'teacher', None)}).")
    if getattr(values, "teacher_arch", None) is None:
        if getattr(values, "teacher_arch_option", []):
            raise ConfigError("--teacher_arch_option needs --teacher_arch.")
        return None
    arch, options = arch_and_options(values.teacher_arch, values.teacher_arch_option, "teacher_arch")
    return {"arch": arch, "arch_options": options, "init_from": None, "replace_head": False,
            "freeze_backbone_epochs": 0}


def arch_and_options(arch: str, specs, flag: str) -> tuple[str, dict]:
    """(arch, its parsed options); ConfigError "--FLAG=ARCH: problem" if either is bad."""
    try:
        check_arch(arch)
    except ValueError as error:
        raise ConfigError(f"--{flag}={arch}: {error}") from None
    return arch, checked(parse_arch_options, arch, specs, f"--{flag}_option")
