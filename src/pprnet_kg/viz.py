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

# Every colour reaches 3:1 against the white background (WCAG 1.4.11, graphics), and no colour
# carries meaning alone: node kinds also differ by shape, verdicts by line style.
COLORS = {
    "topic": "#b35900",
    "article": "#1f5fbf",
    "disorder": "#c0392b",
    "intervention": "#2e7d32",
    "journal": "#616161",
    "author": "#7b3fa0",
    "resource": "#00796b",
    "value": "#757575",
}
SHAPES = {"topic": "square", "article": "dot", "disorder": "diamond", "intervention": "triangle",
          "journal": "triangleDown", "author": "dot", "resource": "dot", "value": "dot"}
SYMBOLS = {"square": "\u25a0", "dot": "\u25cf", "diamond": "\u25c6", "triangle": "\u25b2", "triangleDown": "\u25bc",
           "star": "\u2605"}
VERDICT_COLORS = {
    "CIs exclude the null": "#2e7d32",
    "mixed": "#a15c00",
    "CIs include the null": "#c62828",
    "no CI": "#616161",
    "no effect statistics": "#607d8b",
}
VERDICT_DASHES = {"CIs exclude the null": False, "mixed": [14, 8], "CIs include the null": [3, 9], "no CI": [2, 14],
                  "no effect statistics": [2, 14]}
VERDICT_STYLES = {"CIs exclude the null": "solid", "mixed": "dashed", "CIs include the null": "dotted",
                  "no CI": "sparse dots", "no effect statistics": "sparse dots"}
COMMUNITY_COLORS = ["#1f77b4", "#c75000", "#2a7d2a", "#d62728", "#8454b5", "#8c564b", "#b8327f",
                    "#666666", "#6f7000", "#00798a"]
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
    # view.graph["hrefs"] (article IRI -> its page, when drawn for a site) links each finding to its article's page
    pages = view.graph.get("hrefs", {})

    def linked(findings: list[dict]) -> list[dict]:
        return [dict(f, href=pages[f["articleIri"]]) if f.get("articleIri") in pages else f for f in findings]

    nodes = []
    # colours mean communities only in a view where every node has one (authors); elsewhere (ego) kinds
    by_community = view.number_of_nodes() > 0 and all("community" in a for _, a in view.nodes(data=True))
    for node_id, attrs in sorted(view.nodes(data=True)):
        kind = attrs.get("type", "other")
        color = COLORS.get(kind, "#757575")
        if by_community:
            color = COMMUNITY_COLORS[attrs["community"] % len(COMMUNITY_COLORS)]
        node = {
            "id": node_id,
            "label": str(attrs.get("label", node_id)),
            "kind": kind,  # not vis's "group": group styling would override our colours
            "title": attrs.get("details", ""),
            "details": str(attrs.get("details", "")),
            "doi": attrs.get("doi", ""),
            "href": attrs.get("href", ""),  # the node's page in the explorer site, when drawn for it
            "findings": linked(attrs.get("findings", [])),
            "implications": attrs.get("implications", []),
            "color": color,
            "value": 1 + degree.get(node_id, 0),
            "shape": "star" if attrs.get("focus") else SHAPES.get(kind, "dot"),
        }
        if "community" in attrs:
            node["community"] = attrs["community"] + 1
        if positions is not None:
            x, y = positions[node_id]
            node.update(x=round(float(x), 2), y=round(float(y), 2))
        nodes.append(node)
    edges = []
    for number, (a, b, attrs) in enumerate(sorted(view.edges(data=True))):
        edge = {"id": f"e{number}", "from": a, "to": b, "value": attrs.get("weight", 1), "title": attrs.get("title", ""),
                "findings": linked(attrs.get("findings", []))}
        if "verdict" in attrs:
            edge["color"] = VERDICT_COLORS.get(attrs["verdict"], "#616161")
            edge["dashes"] = VERDICT_DASHES.get(attrs["verdict"], False)
            edge["verdict"] = attrs["verdict"]
            edge["title"] = f"{attrs['verdict']}\n{edge['title']}".strip()
        edges.append(edge)
    net.nodes = nodes
    net.edges = edges
    net.node_ids = [n["id"] for n in nodes]
    net.description = view.graph.get("description", "")
    net.pprnet_view = view  # for the GraphML download written beside the page
    net.options = {
        "physics": {"enabled": positions is None, "stabilization": {"iterations": 200},
                    "barnesHut": {"springLength": 160, "avoidOverlap": 0.3}},
        "layout": {"randomSeed": 7},  # the same drawing every time the page opens
        "interaction": {"hover": True, "tooltipDelay": 100, "keyboard": {"enabled": False}},
        "nodes": {"font": {"size": 12}, "scaling": {"min": 8, "max": 30}},
        "edges": {"color": {"inherit": "from"}, "smooth": False, "scaling": {"min": 1, "max": 6}},
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


def legend(net) -> tuple[list[dict], list[dict]]:
    """What the page's legends list: exactly the colours and shapes drawn. Nodes coloured by
    community (the authors view) are listed by community, not by kind."""
    by_kind: dict[str, int] = {}
    communities: dict[int, dict] = {}
    for n in net.nodes:
        if "community" in n:
            c = communities.setdefault(n["community"], {"name": f"community {n['community']}", "color": n["color"],
                                                         "symbol": SYMBOLS[SHAPES.get(n["kind"], "dot")], "count": 0,
                                                         "filter": f"community:{n['community']}"})
            c["count"] += 1
        by_kind[n["kind"]] = by_kind.get(n["kind"], 0) + 1
    kinds = [{"name": t, "color": COLORS.get(t, "#757575"), "symbol": SYMBOLS[SHAPES.get(t, "dot")], "count": c,
              "filter": t} for t, c in sorted(by_kind.items())]
    if communities and all("community" in n for n in net.nodes):
        kinds = [communities[k] for k in sorted(communities)]
    verdicts = sorted({e["verdict"] for e in net.edges if "verdict" in e})
    edges = [{"name": v, "color": VERDICT_COLORS[v], "style": VERDICT_STYLES[v]} for v in verdicts]
    return kinds, edges


def render_html(net, *, graphml: str | None = None, page: str | None = None) -> str:
    """The page; `graphml` and `page` are the file names of the GraphML download and of the page
    itself (for the permalink), when it is written to a file."""
    from jinja2 import Environment, PackageLoader, select_autoescape
    from markupsafe import Markup

    env = Environment(loader=PackageLoader("pprnet_kg", "templates"), autoescape=select_autoescape(["html"]))
    vis_js, vis_css = _vis_assets()
    types, edge_legend = legend(net)
    data = {"nodes": net.nodes, "edges": net.edges, "options": net.options}
    return env.get_template("graph.html").render(
        heading=net.heading,
        description=getattr(net, "description", ""),
        types=types,
        communities=bool(net.nodes) and all("community" in n for n in net.nodes),
        edge_legend=edge_legend,
        node_count=len(net.nodes),
        edge_count=len(net.edges),
        graphml=graphml,
        page=page,
        data_json=Markup(_script_json(data)),
        vis_js=Markup(vis_js.replace("</script", "<\\/script")),
        vis_css=Markup(vis_css.replace("</style", "<\\/style")),
    )


def write_graphml(view: nx.Graph, destination: str | Path) -> Path:
    """The view as GraphML (networkx), byte-identical for the same view: nodes and edges sorted,
    plain-text attributes only (a node's details, an edge's title list its findings)."""
    flat = nx.Graph()
    keep = ("label", "type", "details", "doi", "href", "community", "weight", "verdict", "title")
    for node, attrs in sorted(view.nodes(data=True)):
        flat.add_node(node, **{k: attrs[k] for k in keep if k in attrs})
    for a, b, attrs in sorted(view.edges(data=True)):
        flat.add_edge(a, b, **{k: attrs[k] for k in keep if k in attrs})
    from .export import published

    path = Path(destination)
    with published(path) as partial:
        nx.write_graphml(flat, partial, encoding="utf-8", prettyprint=True)
    return path


def write_html(net, destination: str | Path) -> Path:
    """The page, and beside it the view as GraphML (same name, .graphml), which the page links."""
    path = Path(destination)
    view = getattr(net, "pprnet_view", None)
    graphml = path.with_suffix(".graphml") if view is not None else None
    if graphml is not None and graphml == path:
        graphml = None
    from .export import published

    if graphml is not None:
        write_graphml(view, graphml)
    with published(path) as partial:
        partial.write_text(render_html(net, graphml=graphml.name if graphml else None, page=path.name), encoding="utf-8")
    return path
