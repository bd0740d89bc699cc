"""Export for TF Serving: the bare classifier with classification and saliency signatures."""

from igdtf.export.preprocessing import ImagePreprocessing
from igdtf.export.saved_model import CLASS_NAMES_FILE, export_saved_model, serving_outputs
from igdtf.export.signatures import (
    CLASSIFICATION_OUTPUTS, SALIENCY, SALIENCY_OUTPUTS, SERVING_BYTES, SERVING_DEFAULT,
)
from igdtf.export.warmup import WARMUP_FILE

__all__ = [
    "CLASSIFICATION_OUTPUTS", "CLASS_NAMES_FILE", "ImagePreprocessing", "SALIENCY", "SALIENCY_OUTPUTS",
    "SERVING_BYTES", "SERVING_DEFAULT", "WARMUP_FILE", "export_saved_model", "serving_outputs",
]
