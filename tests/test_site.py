"""site.py and analytics.py: the offline explorer and the network analysis."""

from __future__ import annotations

import csv
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pprnet_kg.analytics import analyze
from pprnet_kg.pipeline import build
from pprnet_kg.site import build_site

from conftest import kg_of

BASE = "https://w3id.org/pprnet/id/"
LOADS_FROM_OUTSIDE = re.compile(
    r"""<(?:script|link|img|iframe|source|embed|object)\b[^>]*\b(?:src|href|data)\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|@import|url\(\s*["']?(?:https?:)?//""", re.I)


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        self.hrefs += [v for k, v in attrs if k in {"href", "src"} and v]


@pytest.fixture(scope="module")
def site(real_build, tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    counts = build_site(kg_of(real_build.graph), out)
    return out, counts


def test_site_has_a_page_per_article_topic_disorder_intervention(site):
    out, counts = site
    # disorder and intervention pages come from finding-level links: psychotherapy (added after
    # non-response, December) and videoconferencing (July); the interventions a post only mentions get none
    assert counts == {"articles": 6, "topics": 36, "disorders": 2, "interventions": 2, "authors": 27, "views": 4,
                      "evidence cells": 2}
    assert len(list((out / "articles").glob("*.html"))) == 6
    assert len(list((out / "topics").glob("*.html"))) == 36


def test_every_local_link_resolves_and_nothing_loads_from_outside(site):
    out, _ = site
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not LOADS_FROM_OUTSIDE.search(text), page
        parser = Links()
        parser.feed(text)
        for href in parser.hrefs:
            if href.startswith("https://doi.org/"):
                continue
            assert not href.startswith(("http:", "https:", "//")), (page, href)
            path, _, fragment = href.partition("#")
            target = (page.parent / path).resolve() if path else page
            assert target.is_file(), (page, href)
            if fragment:  # a table of contents or a timeline link: the id is there
                assert f'id="{fragment}"' in target.read_text(encoding="utf-8"), (page, href)


def test_topic_page_compares_findings_with_forest_plot_and_csv(site):
    out, _ = site
    page = (out / "topics" / "alliance-and-therapeutic-relationship.html").read_text(encoding="utf-8")
    # comparisons (SMD) and associations (B) never share an axis
    assert page.count('class="forest"') == 2 and "Comparisons · SMD" in page and "Associations · B" in page
    assert "95% [-0.092, -0.038]" in page and "p &lt; 0.0001" in page
    rows = list(csv.DictReader((out / "topics" / "alliance-and-therapeutic-relationship.csv").open(encoding="utf-8")))
    assert sorted((r["measure"], r["value"]) for r in rows) == [
        ("B", "-0.065"), ("B", "-0.148"), ("SMD", "-0.03"), ("SMD", "-0.3")]
    assert all(r["ci_level"] == "95%" for r in rows)


def test_article_page_has_citation_doi_findings_and_provenance(site):
    out, _ = site
    page = (out / "articles" / "doi-10-1016-j-cpr-2019-101810.html").read_text(encoding="utf-8")
    assert 'href="https://doi.org/10.1016/j.cpr.2019.101810"' in page
    assert "Source: blog-2020-07-to-2020-12.txt, line 46." in page
    assert "was read from line 48" in page
    uncited = next((out / "articles").glob("uncited-*.html")).read_text(encoding="utf-8")
    assert "The post gives no citation for this study." in uncited


def test_hostile_text_is_escaped_on_every_page(tmp_path):
    page = tmp_path / "evil.txt"
    page.write_text("May 2021\n<script>alert(1)</script> Title\nDoe, J. (2021). <img src=x onerror=alert(2)>. "
                    "Journal\"><script>alert(3)</script>, 1(1), 1-2.\nSummary with SMD = 0.4; 95% CI: 0.1, 0.7 "
                    "and depression.\nPractice Implications\n<b onmouseover=alert(4)>x</b>\n", encoding="utf-8")
    out = tmp_path / "site"
    build_site(kg_of(build([page]).graph), out, views=False)
    for html in out.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text and "<b onmouseover" not in text, html


def test_analysis_of_the_real_page(real_build):
    a = analyze(kg_of(real_build.graph))
    assert (a.nodes, a.edges, len(a.communities)) == (27, 27, 4)
    assert a.degree[0].iri == BASE + "article/doi/10.1016/j.cpr.2019.101810"
    assert [(r.label, r.score) for r in a.bridging_topics][:2] == [
        ("Alliance and Therapeutic Relationship", 2), ("Outcomes and Deterioration", 2)]
    assert analyze(kg_of(real_build.graph)) == a  # deterministic (seeded Louvain)


def test_forest_plots_nnt_without_null_and_ratios_on_a_log_scale():
    # regression (review): NNT got a null line at 0 and every CI coloured as excluding it;
    # ratios were on a linear scale, where 0.5 and 2 do not lie equally far from 1
    from decimal import Decimal as D

    from pprnet_kg.forest import Row, plots

    [nnt] = plots([Row("a", "NNT", D(5), D(3), D(12), "comparison")])
    assert 'class="null"' not in nnt.svg
    [ratios] = plots([Row("a", "OR", D("0.5"), D("0.25"), D("1.0"), "comparison"),
                      Row("b", "OR", D(2), D("1.0"), D(4), "comparison")])
    marks = [float(x) for x in re.findall(r'<g class="row">.*?class="mark"[^>]*?cx="([\d.]+)"', ratios.svg)]
    null_x = float(re.search(r'<line class="null" x1="([\d.]+)"', ratios.svg).group(1))
    assert len(marks) == 2 and abs((null_x - marks[0]) - (marks[1] - null_x)) < 0.5
    assert "log scale" in ratios.svg


def test_site_forest_plots_have_axes_values_and_full_labels(site):
    out, _ = site
    page = (out / "disorders" / "depression.html").read_text(encoding="utf-8")
    assert page.count('class="tick"') >= 4 and 'class="null-label"' in page
    assert "0.45 [0.16, 0.75]" in page and "Treating treatment non-responders" in page
    assert "(on one scale)" not in page  # SMD findings only: nothing to convert
    common = (out / "topics" / "common-factors.html").read_text(encoding="utf-8")
    assert "Associations · r" in common and "Associations · SMD equivalent (on one scale)" in common


def test_topic_pages_show_only_the_implications_of_posts_filed_under_the_topic(tmp_path):
    # regression (review): an article blogged twice under different topics showed both posts' implications
    page = tmp_path / "twice.txt"
    page.write_text(
        "May 2021\nOn Group Therapy\nDoe, J. (2020). A study. Journal A, 1(1), 1-2. https://doi.org/10.5555/x.1\n"
        "A summary about group therapy and group psychotherapy.\nPractice Implications\nUse groups wisely.\n"
        "June 2021\nOn Placebo\nDoe, J. (2020). A study. Journal A, 1(1), 1-2. https://doi.org/10.5555/x.1\n"
        "A summary about the placebo effect and placebo pills.\nPractice Implications\nMind the placebo.\n",
        encoding="utf-8")
    out = tmp_path / "site"
    build_site(kg_of(build([page]).graph), out, views=False)
    group = (out / "topics" / "group-psychotherapy.html").read_text(encoding="utf-8")
    assert "Use groups wisely." in group and "Mind the placebo." not in group


# ------------------------------------------------ evidence map, practice implications first (issue 12)

def test_evidence_map_cells_match_the_evidence_map_query(site, real_build):
    from pprnet_kg.sparql import load_query

    out, _ = site
    html = (out / "evidence.html").read_text(encoding="utf-8")
    rows = kg_of(real_build.graph).query(load_query("evidence_map")).records()
    assert rows
    for r in rows:
        cell = f"evidence/{str(r.intervention).rsplit('/', 1)[1]}--{str(r.condition).rsplit('/', 1)[1]}.html"
        assert f'href="{cell}"' in html
        page = (out / cell).read_text(encoding="utf-8")
        assert page.count("<tr data-outcomes=") == int(r.findings)  # one table row per finding
        summary = html.split(f'href="{cell}"', 1)[1].split("</td>", 1)[0]
        assert f"{int(r.excludesNull)} CI excludes null" in summary and f"{int(r.noCi)} no CI" in summary
        assert f"{int(r.includesNull)} includes" in summary


def test_concept_pages_open_with_practice_implications(site):
    out, _ = site
    page = (out / "disorders" / "depression.html").read_text(encoding="utf-8")
    assert page.index("What it means for practice") < page.index("Evidence: comparison of findings")
    assert page.count("<blockquote>") >= 1 and "From the post on" in page


def test_comparison_csv_has_every_finding_field(site):
    out, _ = site
    rows = list(csv.DictReader((out / "disorders" / "depression.csv").open(encoding="utf-8")))
    assert {"kind", "intervention", "comparator", "outcome", "timepoint", "caveat", "sentence", "smd_equivalent",
            "source_line", "finding"} <= set(rows[0])
    assert {r["timepoint"] for r in rows} == {"", "follow-up"}
    assert all(r["intervention"] == "adding psychotherapy after previous treatment non-response" for r in rows)


def test_search_page_ships_its_index_and_allows_only_its_own_script(site):
    import base64
    import hashlib

    out, _ = site
    page = (out / "search.html").read_text(encoding="utf-8")
    script = page.split("<script>", 1)[1].split("</script>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page
    data = page.split('id="search-index">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and data.startswith("[")
    other = (out / "index.html").read_text(encoding="utf-8")
    assert "script-src" not in other  # pages without a script allow none


def test_view_nodes_link_to_their_site_pages(site):
    out, _ = site
    html = (out / "views" / "overview.html").read_text(encoding="utf-8")
    hrefs = set(re.findall(r'"href": "\.\./([^"]+)"', html))
    assert {f"articles/{p.name}" for p in (out / "articles").glob("*.html")} <= hrefs
    assert all((out / h).is_file() for h in hrefs)
    assert "Open its page" in html
    # the evidence view's findings (details panel, edge clicks) link their article's page too
    import json

    evidence = (out / "views" / "evidence.html").read_text(encoding="utf-8")
    data = json.loads(evidence.split('id="graph-data">', 1)[1].split("</script>", 1)[0])
    findings = [f for e in data["edges"] for f in e.get("findings", [])]
    assert findings and all(f.get("href", "").startswith("../articles/") for f in findings)
    assert all((out / f["href"][3:]).is_file() for f in findings)


# ------------------------------------- map filters, long lists, authors, timeline (issue 12, part 2)

def map_cells_filtered(html: str, outcome: str | None, timepoint: str | None) -> dict[str, tuple]:
    """The evidence map's data block counted the way its script does (site_js.MAP_JS)."""
    import json

    data = json.loads(html.split('id="map-data">', 1)[1].split("</script>", 1)[0])
    out = {}
    for href, findings in data.items():
        fs = [f for f in findings if (not outcome or outcome in f[0]) and (not timepoint or f[1] == timepoint)]
        if fs:
            out[href] = (len(fs), sum(f[2] == "excludes" for f in fs), sum(f[2] == "includes" for f in fs),
                         sum(f[2] == "none" for f in fs))
    return out


def query_cells(kg, **params) -> dict[str, tuple]:
    from pprnet_kg.sparql import load_query

    rows = kg.query(load_query("evidence_map"), params).records()
    return {f"evidence/{str(r.intervention).rsplit('/', 1)[1]}--{str(r.condition).rsplit('/', 1)[1]}.html":
            (int(r.findings), int(r.excludesNull), int(r.includesNull), int(r.noCi)) for r in rows}


@pytest.fixture(scope="module")
def synthetic_site(tmp_path_factory):
    """A 150-post synthetic corpus (every outcome and timepoint occurs) in an Oxigraph store, and its site."""
    from pprnet_kg.kg import KG
    from pprnet_kg.synth import write_synthetic

    root = tmp_path_factory.mktemp("synthetic")
    write_synthetic(150, root / "corpus", seed=7)
    kg = KG.build([root / "corpus"], store="oxigraph")[0]
    build_site(kg, root / "site", views=False)
    return kg, root / "site"


def test_evidence_map_filter_data_matches_the_query_restricted_the_same_way(synthetic_site):
    import json

    kg, out = synthetic_site
    html = (out / "evidence.html").read_text(encoding="utf-8")
    data = json.loads(html.split('id="map-data">', 1)[1].split("</script>", 1)[0])
    outcomes = sorted({o for fs in data.values() for f in fs for o in f[0]})
    timepoints = sorted({f[1] for fs in data.values() for f in fs if f[1]})
    assert len(outcomes) >= 5 and timepoints == ["follow-up", "post-treatment"]
    assert map_cells_filtered(html, None, None) == query_cells(kg)
    checked = 0
    for outcome in outcomes:
        for timepoint in [None, *timepoints]:
            params = {"outcome": outcome} | ({"timepoint": timepoint} if timepoint else {})
            expected = query_cells(kg, **params)
            assert map_cells_filtered(html, outcome, timepoint) == expected, params
            checked += bool(expected)
    for timepoint in timepoints:
        assert map_cells_filtered(html, None, timepoint) == query_cells(kg, timepoint=timepoint)
    assert checked >= 5


def test_long_lists_fold_and_pages_have_a_table_of_contents(synthetic_site):
    _, out = synthetic_site
    topics = sorted((out / "topics").glob("*.html"), key=lambda p: -p.stat().st_size)
    page = topics[0].read_text(encoding="utf-8")
    assert '<nav class="toc" aria-label="On this page">' in page and 'href="#practice"' in page
    assert 'id="practice"' in page and 'id="evidence"' in page and 'id="articles"' in page
    assert page.count('<section class="implication">') > 10 and "older practice implications</summary>" in page
    assert 'class="scroll tall"' in page  # a long comparison table scrolls inside its box
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('<details class="more">') >= 2 and 'href="#articles"' in index
    prolific = max((out / "authors").glob("*.html"), key=lambda p: p.stat().st_size).read_text(encoding="utf-8")
    assert prolific.count('<details class="more"><summary>') >= 2  # an author's many articles, one fold a year


def test_author_pages_list_articles_coauthors_and_topics(site):
    out, _ = site
    barkham = (out / "authors" / "barkham-m.html").read_text(encoding="utf-8")
    assert "<h1>M. Barkham" in barkham and 'href="../articles/' in barkham
    assert "joint article" in barkham and 'href="../topics/' in barkham
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="authors.html"' in index and 'href="timeline.html"' in index
    linked = [p for p in (out / "articles").glob("*.html") if "authors/barkham-m.html" in p.read_text(encoding="utf-8")]
    assert linked  # the article pages link to their authors
    authors = (out / "authors.html").read_text(encoding="utf-8")
    assert authors.count('href="authors/') == 27


def test_timeline_counts_posts_per_year_and_topic(site, real_build):
    out, _ = site
    page = (out / "timeline.html").read_text(encoding="utf-8")
    posts = real_build.extraction.posts
    assert f'<th scope="row">All posts</th><td class="num">{len(posts)}</td>' in page
    assert 'role="img" aria-label="Posts per year: 2020: ' + str(len(posts)) in page
    assert page.count('<tr><th scope="row"><a href="topics/') == 36
    article = (out / "articles" / "doi-10-1016-j-cpr-2019-101810.html").read_text(encoding="utf-8")
    assert 'href="../timeline.html#year-2020"' in article


def test_the_site_is_byte_identical_when_built_again(synthetic_site, tmp_path):
    kg, out = synthetic_site
    again = tmp_path / "again"
    build_site(kg, again, views=False)
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert all((out / f).read_bytes() == (again / f).read_bytes() for f in files)


def test_site_apa_lists_are_what_cite_gives(site, real_build):
    """The site formats each article once and orders a page's list alphabetically; on the real page
    every topic's list is the bibliography `cite --topic` renders."""
    from pprnet_kg import references as R
    from pprnet_kg.errors import QueryError

    out, _ = site
    kg = kg_of(real_build.graph)
    checked = 0
    for path in sorted((out / "topics").glob("*.apa.txt")):
        html = path.with_name(path.name[: -len(".apa.txt")] + ".html").read_text(encoding="utf-8")
        label = re.search(r"<h1[^>]*>([^<]+)<", html).group(1).strip()
        label = label.replace("&amp;", "&").replace("&#39;", "'")
        try:
            expected = R.render(R.select(kg, topic=label), "apa")
        except QueryError:  # a heading that is not the bare topic label: not this test's business
            continue
        assert path.read_text(encoding="utf-8") == expected, label
        checked += expected.count("\n") > 1
    assert checked >= 2  # lists of two or more references were compared


def test_a_map_cell_names_at_most_three_comparators():
    """The evidence map's rows grow with the lexicon; a cell listing every comparator made each row as
    tall as that list (the cell's own page lists them all). MAP_JS says the same on the page."""
    from pprnet_kg.site import comparators_shown
    from pprnet_kg.site_js import MAP_JS

    assert comparators_shown(["usual care", "waitlist"]) == "usual care; waitlist"
    assert comparators_shown(["a", "b", "c"]) == "a; b; c"
    assert comparators_shown(["a", "b", "c", "d", "e"]) == "a; b; c and 2 more"
    assert 'names.slice(0, 3).join("; ")' in MAP_JS and '" and " + more + " more"' in MAP_JS
