"""Architectures; every model maps images in [0, 1] to logits with normalisation inside."""

from igdtf.models.arch import build_model
from igdtf.models.mlp import mlp
from igdtf.models.registry import ARCHITECTURES
from igdtf.models.resnet import resnet18
from igdtf.models.small_cnn import small_cnn
from igdtf.models.spec import ModelSpec

__all__ = ["ARCHITECTURES", "ModelSpec", "build_model", "mlp", "resnet18", "small_cnn"]
