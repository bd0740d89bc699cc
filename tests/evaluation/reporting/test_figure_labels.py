"""Attribution-grid rows carry each model's global Gini of that attribution."""

from igdtf.evaluation.reporting.figures import _gini_labels


def test_rows_are_labelled_with_the_gini_of_their_attribution():
    report = {"models": {"pgdat": {"gini_global": 0.6881, "gini_global[ig]": 0.7},
                         "igd": {"gini_global": None}, "other": {}}}
    assert _gini_labels(report, "saliency") == {"pgdat": "pgdat\nGini 0.688"}
    assert _gini_labels(report, "ig") == {"pgdat": "pgdat\nGini 0.700"}
    assert _gini_labels(report, "gradcam") == {}
