"""Export for TF Serving."""

from igdtf.export.saved_model import export_saved_model, serving_outputs

__all__ = ["export_saved_model", "serving_outputs"]
