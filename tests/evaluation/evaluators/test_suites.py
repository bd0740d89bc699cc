import dataclasses
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from igdtf.attacks import PGD, AutoAttack
from igdtf.attributions import ATTRIBUTIONS, Saliency
from igdtf.data.registry import dataset_info
from igdtf.evaluation import (
    SUITES, AttributionEvaluator, SuiteSettings, build_evaluators, build_report, compare_models,
    load_comparison, write_report,
)
from igdtf.evaluation.reporting.figures import write_attribution_grid, write_curve_figures
from igdtf.evaluation.metrics.outcomes import MEAN, PerSample

from tests.conftest import tiny_cnn

SMALL = SuiteSettings(attributions=("saliency", "ig"), pgd=PGD(steps=2), ina_fractions=(0.05, 0.1),
                      rn_fractions=(0.1, 0.2), ioa_centres=2, ioa_radius=2, severities=(1, 5),
                      # tiny budgets; APGD-T needs 4 classes, the tiny model has 3
                      autoattack=AutoAttack(steps=2, square_queries=5, attacks=("apgd-ce", "fab-t", "square")))


def _data(batch, size=4):
    x, y = batch
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(size)


def test_every_suite_runs_and_the_report_rebuilds_from_the_saved_outcomes(tmp_path, batch):
    # every image suite; alignment (its own table, vector data too) is tested in tests/recipes/test_evaluate.py
    evaluators = build_evaluators([name for name in SUITES if name != "alignment"], SMALL)
    labels = [getattr(e, "label", type(e).__name__) for e in evaluators]
    assert labels.count("AttributionEvaluator") == 1 and "AttributionEvaluator[ig]" in labels
    model = tiny_cnn(0)
    x, _ = batch
    predicted = np.argmax(model(x), -1).astype(np.int32)  # every sample correct: no n/a values
    comparison = compare_models({"one": model}, _data((x, predicted)), evaluators, progress=True)
    report = build_report(comparison, evaluators, dataset="random")
    report["figures"] = write_curve_figures(report, str(tmp_path))
    write_report(report, comparison, str(tmp_path))
    summary = json.loads((tmp_path / "report.json").read_text())["models"]["one"]
    for key in ("clean_acc", "confidence", "pgd_acc", "grad_l1", "gini_global", "gini_regional[ig]",
                "attribution_l1", "attribution_l1[ig]"):
        assert isinstance(summary[key], float), key
    assert list(summary["autoattack_acc_after"]) == ["apgd-ce", "fab-t", "square"]
    assert summary["autoattack_acc"] <= summary["clean_acc"] and set(summary["pgd_acc_at_eps"]) == {"0", "0.0156863",
                                                                                                   "0.0313725"}
    assert set(summary["ina1[ig]"]) == set(summary["w2_sum"]) == {"0.05", "0.1"}
    assert set(summary["rn2"]) == {"0.1", "0.2"}
    assert set(summary["ioa_white[ig]"]) == {"1", "2"}
    assert set(summary["impulse_noise"]) == {"1", "5"}
    assert summary["attribution_l1"] == pytest.approx(summary["grad_l1"], rel=1e-5)  # saliency = |∇|
    markdown = (tmp_path / "report.md").read_text()
    for title in ("Table 1", "Table 2", "Table 3: IOA error rate (%) (ig)", "Table 5: Gaussian noise",
                  "Table 6: shot noise", "Table 7: impulse noise", "INA1 error rate", "RN2 error rate",
                  "Σw²", "![error_curves.png](error_curves.png)"):
        assert title in markdown, title
    assert "Other measurements" not in markdown  # every measurement has its table
    for name in ("error_curves.png", "ioa_curves.png", "corruption_curves.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
    rebuilt = load_comparison(str(tmp_path))
    assert rebuilt.summaries == comparison.summaries
    np.testing.assert_array_equal(rebuilt.correct_by_all, comparison.correct_by_all)


def test_attribution_maps_are_computed_once_per_batch_for_all_map_suites(batch, monkeypatch):
    calls = tf.Variable(0)

    class Counting(Saliency):
        def attribute(self, model, x, classes, seed):
            calls.assign_add(1)
            return super().attribute(model, x, classes, seed)

    monkeypatch.setitem(ATTRIBUTIONS, "counting", Counting())
    settings = dataclasses.replace(SMALL, attributions=("counting",))
    evaluators = build_evaluators(["gini", "ina", "ioa"], settings)
    assert sum(isinstance(e, AttributionEvaluator) for e in evaluators) == 1
    compare_models({"m": tiny_cnn()}, _data(batch), evaluators)
    assert int(calls.numpy()) == 2  # two batches, one map each


def test_a_new_suite_is_one_registry_entry_and_reaches_the_report(batch, monkeypatch):
    class Brightness:
        def run(self, model, dataset):
            return {"brightness": PerSample(np.concatenate([np.asarray(x).mean((1, 2, 3)) for x, _ in dataset]),
                                            MEAN)}

        def describe(self):
            return {}

    monkeypatch.setitem(SUITES, "brightness", lambda settings: [Brightness()])
    evaluators = build_evaluators(["brightness"], SMALL)
    comparison = compare_models({"m": tiny_cnn()}, _data(batch), evaluators)
    report = build_report(comparison, evaluators)
    assert report["models"]["m"]["brightness"] == pytest.approx(float(batch[0].mean()), rel=1e-5)
    from igdtf.evaluation import markdown_report

    assert "## Other measurements" in markdown_report(report)


def test_bad_suite_settings_are_refused_before_any_work():
    with pytest.raises(ValueError, match="Unknown suite 'fgsm'. Allowed: alignment, autoattack, clean, corruptions"):
        build_evaluators(["gini", "fgsm"], SMALL)
    with pytest.raises(ValueError, match=r"INA fraction must be in \(0, 1\], received 1.5"):
        SuiteSettings(ina_fractions=(0.01, 1.5))
    with pytest.raises(ValueError, match=r"RN fraction must be in \(0, 1\], received 0"):
        SuiteSettings(rn_fractions=(0,))
    with pytest.raises(ValueError, match="Unknown attribution 'lrp'"):
        SuiteSettings(attributions=("lrp",))
    with pytest.raises(ValueError, match="The alignment suite needs the dataset's name"):
        build_evaluators(["alignment"], SMALL)
    with pytest.raises(ValueError, match="Unknown channel reduction 'avg'"):
        build_evaluators(["gini"], dataclasses.replace(SMALL, gini_channels=("avg", "sum")))


def test_dataset_settings_follow_the_image_size():
    shapes = SuiteSettings.for_dataset(dataset_info("shapes"))
    imagenet = SuiteSettings.for_dataset(dataset_info("imagenet100"), seed=3)
    assert (shapes.gini_block, shapes.ioa_radius) == (4, 4)
    assert (imagenet.gini_block, imagenet.ioa_radius, imagenet.seed) == (16, 20, 3)


def test_attribution_grids_are_drawn_for_every_method_and_gradcam(tmp_path, batch):
    x, y = batch
    models = {"one": tiny_cnn(0), "two": tiny_cnn(1)}
    for name in ("smoothgrad_sq", "gradcam"):
        path = os.path.join(tmp_path, f"{name}.png")
        assert write_attribution_grid(models, x[:3], y[:3], name, path)
        assert open(path, "rb").read(4) == b"\x89PNG"


def test_suites_give_the_separate_evaluators_numbers_and_nothing_else_without_the_extra_norms(batch):
    from igdtf.evaluation import AttributionGini, InductiveNoise, PGDAccuracy

    separate = [PGDAccuracy(PGD(steps=2)), AttributionGini(block=4), InductiveNoise(fractions=(0.05, 0.1))]
    plain = dataclasses.replace(SMALL, attributions=("saliency",), map_norms=False, ina_weight_sums=False)
    models = {"one": tiny_cnn(0)}
    x, _ = batch
    data = _data((x, np.argmax(models["one"](x), -1).astype(np.int32)))  # all correct: INA measured
    expected = compare_models(models, data, separate).summaries["one"]
    got = compare_models(models, data, build_evaluators(["pgd", "gini", "ina"], plain)).summaries["one"]
    assert None not in expected.values()
    assert got == expected
    full = compare_models(models, data, build_evaluators(["gini", "ina"], dataclasses.replace(
        plain, map_norms=True, ina_weight_sums=True))).summaries["one"]
    assert {"grad_l1", "attribution_l1", "w2_sum", "w_sum_sq"} <= set(full) - set(got)


def test_a_sanity_grid_reusing_pgd_gives_the_full_grid_with_one_pgd_run_less(batch):
    from igdtf.evaluation.evaluators.suites import complete_sanity_grid

    model = tiny_cnn(0)
    x, _ = batch
    data = _data((x, np.argmax(model(x), -1).astype(np.int32)))
    reports = {}
    for reuse in (False, True):
        settings = dataclasses.replace(SMALL, sanity_reuses_pgd=reuse)
        evaluators = build_evaluators(["pgd", "sanity"], settings)
        assert evaluators[1].grid == ((0.0, 0.5) if reuse else (0.0, 0.5, 1.0))
        comparison = compare_models({"one": model}, data, evaluators)
        reports[reuse] = complete_sanity_grid(build_report(comparison, evaluators), settings)["models"]["one"]
    assert list(reports[True]["pgd_acc_at_eps"].items()) == list(reports[False]["pgd_acc_at_eps"].items())
    with pytest.raises(ValueError, match="choose pgd too"):
        build_evaluators(["sanity"], dataclasses.replace(SMALL, sanity_reuses_pgd=True))
    with pytest.raises(ValueError, match="ε point"):
        dataclasses.replace(SMALL, sanity_reuses_pgd=True, sanity_grid=(0.0, 0.5))
