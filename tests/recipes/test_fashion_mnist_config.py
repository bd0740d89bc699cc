"""The Fashion-MNIST recipe's settings: the literature's values, teachers, sizes and claims."""

import pytest

from igdtf.evaluation.reporting.claims import check_claims
from igdtf.recipes.fashion_mnist_config import get_config, igd_paper_claims, train_config, training_order


def test_defaults_are_the_stated_literature_settings():
    settings = get_config()
    assert (settings.train_attack.epsilon, settings.train_attack.steps, settings.train_attack.step_size) == \
        (0.1, 10, 0.025)
    assert (settings.eval_attack.steps, settings.eval_attack.random_start) == (20, True)
    assert (settings.train_examples, settings.validation_examples, settings.test_examples) == (5_000, 1_000, 2_000)
    igd = train_config("igd", {"igd_lambda": 2.0}, seed=1, settings=settings)
    assert (igd.arch, igd.arch_options, igd.optimizer, igd.learning_rate, igd.weight_decay) == \
        ("small_cnn", {"width": 32}, "adam", 1e-3, 0.0)
    assert igd.eval_attack == settings.train_attack and igd.epsilon_warmup_epochs == 3.0 and igd.seed == 1
    standard = train_config("standard", {}, seed=1, settings=settings)
    assert standard.eval_attack is None and standard.epochs == 10


def test_another_architecture_takes_its_own_options_and_small_cnn_keeps_its_width():
    wide = train_config("pgdat", {}, seed=0, settings=get_config(arch="small_cnn", arch_options={"width": 8}))
    assert (wide.arch, wide.arch_options) == ("small_cnn", {"width": 8})
    preact = train_config("igd", {}, seed=0, settings=get_config(arch="preact_resnet18"))
    assert (preact.arch, preact.arch_options) == ("preact_resnet18", {})


def test_sizes_zero_mean_the_whole_split_and_bad_counts_are_refused():
    assert get_config(train_examples=0, test_examples=0).train_examples is None
    assert get_config(epochs=3).epochs == 3
    with pytest.raises(ValueError, match="validation_examples"):
        get_config(validation_examples=0)
    with pytest.raises(ValueError, match="train_examples"):
        get_config(train_examples=-1)


def test_teachers_are_trained_first_and_added_when_missing():
    assert training_order(["igd", "pgdat", "standard"]) == ("standard", "pgdat", "igd")
    assert training_order(["kdiga"]) == ("pgdat", "kdiga")  # a robust teacher: the seed's PGDAT model
    assert training_order(["trades_igd", "trades"]) == ("standard", "trades_igd", "trades")
    assert training_order(["pag"]) == ("pag",)  # its default source needs no teacher, RIGD a robust one
    assert training_order(["pag"], {"pag": {"pag_source": "rigd"}}) == ("pgdat", "pag")


def test_claims_hold_on_the_papers_pattern_and_fail_on_its_opposite():
    def model(gini, pgd, error):
        curve = {"0.1": error, "0.2": error}
        return {"gini_global": gini, "pgd_acc": pgd, **{name: dict(curve) for name in ("ina1", "ina2", "rn1", "rn2")},
                **{f"ioa_{c}": {"1": 0.0, "4": error} for c in ("black", "gray", "white")}}

    claims = igd_paper_claims(ioa_radius=4)
    paper = check_claims(claims, {"standard": model(0.5, 0.0, 0.1), "pgdat": model(0.7, 0.70, 0.6),
                                  "igd": model(0.6, 0.69, 0.3)})
    assert len(paper) == 10 and all(verdict["holds"] for verdict in paper.values())
    opposite = check_claims(claims, {"standard": model(0.8, 0.0, 0.1), "pgdat": model(0.7, 0.70, 0.3),
                                     "igd": model(0.75, 0.60, 0.6)})
    assert not any(verdict["holds"] for verdict in opposite.values())
