"""Settings fitted to the data and the architecture (igdtf.recipes.train) and the learning-rate warm-up."""

import keras
import pytest

from igdtf.models import build_model
from igdtf.training import TrainConfig
from igdtf.training.fitted_defaults import fit_config, fitted_settings, has_batchnorm
from igdtf.training.lr_warmup import LearningRateWarmup, warmup_steps


def test_settings_follow_the_data_size_and_whether_the_architecture_has_batchnorm():
    small = fitted_settings(1_260, batchnorm=False, epochs=6)
    assert small == {"batch_size": 32, "optimizer": "adam", "learning_rate": 1e-3, "weight_decay": 0.0,
                     "lr_warmup_epochs": 1.0, "plateau_patience": 2}
    cifar = fitted_settings(49_000, batchnorm=True, epochs=150)  # the papers' ResNet-18 settings, warmed up
    assert cifar == {"batch_size": 128, "optimizer": "sgd", "learning_rate": 0.1, "weight_decay": 5e-4,
                     "lr_warmup_epochs": 1.0, "plateau_patience": 10}
    assert fitted_settings(900, batchnorm=True, epochs=20)["learning_rate"] == pytest.approx(0.1 * 32 / 128)
    assert fitted_settings(100, batchnorm=True, epochs=3)["batch_size"] == 16  # at least 16 ...
    assert fitted_settings(10, batchnorm=True, epochs=3)["batch_size"] == 10  # ... but never above the data


def test_given_settings_are_kept_and_the_rest_fitted_to_them():
    config = TrainConfig(arch="small_cnn", epochs=6, batch_size=128, optimizer="sgd", learning_rate=0.05)
    fitted, record = fit_config(config, 1_260, batchnorm=False, given={"batch_size"})
    assert (fitted.batch_size, fitted.optimizer, fitted.learning_rate, fitted.weight_decay) == (128, "adam", 1e-3, 0.0)
    assert record["given"] == ["batch_size"] and "batch_size" not in record["fitted"]
    assert record["training_examples"] == 1_260 and record["architecture_has_batchnorm"] is False
    kept, _ = fit_config(config, 1_260, batchnorm=False, given={"learning_rate"})  # a rate given for the flags' sgd
    assert (kept.optimizer, kept.learning_rate, kept.weight_decay) == ("sgd", 0.05, 5e-4)


def test_batchnorm_is_found_in_the_architecture():
    assert has_batchnorm(build_model("resnet18", (8, 8, 3), 3, [0.5] * 3, [0.25] * 3))
    assert not has_batchnorm(build_model("small_cnn", (8, 8, 3), 3, [0.5] * 3, [0.25] * 3, width=4))


def test_the_warm_up_rises_linearly_then_holds_and_resumes_where_it_was():
    assert warmup_steps(1.0, 4) == 4 and warmup_steps(0.0, None) == 0
    with pytest.raises(ValueError, match="needs training data of known length"):
        warmup_steps(1.0, None)

    class Trainer:  # what the callback touches: the optimizer, its step counter and rate
        optimizer = keras.optimizers.SGD(0.1)

    def rates(callback, steps):
        callback.set_model(Trainer)
        callback.on_train_begin()
        used = []
        for _ in range(steps):
            callback.on_train_batch_begin(0)
            used.append(round(float(Trainer.optimizer.learning_rate), 6))
            Trainer.optimizer.iterations.assign_add(1)
            callback.on_train_batch_end(0)
        return used

    assert rates(LearningRateWarmup(0.1, 4), 6) == [0.025, 0.05, 0.075, 0.1, 0.1, 0.1]
    Trainer.optimizer = keras.optimizers.SGD(0.1)
    Trainer.optimizer.iterations.assign(2)  # a run resumed at step 2
    assert rates(LearningRateWarmup(0.1, 4), 3) == [0.075, 0.1, 0.1]


def test_the_epsilon_warm_up_flag_reaches_every_adversarial_config_of_a_recipe():
    from igdtf.recipes.quickstart_config import get_config
    from igdtf.training.overrides import with_epsilon_warmup

    quick = get_config(smoke=True)
    assert with_epsilon_warmup(quick, None) is quick
    warmed = with_epsilon_warmup(quick, 2.0)
    assert (warmed.pgdat.epsilon_warmup_epochs, warmed.igd.epsilon_warmup_epochs) == (2.0, 2.0)
    assert warmed.standard == quick.standard and warmed.num_train == quick.num_train  # not adversarial: unchanged
    models = with_epsilon_warmup({"a": quick.pgdat, "b": quick.standard}, 0.0)
    assert (models["a"].epsilon_warmup_epochs, models["b"]) == (0.0, quick.standard)
    with pytest.raises(ValueError, match="epsilon_warmup_epochs must be a number >= 0"):
        with_epsilon_warmup(quick, -1.0)
