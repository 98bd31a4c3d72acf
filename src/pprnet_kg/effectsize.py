"""Standardised-mean-difference equivalents, so findings can be compared on one scale.

The standard conversions (Borenstein, Hedges, Higgins & Rothstein, Introduction to
Meta-Analysis, 2009, ch. 7):

- SMD, Cohen's d, Hedges' g: one family, taken as they are;
- r: d = 2r / sqrt(1 - r^2), applied to the value and to each CI bound;
- OR: d = ln(OR) * sqrt(3) / pi (the logistic approximation), value and bounds.

No conversion for B and beta (unstandardised or model-specific coefficients: their scale depends
on the variables), HR (time-to-event; no accepted conversion to d), RR (depends on the base
rate) or NNT (depends on the control event rate). Comparison and association findings are
never put on one scale together: the kind travels with every converted value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

SAME_FAMILY = {"SMD", "d", "g"}
METHODS = {
    "same": "SMD, d and g taken as one family (no conversion)",
    "r-to-d": "d = 2r / sqrt(1 - r^2) (Borenstein et al. 2009, ch. 7)",
    "logOR-to-d": "d = ln(OR) * sqrt(3) / pi (Borenstein et al. 2009, ch. 7)",
}


@dataclass(frozen=True)
class SmdEquivalent:
    value: Decimal
    lower: Decimal | None
    upper: Decimal | None
    method: str  # a key of METHODS


@lru_cache(maxsize=1 << 14)
def _round(x: float) -> Decimal:
    # kept for the last 16,384 values: findings repeat them (the same d, r or bound; 96% of a
    # build's), and repr, parsing and normalize cost many times a look-up (three per finding)
    return Decimal(repr(round(x, 3))).normalize() if x else Decimal(0)


def _convert(code: str, x: Decimal) -> float | None:
    v = float(x)
    if code in SAME_FAMILY:
        return v
    if code == "r":
        return 2 * v / math.sqrt(1 - v * v) if -1 < v < 1 else None
    if code == "OR":
        return math.log(v) * math.sqrt(3) / math.pi if v > 0 else None
    return None


def smd_equivalent(finding) -> SmdEquivalent | None:
    """The finding's SMD equivalent with its CI, or None when its measure has no conversion."""
    code = finding.measure
    method = "same" if code in SAME_FAMILY else {"r": "r-to-d", "OR": "logOR-to-d"}.get(code)
    if method is None:
        return None
    value = _convert(code, finding.value)
    if value is None:
        return None
    lo = _convert(code, finding.ci_lower) if finding.ci_lower is not None else None
    hi = _convert(code, finding.ci_upper) if finding.ci_upper is not None else None
    if lo is None or hi is None:
        lo = hi = None
    return SmdEquivalent(_round(value), None if lo is None else _round(lo), None if hi is None else _round(hi), method)
