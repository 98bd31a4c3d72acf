"""Serialise a graph: Turtle, N-Triples, JSON-LD, RDF/XML, TriG — byte-identical for the same graph."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
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


def serialize(ntriples: str, fmt: str = "ttl", *, base: str) -> bytes:
    """A graph given as canonical N-Triples, in one format, as bytes: the same graph always gives
    the same bytes, whichever store held it."""
    if fmt not in FORMATS:
        raise GraphError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "nt":
        return ntriples.encode("utf-8")
    prefixes = _prefixes(base)
    if fmt in {"ttl", "trig"}:
        # Oxigraph's writers keep canonical decimals as they are (rdflib's turn "0" into 0.0)
        # and write the triples in the sorted order they are given.
        import pyoxigraph as ox

        triples = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
        if fmt == "ttl":
            return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
        name = ox.NamedNode(base + "graph")  # TriG needs a graph name: no random blank node
        quads = (ox.Quad(q.subject, q.predicate, q.object, name) for q in triples)
        return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes)
    memory = Graph()
    for prefix, ns in prefixes.items():
        memory.bind(prefix, ns, override=True, replace=True)
    memory.parse(data=ntriples, format="nt")
    if fmt == "jsonld":
        data = json.loads(memory.serialize(format="json-ld", context=prefixes, auto_compact=True))
        if isinstance(data.get("@graph"), list):
            data["@graph"].sort(key=lambda node: json.dumps(node, sort_keys=True))
        return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    if fmt == "xml":
        return _SortedGraph.of(memory).serialize(format="xml", encoding="utf-8")
    raise AssertionError(fmt)  # pragma: no cover - every format is handled above


def _prefixes(base: str) -> dict[str, str]:
    """Our prefixes and the data's base `id:`, in a stable order (scanning a large graph for the
    namespaces it uses cost more than writing it)."""
    from .namespaces import PREFIXES

    ours = {p: str(ns) for p, ns in PREFIXES.items()}
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


def write_graph(ntriples: str, destination: str | Path, fmt: str | None = None, *, base: str) -> Path:
    path = Path(destination)
    fmt = fmt or format_for_path(path)
    data = serialize(ntriples, fmt, base=base)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise GraphError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path


def write_graph_file(ntriples: str | Path, destination: str | Path, fmt: str | None = None, *, base: str) -> Path:
    """write_graph for a canonical N-Triples file: N-Triples, Turtle and TriG are written as they
    are read, never held whole; the same bytes as write_graph of the file's text."""
    import shutil

    path = Path(destination)
    fmt = fmt or format_for_path(path)
    if fmt not in {"nt", "ttl", "trig"}:
        return write_graph(Path(ntriples).read_text(encoding="utf-8"), path, fmt, base=base)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "nt":
            shutil.copyfile(ntriples, path)
            return path
        import pyoxigraph as ox

        triples = ox.parse(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
        prefixes = _prefixes(base)
        if fmt == "ttl":
            ox.serialize(triples, str(path), ox.RdfFormat.TURTLE, prefixes=prefixes)
        else:
            name = ox.NamedNode(base + "graph")
            quads = (ox.Quad(q.subject, q.predicate, q.object, name) for q in triples)
            ox.serialize(quads, str(path), ox.RdfFormat.TRIG, prefixes=prefixes)
    except OSError as exc:
        raise GraphError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path


def graph_sink(destination: str | Path, fmt: str, *, base: str):
    """A context manager giving a binary stream to write canonical N-Triples lines into, which
    end up in `destination` as `fmt` as they come: N-Triples as they are, Turtle and TriG through
    pyoxigraph reading a named pipe in a thread (the same bytes as write_graph). None for a format
    that needs the whole graph at once (JSON-LD, RDF/XML), or Turtle where there are no named pipes.
    The file appears under its name only once it is complete."""
    if fmt == "nt" or (fmt in {"ttl", "trig"} and hasattr(os, "mkfifo")):
        return _sink(Path(destination), fmt, base)
    return None


@contextmanager
def _sink(path: Path, fmt: str, base: str):
    import threading

    from .ntsort import Scratch, open_pipe_writer

    partial = path.with_name(f".{path.name}.partial")
    failed: list[BaseException] = []
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "nt":
            with open(partial, "wb", buffering=1 << 20) as out:
                yield out
        else:
            scratch = Scratch()
            fifo = scratch.path / "graph.nt"
            os.mkfifo(fifo)

            def serialize_from_pipe() -> None:
                try:
                    write_graph_file(fifo, partial, fmt, base=base)
                except BaseException as exc:  # the writer then sees the pipe closed
                    failed.append(exc)

            thread = threading.Thread(target=serialize_from_pipe, daemon=True)
            thread.start()
            try:
                with open_pipe_writer(fifo, lambda: bool(failed)) as out:
                    yield out
            except BrokenPipeError:
                if not failed:
                    raise
            finally:
                thread.join()
            if failed:
                raise failed[0]
        os.replace(partial, path)
    except OSError as exc:
        raise GraphError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)


def read_graph_file(path: str | Path) -> str:
    """A graph file (format from its suffix) as N-Triples text; GraphError on failure.
    Quads of a TriG file all go into the one graph."""
    p = Path(path)
    fmt = format_for_path(p)
    if not p.is_file():
        raise GraphError(f"{p}: no such graph file")
    try:
        if fmt == "jsonld":
            return Graph().parse(p, format="json-ld").serialize(format="nt")
        import pyoxigraph as ox

        kind = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "xml": ox.RdfFormat.RDF_XML,
                "trig": ox.RdfFormat.TRIG}[fmt]
        triples = (ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(p), format=kind))
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    except Exception as exc:  # parsers raise many types; report one line
        reason = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise GraphError(f"{p}: cannot parse as {FORMATS[fmt][0]}: {reason}") from None
