"""What it takes to rebuild a classifier around saved weights; written into every run directory.

A training checkpoint holds weights only. `model_spec.json` beside it names the architecture
(any --arch form: built-in, keras.applications.NAME, module:function), its options, the input
shape, the classes and the normalisation statistics, so a model can be rebuilt (and exported)
from a run that never finished. A student started from another model (--init_from) has arch
"init_from" and an `init` record: where it came from, a hash of its weights, and the file in the
run directory (initial.keras) that holds its architecture and first weights, so rebuilding it
never needs the original file. Files written before these fields existed load unchanged.
"""

import dataclasses
import os

import keras

from igdtf.models.arch import arch_kind, build_model, check_arch, required_modules
from igdtf.models.factory import import_module
from igdtf.runs.artefacts import load_keras_file, read_json
from igdtf.runs.atomic import write_json

INIT_ARCH = "init_from"  # the arch of a student whose architecture and first weights come from a model file


def check_student_arch(arch: str, init_from: str | None) -> None:
    """ValueError unless `arch` is buildable (arch.py) without init_from, or INIT_ARCH with it."""
    if init_from is not None and arch != INIT_ARCH:
        raise ValueError(f"init_from={init_from} trains that model's architecture: arch must be {INIT_ARCH!r}, "
                         f"received {arch!r}.")
    if init_from is None:
        if arch == INIT_ARCH:
            raise ValueError(f"arch {INIT_ARCH!r} needs init_from (the model to start from).")
        check_arch(arch)


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """Arguments of build_model, the dataset the model was trained on, and for INIT_ARCH the
    init record {"source", "weights_sha256", "replace_head", "model_file", "modules"}."""

    arch: str
    input_shape: tuple[int, ...]
    num_classes: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    options: dict = dataclasses.field(default_factory=dict)
    dataset: str | None = None
    init: dict | None = None

    def modules(self) -> list[str]:
        """Modules that must be imported before a saved model of this spec loads (a factory's
        custom layers, or those of the model it was initialised from)."""
        if self.arch == INIT_ARCH:
            return list((self.init or {}).get("modules", []))
        return required_modules(self.arch)

    def import_modules(self) -> None:
        """Imports modules(); ValueError naming one that cannot be imported."""
        for module in self.modules():
            import_module(module)

    def build(self, directory: str | None = None, initial_weights: bool = True) -> keras.Model:
        """The model: freshly initialised (built-ins, factories), with an application's weights
        unless `initial_weights` is False (its weights then come from a checkpoint), or for
        INIT_ARCH the initial model saved in `directory` (the run directory)."""
        if self.arch == INIT_ARCH:
            if directory is None or not self.init:
                raise ValueError("A model spec of an init_from run rebuilds from its run directory's initial model.")
            self.import_modules()
            return load_keras_file(os.path.join(directory, self.init["model_file"]))
        options = dict(self.options)
        if not initial_weights and arch_kind(self.arch) == "application":
            options["weights"] = None
        return build_model(self.arch, self.input_shape, self.num_classes, self.mean, self.std, **options)

    def save(self, path: str) -> None:
        write_json(path, dataclasses.asdict(self))

    @classmethod
    def load(cls, path: str) -> "ModelSpec":
        """Reads a spec written by `save`; raises ValueError naming the file if it is not one."""
        fields = read_json(path)
        names = {field.name for field in dataclasses.fields(cls)}
        required = {field.name for field in dataclasses.fields(cls)
                    if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING}
        if not isinstance(fields, dict) or not required <= set(fields) or not set(fields) <= names:
            raise ValueError(f"{path} is not a model spec: expected the keys {sorted(names)} "
                             f"(at least {sorted(required)}), received {fields!r:.200}.")
        return cls(**{**fields, "input_shape": tuple(fields["input_shape"]),
                      "mean": tuple(fields["mean"]), "std": tuple(fields["std"])})
