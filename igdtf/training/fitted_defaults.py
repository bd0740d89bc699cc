"""Optimisation settings fitted to the data and the architecture, for runs on data no paper has
settings for (`python -m igdtf.recipes.train`): the ones not given on the command line.

The dataset recipes keep the IGD paper's ResNet-18 settings (SGD, lr 0.1, batch 128, weight decay
5e-4, plateau patience 10). Those diverge on small data with small models: on 1 400 Fashion-MNIST
images with small_cnn (no BatchNorm), 6 epochs of them gave 30-51 % test accuracy over 4 seeds,
3 of them with collapse warnings; the fitted settings 75-79 % over 3 seeds (README, "Your own
data": scripts/real_data_defaults.py; tests/recipes/test_real_data_defaults.py checks each seed).
The rule (fitted_settings):
  batch_size        the largest power of two <= N / 20, within [16, 128] (and <= N): about 20 or
                    more steps per epoch on small data; 128 from N = 2 560 on
  optimizer, learning_rate, weight_decay
                    architectures with BatchNorm: SGD (momentum 0.9), lr 0.1 · batch / 128 (the
                    linear scaling rule), weight decay 5e-4 (the papers'); without BatchNorm:
                    Adam, lr 1e-3, no weight decay (the quickstart's small-CNN settings);
                    a given --optimizer or --learning_rate keeps the optimizer of the flags
                    (--optimizer, default sgd) and fits the rest to it
  lr_warmup_epochs  1: a linear warm-up over the first epoch (lr_warmup.py)
  plateau_patience  epochs / 5, within [2, 10] (10, the papers', from 50 epochs on)
N is the number of training examples (without the validation holdout).
"""

import dataclasses
import math

import keras

FITTED = ("batch_size", "optimizer", "learning_rate", "weight_decay", "lr_warmup_epochs", "plateau_patience")
PAPER_BATCH = 128


def has_batchnorm(model: keras.Model) -> bool:
    """Whether any layer of `model` (nested models included) is a BatchNormalization layer."""
    return any(isinstance(layer, keras.layers.BatchNormalization) for layer in model._flatten_layers())


def fitted_settings(num_examples: int, batchnorm: bool, epochs: int, optimizer: str | None = None) -> dict:
    """The settings the module docstring states, for `num_examples` training examples, an
    architecture with or without BatchNorm and `epochs` epochs; `optimizer` (given by the user)
    replaces the one the architecture calls for, with its own learning rate and weight decay."""
    batch = 2 ** int(math.floor(math.log2(max(1.0, num_examples / 20))))
    batch = min(max(batch, 16), PAPER_BATCH, num_examples)
    optimizer = optimizer or ("sgd" if batchnorm else "adam")
    if optimizer == "sgd":
        rates = {"learning_rate": 0.1 * batch / PAPER_BATCH, "weight_decay": 5e-4}
    else:
        rates = {"learning_rate": 1e-3, "weight_decay": 0.0}
    return {"batch_size": batch, "optimizer": optimizer, **rates, "lr_warmup_epochs": 1.0,
            "plateau_patience": min(10, max(2, epochs // 5))}


def fit_config(config, num_examples: int, batchnorm: bool, given: set) -> tuple:
    """(config with every FITTED setting not in `given` (the flags set on the command line)
    fitted, what the report records: the rule's inputs, the fitted values and the given names)."""
    # A given learning rate (or optimizer) was chosen for the optimizer the flags name: keep it.
    optimizer = config.optimizer if given & {"optimizer", "learning_rate"} else None
    fitted = fitted_settings(num_examples, batchnorm, config.epochs, optimizer)
    chosen = {name: value for name, value in fitted.items() if name not in given}
    record = {"rule": "igdtf/training/fitted_defaults.py", "training_examples": num_examples,
              "architecture_has_batchnorm": batchnorm, "fitted": chosen,
              "given": sorted(name for name in FITTED if name in given)}
    return dataclasses.replace(config, **chosen), record
