"""Input adapters: map a student's input to a teacher that expects another resolution (IGAM).

The teacher sees adapter(x); its input gradient is taken with respect to the student's x
through the adapter (the chain rule applies the adapter's transpose: a crop for padding, a
resize's adjoint for upsizing), so teacher and student gradients live in the same space.

  none            identical shapes
  upsize          bilinear resize up to the teacher's size
  zero_pad        x centred on a zero canvas of the teacher's size
  random_pad      x at a random position (per example, stateless seed) on a zero canvas
  center_crop     the central teacher-sized window of x (teacher smaller than the student)
  transpose_conv  a learned transposed convolution (stride = size ratio, initialised to
                  nearest-neighbour upsampling), trained with the teacher's new logit layer
"""

import keras
import numpy as np
import tensorflow as tf

from igdtf.seeding import fold_seed_int32
from igdtf.validation import check_choice

ADAPTERS = ("none", "upsize", "zero_pad", "random_pad", "center_crop", "transpose_conv")
_GROWING = ("upsize", "zero_pad", "random_pad", "transpose_conv")


def check_adapter(kind: str, student_shape, teacher_shape) -> str:
    """Returns `kind` if it maps inputs of `student_shape` to `teacher_shape`, else ValueError."""
    check_choice("input adapter", kind, ADAPTERS)
    student_shape, teacher_shape = tuple(student_shape), tuple(teacher_shape)
    if student_shape == teacher_shape:
        if kind != "none":
            raise ValueError(f"Teacher and student both take inputs of shape {student_shape}; use the input "
                             f"adapter 'none', not {kind!r}.")
        return kind
    if len(student_shape) != 3 or len(teacher_shape) != 3:
        raise ValueError(f"Teacher input shape {teacher_shape} differs from the student's {student_shape}, and "
                         "input adapters only resize images (H, W, C).")
    if student_shape[2] != teacher_shape[2]:
        raise ValueError(f"Teacher images have {teacher_shape[2]} channels but the student's have "
                         f"{student_shape[2]}; no input adapter changes the channel count.")
    larger = teacher_shape[0] >= student_shape[0] and teacher_shape[1] >= student_shape[1]
    smaller = teacher_shape[0] <= student_shape[0] and teacher_shape[1] <= student_shape[1]
    allowed = _GROWING if larger else ("center_crop",) if smaller else ()
    if kind not in allowed:
        sizes = f"teacher {teacher_shape[0]}×{teacher_shape[1]}, student {student_shape[0]}×{student_shape[1]}"
        choices = ", ".join(allowed) if allowed else "none (resize the data to a common size)"
        raise ValueError(f"The teacher's input size needs an input adapter ({sizes}); received {kind!r}. "
                         f"Allowed: {choices}.")
    if kind == "transpose_conv" and (teacher_shape[0] % student_shape[0] or teacher_shape[1] % student_shape[1]):
        raise ValueError(f"transpose_conv needs the teacher's side to be a multiple of the student's "
                         f"({teacher_shape[:2]} vs {student_shape[:2]}); use upsize or a pad.")
    return kind


class InputAdapter:
    """Maps [N, *student_shape] inputs to [N, *teacher_shape]; call as adapter(x, seed).

    `layer` holds the learned transposed convolution (None for the fixed adapters); its
    trainable variables are trained in IGAM's first stage and frozen afterwards.
    """

    def __init__(self, kind: str, student_shape, teacher_shape):
        self.kind = check_adapter(kind, student_shape, teacher_shape)
        self.student_shape, self.teacher_shape = tuple(student_shape), tuple(teacher_shape)
        self.layer = self._build_layer() if kind == "transpose_conv" else None

    def _build_layer(self) -> keras.Model:
        (sh, sw, c), (th, tw, _) = self.student_shape, self.teacher_shape
        strides = (th // sh, tw // sw)
        kernel = np.zeros((*strides, c, c), np.float32)
        kernel[:, :, np.arange(c), np.arange(c)] = 1.0  # nearest-neighbour upsampling at the start
        inputs = keras.Input(self.student_shape)
        conv = keras.layers.Conv2DTranspose(c, strides, strides=strides, padding="valid", use_bias=True,
                                            kernel_initializer=keras.initializers.Constant(kernel),
                                            name="adapter_transpose_conv")
        return keras.Model(inputs, conv(inputs), name="input_adapter")

    @property
    def trainable_variables(self) -> list:
        return [] if self.layer is None else self.layer.trainable_variables

    def __call__(self, x: tf.Tensor, seed: tf.Tensor | None = None) -> tf.Tensor:
        if self.kind == "none":
            return x
        (sh, sw, _), (th, tw, _) = self.student_shape, self.teacher_shape
        if self.kind == "upsize":
            return tf.image.resize(x, (th, tw), method="bilinear")
        if self.kind == "center_crop":
            top, left = (sh - th) // 2, (sw - tw) // 2
            return x[:, top:top + th, left:left + tw]
        if self.kind == "zero_pad":
            top, left = (th - sh) // 2, (tw - sw) // 2
            return tf.pad(x, [[0, 0], [top, th - sh - top], [left, tw - sw - left], [0, 0]])
        if self.kind == "random_pad":
            return _random_pad(x, (th, tw), seed)
        return self.layer(x, training=False)


def _random_pad(x: tf.Tensor, size, seed: tf.Tensor) -> tf.Tensor:
    """Each image placed at a uniformly random offset on a zero canvas of `size` (H, W)."""
    if seed is None:
        raise ValueError("The random_pad input adapter needs a stateless seed.")
    n, sh, sw = tf.shape(x)[0], x.shape[1], x.shape[2]
    th, tw = size
    top = tf.random.stateless_uniform([n], seed, 0, th - sh + 1, tf.int32)
    left = tf.random.stateless_uniform([n], fold_seed_int32(seed, 1), 0, tw - sw + 1,
                                       tf.int32)
    rows = tf.range(th)[None, :] - top[:, None]  # [N, th]: source row of each canvas row
    cols = tf.range(tw)[None, :] - left[:, None]
    row_ok = (rows >= 0) & (rows < sh)
    col_ok = (cols >= 0) & (cols < sw)
    gathered = tf.gather(x, tf.clip_by_value(rows, 0, sh - 1), axis=1, batch_dims=1)  # [N, th, sw, C]
    gathered = tf.gather(gathered, tf.clip_by_value(cols, 0, sw - 1), axis=2, batch_dims=1)  # [N, th, tw, C]
    mask = tf.cast(row_ok[:, :, None] & col_ok[:, None, :], x.dtype)[..., None]
    return gathered * mask
