"""What it takes to rebuild a classifier around saved weights; written into every run directory.

A training checkpoint holds weights only. `model_spec.json` beside it names the architecture,
its options, the input shape, the classes and the normalisation statistics, so a model can be
rebuilt (and exported) from a run that never finished.
"""

import dataclasses

import keras

from igdtf.artefacts import read_json
from igdtf.atomic import write_json
from igdtf.models.registry import build_model


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """Arguments of build_model, plus the name of the dataset the model was trained on."""

    arch: str
    input_shape: tuple[int, int, int]
    num_classes: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    options: dict = dataclasses.field(default_factory=dict)
    dataset: str | None = None

    def build(self) -> keras.Model:
        """A freshly initialised model of this architecture."""
        return build_model(self.arch, self.input_shape, self.num_classes, self.mean, self.std, **self.options)

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
