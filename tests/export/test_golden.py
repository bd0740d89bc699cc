"""The golden REST bodies in export/golden/ (used by export/README.md's curl examples).

Each request is parsed as TF Serving parses JSON, served by a SavedModel exported from the
golden model (a fixed-seed, untrained small CNN for the Shapes dataset), formatted as TF
Serving formats responses and compared with the stored response. The requests also fit the
quickstart's exported model (same dataset, same signatures); only the numbers differ.

After an intended change of the serving contract, rewrite the files with
  IGDTF_WRITE_GOLDEN=1 python -m pytest tests/export/test_golden.py
and review the diff.
"""

import base64
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.attributions import saliency
from igdtf.data.synthetic import shapes
from igdtf.data.registry import dataset_info
from igdtf.export import ImagePreprocessing, export_saved_model
from igdtf.models import build_model

from tests.export.rest import GOLDEN, assert_json_close, read_golden, serve_rest

BODIES = ("predict", "bytes", "saliency")
WRITE = os.environ.get("IGDTF_WRITE_GOLDEN") == "1"


def golden_model() -> keras.Model:
    info = dataset_info("shapes")
    keras.utils.set_random_seed(0)
    return build_model("small_cnn", info.image_shape, info.num_classes, info.mean, info.std, width=4)


def golden_requests() -> dict:
    """The request bodies: two images; a PNG and a JPEG; one image and a class to explain."""
    images, labels = shapes.generate_shapes(3, seed=7, texture_amplitude=4 / 255)
    pixels = np.round(images * 255).astype(np.uint8)
    png = base64.b64encode(tf.io.encode_png(pixels[0]).numpy()).decode()
    jpeg = base64.b64encode(tf.io.encode_jpeg(pixels[1], quality=90).numpy()).decode()
    as_json = np.round(images.astype(np.float64), 6).tolist()
    return {
        "predict": {"instances": as_json[:2]},
        "bytes": {"signature_name": "serving_bytes", "instances": [{"b64": png}, {"b64": jpeg}]},
        "saliency": {"signature_name": "saliency",
                     "instances": [{"images": as_json[2], "class_ids": int(labels[2])}]},
    }


def _rounded(value):
    if isinstance(value, float):
        return float(f"{value:.7g}")
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def _write(name: str, body: dict) -> None:
    with open(os.path.join(GOLDEN, name), "w", encoding="utf-8") as f:
        json.dump(_rounded(body), f, separators=(",", ":"))
        f.write("\n")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(golden model, loaded signatures of its export with the Shapes names and resize/crop)."""
    model = golden_model()
    info = dataset_info("shapes")
    path = export_saved_model(model, str(tmp_path_factory.mktemp("golden") / "shapes"), class_names=info.class_names,
                              preprocessing=ImagePreprocessing.for_dataset(info))
    return model, tf.saved_model.load(path).signatures


@pytest.mark.parametrize("body", BODIES)
def test_golden_rest_bodies_match_what_the_export_serves(served, body):
    model, signatures = served
    if WRITE:
        os.makedirs(GOLDEN, exist_ok=True)
        _write(f"{body}_request.json", golden_requests()[body])
    name, inputs, outputs, response = serve_rest(signatures, read_golden(f"{body}_request.json"))
    if WRITE:
        _write(f"{body}_response.json", response)
    assert_json_close(response, read_golden(f"{body}_response.json"), rtol=1e-4, atol=1e-5)

    # The served numbers are the Keras model's.
    if name == "serving_bytes":
        images = np.stack([tf.io.decode_image(b, channels=3, dtype=tf.float32).numpy() for b in inputs["image_bytes"]])
    else:
        images = inputs["images"]
    if name == "saliency":
        expected = saliency(model, tf.constant(images), tf.constant(inputs["class_ids"])).numpy()
        np.testing.assert_allclose(outputs["saliency"], expected, rtol=1e-4, atol=1e-6)
    else:
        np.testing.assert_allclose(outputs["logits"], model(images).numpy(), rtol=1e-4, atol=1e-6)

