"""The IGD paper's claims (Chen et al.), checked on a report's own numbers.

Each verdict is {"statement": text, "holds": bool, "values": {model: number}} and goes in a
report's "claims" section; evaluation/seed_summary.py counts the seeds in which each holds.
The claims, for a comparison holding a standard, a PGDAT and an IGD model:
  gini_pgdat_above_standard  L∞ adversarial training makes attributions more unequal: global
                             Gini of PGDAT > standard (the inequality phenomenon, §3).
  gini_igd_below_pgdat       IGD releases it: Gini of IGD < PGDAT.
  ina_igd_below_pgdat        IGD's inductive-noise error (mean over the INA1 and INA2 curves) < PGDAT's.
  rn_igd_below_pgdat         the same for random noise (RN1, RN2).
  ioa_igd_below_pgdat        the same for inductive occlusion (IOA-B/G/W at the largest radius).
  pgd_cost_of_igd            IGD keeps PGDAT's adversarial accuracy within `pgd_tolerance`
                             (the paper: 1-2 points).
A claim whose numbers are missing from the report (a suite not run, no correct-by-all sample)
is left out rather than judged.
"""

import numpy as np

PGD_TOLERANCE = 0.02  # two points of accuracy, the upper end of the paper's "1-2 points"
CURVE_FAMILIES = {"ina": ("ina1", "ina2"), "rn": ("rn1", "rn2")}
IOA_CURVES = ("ioa_black", "ioa_gray", "ioa_white")


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and np.isfinite(value) else None


def mean_curve_error(summary: dict, curves) -> float | None:
    """Mean error over every point of the named curves (saliency maps) in one model's summary;
    None when a curve is missing or has an undefined point."""
    points = []
    for curve in curves:
        values = summary.get(curve)
        if not isinstance(values, dict) or not values:
            return None
        points += [_number(v) for v in values.values()]
    return None if any(p is None for p in points) else float(np.mean(points))


def largest_radius_ioa(summary: dict) -> float | None:
    """Mean IOA error over the colours at the largest radius measured (Table 3's columns)."""
    values = []
    for curve in IOA_CURVES:
        points = summary.get(curve)
        if not isinstance(points, dict) or not points:
            return None
        values.append(_number(points[max(points, key=float)]))
    return None if any(v is None for v in values) else float(np.mean(values))


def _verdict(statement: str, values: dict, holds: bool, **details) -> dict:
    return {"statement": statement, "holds": bool(holds), "values": values, **details}


def _ordering(claims: dict, name: str, statement: str, low: str, high: str, values: dict) -> None:
    """claims[name]: values[low] < values[high], if both are known."""
    if values.get(low) is not None and values.get(high) is not None:
        claims[name] = _verdict(statement, {low: values[low], high: values[high]}, values[low] < values[high])


def igd_paper_claims(models: dict, standard: str = "standard", pgdat: str = "pgdat", igd: str = "igd",
                     pgd_tolerance: float = PGD_TOLERANCE) -> dict:
    """The verdicts (module docstring) on a report's "models" section; models named otherwise
    are passed as `standard`, `pgdat`, `igd`. {} when PGDAT or IGD is missing."""
    if pgdat not in models or igd not in models:
        return {}
    named = {standard: "standard", pgdat: "PGDAT", igd: "IGD"}
    claims = {}
    gini = {name: _number(models[name].get("gini_global")) for name in named if name in models}
    _ordering(claims, "gini_pgdat_above_standard", f"Gini(saliency) of {named[pgdat]} > {named[standard]}",
              standard, pgdat, gini)
    _ordering(claims, "gini_igd_below_pgdat", f"Gini(saliency) of {named[igd]} < {named[pgdat]}", igd, pgdat, gini)
    for family, curves in CURVE_FAMILIES.items():
        errors = {name: mean_curve_error(models[name], curves) for name in (pgdat, igd)}
        _ordering(claims, f"{family}_igd_below_pgdat", f"{family.upper()} error (mean over "
                  f"{', '.join(c.upper() for c in curves)}) of IGD < PGDAT", igd, pgdat, errors)
    ioa = {name: largest_radius_ioa(models[name]) for name in (pgdat, igd)}
    _ordering(claims, "ioa_igd_below_pgdat", "IOA error (mean of B/G/W at the largest radius) of IGD < PGDAT",
              igd, pgdat, ioa)
    pgd = {name: _number(models[name].get("pgd_acc")) for name in (pgdat, igd)}
    if None not in pgd.values():
        cost = pgd[pgdat] - pgd[igd]
        claims["pgd_cost_of_igd"] = _verdict(
            f"PGD accuracy of IGD within {100 * pgd_tolerance:g} points of PGDAT's", pgd, cost <= pgd_tolerance,
            cost=cost)
    return claims


def claims_markdown(claims: dict) -> list[str]:
    """Markdown lines: a table of the claims with their numbers and verdicts."""
    if not claims:
        return []
    lines = ["", "## The IGD paper's claims on these numbers", "", "| claim | numbers | holds |", "|---|---|---|"]
    for claim in claims.values():
        numbers = ", ".join(f"{name} {value:.4g}" for name, value in claim["values"].items())
        lines.append(f"| {claim['statement']} | {numbers} | {'yes' if claim['holds'] else '**no**'} |")
    return lines

