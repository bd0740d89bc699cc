"""One --arch syntax for every entry point and the Python API (build_model, ModelSpec):

  a built-in name      ARCHITECTURES (registry.py): resnet18, wrn34_10, small_cnn, ...
  keras.applications.NAME   any keras.applications model with a new logit head (applications.py)
  module:function      a user's factory function(input_shape, num_classes, **arch_options) (factory.py)

and its options (--arch_option KEY=VALUE), checked against what the builder takes. Every model
maps images in [0, 1] to logits; models from elsewhere are checked for that (checks.py).
`synchronized_bn` (BatchNorm statistics over all replicas) is an option of every BatchNorm
architecture: the built-ins take it, and igdtf sets it on every BatchNormalization layer of an
application's or a factory's model.
"""

import inspect
from collections.abc import Sequence

import keras

from igdtf.keyword_options import parse_options
from igdtf.models.applications import RESERVED, application_constructor, application_model
from igdtf.models.checks import check_classifier
from igdtf.models.factory import factory_module, import_factory, is_factory
from igdtf.models.registry import ARCHITECTURES
from igdtf.runs.artefacts import error_summary

APPLICATION_PREFIX = "keras.applications."
FORMS = "a built-in name, keras.applications.NAME or module:function"
SYNCHRONIZED_BN = "synchronized_bn"
_BUILT_IN_RESERVED = ("input_shape", "num_classes", "mean", "std", "name")


def arch_kind(arch: str) -> str:
    """The form of `arch`: "application", "factory" or "built-in"."""
    if arch.startswith(APPLICATION_PREFIX):
        return "application"
    return "factory" if is_factory(arch) else "built-in"


def _builder(arch: str):
    """The callable whose parameters are the architecture's options; ValueError if `arch` names
    nothing buildable (unknown name or application, a factory that cannot be imported)."""
    kind = arch_kind(arch)
    if kind == "application":
        return application_constructor(arch[len(APPLICATION_PREFIX):])
    if kind == "factory":
        return import_factory(arch)
    if arch not in ARCHITECTURES:
        raise ValueError(f"Unknown architecture {arch!r}. Allowed: {', '.join(sorted(ARCHITECTURES))}, "
                         "keras.applications.NAME or module:function.")
    return ARCHITECTURES[arch]


def check_arch(arch: str) -> str:
    """Returns `arch` if it names a buildable architecture (see _builder), else ValueError."""
    _builder(arch)
    return arch


def parse_arch_options(arch: str, specs: Sequence[str], flag: str = "--arch_option") -> dict:
    """{key: value} from KEY=VALUE `specs` (Python literals, else strings), checked against the
    options of `arch`; ConfigError (igdtf.errors) for an unknown key or a value of the wrong type."""
    reserved = {"application": RESERVED, "factory": ("input_shape", "num_classes")}.get(arch_kind(arch),
                                                                                       _BUILT_IN_RESERVED)
    return parse_options(specs, _builder(arch), flag, reserved)


def takes_synchronized_bn(arch: str) -> bool:
    """Whether `synchronized_bn` may be set: a built-in that takes it, or any application or
    factory (whose model must then hold a BatchNormalization layer)."""
    return arch_kind(arch) != "built-in" or SYNCHRONIZED_BN in inspect.signature(_builder(arch)).parameters


def required_modules(arch: str) -> list[str]:
    """The modules to import before a saved model of `arch` can be loaded (its custom layers)."""
    return [factory_module(arch)] if arch_kind(arch) == "factory" else []


def build_model(
    arch: str,
    input_shape: Sequence[int],
    num_classes: int,
    mean: Sequence[float] = (),
    std: Sequence[float] = (),
    **options,
) -> keras.Model:
    """Builds `arch` (module docstring) for inputs of `input_shape` (images in [0, 1], or vectors
    for "mlp") → `num_classes` logits. `mean` and `std` (per channel) are the normalisation of
    the built-ins; applications normalise as their family does and factories as they choose.

    `options` go to the builder (e.g. `stem` for resnet18 and resnet50, `depth`, `width` and
    `dropout` for wide_resnet, `synchronized_bn` for every BatchNorm architecture, `width` for
    small_cnn, `hidden` for mlp; an application's constructor arguments and `weights`; a factory's
    own). ValueError naming the problem for an unknown architecture, a bad option, or a model from
    elsewhere that does not return logits for these inputs (checks.py).
    """
    if num_classes < 2:
        raise ValueError(f"num_classes must be >= 2, received {num_classes}.")
    kind = arch_kind(arch)
    if kind == "built-in":
        if not len(mean) or not len(std):
            raise ValueError(f"{arch} normalises its inputs with the data's per-channel mean and std: pass both.")
        return _builder(arch)(input_shape, num_classes, mean, std, **options)
    synchronized = bool(options.pop(SYNCHRONIZED_BN, False))
    if kind == "application":
        model = application_model(arch[len(APPLICATION_PREFIX):], input_shape, num_classes, **options)
    else:
        factory = _builder(arch)
        try:
            model = factory(tuple(input_shape), num_classes, **options)
        except Exception as error:  # the user's code: report it as theirs
            raise ValueError(f"{arch}: the call {arch.partition(':')[2]}({tuple(input_shape)}, {num_classes}"
                             f"{''.join(f', {k}={v!r}' for k, v in options.items())}) raised "
                             f"{error_summary(error)}") from None
    try:
        check_classifier(model, input_shape, num_classes)
    except ValueError as error:
        raise ValueError(f"{arch}: {error}") from None
    if synchronized:
        synchronize_batch_norm(model, arch)
    return model


def synchronize_batch_norm(model: keras.Model, arch: str) -> None:
    """Makes every BatchNormalization layer of `model` (nested models too) compute its statistics
    over all replicas; ValueError if there is none."""
    layers = [layer for layer in model._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)]
    if not layers:
        raise ValueError(f"synchronized_bn: {arch} has no BatchNormalization layer.")
    for layer in layers:
        layer.synchronized = True
