"""Network analytics on the overview projection: centrality, communities, bridging topics."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
from .projection import overview


@dataclass(frozen=True)
class Ranked:
    label: str
    kind: str
    score: float
    iri: str


@dataclass(frozen=True)
class Analysis:
    nodes: int
    edges: int
    degree: tuple[Ranked, ...]
    betweenness: tuple[Ranked, ...]
    communities: tuple[tuple[str, ...], ...]  # labels per community, largest first
    bridging_topics: tuple[Ranked, ...]  # score = number of communities the topic's articles fall in


def _ranked(view: nx.Graph, scores: dict, top: int) -> tuple[Ranked, ...]:
    items = sorted(scores.items(), key=lambda kv: (-kv[1], view.nodes[kv[0]]["label"], kv[0]))[:top]
    return tuple(Ranked(view.nodes[n]["label"], view.nodes[n]["type"], round(float(s), 4), n) for n, s in items)


def analyze(kg, *, top: int = 10, seed: int = 7) -> Analysis:
    """Degree and betweenness centrality, Louvain communities, and topics bridging communities."""
    view = overview(kg)
    if view.number_of_nodes() == 0:
        return Analysis(0, 0, (), (), (), ())
    degree = nx.degree_centrality(view)
    betweenness = nx.betweenness_centrality(view, seed=seed) if view.number_of_nodes() <= 2000 else \
        nx.betweenness_centrality(view, k=500, seed=seed)
    communities = sorted(nx.community.louvain_communities(view, seed=seed), key=lambda c: (-len(c), min(c)))
    member = {n: i for i, c in enumerate(communities) for n in c}
    bridging = {}
    for node, data in view.nodes(data=True):
        if data["type"] == "topic":
            spread = {member[a] for a in view.neighbors(node)}
            if len(spread) > 1:
                bridging[node] = len(spread)
    labels = tuple(tuple(sorted(view.nodes[n]["label"] for n in c)) for c in communities)
    return Analysis(view.number_of_nodes(), view.number_of_edges(), _ranked(view, degree, top),
                    _ranked(view, betweenness, top), labels, _ranked(view, bridging, top))


def format_analysis(a: Analysis) -> str:
    lines = [f"overview graph: {a.nodes} nodes, {a.edges} edges, {len(a.communities)} communities", ""]
    for title, rows, fmt in (("degree centrality", a.degree, "{:.3f}"), ("betweenness centrality", a.betweenness, "{:.3f}"),
                             ("topics bridging communities (communities reached)", a.bridging_topics, "{:.0f}")):
        lines.append(title)
        lines += [f"  {fmt.format(r.score):>7}  {r.kind:<12} {r.label}" for r in rows] or ["  (none)"]
        lines.append("")
    lines.append("communities (largest first)")
    for i, members in enumerate(a.communities, start=1):
        shown = ", ".join(members[:6]) + (f", … (+{len(members) - 6})" if len(members) > 6 else "")
        lines.append(f"  {i}. {shown}")
    return "\n".join(lines) + "\n"
