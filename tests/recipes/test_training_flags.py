import dataclasses
import types

import pytest

from igdtf.distribute import make_strategy
from igdtf.errors import ConfigError
from igdtf.methods import METHODS
from igdtf.cli.method_flags import method_help, option_fields
from igdtf.cli.training_flags import config_from_flags


def _values(**overrides):
    """A namespace like the parsed flags: run settings, and every method option at its default."""
    options = {name: field.default for name, (field, _) in option_fields().items()}
    deprecated = {old: None for field, _ in option_fields().values() for old in field.metadata["deprecated_names"]}
    values = dict(method="igd", arch="resnet18", epochs=2, batch_size=8, optimizer="sgd", learning_rate=0.1,
                  momentum=0.9, weight_decay=5e-4, plateau_patience=10, epsilon=8.0, step_size=2.0,
                  pgd_steps=10, seed=0, synchronized_bn=False, checkpoint_every_steps=None, mixed_precision=False,
                  overfitting_action="log", lr_warmup_epochs=0.0, epsilon_warmup_epochs=0.0, **options, **deprecated)
    return types.SimpleNamespace(**{**values, **overrides})


def test_scale_flags_reach_the_train_config():
    config = config_from_flags(_values(synchronized_bn=True, mixed_precision=True, checkpoint_every_steps=50))
    assert config.arch_options == {"synchronized_bn": True}
    assert config.mixed_precision and config.checkpoint_every_steps == 50
    assert config.attack.epsilon == pytest.approx(8 / 255) and config.eval_attack == config.attack
    assert config_from_flags(_values(method="standard")).eval_attack is None  # best by clean accuracy


def test_fast_training_flags_reach_the_method_options_and_apply_only_to_adversarial_methods():
    config = config_from_flags(_values(method="trades_igd", train_attack="n_fgsm", attack_precision="bfloat16",
                                       gradalign_lambda=0.2, overfitting_action="pgd"))
    options = config.method_options
    assert (options.train_attack, options.attack_precision, options.gradalign_lambda, config.overfitting_action) == \
        ("n_fgsm", "bfloat16", 0.2, "pgd")
    assert config.eval_attack.steps == 10  # the evaluation attack stays PGD
    with pytest.raises(ConfigError, match="--train_attack applies to igd, igdm, pgdat, .*, not to --method=standard"):
        config_from_flags(_values(method="standard", train_attack="fgsm_rs"), given={"train_attack"})
    with pytest.raises(ConfigError, match="gradalign_lambda \(λ\) must be a number >= 0"):
        config_from_flags(_values(gradalign_lambda=-1.0))


def test_warm_up_flags_reach_the_config_and_auto_precision_is_resolved(monkeypatch):
    config = config_from_flags(_values(method="pgdat", lr_warmup_epochs=1.5, epsilon_warmup_epochs=3.0))
    assert (config.lr_warmup_epochs, config.epsilon_warmup_epochs) == (1.5, 3.0)
    monkeypatch.setattr("igdtf.native_bfloat16.gpu_capabilities", lambda: [])
    for cpu, expected in (({"avx512_bf16"}, "bfloat16"), ({"avx2"}, "float32")):
        monkeypatch.setattr("igdtf.native_bfloat16.cpu_flags", lambda cpu=cpu: cpu)
        options = config_from_flags(_values(method="pgdat", attack_precision="auto")).method_options
        assert options.attack_precision == expected  # what run.json and report.json record
    with pytest.raises(ConfigError, match="lr_warmup_epochs must be a number >= 0"):
        config_from_flags(_values(lr_warmup_epochs=-1.0))


def test_one_name_per_setting_from_flag_to_config():
    config = config_from_flags(_values(method="igd", igd_lambda=3.5), given={"igd_lambda"})
    assert config.method_options.igd_lambda == 3.5
    assert dataclasses.asdict(config)["method_options"]["igd_lambda"] == 3.5  # what run.json records


def test_a_deprecated_flag_name_still_works_and_cannot_be_combined_with_its_new_name(caplog):
    values = _values(method="input_gradient_norm", grad_norm_lambda=0.25)
    assert config_from_flags(values).method_options.input_gradient_norm_lambda == 0.25
    assert "--grad_norm_lambda is deprecated" in caplog.text
    with pytest.raises(ConfigError, match="--grad_norm_lambda is the deprecated name of --input_gradient_norm_lambda"):
        config_from_flags(values, given={"input_gradient_norm_lambda"})


def test_synchronized_bn_needs_a_batchnorm_architecture():
    with pytest.raises(ConfigError, match="--synchronized_bn applies to BatchNorm architectures .* --arch is small_cnn"):
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
