"""projection.py and viz.py: the offline HTML graph."""

from __future__ import annotations

import re

import pytest

import networkx as nx

from pprnet_kg.projection import overview
from pprnet_kg.viz import render_html, to_network

from conftest import kg_of, run_query

# Anything a browser would fetch by itself: tags with src/href, CSS imports and url(...).
EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe|source|video|audio|embed|object)\b[^>]*\b(?:src|href|data)\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|@import|url\(\s*["']?(?:https?:)?//""", re.I)


def test_overview_of_the_real_page(real_build):
    view = overview(kg_of(real_build.graph))
    kinds = nx.get_node_attributes(view, "type")
    counts = {k: list(kinds.values()).count(k) for k in set(kinds.values())}
    assert counts["article"] == 6 and counts["journal"] == 4
    assert counts["topic"] == 13
    gloster = "https://w3id.org/pprnet/id/article/doi/10.1016/j.cpr.2019.101810"
    assert view.nodes[gloster]["doi"] == "10.1016/j.cpr.2019.101810"
    assert "k studies: 18" in view.nodes[gloster]["details"]
    assert "https://w3id.org/pprnet/id/disorder/depression" in view[gloster]


def test_html_loads_nothing_from_outside(real_build):
    html = render_html(to_network(overview(kg_of(real_build.graph))))
    assert not EXTERNAL.search(html)
    assert "cdnjs" not in html and "jsdelivr" not in html and "bootstrap" not in html.lower()
    assert "vis.Network" in html and 'id="search"' in html and "type-filter" in html


HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', "javascript:alert(3)", "</script><b>x"]


def test_hostile_text_is_escaped():
    view = nx.Graph()
    for i, text in enumerate(HOSTILE):
        view.add_node(text, label=text, type="article", details=text, doi=f"10.1/{text}")
        view.add_edge(text, HOSTILE[i - 1])
    net = to_network(view, heading='<img src=x onerror=alert("head")>')
    html = render_html(net)
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "</script><b>" not in html
    data = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', html, re.S).group(1)
    assert "<" not in data and ">" not in data
    assert "&lt;img src=x onerror=alert(&#34;head&#34;)&gt;" in html or "&lt;img src=x" in html


def test_large_views_are_laid_out_without_physics():
    view = nx.path_graph(400)
    nx.set_node_attributes(view, "topic", "type")
    net = to_network(view)
    assert net.options["physics"]["enabled"] is False
    assert all("x" in n and "y" in n for n in net.nodes)
    assert to_network(nx.path_graph(10)).options["physics"]["enabled"] is True


from pprnet_kg import projection as P  # noqa: E402
from pprnet_kg.errors import QueryError  # noqa: E402

GLOSTER = "https://w3id.org/pprnet/id/article/doi/10.1016/j.cpr.2019.101810"
ID = "https://w3id.org/pprnet/id/"


def test_topics_view_has_weighted_co_occurrence(real_build):
    view = P.topics_view(kg_of(real_build.graph))
    types = nx.get_node_attributes(view, "type")
    assert sorted(set(types.values())) == ["article", "topic"]
    anxiety, depression = ID + "topic/anxiety-disorders", ID + "topic/depression-and-depressive-symptoms"
    assert view.edges[anxiety, depression]["weight"] == 1 and "1 shared post" in view.edges[anxiety, depression]["title"]
    alliance = P.topics_view(kg_of(real_build.graph), topic="Alliance and Therapeutic Relationship")
    assert {n for n, t in nx.get_node_attributes(alliance, "type").items() if t == "article"} == {
        ID + "article/doi/10.3389/fpsyg.2019.00347",
        ID + "article/fluckiger-2020-the-reciprocal-relationship-between-alliance-and",
        ID + "article/uncited/2020-07-is-the-therapeutic-alliance-diminished-by-videoconferencing"}


def test_evidence_view_weights_and_verdicts(real_build):
    view = P.evidence_view(kg_of(real_build.graph))
    # finding-level links only: the December 2020 findings are about adding psychotherapy after
    # non-response; CBT, DBT and medication, only mentioned in the post, are not evidence edges
    edge = view.edges[ID + "disorder/depression", ID + "intervention/psychotherapy"]
    assert (edge["weight"], edge["verdict"]) == (2, "mixed")  # 0.45 excludes 0, 0.359 does not
    assert "SMD = 0.45 [0.16, 0.75]" in edge["title"] and "SMD = 0.359 [-0.349, 1.068]" in edge["title"]
    assert "on symptoms, follow-up" in edge["title"]
    assert not view.has_node(ID + "intervention/cbt") and not view.has_node(ID + "intervention/medication")
    assert {frozenset(e) for e in view.edges} == {frozenset((ID + f"disorder/{d}", ID + "intervention/psychotherapy"))
                                                  for d in ("anxiety", "depression")}
    assert P.verdict([True, True]) == "CIs exclude the null" and P.verdict([False]) == "CIs include the null"


def test_authors_view_is_coauthorship_with_communities(real_build):
    view = P.authors_view(kg_of(real_build.graph))
    assert view.number_of_nodes() == 27
    assert view.edges[ID + "person/gloster-at", ID + "person/karekla-m"]["weight"] == 1
    communities = set(nx.get_node_attributes(view, "community").values())
    assert len(communities) == 5  # five author teams, no one in two teams
    assert view.nodes[ID + "person/firth-n"]["community"] != view.nodes[ID + "person/gloster-at"]["community"]
    assert view.nodes[ID + "person/firth-n"]["community"] == view.nodes[ID + "person/barkham-m"]["community"]


def test_ego_view_by_label_and_depth(real_build):
    one = P.ego_view(kg_of(real_build.graph), "M. Barkham", depth=1)
    assert ID + "person/barkham-m" in one and one.nodes[ID + "person/barkham-m"]["focus"]
    two = P.ego_view(kg_of(real_build.graph), ID + "person/barkham-m", depth=2)
    assert one.number_of_nodes() < two.number_of_nodes()
    with pytest.raises(QueryError):
        P.ego_view(kg_of(real_build.graph), "no such node")


def test_query_view_from_select_and_construct(real_build):
    from pprnet_kg.sparql import adhoc_query, load_query

    select = P.query_view(run_query(real_build.graph, load_query("graph_topics_articles")))
    assert select.number_of_edges() == 18
    construct = P.query_view(run_query(real_build.graph, adhoc_query(
        "CONSTRUCT { ?a dcterms:isPartOf ?j } WHERE { ?a dcterms:isPartOf ?j }")))
    assert construct.number_of_edges() == 5
    with pytest.raises(QueryError):
        P.query_view(run_query(real_build.graph, load_query("articles_per_journal")))


def test_evidence_edges_are_coloured_by_verdict_and_listed_in_the_legend(real_build):
    html = render_html(to_network(P.evidence_view(kg_of(real_build.graph))))
    assert 'id="edge-legend"' in html and "mixed" in html


def _contrast(hex_colour: str, background: str = "#ffffff") -> float:
    def luminance(h):
        rgb = [int(h[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    a, b = sorted((luminance(hex_colour), luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_every_drawn_colour_reaches_3_to_1_on_white():
    from pprnet_kg.viz import COLORS, COMMUNITY_COLORS, VERDICT_COLORS

    for colour in [*COLORS.values(), *VERDICT_COLORS.values(), *COMMUNITY_COLORS]:
        assert _contrast(colour) >= 3.0, colour
    assert _contrast("#1a1a1a") >= 4.5 and _contrast("#1f5fbf") >= 4.5  # page text and links


def test_evidence_edges_carry_their_findings_and_nodes_their_implications(real_build):
    view = P.evidence_view(kg_of(real_build.graph))
    edge = view.edges[ID + "disorder/depression", ID + "intervention/psychotherapy"]
    rows = sorted((f["measure"], f["value"], f["ci"], f["outcome"], f["timepoint"]) for f in edge["findings"])
    assert rows == [("SMD", "0.359", "[-0.349, 1.068]", "symptoms", "follow-up"),
                    ("SMD", "0.45", "[0.16, 0.75]", "symptoms", "")]
    assert all(f["post"].startswith(ID + "post/") and f["postTitle"] and f["month"] == "2020-12" for f in edge["findings"])
    assert view.nodes[ID + "intervention/psychotherapy"]["implications"]
    assert view.graph["description"].startswith("Conditions and interventions")


def test_article_nodes_carry_findings_and_every_view_says_what_it_shows(real_build):
    kg = kg_of(real_build.graph)
    view = overview(kg)
    assert {f["measure"] for f in view.nodes[GLOSTER]["findings"]} == {"SMD"}
    for name, options in (("overview", {}), ("topics", {}), ("evidence", {}), ("authors", {}),
                          ("ego", {"focus": "M. Barkham"}), ("query", {"query": "graph_topics_articles"})):
        drawn = P.make_view(kg, name, **options)
        assert drawn.graph.get("description"), name
        assert 'id="description"' in render_html(to_network(drawn))


def test_authors_legend_lists_communities_not_a_kind(real_build):
    from pprnet_kg.viz import legend

    net = to_network(P.authors_view(kg_of(real_build.graph)))
    kinds, _ = legend(net)
    assert [k["name"] for k in kinds] == [f"community {i}" for i in range(1, 6)]
    drawn = {(n["community"], n["color"]) for n in net.nodes}
    assert {(int(k["name"].split()[1]), k["color"]) for k in kinds} == drawn  # the legend matches what is drawn
    html = render_html(net)
    assert "colours are co-author communities" in html


def test_evidence_legend_names_line_styles_as_well_as_colours(real_build):
    from pprnet_kg.viz import legend

    net = to_network(P.evidence_view(kg_of(real_build.graph)))
    _, lines = legend(net)
    assert lines == [{"name": "mixed", "color": "#a15c00", "style": "dashed"}]
    assert all(e["dashes"] == [14, 8] for e in net.edges)


def test_graphml_is_written_beside_the_page_and_is_deterministic(real_build, tmp_path):
    view = P.evidence_view(kg_of(real_build.graph))
    first = P.evidence_view(kg_of(real_build.graph))
    a = write_html_pair(view, tmp_path / "a" / "evidence.html")
    b = write_html_pair(first, tmp_path / "b" / "evidence.html")
    assert a.read_bytes() == b.read_bytes()
    back = nx.read_graphml(a)
    assert set(back.nodes) == set(view.nodes) and back.number_of_edges() == view.number_of_edges()
    edge = back.edges[ID + "disorder/depression", ID + "intervention/psychotherapy"]
    assert edge["verdict"] == "mixed" and edge["weight"] == 2 and "SMD = 0.45 [0.16, 0.75]" in edge["title"]
    html = (tmp_path / "a" / "evidence.html").read_text(encoding="utf-8")
    assert '<a id="graphml" href="evidence.graphml" download>' in html


def write_html_pair(view, html_path):
    from pprnet_kg.viz import write_html

    write_html(to_network(view), html_path)
    return html_path.with_suffix(".graphml")


def test_text_alternative_tables_are_in_every_page():
    html = render_html(to_network(nx.path_graph(4)))
    assert '<table id="node-table">' in html and '<table id="edge-table">' in html
    assert "<summary>Nodes (4)</summary>" in html and "<summary>Edges (3)</summary>" in html


def test_permalink_points_at_the_page_itself(tmp_path):
    from pprnet_kg.viz import write_html

    path = write_html(to_network(nx.path_graph(3)), tmp_path / "x.html")
    assert '<a id="permalink" href="x.html"' in path.read_text(encoding="utf-8")


def test_ego_view_colours_by_kind_as_its_legend_says(real_build):
    from pprnet_kg.viz import COLORS, legend

    net = to_network(P.ego_view(kg_of(real_build.graph), "M. Barkham", depth=2))
    kinds, _ = legend(net)
    assert {k["name"] for k in kinds} >= {"article", "author"}
    assert all(n["color"] == COLORS[n["kind"]] for n in net.nodes)  # authors too: no community colours here


def test_findings_link_their_article_page_when_the_view_knows_it(real_build):
    view = P.evidence_view(kg_of(real_build.graph))
    view.graph["hrefs"] = {GLOSTER: "../articles/gloster.html"}
    net = to_network(view)
    findings = [f for e in net.edges for f in e["findings"]]
    assert findings and all(f["href"] == "../articles/gloster.html" for f in findings)
    assert all("href" not in f for e in to_network(P.evidence_view(kg_of(real_build.graph))).edges for f in e["findings"])
