import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

from igdtf.attributions import class_logit_gradient
from igdtf.export import ImagePreprocessing, export_saved_model
from igdtf.methods import load_teacher
from igdtf.methods.igd import IGD

from tests.conftest import IMAGE_SHAPE, NUM_CLASSES, tiny_cnn
from tests.export.contract import check_serving_contract, encode_png

CLASS_NAMES = ["cat", "dog", "bird"]


def eight_bit_images(n: int, seed: int = 0) -> np.ndarray:
    """[n, 8, 8, 3] images in [0, 1] with 8-bit values (PNG round trips are exact)."""
    return (np.random.default_rng(seed).integers(0, 256, (n, *IMAGE_SHAPE)) / 255).astype(np.float32)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """(path, student, teacher): a student exported while an IGD trainer holds its teacher."""
    student, teacher = tiny_cnn(0), tiny_cnn(1)
    IGD(student, teacher)  # a trainer holds the teacher; the export must not
    path = export_saved_model(student, str(tmp_path_factory.mktemp("export") / "igd"), version=3,
                              class_names=CLASS_NAMES, top_k=2)
    return path, student, teacher


@pytest.fixture(scope="module")
def signatures(exported):
    return tf.saved_model.load(exported[0]).signatures


def test_export_passes_the_serving_contract_in_a_process_without_igdtf(exported, tmp_path):
    path, student, _ = exported
    assert path.endswith(os.path.join("igd", "3"))
    check_serving_contract(path, student, CLASS_NAMES, eight_bit_images(5), str(tmp_path), top_k=2)


def test_export_holds_the_student_weights_and_no_teacher_weights(exported):
    path, student, teacher = exported
    prefix = os.path.join(path, "variables", "variables")
    reader = tf.train.load_checkpoint(prefix)
    saved = [reader.get_tensor(name) for name, _ in tf.train.list_variables(prefix)
             if not name.startswith("_CHECKPOINTABLE_OBJECT_GRAPH")]
    assert sum(v.size for v in saved) == sum(int(np.prod(w.shape)) for w in student.weights)
    assert len(saved) == len(student.weights)

    def found(weight, arrays):
        return any(a.shape == weight.shape and np.array_equal(a, weight) for a in arrays)

    assert all(found(w.value.numpy(), saved) for w in student.weights)
    teacher_only = [w.value.numpy() for w in teacher.weights
                    if not found(w.value.numpy(), [s.value.numpy() for s in student.weights])]
    assert teacher_only and not any(found(w, saved) for w in teacher_only)


def test_export_holds_a_keras_copy_of_the_classifier_and_the_modules_it_needs(tmp_path):
    student = tiny_cnn(0)
    path = export_saved_model(student, str(tmp_path / "m"), modules=["my_models"])
    with open(os.path.join(path, "assets", "igdtf_model.json"), encoding="utf-8") as f:
        assert json.load(f) == {"modules": ["my_models"]}
    copy = keras.models.load_model(os.path.join(path, "assets", "igdtf_model.keras"))
    for a, b in zip(copy.weights, student.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


class _Scaled(keras.layers.Layer):
    """A layer Keras cannot serialise (a function as an argument, no get_config)."""

    def __init__(self, function, **kwargs):
        super().__init__(**kwargs)
        self.function = function

    def call(self, x):
        return self.function(x)


def test_a_model_keras_cannot_save_is_exported_for_serving_without_a_keras_copy(tmp_path, caplog):
    images = keras.Input(IMAGE_SHAPE)
    logits = keras.layers.Dense(NUM_CLASSES)(keras.layers.Flatten()(_Scaled(lambda x: 2.0 * x)(images)))
    path = export_saved_model(keras.Model(images, logits), str(tmp_path))
    assert sorted(os.listdir(os.path.join(path, "assets"))) == ["class_names.txt"]
    assert "has no Keras copy of its classifier (NotImplementedError" in caplog.text
    out = tf.saved_model.load(path).signatures["serving_default"](images=tf.constant(eight_bit_images(2)))
    assert out["logits"].shape == (2, NUM_CLASSES)


def test_a_trainer_is_refused(tmp_path):
    trainer = IGD(tiny_cnn(0), tiny_cnn(1))
    with pytest.raises(TypeError, match=r"not the IGD trainer .* pass trainer.student"):
        export_saved_model(trainer, str(tmp_path))
    assert not os.listdir(tmp_path)


def test_class_names_asset_and_top_k_names(exported, signatures):
    path, student, _ = exported
    with open(os.path.join(path, "assets", "class_names.txt"), encoding="utf-8") as f:
        assert f.read() == "cat\ndog\nbird\n"
    x = eight_bit_images(4)
    out = signatures["serving_default"](images=tf.constant(x))
    best = np.argmax(student(x).numpy(), axis=1)
    assert out["top_k_classes"].shape == (4, 2)
    assert [n.decode() for n in out["top_k_names"].numpy()[:, 0]] == [CLASS_NAMES[i] for i in best]


def _png(x):
    return encode_png(x)[0]


def _jpeg(x):
    return tf.io.encode_jpeg((x[0] * 255).astype(np.uint8)).numpy()


def _ids(*values):
    return np.array(values, np.int32)


SHAPE_ERROR = r"images must be float32 \[N, 8, 8, 3\] \(N images, values in \[0, 1\]\); received shape\] "
RANGE_ERROR = r"images must have values in \[0, 1\] \(divide 8-bit pixels by 255\); received values from\] "


@pytest.mark.parametrize("signature,inputs,message", [
    ("serving_default", lambda x: {"images": x * 2}, RANGE_ERROR + r"\[0\] \[to\] \[2\]"),
    ("serving_default", lambda x: {"images": x - 0.5}, RANGE_ERROR + r"\[-0\.5\] \[to\] \[0\.5\]"),
    ("serving_default", lambda x: {"images": np.full_like(x, np.nan)}, RANGE_ERROR + r"\[nan\]"),
    ("serving_default", lambda x: {"images": x[:, :4]}, SHAPE_ERROR + r"\[2 4 8 3\]"),
    ("serving_default", lambda x: {"images": x[0]}, SHAPE_ERROR + r"\[8 8 3\]"),
    ("serving_default", lambda x: {"images": x[..., None]}, SHAPE_ERROR + r"\[2 8 8 3 1\]"),
    ("serving_default", lambda x: {"images": x.astype(np.float64)}, "expected to be a float tensor but is a double"),
    ("saliency", lambda x: {"images": x, "class_ids": _ids(0, 3)},
     r"class_ids must be in \[0, 2\]; received\] \[3\] \[at positions\] \[1\]"),
    ("saliency", lambda x: {"images": x, "class_ids": _ids(-1, 0)}, r"class_ids must be in \[0, 2\]; received\] \[-1\]"),
    ("saliency", lambda x: {"images": x, "class_ids": _ids(0)},
     r"class_ids must be int32 \[N\], one class per image; N =\] \[2\] \[images, received shape\] \[1\]"),
    ("saliency", lambda x: {"images": x, "class_ids": np.int32(1)}, r"class_ids must be int32 \[N\].*shape\] \[\]"),
    ("saliency", lambda x: {"images": x * 3, "class_ids": _ids(0, 1)}, RANGE_ERROR),
    ("serving_bytes", lambda x: {"image_bytes": [_png(x), b""]},
     r"image_bytes must hold encoded JPEG or PNG files; received empty strings at positions\] \[1\]"),
    ("serving_bytes", lambda x: {"image_bytes": [b"GIF89a....", _png(x)]},
     r"image_bytes must be JPEG or PNG files; received other data \(no JPEG or PNG signature\) at positions\] \[0\]"),
    ("serving_bytes", lambda x: {"image_bytes": [_png(x)[:60]]}, "Invalid PNG"),
    ("serving_bytes", lambda x: {"image_bytes": [_jpeg(x)[:200]]}, "Invalid JPEG data"),
    ("serving_bytes", lambda x: {"image_bytes": _png(x)},
     r"image_bytes must be a string tensor \[N\] of encoded JPEG or PNG files; received shape\] \[\]"),
])
def test_bad_requests_fail_with_a_clear_error(signatures, signature, inputs, message):
    feed = {k: tf.constant(v) for k, v in inputs(eight_bit_images(2)).items()}
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        signatures[signature](**feed)


def test_an_empty_request_gets_empty_outputs(signatures):
    empty = tf.zeros([0, *IMAGE_SHAPE])
    feeds = {"serving_default": {"images": empty}, "serving_bytes": {"image_bytes": tf.constant([], tf.string)},
             "saliency": {"images": empty, "class_ids": tf.zeros([0], tf.int32)}}
    for name, feed in feeds.items():
        outputs = signatures[name](**feed)
        assert outputs and all(int(value.shape[0]) == 0 for value in outputs.values()), name
    shapes = {key: tuple(value.shape) for key, value in signatures["serving_default"](images=empty).items()}
    assert shapes["logits"] == (0, NUM_CLASSES) and shapes["top_k_names"] == (0, 2)
    assert tuple(signatures["saliency"](images=empty, class_ids=tf.zeros([0], tf.int32))["saliency"].shape) == \
        (0, *IMAGE_SHAPE)


def test_serving_bytes_takes_jpeg_and_grey_or_rgba_png_and_crops_other_sizes(signatures, exported):
    _, student, _ = exported
    x = eight_bit_images(1)
    pixels = (x[0] * 255).round().astype(np.uint8)
    wide = np.concatenate([np.zeros_like(x), x, np.ones_like(x)], axis=2)[:, :, 4:20]  # 8×16, x in the centre
    grey = pixels.mean(axis=-1, keepdims=True).round().astype(np.uint8)
    rgba = np.concatenate([pixels, np.full_like(pixels[..., :1], 7)], axis=-1)
    jpeg = tf.io.encode_jpeg(pixels, quality=100).numpy()
    feed = [encode_png(wide)[0], tf.io.encode_png(grey).numpy(), tf.io.encode_png(rgba).numpy(), jpeg]
    logits = signatures["serving_bytes"](image_bytes=tf.constant(feed))["logits"].numpy()
    decoded_jpeg = tf.io.decode_jpeg(jpeg).numpy()[None] / 255  # lossy: compare with its own decoding
    images = np.concatenate([x, np.repeat(grey[None] / 255, 3, axis=-1), x, decoded_jpeg]).astype(np.float32)
    np.testing.assert_allclose(logits, student(images).numpy(), atol=1e-5)


def test_preprocessing_resizes_then_centre_crops():
    image = tf.random.stateless_uniform((10, 20, 3), seed=[1, 2])
    png = tf.io.encode_png(tf.cast(tf.round(image * 255), tf.uint8))
    decoded = tf.round(image * 255) / 255
    half = ImagePreprocessing(crop_fraction=0.5)(png, (8, 8, 3))
    resized = tf.image.resize(decoded, (16, 32), antialias=True)  # shorter side 8 / 0.5
    np.testing.assert_allclose(half.numpy(), resized[4:12, 12:20].numpy(), atol=1e-6)
    full = ImagePreprocessing()(png, (5, 5, 3))
    np.testing.assert_allclose(full.numpy(), tf.image.resize(decoded, (5, 10), antialias=True)[:, 2:7].numpy(), atol=1e-6)
    with pytest.raises(ValueError, match=r"crop_fraction must be in \(0, 1\], received 0"):
        ImagePreprocessing(crop_fraction=0)


def test_igdtf_exports_load_as_teachers(exported):
    path, student, _ = exported
    teacher = load_teacher(path)
    x = tf.constant(eight_bit_images(3))
    np.testing.assert_allclose(teacher(x).numpy(), student(x).numpy(), atol=1e-5)
    classes = tf.constant([0, 1, 2])  # IGD aligns with the teacher's input gradients
    np.testing.assert_allclose(class_logit_gradient(teacher, x, classes).numpy(),
                               class_logit_gradient(student, x, classes).numpy(), atol=1e-6)
    assert not teacher.trainable


def test_existing_version_is_not_overwritten_unless_asked(tmp_path):
    model = tiny_cnn()
    export_saved_model(model, str(tmp_path))
    stamp = os.path.getmtime(tmp_path / "1" / "saved_model.pb")
    with pytest.raises(FileExistsError, match="already exists; choose another version or allow overwriting"):
        export_saved_model(model, str(tmp_path))
    assert os.path.getmtime(tmp_path / "1" / "saved_model.pb") == stamp
    export_saved_model(model, str(tmp_path), overwrite=True, class_names=CLASS_NAMES)
    assert os.path.isfile(tmp_path / "1" / "saved_model.pb")
    assert sorted(os.listdir(tmp_path)) == ["1"]  # no staging folder left behind
    with open(tmp_path / "1" / "assets" / "class_names.txt") as f:
        assert f.read().split() == CLASS_NAMES


@pytest.mark.parametrize("kwargs,error,message", [
    ({"class_names": ["a", "b"]}, ValueError, r"one name per class \(3\); received 2"),
    ({"class_names": ["a", "a", "b"]}, ValueError, r"distinct; received duplicates \['a'\]"),
    ({"class_names": ["a", "b\nc", "d"]}, ValueError, "non-empty single-line strings"),
    ({"top_k": 0}, ValueError, "top_k must be an integer >= 1, received 0"),
    ({"version": 0}, ValueError, "version must be an integer >= 1, received 0"),
    ({"preprocessing": "resize"}, TypeError, "preprocessing must be an ImagePreprocessing"),
])
def test_bad_export_arguments_are_refused_before_writing(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        export_saved_model(tiny_cnn(), str(tmp_path / "m"), **kwargs)
    assert not os.path.exists(tmp_path / "m")


def test_default_class_names_and_top_k_capped_at_the_class_count(tmp_path):
    path = export_saved_model(tiny_cnn(), str(tmp_path), top_k=10)
    out = tf.saved_model.load(path).signatures["serving_default"](images=tf.constant(eight_bit_images(1)))
    assert out["top_k_classes"].shape == (1, NUM_CLASSES)
    assert sorted(n.decode() for n in out["top_k_names"].numpy()[0]) == ["class_0", "class_1", "class_2"]


def test_warmup_requests_cover_every_signature_and_name_the_model(exported, signatures):
    path, _, _ = exported
    records = tf.data.TFRecordDataset(os.path.join(path, "assets.extra", "tf_serving_warmup_requests"))
    logs = [prediction_log_pb2.PredictionLog.FromString(r.numpy()) for r in records]
    assert [log.predict_log.request.model_spec.signature_name for log in logs] == [
        "serving_default", "serving_bytes", "saliency"]
    for log in logs:
        request = log.predict_log.request
        assert request.model_spec.name == "igd"
        signatures[request.model_spec.signature_name](
            **{k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()})
