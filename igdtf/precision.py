"""Mixed precision: models built in float16 compute, attacks and input-gradient terms in float32.

Under Keras' "mixed_float16" policy a layer computes in float16 and keeps float32 weights. That
is fine for the training forward pass (the optimizer's loss scaling protects its gradients),
but not for gradients with respect to the INPUT: PGD steps, IGD's alignment term and saliency
maps have no loss scaling, underflow in float16, and measured 8 % off in max-norm on a
ResNet-18 (precision test). `float32_compute(model)` switches every layer of `model` to float32
compute while a block runs; inside a tf.function it only needs to hold while tracing, so the
traced attack and penalty ops are float32 while the training forward pass stays float16.
"""

import contextlib

import keras

MIXED_FLOAT16 = "mixed_float16"


@contextlib.contextmanager
def dtype_policy(name: str):
    """Makes `name` the global dtype policy of the layers built inside the block."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def computes_in_float32(model: keras.Layer) -> bool:
    """True if every layer of `model` computes in float32."""
    layers = model._flatten_layers(include_self=True)  # noqa: SLF001  (no public walk)
    return all(layer.compute_dtype == "float32" for layer in layers)


def float32_compute(model: keras.Layer):
    """Runs the block with every layer of `model` (itself and nested ones) computing in float32
    (weights unchanged and shared); restores each layer's policy afterwards."""
    return compute_policy(model, "float32")


@contextlib.contextmanager
def compute_policy(model: keras.Layer, name: str):
    """Runs the block with every layer of `model` under the dtype policy `name` ("float32",
    "mixed_bfloat16", "mixed_float16": float32 weights, that compute dtype); restores each
    layer's policy afterwards. Like float32_compute, inside a tf.function it acts at tracing."""
    policy = keras.DTypePolicy(name)
    changed = [layer for layer in model._flatten_layers(include_self=True)  # noqa: SLF001 (no public walk)
               if layer.compute_dtype != policy.compute_dtype]
    saved = [layer.dtype_policy for layer in changed]
    for layer in changed:
        layer.dtype_policy = policy
    try:
        yield
    finally:
        for layer, previous in zip(changed, saved):
            layer.dtype_policy = previous
