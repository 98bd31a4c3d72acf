"""Findings -> forest plots as accessible inline SVG (no script, nothing fetched).

One plot per kind of finding and measure: comparison and association findings never share an
axis, and neither do measures whose numbers mean different things (SMD, d and g are one family
and share one). Inside a plot the rows are grouped under headings by outcome and time point, so
they stay on one comparable axis. With ``scale="smd"`` the SMD equivalents (effectsize.py) of
each kind share one SMD axis. Rows without a CI are never drawn and never dropped: they come
back in ``Plot.no_ci`` for the page to list under the plot.

Each SVG has role="figure", a <title> and a <desc>; every row has a <title> with its full text;
labels are wrapped whole (never cut); significance is marked by shape as well as colour; the
output depends only on the input (same rows, same bytes).
"""

from __future__ import annotations

import hashlib
import math
import re
import textwrap
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from markupsafe import escape

from .errors import PprnetError
from .measures import measure, table

WIDTH = 720
WRAP = 40  # characters per label line
FLOOR = Decimal("0.01")  # ratios below this are drawn at it (a log axis cannot reach 0)
SMD_FAMILY = ("SMD", "d", "g")
KINDS = {"comparison": "Comparisons", "association": "Associations",
         "within-group": "Within-group changes", None: "Kind not stated"}
TIMEPOINTS = ("post-treatment", "follow-up", "session-level")
# on white: text >= 4.5:1, marks >= 3:1 (tests/test_forest.py checks)
COLOURS = {"text": "#1a1a1a", "excludes": "#0b4f8a", "includes": "#5c5c5c", "no verdict": "#6a3d9a",
           "axis": "#333333", "null": "#595959"}
BAND = "#f3f3f3"  # background of every other row, not a mark
_LX, _PL, _PR, _VX = 8, 300, 540, 552  # label x, plot left/right, value column x
_LH, _TOP = 15, 58  # label line height, y of the first row
_CTRL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")  # not allowed in XML


@dataclass(frozen=True)
class Row:
    """One finding as the plot needs it; label is the full text (article title and outcome)."""

    label: str
    measure: str  # a code of data/measures.toml
    value: Decimal
    lo: Decimal | None = None
    hi: Decimal | None = None
    kind: str | None = None  # comparison | association | within-group
    outcome: str | None = None
    timepoint: str | None = None
    smd: Decimal | None = None
    smd_lo: Decimal | None = None
    smd_hi: Decimal | None = None
    excludes_null: bool | None = None  # informative: the mark follows the CI as drawn, so they always agree
    href: str | None = None


@dataclass(frozen=True)
class Plot:
    heading: str  # e.g. "Comparisons · SMD, g"
    svg: str  # markup; "" when no row of the group has a CI
    no_ci: tuple[Row, ...]  # rows of the group without a CI, to list under the plot
    kind: str | None
    measure: str  # a measure code, "SMD" for the SMD/d/g family, or "SMD equivalent"


def row_from(finding, label: str, href: str | None = None) -> Row:
    """A Row from a model.Finding, with its SMD equivalent and whether its CI excludes the null."""
    from .effectsize import smd_equivalent
    from .measures import excludes_null

    eq = smd_equivalent(finding)
    return Row(label, finding.measure, finding.value, finding.ci_lower, finding.ci_upper, finding.kind,
               finding.outcome, finding.timepoint, eq and eq.value, eq and eq.lower, eq and eq.upper,
               excludes_null(finding.measure, finding.ci_lower, finding.ci_upper), href)


def plots(rows: list[Row], *, scale: str = "native") -> list[Plot]:
    """Forest plots of rows: one per kind and measure ("native") or one per kind on SMD ("smd")."""
    if scale not in ("native", "smd"):
        raise PprnetError(f"forest plot scale must be 'native' or 'smd', not {scale!r}")
    order = {code: i for i, code in enumerate(table())}
    kinds = list(KINDS)

    def key(r: Row) -> tuple:
        kind = kinds.index(r.kind) if r.kind in KINDS else len(kinds)
        if scale == "smd":
            return kind, r.kind, 0, ""
        family = "SMD" if r.measure in SMD_FAMILY else r.measure
        return kind, r.kind, order.get(family, len(order)), family

    chosen = [r for r in rows if scale == "native" or r.smd is not None]
    out = []
    for (_, kind, _, family), members in groupby(sorted(chosen, key=key), key=key):
        members = list(members)
        if scale == "smd":
            items = [(r, r.smd, r.smd_lo, r.smd_hi) for r in members]
            heading, name, m = f"{KINDS.get(kind, kind)} · SMD equivalent", "SMD equivalent", measure("SMD")
            code = "SMD equivalent"
            axis = "standardised mean difference equivalent (SMD)"
        else:
            items = [(r, r.value, r.lo, r.hi) for r in members]
            codes = [c for c in table() if any(r.measure == c for r in members)]
            heading, name, m = f"{KINDS.get(kind, kind)} · {', '.join(codes)}", family, measure(family)
            code = ", ".join(codes)
            axis = f"{m.label} ({code})"
        drawn = [it for it in items if it[2] is not None and it[3] is not None]
        no_ci = tuple(it[0] for it in items if it[2] is None or it[3] is None)
        svg = _svg(heading, code, drawn, axis, m.null, m.is_ratio, len(no_ci)) if drawn else ""
        out.append(Plot(heading, svg, no_ci, kind, name))
    return out


def _clean(text: str) -> str:
    return " ".join(_CTRL.sub("", text).split())


def _esc(text: str) -> str:
    """Text for SVG markup: characters XML forbids dropped, whitespace collapsed, markup escaped."""
    return str(escape(_clean(str(text))))


def _num(d: Decimal) -> str:
    s = format(d.normalize() if d == d.to_integral_value() else d, "f")
    return "0" if s in ("-0", "0E-0") else s


def _nice(lo: float, hi: float, mantissas=("1", "2", "2.5", "5")) -> list[Decimal]:
    """4-7 round ticks covering [lo, hi] on a linear axis."""
    if hi - lo < 1e-12:
        pad = abs(lo) * 0.5 or 1.0
        lo, hi = lo - pad, hi + pad
    e0 = math.floor(math.log10((hi - lo) / 5))
    best = None
    for e in (e0 - 1, e0, e0 + 1):
        for m in mantissas:
            step = Decimal(m).scaleb(e)
            a, b = math.floor(Decimal(repr(lo)) / step), math.ceil(Decimal(repr(hi)) / step)
            n = b - a + 1
            waste = float((b - a) * step) / (hi - lo)
            score = (not 4 <= n <= 7, round(waste, 6), m == "2.5", abs(n - 5))
            if best is None or score < best[0]:
                best = (score, [step * i for i in range(a, b + 1)])
    return best[1]


def _log_ticks(lo: float, hi: float) -> list[Decimal]:
    """4-7 round ticks covering [lo, hi] (both > 0) on a log axis: 1-2-5 steps, decades, or finer."""
    if hi / lo < 1.0001:
        lo, hi = lo / 2, hi * 2
    k0, k1 = math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1
    best = None
    for stride, ms in ((1, ("1", "2", "5")), (1, ("1", "3")), (1, ("1",)), (2, ("1",)), (3, ("1",)),
                       (5, ("1",)), (1, ("1", "1.5", "2", "3", "5", "7"))):
        grid = sorted(Decimal(m).scaleb(k) for k in range(k0 - stride, k1 + stride) if k % stride == 0 for m in ms)
        below = [t for t in grid if t <= Decimal(repr(lo))]
        above = [t for t in grid if t >= Decimal(repr(hi))]
        if not below or not above:
            continue
        ticks = [t for t in grid if below[-1] <= t <= above[0]]
        waste = math.log(float(ticks[-1]) / float(ticks[0])) / math.log(hi / lo)
        score = (not 4 <= len(ticks) <= 7, round(waste, 6), abs(len(ticks) - 5))
        if best is None or score < best[0]:
            best = (score, ticks)
    if best[0][0]:  # a narrow range: round steps in value, still placed on the log axis
        linear = _nice(lo, hi, ("1", "2", "2.5", "5"))
        if linear[0] > 0 and 4 <= len(linear) <= 7:
            return linear
    return best[1]


def _mark(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return (f'<rect class="mark" data-shape="square" x="{x - 4.5:.1f}" y="{y - 4.5:.1f}" width="9" height="9" '
                f'fill="{colour}"/>')
    if shape == "circle":
        return (f'<circle class="mark" data-shape="circle" cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="#ffffff" '
                f'stroke="{colour}" stroke-width="2"/>')
    pts = f"{x:.1f},{y - 5.5:.1f} {x + 5.5:.1f},{y:.1f} {x:.1f},{y + 5.5:.1f} {x - 5.5:.1f},{y:.1f}"
    return f'<polygon class="mark" data-shape="diamond" points="{pts}" fill="{colour}"/>'


SHAPES = {True: ("square", "excludes"), False: ("circle", "includes"), None: ("diamond", "no verdict")}
LEGEND = {True: "95% CI excludes no effect", False: "95% CI includes no effect", None: "estimate, no verdict"}


def _group_key(item) -> tuple:
    r = item[0]
    tp = r.timepoint
    return (r.outcome is None, (r.outcome or "").casefold(), r.outcome or "", tp is None,
            TIMEPOINTS.index(tp) if tp in TIMEPOINTS else len(TIMEPOINTS), tp or "")


def _svg(heading: str, code: str, items: list, axis: str, null: Decimal | None, log: bool, missing: int) -> str:
    """One forest plot: legend, column heads, grouped rows, x axis with ticks, null line."""
    rows = []
    for r, v, lo, hi in items:
        lo, hi = min(lo, hi), max(lo, hi)
        note = ""
        if log and min(v, lo) < FLOOR:
            below = ", ".join(f"{w} {_num(x)}" for w, x in (("estimate", v), ("lower bound", lo), ("upper bound", hi))
                              if x < FLOOR)
            note = f"; drawn at the axis floor {_num(FLOOR)}: {below}"
        verdict = None if null is None else lo > null or hi < null
        rows.append((r, v, lo, hi, verdict, note))
    shown = [(max(x, FLOOR) if log else x) for _, v, lo, hi, _, _ in rows for x in (v, lo, hi)]
    shown += [null] if null is not None else []
    ticks = (_log_ticks if log else _nice)(float(min(shown)), float(max(shown)))
    t = (lambda d: math.log10(float(d))) if log else float
    t0, t1 = t(ticks[0]), t(ticks[-1])

    def x(d: Decimal) -> float:
        return _PL + (t(d) - t0) / (t1 - t0) * (_PR - _PL)

    body, y, n = [], _TOP, 0
    for (_, _, outcome, _, _, tp), group in groupby(sorted(rows, key=_group_key), key=_group_key):
        name = f"{outcome or 'outcome not stated'} · {tp or 'time point not stated'}"
        body.append(f'<text class="group" x="{_LX}" y="{y + 14}" font-weight="bold">{_esc(name)}</text>')
        y += 20
        for r, v, lo, hi, verdict, note in group:
            lines = textwrap.wrap(_clean(r.label), WRAP, break_on_hyphens=False) or ["(no label)"]
            h = len(lines) * _LH + 8
            cy = y + 4 + len(lines) * _LH / 2
            shape, colour = SHAPES[verdict]
            colour = COLOURS[colour]
            value = f"{_num(v)} [{_num(lo)}, {_num(hi)}]"
            says = {True: "; the 95% CI excludes no effect", False: "; the 95% CI includes no effect"}.get(verdict, "")
            extra = f" (from {r.measure} {_num(r.value)})" if code == "SMD equivalent" else ""
            title = f"{_clean(r.label)}: {r.measure if not extra else 'SMD'} {value}{extra}{says}{note}"
            band = f'<rect x="0" y="{y}" width="{WIDTH}" height="{h}" fill="{BAND}"/>' if n % 2 else ""
            spans = "".join(f'<tspan x="{_LX}" y="{y + 15 + i * _LH}">{_esc(s)}</tspan>' for i, s in enumerate(lines))
            x0, x1 = x(max(lo, FLOOR) if log else lo), x(max(hi, FLOOR) if log else hi)
            parts = [f"<title>{_esc(title)}</title>", band, f'<text class="label">{spans}</text>',
                     f'<line class="ci" x1="{x0:.1f}" y1="{cy:.1f}" x2="{x1:.1f}" y2="{cy:.1f}" stroke="{colour}" '
                     f'stroke-width="2"/>']
            if note:
                parts.append(f'<polygon class="clipped" points="{x0 - 6:.1f},{cy:.1f} {x0:.1f},{cy - 4:.1f} '
                             f'{x0:.1f},{cy + 4:.1f}" fill="{colour}"/>')
            parts += [_mark(shape, x(max(v, FLOOR) if log else v), cy, colour),
                      f'<text class="value" x="{_VX}" y="{cy + 4:.1f}">{_esc(value)}</text>']
            inner = "".join(parts)
            href = (r.href or "").strip()
            if href and not href.lower().startswith(("javascript:", "data:", "vbscript:")):
                inner = f'<a href="{_esc(href)}">{inner}</a>'
            body.append(f'<g class="row">{inner}</g>')
            y, n = y + h, n + 1

    y_axis = y + 8
    height = y_axis + 50
    head = [f'<text x="{_LX}" y="38" font-weight="bold">Finding</text>',
            f'<text x="{_VX}" y="38" font-weight="bold">{_esc(code)} [95% CI]</text>']
    if null is not None:
        nx = x(null)
        head += [f'<line class="null" x1="{nx:.1f}" y1="{_TOP - 4}" x2="{nx:.1f}" y2="{y_axis}" '
                 f'stroke="{COLOURS["null"]}" stroke-width="1.5" stroke-dasharray="5 3"/>',
                 f'<text class="null-label" x="{nx:.1f}" y="{_TOP - 8}" text-anchor="middle">'
                 f'no effect ({_num(null)})</text>']
    verdicts = (True, False) if null is not None else (None,)  # the whole key, even for one kind of row
    lx, legend = float(_LX), []
    for v in verdicts:
        shape, colour = SHAPES[v]
        text = LEGEND[v] if null is not None else "estimate (this measure has no value of no effect)"
        legend += [_mark(shape, lx + 5, 14, COLOURS[colour]), f'<text x="{lx + 15:.1f}" y="18">{_esc(text)}</text>']
        lx += 30 + len(text) * 6.5
    axis_parts = [f'<line x1="{_PL}" y1="{y_axis}" x2="{_PR}" y2="{y_axis}" stroke="{COLOURS["axis"]}"/>']
    for tick in ticks:
        tx = x(tick)
        axis_parts.append(f'<g class="tick"><line x1="{tx:.1f}" y1="{y_axis}" x2="{tx:.1f}" y2="{y_axis + 5}" '
                          f'stroke="{COLOURS["axis"]}"/><text x="{tx:.1f}" y="{y_axis + 18}" '
                          f'text-anchor="middle">{_num(tick.normalize())}</text></g>')
    scale_words = "log scale" if log else "linear scale"
    if null is None:
        title_words = f"{axis}, {scale_words}; no null line: this measure has no value of no effect"
    else:
        title_words = f"{axis}, {scale_words}"
    axis_parts.append(f'<text class="axis-title" x="{(_PL + _PR) / 2:.1f}" y="{y_axis + 38}" '
                      f'text-anchor="middle">{_esc(title_words)}</text>')

    counts = {v: sum(1 for *_, w, _ in rows if w is v) for v in (True, False, None)}
    desc = (f"Forest plot of {len(rows)} finding{'s' * (len(rows) != 1)} with a 95% CI: {axis}, {scale_words}, "
            f"axis from {_num(ticks[0].normalize())} to {_num(ticks[-1].normalize())}. ")
    if null is None:
        desc += "This measure has no value of no effect, so there is no null line. "
    else:
        desc += (f"No effect is {_num(null)}. CIs excluding it: {counts[True]} (filled squares); "
                 f"including it: {counts[False]} (hollow circles). ")
    desc += "Rows are grouped by outcome and time point."
    if missing:
        desc += f" {missing} finding{'s' * (missing != 1)} without a CI {'are' if missing != 1 else 'is'} listed below."
    ident = "forest-" + hashlib.sha1((heading + desc + "".join(r.label for r, *_ in rows)).encode()).hexdigest()[:10]
    return "".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" class="forest" role="figure" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" font-family="sans-serif" font-size="12" fill="{COLOURS["text"]}" '
        f'aria-labelledby="{ident}-t {ident}-d">',
        f'<title id="{ident}-t">{_esc(heading)}</title><desc id="{ident}-d">{_esc(desc)}</desc>',
        *legend, *head, *body, *axis_parts, "</svg>"])
