"""Effect measures as one table (data/measures.toml): code, label, STATO class, scale, null value.

Adding a measure is a row there (and, for extraction, the words that announce it in
extract/findings.py); the graph, the SHACL check, the queries and the site follow the table.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from .errors import ConfigError
from .resources import data_file

SCALES = {"difference": Decimal(0), "ratio": Decimal(1), "count": None}


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    stato: str  # local name under http://purl.obolibrary.org/obo/, or ""
    scale: str  # difference | ratio | count

    @property
    def null(self) -> Decimal | None:
        """The value of no effect: 0 for differences and coefficients, 1 for ratios, none for NNT."""
        return SCALES[self.scale]

    @property
    def is_ratio(self) -> bool:
        return self.scale == "ratio"


@cache
def table() -> dict[str, Measure]:
    path = data_file("measures.toml")
    try:
        rows = tomllib.loads(path.read_text(encoding="utf-8"))["measure"]
        out = {}
        for row in rows:
            m = Measure(row["code"], row["label"], row.get("stato", ""), row["scale"])
            if m.scale not in SCALES:
                raise ConfigError(f"{path}: measure {m.code}: scale must be one of {', '.join(SCALES)}")
            out[m.code] = m
        return out
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the measures table: {exc}") from None


def measure(code: str) -> Measure:
    try:
        return table()[code]
    except KeyError:
        raise ConfigError(f"unknown measure code {code!r}; data/measures.toml lists {', '.join(table())}") from None


def null_value(code: str) -> Decimal | None:
    return measure(code).null


def excludes_null(code: str, lower: Decimal | None, upper: Decimal | None) -> bool | None:
    """Whether a CI lies wholly on one side of the value of no effect (None when it cannot say)."""
    null = null_value(code)
    if null is None or lower is None or upper is None:
        return None
    return lower > null or upper < null
