"""projection.py and viz.py: the offline HTML graph."""

from __future__ import annotations

import re

import networkx as nx

from pprnet_kg.projection import overview
from pprnet_kg.viz import render_html, to_network

# Anything a browser would fetch by itself: tags with src/href, CSS imports and url(...).
EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe|source|video|audio|embed|object)\b[^>]*\b(?:src|href|data)\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|@import|url\(\s*["']?(?:https?:)?//""", re.I)


def test_overview_of_the_real_page(real_build):
    view = overview(real_build.graph)
    kinds = nx.get_node_attributes(view, "type")
    counts = {k: list(kinds.values()).count(k) for k in set(kinds.values())}
    assert counts["article"] == 6 and counts["journal"] == 4
    assert counts["topic"] == 13
    gloster = "https://w3id.org/pprnet/id/article/doi/10.1016/j.cpr.2019.101810"
    assert view.nodes[gloster]["doi"] == "10.1016/j.cpr.2019.101810"
    assert "k studies: 18" in view.nodes[gloster]["details"]
    assert "https://w3id.org/pprnet/id/disorder/depression" in view[gloster]


def test_html_loads_nothing_from_outside(real_build):
    html = render_html(to_network(overview(real_build.graph)))
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
