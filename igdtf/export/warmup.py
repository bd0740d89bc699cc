"""TF Serving warm-up requests: assets.extra/tf_serving_warmup_requests in a SavedModel.

TF Serving replays these PredictionLog records when it loads a version, before it reports the
version as available, so the first real request does not pay for graph optimisation.
"""

import os

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

from igdtf.export.signatures import SALIENCY, SERVING_BYTES, SERVING_DEFAULT

WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")


def predict_log(model_name: str, signature_name: str, inputs: dict) -> prediction_log_pb2.PredictionLog:
    """A PredictionLog holding one PredictRequest; `inputs` maps input names to arrays."""
    request = predict_pb2.PredictRequest(
        model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature_name))
    for name, value in inputs.items():
        request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
    return prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))


def warmup_requests(model_name: str, image_shape) -> list[prediction_log_pb2.PredictionLog]:
    """One request per signature, each on a single mid-grey image of `image_shape` (H, W, C)."""
    pixels = np.full([1, *image_shape], 128, np.uint8)
    images = pixels.astype(np.float32) / 255.0
    png = tf.io.encode_png(pixels[0]).numpy()
    return [
        predict_log(model_name, SERVING_DEFAULT, {"images": images}),
        predict_log(model_name, SERVING_BYTES, {"image_bytes": np.array([png], dtype=object)}),
        predict_log(model_name, SALIENCY, {"images": images, "class_ids": np.zeros([1], np.int32)}),
    ]


def write_warmup_requests(saved_model_dir: str, records) -> str:
    """Writes `records` (PredictionLog protos) as the SavedModel's warm-up file; returns its path."""
    path = os.path.join(saved_model_dir, WARMUP_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tf.io.TFRecordWriter(path) as writer:
        for record in records:
            writer.write(record.SerializeToString())
    return path
