"""forest.py: forest plots as accessible SVG, read back with xml.etree (no browser)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pprnet_kg.forest import BAND, COLOURS, Row, _clean, plots, row_from
from pprnet_kg.model import Finding

NS = {"s": "http://www.w3.org/2000/svg"}
LONG = ("Internet-delivered cognitive behavioural therapy versus waiting list for adults with major depression: "
        "depressive symptoms")
HOSTILE = '<script>alert(1)</script> & "quotes"'


def row(label="A trial: symptoms", code="SMD", value="0.45", lo="0.16", hi="0.75", kind="comparison", **kw) -> Row:
    return Row(label, code, D(value), lo and D(lo), hi and D(hi), kind, **kw)


def svg_of(plot) -> ET.Element:
    return ET.fromstring(plot.svg)


def text(el: ET.Element) -> str:
    return "".join(el.itertext())


def ticks(root) -> list[float]:
    return [float(text(t)) for g in root.iterfind(".//s:g[@class='tick']", NS) for t in g.iterfind("s:text", NS)]


def labels(root) -> list[str]:
    return [" ".join(text(s) for s in t.iterfind("s:tspan", NS))
            for t in root.iterfind(".//s:text[@class='label']", NS)]


def marks(root) -> list[str]:
    return [m.get("data-shape") for m in root.iterfind(".//s:g[@class='row']//*[@class='mark']", NS)]


def only(rows, **kw):
    (plot,) = plots(rows, **kw)
    return plot, svg_of(plot)


MIXED = [
    row("Trial A: symptoms", outcome="symptoms", timepoint="follow-up"),
    row("Trial B: symptoms", value="0.1", lo="-0.2", hi="0.4", outcome="symptoms", timepoint="post-treatment"),
    row("Cohort C: alliance and outcome", "r", "0.3", "0.1", "0.5", "association", outcome="alliance"),
    row("Trial D: remission", "OR", "2.1", "1.2", "3.5", outcome="remission", smd=D("0.41"), smd_lo=D("0.1"),
        smd_hi=D("0.69")),
    row("Cohort E: dropout", "HR", "0.8", "0.6", "1.1", "association"),
    row("Trial F: response", "NNT", "5", "3", "12"),
    row("Trial G: no interval", "g", "0.3", None, None),
]


def test_every_svg_is_an_accessible_image_with_title_and_desc():
    for plot in plots(MIXED):
        if not plot.svg:
            continue
        root = svg_of(plot)
        assert root.get("role") == "figure" and root.get("width") == "100%" and root.get("viewBox").startswith("0 0 720 ")
        assert text(root.find("s:title", NS)) == plot.heading
        desc = text(root.find("s:desc", NS))
        assert "Forest plot of" in desc and "scale" in desc
        assert all(g.find("s:title", NS) is not None or g.find("s:a/s:title", NS) is not None
                   for g in root.iterfind(".//s:g[@class='row']", NS))


def test_axis_has_increasing_ticks_with_numbers():
    for plot in plots(MIXED):
        if plot.svg:
            values = ticks(svg_of(plot))
            assert 4 <= len(values) <= 7, (plot.heading, values)
            assert values == sorted(values) and len(set(values)) == len(values)


def test_null_line_drawn_and_labelled_except_for_nnt():
    for plot in plots(MIXED):
        if not plot.svg:
            continue
        root = svg_of(plot)
        lines = root.findall(".//s:line[@class='null']", NS)
        label = root.findall(".//s:text[@class='null-label']", NS)
        if plot.measure == "NNT":
            assert not lines and not label
            assert "no value of no effect" in text(root.find(".//s:text[@class='axis-title']", NS))
        else:
            assert len(lines) == 1 and len(label) == 1 and "no effect" in text(label[0])


@pytest.mark.parametrize("code", ["OR", "RR", "HR"])
def test_ratio_axes_are_log_scale_and_say_so(code):
    plot, root = only([row(code=code, value="1.5", lo="0.9", hi="2.5"),
                       row(code=code, value="0.5", lo="0.3", hi="0.8")])
    assert "log scale" in text(root.find(".//s:text[@class='axis-title']", NS))
    assert "log scale" in text(root.find("s:desc", NS))
    assert "1" in [text(t) for t in root.iterfind(".//s:g[@class='tick']/s:text", NS)]


def test_difference_axis_is_linear():
    _, root = only([row()])
    assert "linear scale" in text(root.find(".//s:text[@class='axis-title']", NS))


def test_full_label_wrapped_never_cut():
    assert len(LONG) > 110
    _, root = only([row(LONG)])
    (spans,) = [t.findall("s:tspan", NS) for t in root.iterfind(".//s:text[@class='label']", NS)]
    assert len(spans) >= 3 and all(len(text(s)) <= 40 for s in spans)
    assert labels(root) == [LONG]
    assert any(LONG in text(t) for t in root.iterfind(".//s:g[@class='row']//s:title", NS))


def test_value_and_ci_text_per_row():
    _, root = only([row(), row("Other", value="-0.2", lo="-0.5", hi="0.1")])
    values = [text(t) for t in root.iterfind(".//s:text[@class='value']", NS)]
    assert values == ["0.45 [0.16, 0.75]", "-0.2 [-0.5, 0.1]"]


def test_comparison_and_association_never_share_a_plot():
    out = plots(MIXED)
    for plot in out:
        kinds = {r.kind for r in MIXED if r.label in labels(svg_of(plot))} if plot.svg else set()
        assert len(kinds) <= 1
    assert {p.kind for p in out} == {"comparison", "association"}
    smd = plots([row(kind="comparison", smd=D("0.4")), row("r", "r", kind="association", smd=D("0.6"))], scale="smd")
    assert [p.kind for p in smd] == ["comparison", "association"]


def test_measures_of_one_family_share_a_plot_others_do_not():
    headings = [p.heading for p in plots(MIXED)]
    assert headings == ["Comparisons · SMD, g", "Comparisons · OR", "Comparisons · NNT",
                        "Associations · r", "Associations · HR"]


def test_rows_without_ci_are_listed_not_dropped():
    out = plots([row("No CI here", lo=None, hi=None), row()])
    assert [r.label for r in out[0].no_ci] == ["No CI here"]
    assert "No CI here" not in labels(svg_of(out[0]))
    assert "1 finding without a CI is listed below" in text(svg_of(out[0]).find("s:desc", NS))
    (alone,) = plots([row("Only one", "r", lo=None, hi=None, kind="association")])
    assert alone.svg == "" and [r.label for r in alone.no_ci] == ["Only one"]


def test_groups_by_outcome_and_timepoint_inside_the_plot():
    _, root = only([row("x", outcome="symptoms", timepoint="follow-up"),
                    row("y", outcome="symptoms", timepoint="post-treatment"), row("z")])
    groups = [text(t) for t in root.iterfind(".//s:text[@class='group']", NS)]
    assert groups == ["symptoms · post-treatment", "symptoms · follow-up",
                      "outcome not stated · time point not stated"]
    assert labels(root) == ["y", "x", "z"]


def test_deterministic():
    assert [p.svg for p in plots(MIXED)] == [p.svg for p in plots(list(MIXED))]
    assert [p.svg for p in plots(MIXED, scale="smd")] == [p.svg for p in plots(MIXED, scale="smd")]


def test_hostile_text_is_escaped():
    plot, root = only([row(HOSTILE, outcome=HOSTILE, href='x.html" onclick="evil()')])
    assert "<script>" not in plot.svg and not root.findall(".//script") and not root.findall(".//s:script", NS)
    assert labels(root) == [HOSTILE]
    assert text(root.find(".//s:text[@class='group']", NS)).startswith(HOSTILE)
    (link,) = root.iterfind(".//s:a", NS)
    assert link.get("href") == 'x.html" onclick="evil()' and link.get("onclick") is None


def test_links_only_when_href_given_and_never_javascript():
    _, root = only([row("a", href="../articles/a.html"), row("b"), row("c", href="javascript:alert(1)")])
    assert [a.get("href") for a in root.iterfind(".//s:a", NS)] == ["../articles/a.html"]


def test_significance_marked_by_shape_and_explained():
    _, root = only([row("sig"), row("ns", value="0.1", lo="-0.2", hi="0.4")])
    assert marks(root) == ["square", "circle"]
    legend = [text(t) for t in root.findall("s:text", NS)]
    assert "95% CI excludes no effect" in legend and "95% CI includes no effect" in legend
    _, nnt = only([row(code="NNT", value="5", lo="3", hi="12")])
    assert marks(nnt) == ["diamond"]


def test_smd_scale_plots_only_rows_with_an_equivalent():
    (comp,) = plots(MIXED, scale="smd")  # no association row of MIXED has an SMD equivalent
    assert comp.heading == "Comparisons · SMD equivalent"
    assert labels(svg_of(comp)) == ["Trial D: remission"]
    assert [text(t) for t in svg_of(comp).iterfind(".//s:text[@class='value']", NS)] == ["0.41 [0.1, 0.69]"]
    assert "linear scale" in text(svg_of(comp).find("s:desc", NS))
    assert comp.no_ci == ()  # the rows without an SMD equivalent are not this plot's to list
    (no_ci,) = plots([row(smd=D("0.4")), row("x", "r", smd=None)], scale="smd")
    assert no_ci.svg == "" and [r.label for r in no_ci.no_ci] == ["A trial: symptoms"]


def test_row_from_model_finding_carries_smd_and_verdict():
    f = Finding("OR", D("2"), "OR 2 (95% CI 1.5 to 2.7)", 1, ci_lower=D("1.5"), ci_upper=D("2.7"), kind="comparison")
    r = row_from(f, "Trial: remission", "a.html")
    assert r.smd is not None and r.smd_lo is not None and r.excludes_null is True and r.href == "a.html"


@pytest.mark.parametrize("rows", [
    [row(value="0.5", lo="0.5", hi="0.5")],  # a CI of zero width
    [row(value="0", lo="0", hi="0")],  # all at the null
    [row(value="0.3", lo="0.3", hi="0.3"), row("b", value="0.3", lo="0.3", hi="0.3")],  # all values equal
    [row(value="-1.2", lo="-2", hi="-0.4"), row("b", value="3", lo="1", hi="5")],  # negative and positive
    [row(code="NNT", value="4", lo="4", hi="4")],
    [row(code="RR", value="1", lo="1", hi="1")],
])
def test_degenerate_input_still_draws_a_sound_axis(rows):
    _, root = only(rows)
    values = ticks(root)
    assert 4 <= len(values) <= 7 and values == sorted(values) and len(set(values)) == len(values)
    for el in root.iter():
        for name in ("x", "x1", "x2", "cx", "y", "cy"):
            if el.get(name) is not None:
                assert el.get(name) not in ("nan", "inf", "-inf")


def test_ratio_bounds_near_zero_are_clipped_and_said_so():
    _, root = only([row(code="OR", value="0.02", lo="0.0001", hi="0.9"),
                    row("b", code="OR", value="2", lo="0", hi="4")])
    titles = [text(g.find("s:title", NS)) for g in root.iterfind(".//s:g[@class='row']", NS)]
    assert all("axis floor 0.01" in t for t in titles)
    assert "lower bound 0.0001" in titles[0] and "lower bound 0" in titles[1]
    assert min(ticks(root)) > 0
    assert len(root.findall(".//s:polygon[@class='clipped']", NS)) == 2


def test_height_grows_with_wrapped_lines():
    _, short = only([row("short")])
    _, tall = only([row(LONG)])
    assert float(tall.get("viewBox").split()[3]) > float(short.get("viewBox").split()[3])


def _contrast(hex_colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    lum = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (lum + 0.05)


def test_colours_contrast_on_white():
    assert all(_contrast(c) >= 4.5 for c in COLOURS.values())  # text and marks alike, so the stricter bar
    assert _contrast(COLOURS["text"]) / _contrast(BAND) >= 4.5  # text on a shaded row


def test_unknown_scale_is_refused():
    from pprnet_kg.errors import PprnetError

    with pytest.raises(PprnetError, match="scale"):
        plots(MIXED, scale="log")


@settings(max_examples=60, deadline=None)
@given(label=st.text(max_size=200), value=st.decimals(-1000, 1000, places=3),
       width=st.decimals(0, 500, places=3), code=st.sampled_from(["SMD", "r", "OR", "NNT", "B"]))
def test_any_label_and_numbers_give_well_formed_svg(label, value, width, code):
    lo, hi = value - width, value + width
    if code == "OR":
        value, lo, hi = abs(value), abs(value) / 2, abs(value) * 2 + 1
    (plot,) = plots([Row(label, code, value, lo, hi, "comparison")])
    root = ET.fromstring(plot.svg)
    shown = "".join(labels(root)[0].split())  # long words are broken across lines, never cut
    assert shown == ("".join(_clean(label).split()) or "(nolabel)")
    assert value == value and 4 <= len(ticks(root)) <= 7
