"""Does the weight initialisation explain the PAG toy's vanilla gap (the paper: 0 % robust; ours: README, "Toy recipes")?

  PYTHONPATH=. python scripts/pag_toy_init_check.py --seeds 5

Trains the PAG toy's vanilla model (appendix C.1: the line-modes data, 6 000 points, 2→32→2 ReLU MLP,
100 epochs, batch 128, Adam 0.01, cross-entropy) with each initialisation of igdtf's mlp (`keras`:
Glorot-uniform weights, zero biases; `pytorch`: weights and biases U(±1/√fan_in), nn.Linear's
default) for each seed, and prints clean and L2 PGD-10 (ε = 15, step 2) accuracy on 600 test
points. About 10 minutes for 5 seeds on 2 cores.
"""

import argparse

import keras
import numpy as np
import tensorflow as tf

from igdtf.attacks import PGD
from igdtf.data.synthetic.line_modes import generate_line_modes
from igdtf.models import build_model
from igdtf.models.mlp import INITS
from igdtf.recipes.pag_toy import EPSILON, PGD_STEP_SIZE, PGD_STEPS


def vanilla(init: str, seed: int, x, y) -> keras.Model:
    keras.utils.set_random_seed(seed)
    model = build_model("mlp", input_shape=(2,), num_classes=2, mean=[0.0], std=[1.0], hidden=(32,), init=init)
    model.compile(keras.optimizers.Adam(0.01), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=128, epochs=100, shuffle=True, verbose=0)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="Seeds 0..N-1 per initialisation.")
    args = parser.parse_args()
    x, y = generate_line_modes(6_000, seed=1_000)
    x_test, y_test = generate_line_modes(600, seed=2_000)
    attack = PGD(norm="l2", epsilon=EPSILON, step_size=PGD_STEP_SIZE, steps=PGD_STEPS, bounds=None)
    for init in INITS:
        robust = []
        for seed in range(args.seeds):
            model = vanilla(init, seed, x, y)
            x_adv = attack(model, tf.constant(x_test), tf.constant(y_test), seed=tf.constant([seed, 7]))
            clean = np.mean(np.argmax(model.predict(x_test, verbose=0), 1) == y_test)
            robust.append(np.mean(np.argmax(model.predict(x_adv, verbose=0), 1) == y_test))
            print(f"{init} init, seed {seed}: clean {100 * clean:.1f} %, robust {100 * robust[-1]:.1f} %", flush=True)
        print(f"{init} init: robust {100 * np.mean(robust):.1f} % mean, {100 * min(robust):.1f}-{100 * max(robust):.1f} %")


if __name__ == "__main__":
    main()
