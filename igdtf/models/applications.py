"""keras.applications models as igdtf classifiers: images in [0, 1] → logits.

`application_model("ResNet50V2", (224, 224, 3), 10)` builds keras.applications.ResNet50V2 with
include_top=False and global pooling, and a new Dense logit layer ("logits") for the classes.
Its input layer multiplies by 255 and applies the family's own `preprocess_input` (ApplicationInputs),
so the model takes [0, 1] images like every igdtf model and ε stays in pixel units. The families
differ: "caffe" (ResNet, VGG: RGB → BGR and ImageNet mean subtraction), "tf" (ResNetV2, MobileNet,
Inception, Xception: scaled to [−1, 1]), "torch" (DenseNet: ImageNet mean and std), and the
models that normalise inside themselves (EfficientNet, EfficientNetV2, ConvNeXt, MobileNetV3),
whose `preprocess_input` is the identity: the input is multiplied by 255 once and normalised
once, by the family's own code. Grayscale images are repeated to 3 channels first.

Weights: None (default: random; nothing is downloaded), "imagenet" (Keras downloads them into
~/.keras/models on first use), or the path of a weights file of the model without its top (e.g.
written by `keras.applications.X(include_top=False, ...).save_weights("x.weights.h5")`).
"""

import inspect
import os

import keras

from igdtf.runs.artefacts import error_summary
from igdtf.validation import check_choice

# Constructor arguments igdtf sets itself; every other argument of the constructor (alpha,
# minimalistic, ...) may be given as an option.
RESERVED = ("include_top", "input_tensor", "input_shape", "classes", "classifier_activation",
            "include_preprocessing", "name")
POOLINGS = ("avg", "max")


def application_names() -> list[str]:
    """The model constructors of keras.applications (ResNet50V2, EfficientNetV2B0, ...)."""
    return sorted(name for name in dir(keras.applications)
                  if name[:1].isupper() and callable(getattr(keras.applications, name)))


def application_constructor(name: str):
    """keras.applications.`name`; ValueError listing the known names if there is none."""
    return getattr(keras.applications, check_choice("keras.applications model", name, application_names()))


def application_parameters(name: str) -> list[str]:
    """The options `application_model` takes for application `name`."""
    return [p for p in inspect.signature(application_constructor(name)).parameters if p not in RESERVED]


def _family(name: str) -> str:
    """The keras.applications module of the constructor, e.g. "resnet_v2" for ResNet50V2."""
    return application_constructor(name).__module__.rsplit(".", 1)[-1]


@keras.saving.register_keras_serializable(package="igdtf")
class ApplicationInputs(keras.layers.Layer):
    """[N, H, W, C] images in [0, 1] → what keras.applications.`family` models take:
    `preprocess_input(255 · x)` of that family (C = 1 is repeated to 3 channels first)."""

    def __init__(self, family: str, **kwargs):
        super().__init__(**kwargs)
        self.family = family
        self._preprocess = getattr(keras.applications, family).preprocess_input

    def call(self, images):
        if images.shape[-1] == 1:
            images = keras.ops.repeat(images, 3, axis=-1)
        return self._preprocess(images * 255.0)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 3)

    def get_config(self):
        return {**super().get_config(), "family": self.family}


def application_model(name: str, input_shape, num_classes: int, weights: str | None = None, pooling: str = "avg",
                      **options) -> keras.Model:
    """keras.applications.`name` as a classifier of [N, *input_shape] images in [0, 1] →
    [N, num_classes] logits (module docstring). `options`: other constructor arguments (e.g.
    alpha, minimalistic). ValueError for an unknown name or option, a missing weights file, or
    an input the application cannot take (Keras' own message, e.g. the minimum size)."""
    constructor = application_constructor(name)
    unknown = sorted(set(options) - set(application_parameters(name)))
    if unknown:
        raise ValueError(f"keras.applications.{name} has no option {', '.join(unknown)}; it takes "
                         f"{', '.join(application_parameters(name))}.")
    check_choice("pooling", pooling, POOLINGS)
    if weights not in (None, "imagenet") and not os.path.isfile(str(weights)):
        raise ValueError(f"keras.applications.{name}: weights={weights} is not a file (weights take None, imagenet "
                         "or the path of a weights file of the model without its top).")
    images = keras.Input(shape=tuple(input_shape), name="images")
    base_shape = (*tuple(input_shape)[:-1], 3)
    try:
        base = constructor(include_top=False, weights=weights, input_shape=base_shape, pooling=pooling, **options)
    except ValueError as error:  # e.g. "Input size must be at least 32x32"
        raise ValueError(f"keras.applications.{name}: {str(error).strip()}") from None
    except Exception as error:  # Keras raises a bare Exception when the download fails
        raise ValueError(f"keras.applications.{name} could not get its {weights} weights ({error_summary(error)}); "
                         "download the file of the model without its top elsewhere and pass weights=PATH.") from None
    features = base(ApplicationInputs(_family(name), name="application_inputs")(images))
    logits = keras.layers.Dense(num_classes, name="logits")(features)
    return keras.Model(images, logits, name=name.lower())
