"""The serving signatures of an exported classifier, with their input checks.

  serving_default(images)        images: float32 [N, H, W, C] in [0, 1]
  serving_bytes(image_bytes)     image_bytes: string [N], encoded JPEG or PNG files
      both → logits [N, K], probabilities [N, K], top_k_classes int32 [N, k],
             top_k_probabilities [N, k], top_k_names string [N, k] (most probable first)
  saliency(images, class_ids)    class_ids: int32 [N] in [0, K)
      → saliency [N, H, W, C] = |∂logit_c/∂x|, saliency_map [N, H, W] (max over channels)

An empty request (N = 0) gets empty outputs ([0, K], [0, k], [0, H, W, C], ...).
Every input is checked inside the graph with tf.debugging assertions, so a server answers a bad
request with an error naming what was wrong, what is allowed and what it received, instead of
computing garbage (a signature's declared shape is not enforced when a request is fed in).
"""

import keras
import tensorflow as tf

from igdtf.attributions import saliency
from igdtf.export.preprocessing import ImagePreprocessing

SERVING_DEFAULT, SERVING_BYTES, SALIENCY = "serving_default", "serving_bytes", "saliency"
CLASSIFICATION_OUTPUTS = ("logits", "probabilities", "top_k_classes", "top_k_probabilities", "top_k_names")
SALIENCY_OUTPUTS = ("saliency", "saliency_map")

_PNG_SIGNATURE, _JPEG_SIGNATURE = b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"
_SUMMARIZE = 16  # how many values an assertion message prints


def _after(checks, tensor: tf.Tensor) -> tf.Tensor:
    """`tensor`, computed only once every op in `checks` has run (i.e. every assertion passed)."""
    with tf.control_dependencies(checks):
        return tf.identity(tensor)


def check_images(images: tf.Tensor, image_shape) -> tf.Tensor:
    """`images` after asserting shape [N, H, W, C] and finite values in [0, 1]."""
    height, width, channels = image_shape
    shape = tf.shape(images)
    # The rank is declared as 4, so tf.rank would be folded to a constant: compare the shape
    # padded with zeros instead ([N, H, W, C, 0] exactly when the shape is [N, H, W, C]).
    padded = tf.concat([shape, tf.zeros([5], tf.int32)], axis=0)
    shape_ok = tf.reduce_all(tf.equal(padded[1:5], [height, width, channels, 0]))
    shape_check = tf.debugging.Assert(shape_ok, [
        f"images must be float32 [N, {height}, {width}, {channels}] (N images, values in [0, 1]); "
        "received shape", shape], summarize=_SUMMARIZE, name="check_images_shape")
    with tf.control_dependencies([shape_check]):
        values = tf.reshape(images, [-1])
        in_range = tf.reduce_all(tf.logical_and(values >= 0.0, values <= 1.0))  # False for NaN
        range_check = tf.debugging.Assert(in_range, [
            "images must have values in [0, 1] (divide 8-bit pixels by 255); received values from",
            tf.reduce_min(values), "to", tf.reduce_max(values)], name="check_images_range")
    return tf.ensure_shape(_after([range_check], images), [None, height, width, channels])


def check_class_ids(class_ids: tf.Tensor, num_images: tf.Tensor, num_classes: int) -> tf.Tensor:
    """`class_ids` after asserting shape [num_images] and values in [0, num_classes)."""
    shape = tf.shape(class_ids)
    padded = tf.concat([shape, [-1, -1]], axis=0)[:2]  # [N, -1] exactly when the shape is [N]
    shape_ok = tf.reduce_all(tf.equal(padded, tf.stack([num_images, -1])))
    shape_check = tf.debugging.Assert(shape_ok, [
        "class_ids must be int32 [N], one class per image; N =", num_images, "images, received shape",
        shape], summarize=_SUMMARIZE, name="check_class_ids_shape")
    with tf.control_dependencies([shape_check]):
        class_ids = tf.reshape(class_ids, [-1])  # rank 1 once the shape check passed
        outside = tf.logical_or(class_ids < 0, class_ids >= num_classes)
        range_check = tf.debugging.Assert(tf.logical_not(tf.reduce_any(outside)), [
            f"class_ids must be in [0, {num_classes - 1}]; received", tf.boolean_mask(class_ids, outside),
            "at positions", tf.where(outside)[:, 0]], summarize=_SUMMARIZE, name="check_class_ids_range")
    return tf.ensure_shape(_after([range_check], class_ids), [None])


def check_image_bytes(image_bytes: tf.Tensor) -> tf.Tensor:
    """`image_bytes` after asserting shape [N], no empty string and a JPEG or PNG signature on each.

    Files that start like a JPEG/PNG but are corrupt further on fail in the decoder
    ("Invalid PNG data", "Invalid JPEG data").
    """
    shape = tf.shape(image_bytes)
    shape_check = tf.debugging.Assert(tf.equal(tf.size(shape), 1), [
        "image_bytes must be a string tensor [N] of encoded JPEG or PNG files; received shape", shape],
        summarize=_SUMMARIZE, name="check_image_bytes_shape")
    with tf.control_dependencies([shape_check]):
        image_bytes = tf.reshape(image_bytes, [-1])  # rank 1 once the shape check passed
        empty = tf.equal(tf.strings.length(image_bytes), 0)
        empty_check = tf.debugging.Assert(tf.logical_not(tf.reduce_any(empty)), [
            "image_bytes must hold encoded JPEG or PNG files; received empty strings at positions",
            tf.where(empty)[:, 0]], summarize=_SUMMARIZE, name="check_image_bytes_empty")
    with tf.control_dependencies([empty_check]):
        known = tf.logical_or(tf.equal(tf.strings.substr(image_bytes, 0, len(_PNG_SIGNATURE)), _PNG_SIGNATURE),
                              tf.equal(tf.strings.substr(image_bytes, 0, len(_JPEG_SIGNATURE)), _JPEG_SIGNATURE))
        format_check = tf.debugging.Assert(tf.reduce_all(known), [
            "image_bytes must be JPEG or PNG files; received other data (no JPEG or PNG signature) at "
            "positions", tf.where(tf.logical_not(known))[:, 0]], summarize=_SUMMARIZE,
            name="check_image_bytes_format")
    return tf.ensure_shape(_after([format_check], image_bytes), [None])


class ServingSignatures:
    """The signatures of one classifier; `endpoints()` → {name: (function, input signature)}.

    Args:
      model: [N, H, W, C] images in [0, 1] → [N, K] logits.
      class_names_file: text file with the K class names, one per line in class order; read
        through a lookup table, so the SavedModel carries it as an asset.
      top_k: how many classes the classification signatures rank (at most K).
      preprocessing: decoding and resize/crop used by serving_bytes.
    """

    def __init__(self, model: keras.Model, class_names_file: str, top_k: int, preprocessing: ImagePreprocessing):
        self.model = model
        self.image_shape = tuple(model.input_shape[1:])
        self.num_classes = model.output_shape[-1]
        self.top_k = min(top_k, self.num_classes)
        self.preprocessing = preprocessing
        self.class_names = tf.lookup.StaticHashTable(
            tf.lookup.TextFileInitializer(
                class_names_file, tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER,
                tf.string, tf.lookup.TextFileIndex.WHOLE_LINE),
            default_value="")

    def endpoints(self) -> dict:
        """{signature name: (function, input signature)}.

        image_bytes and class_ids are declared without a shape: TensorFlow trusts a declared
        rank and would fold the rank checks away, so a scalar would fail somewhere deep inside
        instead of in the check. images keep their declared [None, H, W, C] (which the checks
        still verify at run time) because clients and igdtf's teacher loader read it.
        """
        images = tf.TensorSpec([None, *self.image_shape], tf.float32, name="images")
        return {
            SERVING_DEFAULT: (self.serving_default, [images]),
            SERVING_BYTES: (self.serving_bytes, [tf.TensorSpec(None, tf.string, name="image_bytes")]),
            SALIENCY: (self.saliency, [images, tf.TensorSpec(None, tf.int32, name="class_ids")]),
        }

    def classify(self, images: tf.Tensor) -> dict[str, tf.Tensor]:
        """The classification outputs (see module docstring) for checked images."""
        logits = _unpadded(tf.cast(self.model(_padded(images), training=False), tf.float32), tf.shape(images)[0])
        probabilities = tf.nn.softmax(logits)
        top_probabilities, top_classes = tf.math.top_k(probabilities, k=self.top_k)
        return {
            "logits": logits,
            "probabilities": probabilities,
            "top_k_classes": top_classes,
            "top_k_probabilities": top_probabilities,
            "top_k_names": self.class_names.lookup(tf.cast(top_classes, tf.int64)),
        }

    def serving_default(self, images):
        return self.classify(check_images(images, self.image_shape))

    def serving_bytes(self, image_bytes):
        image_bytes = check_image_bytes(image_bytes)
        images = tf.map_fn(
            lambda encoded: self.preprocessing(encoded, self.image_shape), image_bytes,
            fn_output_signature=tf.TensorSpec(self.image_shape, tf.float32))
        return self.classify(images)

    def saliency(self, images, class_ids):
        images = check_images(images, self.image_shape)
        count = tf.shape(images)[0]
        class_ids = check_class_ids(class_ids, count, self.num_classes)
        maps = _unpadded(saliency(self.model, _padded(images), _padded(class_ids)), count)
        return {"saliency": maps, "saliency_map": tf.reduce_max(maps, axis=-1)}


def _padded(batch: tf.Tensor) -> tf.Tensor:
    """`batch` [N, ...], with one zero element appended when N = 0 (convolutions refuse empty
    batches); _unpadded(outputs, N) removes its outputs again."""
    missing = tf.maximum(1 - tf.shape(batch)[0], 0)
    padding = tf.zeros(tf.concat([[missing], tf.shape(batch)[1:]], axis=0), batch.dtype)
    return tf.concat([batch, padding], axis=0)


def _unpadded(outputs: tf.Tensor, count: tf.Tensor) -> tf.Tensor:
    return outputs[:count]
