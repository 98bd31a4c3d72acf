"""networkx views -> pyvis Network -> one self-contained HTML file (no external URL at all).

pyvis holds the nodes, edges and options; we render them with our own template, which
inlines vis-network from the installed pyvis package, because pyvis's own templates load
Bootstrap and vis from CDNs. Every text we put in goes through escaping: the page heading
and legend through Jinja autoescape, node data as JSON inside a script block with '<', '>'
and '&' escaped, and tooltips as plain text (vis-network renders string titles as text).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import networkx as nx

from .errors import PprnetError

COLORS = {
    "topic": "#e6a23c",
    "article": "#409eff",
    "disorder": "#f56c6c",
    "intervention": "#67c23a",
    "journal": "#909399",
    "author": "#9b59b6",
    "resource": "#17a2b8",
    "value": "#cccccc",
}
VERDICT_COLORS = {
    "CIs exclude the null": "#2e7d32",
    "mixed": "#f9a825",
    "CIs include the null": "#c62828",
    "no CI": "#9e9e9e",
    "no effect statistics": "#cfd8dc",
}
COMMUNITY_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                    "#7f7f7f", "#bcbd22", "#17becf"]
PHYSICS_LIMIT = 300  # above this many nodes, positions are precomputed and physics is off


def ring_layout(view: nx.Graph, spacing: float = 60.0) -> dict:
    """A layout in linear time for views too large for a force simulation: each connected
    component is drawn as rings around its best-connected node (ring = distance from it), and
    the components are placed on a grid, largest first. Deterministic; needs no numpy."""
    components = sorted(nx.connected_components(view), key=lambda c: (-len(c), min(c)))
    positions: dict = {}
    cells: list[tuple[float, dict]] = []
    for component in components:
        center = max(sorted(component), key=lambda n: view.degree(n))
        rings: dict[int, list] = {}
        for node, depth in nx.single_source_shortest_path_length(view, center).items():
            rings.setdefault(depth, []).append(node)
        local, radius = {}, 0.0
        for depth, members in sorted(rings.items()):
            members.sort()
            radius = max(radius + spacing, len(members) * spacing / (2 * math.pi)) if depth else 0.0
            for i, node in enumerate(members):
                angle = 2 * math.pi * i / len(members) + depth * 0.5
                local[node] = (radius * math.cos(angle), radius * math.sin(angle))
        cells.append((radius + spacing, local))
    columns = max(1, math.ceil(math.sqrt(len(cells))))
    x = y = row_height = 0.0
    for i, (half, local) in enumerate(cells):
        if i and i % columns == 0:
            x, y, row_height = 0.0, y + row_height, 0.0
        for node, (px, py) in local.items():
            positions[node] = (x + half + px, y + half + py)
        x += 2 * half
        row_height = max(row_height, 2 * half)
    return positions


def to_network(view: nx.Graph, *, heading: str = "PPRNet knowledge graph"):
    """A pyvis Network built from node and edge lists directly (add_edge is quadratic)."""
    from pyvis.network import Network

    net = Network(height="100%", width="100%", heading=heading, cdn_resources="in_line")
    degree = dict(view.degree())
    positions = None
    if view.number_of_nodes() > PHYSICS_LIMIT:
        positions = ring_layout(view)
    nodes = []
    for node_id, attrs in sorted(view.nodes(data=True)):
        kind = attrs.get("type", "other")
        color = COLORS.get(kind, "#cccccc")
        if "community" in attrs:
            color = COMMUNITY_COLORS[attrs["community"] % len(COMMUNITY_COLORS)]
        node = {
            "id": node_id,
            "label": attrs.get("label", node_id),
            "kind": kind,  # not vis's "group": group styling would override our colours
            "title": attrs.get("details", ""),
            "details": attrs.get("details", ""),
            "doi": attrs.get("doi", ""),
            "href": attrs.get("href", ""),  # the node's page in the explorer site, when drawn for it
            "color": color,
            "value": 1 + degree.get(node_id, 0),
            "shape": "star" if attrs.get("focus") else "dot",
        }
        if positions is not None:
            x, y = positions[node_id]
            node.update(x=round(float(x), 2), y=round(float(y), 2))
        nodes.append(node)
    edges = []
    for a, b, attrs in sorted(view.edges(data=True)):
        edge = {"from": a, "to": b, "value": attrs.get("weight", 1), "title": attrs.get("title", "")}
        if "verdict" in attrs:
            edge["color"] = VERDICT_COLORS.get(attrs["verdict"], "#9e9e9e")
            edge["title"] = f"{attrs['verdict']}\n{edge['title']}".strip()
        edges.append(edge)
    net.nodes = nodes
    net.edges = edges
    net.node_ids = [n["id"] for n in nodes]
    net.options = {
        "physics": {"enabled": positions is None, "stabilization": {"iterations": 200}},
        "interaction": {"hover": True, "tooltipDelay": 100},
        "nodes": {"font": {"size": 12}, "scaling": {"min": 8, "max": 30}},
        "edges": {"color": {"inherit": "from"}, "smooth": False, "scaling": {"min": 1, "max": 8}},
    }
    return net


def _vis_assets() -> tuple[str, str]:
    import pyvis

    lib = Path(pyvis.__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2"
    try:
        return (lib / "vis-network.min.js").read_text(encoding="utf-8"), (lib / "vis-network.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise PprnetError(f"pyvis is installed without its vis-network files ({lib}): {exc}") from None


def _script_json(data) -> str:
    """JSON that is safe inside <script>: no '<', '>' or '&' can end the block."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_html(net) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("pprnet_kg", "templates"), autoescape=select_autoescape(["html"]))
    from markupsafe import Markup

    vis_js, vis_css = _vis_assets()
    counts: dict[str, int] = {}
    for n in net.nodes:
        counts[n["kind"]] = counts.get(n["kind"], 0) + 1
    types = [{"name": t, "color": COLORS.get(t, "#cccccc"), "count": c} for t, c in sorted(counts.items())]
    verdicts = sorted({e["title"].split("\n")[0] for e in net.edges if "color" in e and e["title"]} & set(VERDICT_COLORS))
    edge_legend = [{"name": v, "color": VERDICT_COLORS[v]} for v in verdicts]
    data = {"nodes": net.nodes, "edges": net.edges, "options": net.options}
    return env.get_template("graph.html").render(
        heading=net.heading,
        types=types,
        edge_legend=edge_legend,
        data_json=Markup(_script_json(data)),
        vis_js=Markup(vis_js.replace("</script", "<\\/script")),
        vis_css=Markup(vis_css.replace("</style", "<\\/style")),
    )


def write_html(net, destination: str | Path) -> Path:
    path = Path(destination)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_html(net), encoding="utf-8")
    except OSError as exc:
        raise PprnetError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path
