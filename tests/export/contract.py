"""The serving contract of an exported classifier, checked the way TF Serving would use it.

`check_serving_contract(path, model, class_names, images)`:
  1. `saved_model_cli show` lists the three signatures with their inputs and outputs;
  2. PredictRequests built with tensorflow-serving-api for every signature are serialised,
     then served in a fresh Python process that never imports igdtf: it checks each request
     against the SignatureDef (input names and dtypes, as TF Serving does), runs the
     signature from `tf.saved_model.load`, and serialises PredictResponses; it also replays
     the warm-up requests of assets.extra;
  3. the parsed responses match the Keras model: logits, probabilities, top-k classes and
     names, the same for PNG bytes, and saliency maps equal to igdtf's.
"""

import glob
import json
import os
import subprocess
import sys

import keras
import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import model_pb2, predict_pb2

from igdtf.attributions import saliency
from igdtf.export import CLASSIFICATION_OUTPUTS, SALIENCY_OUTPUTS

SIGNATURE_INPUTS = {
    "serving_default": {"images": "DT_FLOAT"},
    "serving_bytes": {"image_bytes": "DT_STRING"},
    "saliency": {"images": "DT_FLOAT", "class_ids": "DT_INT32"},
}

SERVE_IN_FRESH_PROCESS = r"""
import glob, json, os, sys
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2
from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

model_dir, exchange = sys.argv[1], sys.argv[2]
with open(os.path.join(model_dir, "saved_model.pb"), "rb") as f:
    (meta_graph,) = saved_model_pb2.SavedModel.FromString(f.read()).meta_graphs
loaded = tf.saved_model.load(model_dir)

def serve(request):
    name = request.model_spec.signature_name or "serving_default"
    signature = meta_graph.signature_def[name]
    if set(request.inputs) != set(signature.inputs):
        raise ValueError(f"{name}: request inputs {sorted(request.inputs)} != {sorted(signature.inputs)}")
    for key, tensor in request.inputs.items():
        if tensor.dtype != signature.inputs[key].dtype:
            raise ValueError(f"{name}: input {key} has dtype {tensor.dtype}, signature {signature.inputs[key].dtype}")
    outputs = loaded.signatures[name](**{k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()})
    if set(outputs) != set(signature.outputs):
        raise ValueError(f"{name}: outputs {sorted(outputs)} != signature {sorted(signature.outputs)}")
    response = predict_pb2.PredictResponse(model_spec=request.model_spec)
    for key, value in outputs.items():
        response.outputs[key].CopyFrom(tf.make_tensor_proto(value.numpy()))
    return response

for path in sorted(glob.glob(os.path.join(exchange, "*.request.pb"))):
    with open(path, "rb") as f:
        response = serve(predict_pb2.PredictRequest.FromString(f.read()))
    with open(path.replace(".request.pb", ".response.pb"), "wb") as f:
        f.write(response.SerializeToString())
warmup = [prediction_log_pb2.PredictionLog.FromString(record.numpy()) for record in
          tf.data.TFRecordDataset(os.path.join(model_dir, "assets.extra", "tf_serving_warmup_requests"))]
for log in warmup:
    serve(log.predict_log.request)
with open(os.path.join(model_dir, "assets", "class_names.txt"), encoding="utf-8") as f:
    names = f.read().splitlines()
print(json.dumps({
    "igdtf_imported": any(m == "igdtf" or m.startswith("igdtf.") for m in sys.modules),
    "warmup_signatures": [log.predict_log.request.model_spec.signature_name for log in warmup],
    "class_names_asset": names,
}))
"""


def _environment_without_igdtf() -> dict:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def saved_model_cli_show(path: str) -> str:
    """The output of `saved_model_cli show --dir PATH --all`."""
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    command = [cli] if os.path.exists(cli) else [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli"]
    done = subprocess.run([*command, "show", "--dir", path, "--all"], capture_output=True, text=True,
                          timeout=300, env=_environment_without_igdtf())
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _request(signature: str, **inputs) -> predict_pb2.PredictRequest:
    request = predict_pb2.PredictRequest(model_spec=model_pb2.ModelSpec(name="model", signature_name=signature))
    for key, value in inputs.items():
        request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
    return request


def encode_png(images: np.ndarray) -> np.ndarray:
    """[N] object array of PNG files of images in [0, 1] that are multiples of 1/255."""
    pixels = np.round(images * 255).astype(np.uint8)
    np.testing.assert_allclose(pixels / 255.0, images, atol=1e-6, err_msg="images must be 8-bit")
    return np.array([tf.io.encode_png(p).numpy() for p in pixels], dtype=object)


def serve_in_fresh_process(path: str, requests: dict, workdir: str) -> tuple[dict, dict]:
    """Serves {key: PredictRequest} in a process without igdtf; ({key: outputs}, facts)."""
    exchange = os.path.join(workdir, "exchange")
    os.makedirs(exchange, exist_ok=True)
    for key, request in requests.items():
        with open(os.path.join(exchange, f"{key}.request.pb"), "wb") as f:
            f.write(request.SerializeToString())
    done = subprocess.run([sys.executable, "-c", SERVE_IN_FRESH_PROCESS, path, exchange], capture_output=True,
                          text=True, timeout=300, cwd=workdir, env=_environment_without_igdtf())
    assert done.returncode == 0, done.stderr[-3000:]
    responses = {}
    for key in requests:
        with open(os.path.join(exchange, f"{key}.response.pb"), "rb") as f:
            response = predict_pb2.PredictResponse.FromString(f.read())
        responses[key] = {name: tf.make_ndarray(tensor) for name, tensor in response.outputs.items()}
    for name in glob.glob(os.path.join(exchange, "*")):
        os.remove(name)
    return responses, json.loads(done.stdout.strip().splitlines()[-1])


def check_classification(outputs: dict, logits: np.ndarray, class_names, top_k: int = 5, atol: float = 1e-5):
    """`outputs` of a classification signature agree with the model's `logits` [N, K]."""
    assert set(outputs) == set(CLASSIFICATION_OUTPUTS)
    k = min(top_k, logits.shape[1])
    probabilities = tf.nn.softmax(logits).numpy()
    np.testing.assert_allclose(outputs["logits"], logits, rtol=1e-5, atol=atol)
    np.testing.assert_allclose(outputs["probabilities"], probabilities, atol=atol)
    classes = outputs["top_k_classes"]
    assert classes.shape == (len(logits), k) and classes.dtype == np.int32
    np.testing.assert_allclose(outputs["top_k_probabilities"], np.take_along_axis(probabilities, classes, 1), atol=atol)
    np.testing.assert_allclose(outputs["top_k_probabilities"], -np.sort(-probabilities, axis=1)[:, :k], atol=atol)
    names = np.asarray(class_names, dtype=object)[classes]
    assert [[n.decode() for n in row] for row in outputs["top_k_names"]] == names.tolist()


def check_serving_contract(path: str, model: keras.Model, class_names, images: np.ndarray, workdir: str,
                           top_k: int = 5) -> dict:
    """Checks the contract (module docstring) of the SavedModel at `path` exported from `model`.

    `images`: [N, H, W, C] test images, multiples of 1/255 (so PNG bytes decode to them
    exactly). Returns the facts the fresh process reported.
    """
    shown = saved_model_cli_show(path)
    for signature, inputs in SIGNATURE_INPUTS.items():
        assert f"signature_def['{signature}']" in shown, shown
        for name, dtype in inputs.items():
            assert f"inputs['{name}'] tensor_info:\n        dtype: {dtype}" in shown, (signature, name)
    for output in (*CLASSIFICATION_OUTPUTS, *SALIENCY_OUTPUTS):
        assert f"outputs['{output}']" in shown, output

    num_classes = model.output_shape[-1]
    class_ids = (np.arange(len(images)) % num_classes).astype(np.int32)
    requests = {
        "default": _request("serving_default", images=images),
        "bytes": _request("serving_bytes", image_bytes=encode_png(images)),
        "saliency": _request("saliency", images=images, class_ids=class_ids),
    }
    outputs, facts = serve_in_fresh_process(path, requests, workdir)
    assert not facts["igdtf_imported"]
    assert facts["warmup_signatures"] == ["serving_default", "serving_bytes", "saliency"]
    assert facts["class_names_asset"] == list(class_names)

    logits = model(images, training=False).numpy()
    check_classification(outputs["default"], logits, class_names, top_k)
    check_classification(outputs["bytes"], logits, class_names, top_k)
    expected = saliency(model, tf.constant(images), tf.constant(class_ids)).numpy()
    assert set(outputs["saliency"]) == set(SALIENCY_OUTPUTS)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(outputs["saliency"]["saliency"], expected, atol=1e-5 * scale)
    np.testing.assert_allclose(outputs["saliency"]["saliency_map"], expected.max(axis=-1), atol=1e-5 * scale)
    return facts
