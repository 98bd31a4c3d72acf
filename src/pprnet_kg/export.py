"""Serialise a graph: Turtle, N-Triples, JSON-LD, RDF/XML, TriG — byte-identical for the same graph."""

from __future__ import annotations

import json
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

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


def serialize(graph: Graph, fmt: str = "ttl") -> bytes:
    """The graph in one format, as bytes; the same graph always gives the same bytes."""
    if fmt not in FORMATS:
        raise GraphError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "nt":
        lines = graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
        return ("\n".join(sorted(set(filter(None, lines)))) + "\n").encode("utf-8")
    if fmt == "jsonld":
        context = {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix}
        data = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
        if isinstance(data.get("@graph"), list):
            data["@graph"].sort(key=lambda node: json.dumps(node, sort_keys=True))
        return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    if fmt == "xml":
        return _SortedGraph.of(graph).serialize(format="xml", encoding="utf-8")
    if fmt == "trig":
        return _dataset(graph).serialize(format="trig", encoding="utf-8")
    return graph.serialize(format=FORMATS[fmt][0], encoding="utf-8")


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


def _dataset(graph: Graph) -> Dataset:
    """TriG needs a graph name; a named graph keeps the output free of random blank nodes."""
    base = next((str(ns) for prefix, ns in graph.namespaces() if prefix == "id"), "urn:pprnet:")
    ds = Dataset()
    for prefix, ns in graph.namespaces():
        ds.bind(prefix, ns, override=True, replace=True)
    named = ds.graph(URIRef(base + "graph"))
    for triple in graph:
        named.add(triple)
    return ds


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
    p = Path(path)
    fmt = FORMATS[format_for_path(p)][0]
    target = graph if graph is not None else Graph()
    if not p.is_file():
        raise GraphError(f"{p}: no such graph file")
    try:
        target.parse(p, format=fmt)
    except Exception as exc:  # parsers raise many types; report one line
        reason = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise GraphError(f"{p}: cannot parse as {fmt}: {reason}") from None
    return target
