import types

import pytest

from igdtf.distribute import make_strategy
from igdtf.errors import ConfigError
from igdtf.methods import METHODS
from igdtf.recipes.training_flags import config_from_flags, method_help


def _values(**overrides):
    values = dict(method="igd", arch="resnet18", epochs=2, batch_size=8, optimizer="sgd", learning_rate=0.1,
                  momentum=0.9, weight_decay=5e-4, plateau_patience=10, epsilon=8.0, step_size=2.0,
                  pgd_steps=10, igd_lambda=2.0, cutout_size=None, seed=0, synchronized_bn=False,
                  checkpoint_every_steps=None, mixed_precision=False, igam_lambda_adv=2.0, igam_lambda_diff=1.0,
                  igam_adapter="none", igam_finetune_steps=100, igam_discriminator_every=10, pag_lambda=1.5,
                  pag_source="nearest_neighbor",
                  pag_pool_size=64, pag_classes_per_example=None, alignment_penalty_lambda=0.1,
                  grad_norm_lambda=1.0, trades_beta=6.0, train_attack="pgd", attack_precision="float32",
                  gradalign_lambda=0.0, overfitting_action="log", kdiga_alpha=0.5, kdiga_temperature=1.0,
                  kdiga_gamma=1.0, igdm_alpha=20.0, igdm_beta=1.0)
    return types.SimpleNamespace(**{**values, **overrides})


def test_scale_flags_reach_the_train_config():
    config = config_from_flags(_values(synchronized_bn=True, mixed_precision=True, checkpoint_every_steps=50))
    assert config.arch_options == {"synchronized_bn": True}
    assert config.mixed_precision and config.checkpoint_every_steps == 50
    assert config.attack.epsilon == pytest.approx(8 / 255) and config.eval_attack == config.attack
    assert config_from_flags(_values(method="standard")).eval_attack is None  # best by clean accuracy


def test_fast_training_flags_reach_the_config_and_apply_only_to_adversarial_methods():
    config = config_from_flags(_values(method="trades_igd", train_attack="n_fgsm", attack_precision="bfloat16",
                                       gradalign_lambda=0.2, overfitting_action="pgd"))
    assert (config.train_attack, config.attack_precision, config.gradalign_weight, config.overfitting_action) == \
        ("n_fgsm", "bfloat16", 0.2, "pgd")
    options = config.trainer_options()
    assert (options["train_attack"], options["attack_precision"], options["gradalign_weight"]) == ("n_fgsm", "bfloat16", 0.2)
    assert config.eval_attack.steps == 10  # the evaluation attack stays PGD
    with pytest.raises(ConfigError, match="apply to the adversarial methods .* not to standard"):
        config_from_flags(_values(method="standard", train_attack="fgsm_rs"))
    with pytest.raises(ConfigError, match="gradalign_weight .* must be a number >= 0"):
        config_from_flags(_values(gradalign_lambda=-1.0))


def test_synchronized_bn_needs_a_batchnorm_architecture():
    with pytest.raises(ConfigError, match="--synchronized_bn applies to resnet18 .* --arch is small_cnn"):
        config_from_flags(_values(arch="small_cnn", synchronized_bn=True))


def test_method_help_is_generated_from_the_registry():
    text = method_help()
    for name in METHODS:
        assert f"{name}: " in text


def test_strategies_by_name_on_a_cpu_machine(monkeypatch):
    assert make_strategy("auto").num_replicas_in_sync == 1
    assert "OneDevice" in type(make_strategy("one_device")).__name__
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="needs the TF_CONFIG environment variable"):
        make_strategy("multi_worker")
    with pytest.raises(ValueError, match="Unknown strategy 'tpu'"):
        make_strategy("tpu")
