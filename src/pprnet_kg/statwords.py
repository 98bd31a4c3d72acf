"""Every reasonable way of writing one effect statistic, drawn at random: for the synthetic corpus
and for the property tests and benchmark of statistic extraction.

A statistic is written as: the measure (an abbreviation or words, in the case people write it),
up to a few words on what it is about ("for depressive symptoms", "in favour of CBT"), a link
(=, :, of, was, is, or nothing), the value (leading zero or not, ASCII or U+2212 minus), then its
CI in one of the usual shapes (95% CI a, b / 95% CI: a–b / [a, b] / (a to b) / 95% confidence
interval a to b), after a comma or a semicolon or inside parentheses, with a p-value and k / n
before or after. The truth (measure code, value, CI) comes with the text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

# measure code -> spellings people use (case as written)
SPELLINGS: dict[str, tuple[str, ...]] = {
    "OR": ("OR", "odds ratio", "Odds ratio", "odds-ratio"),
    "HR": ("HR", "hazard ratio", "Hazard ratio"),
    "RR": ("RR", "risk ratio", "relative risk", "Relative risk"),
    "g": ("g", "Hedges' g", "Hedges’ g", "Hedges's g", "Hedges g"),
    "d": ("d", "Cohen's d", "Cohen’s d", "Cohen d"),
    "SMD": ("SMD", "standardised mean difference", "standardized mean difference", "Standardized mean difference"),
    "r": ("r", "correlation", "Pearson's r", "correlation coefficient"),
    "B": ("B", "b"),
    "beta": ("β", "beta", "Beta"),
    "NNT": ("NNT", "number needed to treat", "Number needed to treat"),
}
SINGLE_LETTERS = {"r", "d", "g", "B", "b"}
ABOUT = ("for depressive symptoms", "on anxiety", "in favour of CBT", "in favor of the intervention",
         "for the alliance", "for quality of life", "on dropout", "at follow-up")
LINKS = (" = ", " =", "= ", ": ", " of ", " was ", " is ", " ")
RATIO = {"OR", "HR", "RR"}


@dataclass(frozen=True)
class WrittenStat:
    text: str
    measure: str
    value: Decimal
    ci_lower: Decimal | None
    ci_upper: Decimal | None


def _number(x: Decimal, rng: random.Random, *, minus: str, lead: bool) -> str:
    text = f"{abs(x):.2f}" if x != x.to_integral() or rng.random() < 0.5 else f"{abs(x):.0f}"
    if not lead and text.startswith("0."):
        text = text[1:]
    return (minus if x < 0 else "") + text


def draw(rng: random.Random, measure: str | None = None) -> WrittenStat:
    """One statistic written at random (a measure drawn when none is given)."""
    measure = measure or rng.choice(sorted(SPELLINGS))
    if measure in RATIO:
        value = Decimal(rng.randint(20, 400)) / 100
        lo = max(Decimal("0.05"), value - Decimal(rng.randint(5, 60)) / 100)
        hi = value + Decimal(rng.randint(5, 90)) / 100
    elif measure == "NNT":
        value = Decimal(rng.randint(2, 30))
        lo, hi = max(Decimal(1), value - rng.randint(1, 3)), value + rng.randint(1, 9)
    elif measure in {"r", "beta"}:
        value = Decimal(rng.randint(-80, 80)) / 100
        lo = max(Decimal("-0.99"), value - Decimal(rng.randint(3, 20)) / 100)
        hi = min(Decimal("0.99"), value + Decimal(rng.randint(3, 20)) / 100)
    else:
        value = Decimal(rng.randint(-150, 200)) / 100
        lo = value - Decimal(rng.randint(5, 60)) / 100
        hi = value + Decimal(rng.randint(5, 60)) / 100
    spelling = rng.choice(SPELLINGS[measure])
    single = spelling in SINGLE_LETTERS
    about = "" if single or rng.random() < 0.6 else " " + rng.choice(ABOUT)
    link = rng.choice((" = ", "= ", ": ")) if single else rng.choice(LINKS)
    if about and link == " ":
        link = " = "
    minus = rng.choice(["-", "\u2212"])
    lead = measure in RATIO or measure == "NNT" or rng.random() < 0.5

    def num(x: Decimal) -> str:
        return _number(x, rng, minus=minus, lead=lead)

    has_ci = rng.random() < 0.85
    shown_value = Decimal(num(value).replace("\u2212", "-"))
    if has_ci:
        shown_lo, shown_hi = (Decimal(num(x).replace("\u2212", "-")) for x in (lo, hi))
        dash = rng.choice(["\u2013", " to ", "-"]) if lo >= 0 else rng.choice(["\u2013", " to "])
        style = rng.randrange(6)
        ci = [f"95% CI {num(lo)}, {num(hi)}", f"95% CI: {num(lo)}{dash}{num(hi)}", f"[{num(lo)}, {num(hi)}]",
              f"({num(lo)} to {num(hi)})", f"95% confidence interval {num(lo)} to {num(hi)}",
              f"95% CI [{num(lo)}, {num(hi)}]"][style]
        sep = "" if style in (2, 3) and rng.random() < 0.5 else rng.choice([", ", "; "])
        if style in (2, 3) and not sep:
            sep = " "
    else:
        shown_lo = shown_hi = None
        ci, sep = "", ""
    extras = []
    if rng.random() < 0.4:
        extras.append(rng.choice(["p < .001", "p = 0.03", "p = .12", "p < 0.05", "p > .05"]))
    if rng.random() < 0.3:
        extras.append(rng.choice(["k = 12", "n = 340", "k = 7", "N = 1,204"]))
    rng.shuffle(extras)
    body = f"{spelling}{about}{link}{num(value)}{sep}{ci}"
    if extras and rng.random() < 0.5:
        body = f"{body}, {', '.join(extras)}"
    elif extras:
        body = f"{'; '.join(extras)}; {body}"
    if rng.random() < 0.5:
        body = f"({body})"
    return WrittenStat(body, measure, shown_value, shown_lo, shown_hi)


def sentence(rng: random.Random, stat: WrittenStat) -> str:
    """The statistic inside a sentence of prose."""
    lead = rng.choice(["The pooled effect was", "Compared with controls the result was", "Across the trials,",
                       "For the main outcome the estimate was", "The authors report", "Overall,"])
    return f"{lead} {stat.text}."
