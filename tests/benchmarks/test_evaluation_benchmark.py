import re

import pytest

from igdtf.attributions import ATTRIBUTIONS
from igdtf.benchmarks import evaluation


@pytest.mark.slow
def test_benchmark_prints_a_rate_for_every_attribution_method(capsys):
    evaluation.main(["--batch_size=2", "--batches=1", "--suites=gini,ina"])
    out = capsys.readouterr().out
    for name in ATTRIBUTIONS:
        assert re.search(rf"gini \[{name}\]\s+\d+\.\d", out), name
    assert re.search(r"saliency\s+shared\s+\d+\.\d+ images/s .*separate\s+\d+\.\d+ images/s", out)


def test_benchmark_refuses_unknown_suites():
    with pytest.raises(ValueError, match="Unknown suite 'speed'"):
        evaluation.main(["--suites=gini,speed"])
