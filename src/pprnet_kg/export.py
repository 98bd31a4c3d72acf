"""Serialise a graph: Turtle, N-Triples, JSON-LD, RDF/XML, TriG — byte-identical for the same graph."""

from __future__ import annotations

import json
from pathlib import Path

from rdflib import Graph

from .errors import GraphError

# our name -> (rdflib format, file suffix, media type)
FORMATS: dict[str, tuple[str, str, str]] = {
    "ttl": ("turtle", ".ttl", "text/turtle"),
    "nt": ("nt", ".nt", "application/n-triples"),
    "jsonld": ("json-ld", ".jsonld", "application/ld+json"),
    "xml": ("xml", ".rdf", "application/rdf+xml"),
    "trig": ("trig", ".trig", "application/trig"),
}


def format_for_path(path: str | Path, default: str = "ttl") -> str:
    suffix = Path(path).suffix.lower()
    for name, (_, ext, _) in FORMATS.items():
        if suffix == ext or suffix == f".{name}":
            return name
    return default


def canonical_ntriples(graph: Graph) -> str:
    """The graph as sorted, duplicate-free N-Triples: the canonical text every format starts from."""
    from .store import is_oxigraph

    fmt = "ox-nt" if is_oxigraph(graph) else "nt"
    lines = graph.serialize(format=fmt, encoding="utf-8").decode("utf-8").splitlines()
    lines.sort()  # a store holds each triple once, so sorting is enough
    return "\n".join(line for line in lines if line) + "\n"


def _prefixes(graph: Graph) -> dict[str, str]:
    return {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix}


def serialize(graph: Graph, fmt: str = "ttl") -> bytes:
    """The graph in one format, as bytes; the same graph always gives the same bytes,
    whichever store holds it (memory or Oxigraph)."""
    if fmt not in FORMATS:
        raise GraphError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    nt = canonical_ntriples(graph)
    if fmt == "nt":
        return nt.encode("utf-8")
    if fmt in {"ttl", "trig"}:
        # Oxigraph's writers keep canonical decimals as they are (rdflib's turn "0" into 0.0)
        # and write the triples in the sorted order they are given.
        import pyoxigraph as ox

        used = _used_prefixes(graph, nt)
        triples = ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)
        if fmt == "ttl":
            return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=used)
        name = ox.NamedNode(_graph_name(graph))
        quads = (ox.Quad(q.subject, q.predicate, q.object, name) for q in triples)
        return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=used)
    memory = Graph()
    for prefix, ns in _prefixes(graph).items():
        memory.bind(prefix, ns, override=True, replace=True)
    memory.parse(data=nt, format="nt")
    if fmt == "jsonld":
        context = _used_prefixes(graph, nt)
        data = json.loads(memory.serialize(format="json-ld", context=context, auto_compact=True))
        if isinstance(data.get("@graph"), list):
            data["@graph"].sort(key=lambda node: json.dumps(node, sort_keys=True))
        return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    if fmt == "xml":
        return _SortedGraph.of(memory).serialize(format="xml", encoding="utf-8")
    raise AssertionError(fmt)  # pragma: no cover - every format is handled above


def _used_prefixes(graph: Graph, nt: str) -> dict[str, str]:
    """Our prefixes (and the graph's data base `id:`), in a stable order, whichever store holds
    the graph; scanning a large graph for the namespaces it uses cost more than writing it."""
    from .namespaces import PREFIXES

    ours = {p: str(ns) for p, ns in PREFIXES.items()}
    base = _prefixes(graph).get("id")
    if base:
        ours["id"] = base
    return dict(sorted(ours.items()))


class _SortedGraph(Graph):
    """A graph that lists subjects and their statements in sorted order (for RDF/XML)."""

    @classmethod
    def of(cls, graph: Graph) -> "_SortedGraph":
        copy = cls()
        for prefix, ns in graph.namespaces():
            copy.bind(prefix, ns, override=True, replace=True)
        for triple in graph:
            copy.add(triple)
        return copy

    def subjects(self, predicate=None, object=None, unique=False):  # noqa: A002 - rdflib's name
        return iter(sorted(set(super().subjects(predicate, object)), key=lambda t: t.n3()))

    def predicate_objects(self, subject=None, unique=False):
        return iter(sorted(super().predicate_objects(subject), key=lambda po: (po[0].n3(), po[1].n3())))


def _graph_name(graph: Graph) -> str:
    """TriG needs a graph name: <base>graph, so the output has no random blank node."""
    base = next((str(ns) for prefix, ns in graph.namespaces() if prefix == "id"), "urn:pprnet:")
    return base + "graph"


def write_graph(graph: Graph, destination: str | Path, fmt: str | None = None) -> Path:
    path = Path(destination)
    fmt = fmt or format_for_path(path)
    data = serialize(graph, fmt)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise GraphError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path


def load_graph(path: str | Path, graph: Graph | None = None) -> Graph:
    """Parse a graph file (format from its suffix) into a graph; GraphError on failure."""
    from .store import copy_into, is_oxigraph, parse_format

    p = Path(path)
    fmt = FORMATS[format_for_path(p)][0]
    target = graph if graph is not None else Graph()
    if not p.is_file():
        raise GraphError(f"{p}: no such graph file")
    try:
        if fmt == "json-ld" and is_oxigraph(target):
            copy_into(target, Graph().parse(p, format=fmt))
        else:
            target.parse(p, format=parse_format(target, fmt))
    except Exception as exc:  # parsers raise many types; report one line
        reason = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise GraphError(f"{p}: cannot parse as {fmt}: {reason}") from None
    return target
