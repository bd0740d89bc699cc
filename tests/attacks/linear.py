"""A linear classifier on 4×4×3 images whose exact robust accuracy is known in closed form.

For logits z = W·x + b the point x (label y) can be misclassified within the L∞ ball ∩ [0, 1]
iff for some k ≠ y: min over the box of (w_y − w_k)·(x + δ) + b_y − b_k < 0, and the minimum
is separable per element. For L2 (with the box never binding) it is margin_k − ε‖w_y − w_k‖₂.
"""

import keras
import numpy as np

SHAPE = (4, 4, 3)
NUM_CLASSES = 5


def linear_model(seed: int = 0, scale: float = 1.0, with_softmax: bool = False) -> keras.Model:
    rng = np.random.default_rng(seed)
    inputs = keras.Input(SHAPE)
    dense = keras.layers.Dense(NUM_CLASSES, activation="softmax" if with_softmax else None)
    model = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
    dense.set_weights([scale * rng.normal(size=(int(np.prod(SHAPE)), NUM_CLASSES)).astype("float32"),
                       np.zeros(NUM_CLASSES, "float32")])
    return model


def data(model, n: int = 48, seed: int = 1, low: float = 0.0, high: float = 1.0):
    """n images (uniform in [low, high]) labelled by the model itself (clean accuracy 100%)."""
    x = np.random.default_rng(seed).uniform(low, high, (n, *SHAPE)).astype("float32")
    return x, model.predict(x, verbose=0).argmax(-1).astype("int32")


def exact_robust(model, x, y, norm: str, epsilon: float) -> np.ndarray:
    """[N] bool: no point of the ε-ball (∩ box for L∞) is misclassified."""
    w, b = (np.asarray(v, np.float64) for v in model.layers[-1].get_weights())
    flat = x.reshape(len(x), -1).astype(np.float64)
    robust = np.ones(len(x), bool)
    for k in range(w.shape[1]):
        d = w[:, y].T - w[:, k]  # [N, D]
        margin = np.sum(d * flat, 1) + b[y] - b[k]
        if norm == "linf":
            low, high = np.maximum(-epsilon, -flat), np.minimum(epsilon, 1 - flat)
            worst = margin + np.sum(np.minimum(d * low, d * high), 1)
        else:
            worst = margin - epsilon * np.linalg.norm(d, axis=1)
        robust &= (y == k) | (worst > 0)
    return robust
