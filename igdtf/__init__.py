"""igdtf: robust image classifiers by aligning input gradients (Keras 3 / TensorFlow).

Every public function takes images as float32 tensors of shape [N, H, W, C] with values in
[0, 1]; normalisation lives inside the models.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TensorFlow's C++ start-up chatter

import keras  # noqa: E402  (the backend must be chosen before the import)

if keras.backend.backend() != "tensorflow":
    raise ImportError(
        "igdtf needs the TensorFlow backend of Keras 3, but KERAS_BACKEND is "
        f"{keras.backend.backend()!r}. Unset KERAS_BACKEND or set it to 'tensorflow'."
    )

__version__ = "0.1.0"

# Registers igdtf's layers with Keras, so keras.models.load_model reads igdtf's .keras files
# once igdtf is imported.
from igdtf.models import first_order as _first_order  # noqa: E402,F401
