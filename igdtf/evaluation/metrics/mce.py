"""Mean corruption error (Hendrycks & Dietterich 2019, Section 4):

  CE_c(f) = Σ_s E_{s,c}(f) / Σ_s E_{s,c}(baseline),   mCE(f) = mean of CE_c(f) over the 15
  benchmark corruptions c (the 4 extra ones get a CE but stay out of the mean),

with E_{s,c} the error at severity s, here on the samples every compared model classifies
correctly (the corruptions suite's protocol), and the baseline one of the compared models (the
paper uses AlexNet). On those samples every clean error is 0, so the paper's relative mCE equals
the mCE and is not reported separately. Values are fractions (1.0 = as bad as the baseline).
"""

from igdtf.data.corruptions.names import BENCHMARK_CORRUPTIONS, CORRUPTIONS


def _total_error(summary: dict, corruption: str):
    curve = summary.get(corruption)
    errors = list(curve.values()) if isinstance(curve, dict) else []
    return None if not errors or any(e is None for e in errors) else sum(errors)


def corruption_errors(summaries: dict[str, dict], baseline: str) -> dict:
    """{"baseline", "corruptions" (those measured, in ImageNet-C's order), "mce_corruptions" (the
    benchmark ones among them), "ce": {model: {corruption: CE}}, "mce": {model: mCE}}. A CE is
    None where the baseline makes no error on that corruption (undefined); an mCE is None when
    any of its CEs is, or when no benchmark corruption was measured."""
    if baseline not in summaries:
        raise ValueError(f"The mCE baseline {baseline!r} is not among the models ({', '.join(summaries)}).")
    measured = [c for c in CORRUPTIONS if any(isinstance(s.get(c), dict) for s in summaries.values())]
    reference = {c: _total_error(summaries[baseline], c) for c in measured}
    ce = {}
    for model, summary in summaries.items():
        ce[model] = {}
        for c in measured:
            total = _total_error(summary, c)
            ce[model][c] = None if total is None or not reference[c] else total / reference[c]
    in_mean = [c for c in measured if c in BENCHMARK_CORRUPTIONS]
    mce = {}
    for model, values in ce.items():
        parts = [values[c] for c in in_mean]
        mce[model] = None if not parts or any(v is None for v in parts) else sum(parts) / len(parts)
    return {"baseline": baseline, "corruptions": measured, "mce_corruptions": in_mean, "ce": ce, "mce": mce}
