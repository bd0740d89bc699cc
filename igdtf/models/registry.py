"""Built-in architecture names → model builders
`builder(input_shape, num_classes, mean, std, **options) -> keras.Model` (logits for [0, 1] inputs).
arch.py resolves every --arch form (these names, keras.applications.NAME, module:function)."""

from igdtf.models.mlp import mlp
from igdtf.models.preact_resnet import preact_resnet18
from igdtf.models.resnet import resnet18
from igdtf.models.resnet50 import resnet50
from igdtf.models.small_cnn import small_cnn
from igdtf.models.wide_resnet import wide_resnet, wrn28_10, wrn34_10

ARCHITECTURES = {
    "small_cnn": small_cnn, "resnet18": resnet18, "mlp": mlp, "preact_resnet18": preact_resnet18,
    "resnet50": resnet50, "wide_resnet": wide_resnet, "wrn34_10": wrn34_10, "wrn28_10": wrn28_10,
}
