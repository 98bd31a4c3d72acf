"""effectsize.py: SMD equivalents, rounded to three decimals (a repeated value from the cache)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pprnet_kg.effectsize import smd_equivalent
from pprnet_kg.model import Finding


def _finding(measure: str, value: str, lower: str | None = None, upper: str | None = None) -> Finding:
    return Finding(measure=measure, value=Decimal(value), sentence="", line=1,
                   ci_lower=None if lower is None else Decimal(lower), ci_upper=None if upper is None else Decimal(upper))


@pytest.mark.parametrize("finding, expected", [
    (_finding("d", "0.50", "0.2", "0.80"), ("0.5", "0.2", "0.8", "same")),
    (_finding("r", "0.3", "-0.1", "0.5"), ("0.629", "-0.201", "1.155", "r-to-d")),
    (_finding("OR", "2", "1", "4"), ("0.382", "0", "0.764", "logOR-to-d")),
    (_finding("g", "-0.0"), ("0", None, None, "same")),
])
def test_smd_equivalents_are_rounded_the_same_every_time(finding, expected):
    for _ in range(2):  # the second time, the rounded values come from the cache
        eq = smd_equivalent(finding)
        text = [None if x is None else str(x) for x in (eq.value, eq.lower, eq.upper)]
        assert (*text, eq.method) == expected


def test_no_equivalent_for_coefficients():
    assert smd_equivalent(_finding("B", "0.35")) is None
