"""The reference side of the AutoAttack parity check: torchattacks' AutoAttack on a Keras 3 model.

Runs in a separate Python environment with torch, torchattacks and keras (KERAS_BACKEND=torch);
it does not import igdtf. Called by scripts/autoattack_parity.py:

  KERAS_BACKEND=torch python scripts/torchattacks_autoattack.py --model M.keras --data D.npz --out R.json

D.npz holds x [N, H, W, C] float32 in [0, 1] and y [N] int. R.json gets the per-sample
outcomes: clean correctness, still-correct after each attack of the cascade (APGD-CE, APGD-T,
FAB-T, Square, each run on the points still robust, as torchattacks' MultiAttack does), and
correctness on the final adversarial images in a fresh forward pass.

--budget=published (default) builds the four torchattacks attacks with the published standard
budgets (100 iterations for APGD-CE, APGD-T and FAB-T; Square 5000 queries, p_init 0.8).
--budget=torchattacks uses the objects torchattacks.AutoAttack(version="standard") builds, which
leave APGD, APGD-T and FAB at torchattacks' default of 10 iterations: a weaker attack.
"""

import argparse
import json
import os
import time

if os.environ.get("KERAS_BACKEND") != "torch":
    raise SystemExit("Run with KERAS_BACKEND=torch (the Keras model must run on PyTorch here).")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchattacks  # noqa: E402

NAMES = {"APGD": "apgd-ce", "APGDT": "apgd-t", "FAB": "fab-t", "Square": "square"}


class ChannelsFirst(torch.nn.Module):
    """Wraps a channels-last Keras model so that torchattacks can feed it [N, C, H, W] images."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x.permute(0, 2, 3, 1), training=False)


def build_attacks(model, norm: str, epsilon: float, num_classes: int, seed: int, budget: str) -> list:
    """APGD-CE, APGD-T, FAB-T, Square as torchattacks objects, in AutoAttack's order."""
    if budget == "torchattacks":
        ensemble = torchattacks.AutoAttack(model, norm=norm, eps=epsilon, version="standard",
                                           n_classes=num_classes, seed=seed)
        return ensemble._autoattack.attacks  # the exact objects AutoAttack composes, in order
    common = dict(norm=norm, eps=epsilon, seed=seed, n_restarts=1)
    return [
        torchattacks.APGD(model, loss="ce", steps=100, **common),
        torchattacks.APGDT(model, steps=100, n_classes=num_classes, **common),
        torchattacks.FAB(model, steps=100, multi_targeted=True, n_classes=num_classes, **common),
        torchattacks.Square(model, n_queries=5000, p_init=0.8, **common),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--norm", default="Linf", choices=["Linf", "L2"])
    parser.add_argument("--epsilon", type=float, default=8 / 255)
    parser.add_argument("--batch_size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)  # more threads thrash on a busy CPU
    parser.add_argument("--budget", default="published", choices=["published", "torchattacks"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    data = np.load(args.data)
    keras_model = keras.models.load_model(args.model)
    model = ChannelsFirst(keras_model).eval()
    num_classes = int(keras_model.output_shape[-1])
    attacks = build_attacks(model, args.norm, args.epsilon, num_classes, args.seed, args.budget)

    def predict(images):
        with torch.no_grad():
            return model(images).argmax(1)

    clean, final, after = [], [], {NAMES[type(a).__name__]: [] for a in attacks}
    start = time.time()
    for first in range(0, len(data["y"]), args.batch_size):
        x = torch.from_numpy(data["x"][first:first + args.batch_size]).permute(0, 3, 1, 2).contiguous()
        y = torch.from_numpy(data["y"][first:first + args.batch_size].astype(np.int64))
        robust = predict(x) == y
        clean.append(robust.clone())
        x_adv = x.clone()
        for attack in attacks:
            todo = torch.nonzero(robust).flatten()
            if len(todo):
                found = attack(x[todo], y[todo])
                broken = predict(found) != y[todo]
                x_adv[todo[broken]] = found[broken]
                robust[todo[broken]] = False
            after[NAMES[type(attack).__name__]].append(robust.clone())
        final.append(predict(x_adv) == y)
    as_list = lambda parts: torch.cat(parts).numpy().astype(int).tolist()  # noqa: E731
    result = {
        "clean_correct": as_list(clean), "robust": as_list(final),
        "robust_after": {name: as_list(parts) for name, parts in after.items()},
        "seconds": time.time() - start, "budget": args.budget,
        "steps": {NAMES[type(a).__name__]: getattr(a, "steps", getattr(a, "n_queries", None)) for a in attacks},
        "versions": {"torch": torch.__version__, "torchattacks": torchattacks.__version__,
                     "keras": keras.__version__},
    }
    with open(args.out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
