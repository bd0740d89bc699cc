"""TF Serving's REST predict API as JSON ↔ tensors, and the golden bodies in export/golden/.

Covers what https://www.tensorflow.org/tfx/serving/api_rest specifies for predict: requests
in row format ("instances": a list with one entry per example, bare values when the signature
has one input, else objects keyed by input name) or columnar format ("inputs"); binary strings
as {"b64": ...}; responses as "predictions" (row) or "outputs" (columnar), one object per
example when there are several outputs; string outputs whose name ends in "_bytes" in base64.
"""

import base64
import json
import os

import numpy as np
import tensorflow as tf

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "export", "golden")


def _decode(value):
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(value["b64"])
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _array(values, spec: tf.TensorSpec) -> np.ndarray:
    if spec.dtype == tf.string:
        return np.array(values, dtype=object)
    return np.array(values, dtype=spec.dtype.as_numpy_dtype)


def _is_named(value, names) -> bool:
    return isinstance(value, dict) and set(value) == set(names)


def parse_request(body: dict, signatures) -> tuple[str, dict, bool]:
    """(signature name, {input name: array}, row format?) of a predict request body.

    `signatures`: the loaded SavedModel's `.signatures`, whose input specs give names and dtypes.
    Raises ValueError where TF Serving would answer 400.
    """
    name = body.get("signature_name", "serving_default")
    specs = signatures[name].structured_input_signature[1]
    names = sorted(specs)
    if ("instances" in body) == ("inputs" in body):
        raise ValueError("A predict request has exactly one of 'instances' and 'inputs'.")
    if "instances" in body:
        instances = body["instances"]
        if len(names) == 1 and not all(_is_named(i, names) for i in instances):
            return name, {names[0]: _array([_decode(i) for i in instances], specs[names[0]])}, True
        if not all(_is_named(i, names) for i in instances):
            raise ValueError(f"Every instance must name exactly the inputs {names}.")
        return name, {k: _array([_decode(i[k]) for i in instances], specs[k]) for k in names}, True
    inputs = body["inputs"]
    if _is_named(inputs, names):
        return name, {k: _array(_decode(inputs[k]), specs[k]) for k in names}, False
    if len(names) != 1:
        raise ValueError(f"'inputs' must name the inputs {names}.")
    return name, {names[0]: _array(_decode(inputs), specs[names[0]])}, False


def _json_value(name: str, array: np.ndarray):
    if array.dtype == object:
        encode = (lambda b: {"b64": base64.b64encode(b).decode()}) if name.endswith("_bytes") else bytes.decode
        return np.vectorize(encode, otypes=[object])(array).tolist() if array.ndim else encode(array.item())
    return array.tolist()


def format_response(outputs: dict, row_format: bool) -> dict:
    """The response body TF Serving returns for `outputs` ({name: array with a batch axis})."""
    outputs = {k: np.asarray(v) for k, v in outputs.items()}
    if not row_format:
        if len(outputs) == 1:
            return {"outputs": _json_value(*next(iter(outputs.items())))}
        return {"outputs": {k: _json_value(k, v) for k, v in outputs.items()}}
    if len(outputs) == 1:
        return {"predictions": _json_value(*next(iter(outputs.items())))}
    (batch,) = {len(v) for v in outputs.values()}
    return {"predictions": [{k: _json_value(k, v[i]) for k, v in outputs.items()} for i in range(batch)]}


def assert_json_close(actual, expected, rtol: float, atol: float, where: str = "body") -> None:
    """Same structure, keys, strings and integers; floats within rtol/atol."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected), (where, sorted(actual), sorted(expected))
        for key in expected:
            assert_json_close(actual[key], expected[key], rtol, atol, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), (where, len(actual), len(expected))
        if expected and all(isinstance(v, float) for v in expected):
            np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=where)
        else:
            for i, (a, e) in enumerate(zip(actual, expected)):
                assert_json_close(a, e, rtol, atol, f"{where}[{i}]")
    elif isinstance(expected, float):
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=where)
    else:
        assert actual == expected and type(actual) is type(expected), (where, actual, expected)


def read_golden(name: str) -> dict:
    with open(os.path.join(GOLDEN, name), encoding="utf-8") as f:
        return json.load(f)


def serve_rest(signatures, request: dict) -> tuple[str, dict, dict, dict]:
    """(signature name, input arrays, output arrays, response body) for a REST request body."""
    name, inputs, row_format = parse_request(request, signatures)
    outputs = {k: v.numpy() for k, v in signatures[name](**{k: tf.constant(v) for k, v in inputs.items()}).items()}
    return name, inputs, outputs, json.loads(json.dumps(format_response(outputs, row_format)))
