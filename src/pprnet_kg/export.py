"""Serialise a graph: Turtle, N-Triples, JSON-LD, RDF/XML, TriG — byte-identical for the same graph."""

from __future__ import annotations

import json
import os
import sys
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
    try:
        memory.parse(data=ntriples, format="nt")
    except Exception as exc:  # rdflib's ParserError and the errors of its term constructors
        raise GraphError(f"cannot write {FORMATS[fmt][0]}: the N-Triples do not parse: "
                         f"{' '.join(str(exc).split())[:300]}") from None
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
    try:
        data = serialize(ntriples, fmt, base=base)
    except (SyntaxError, ValueError) as exc:  # pyoxigraph's parse errors
        raise GraphError(f"{path}: cannot write {FORMATS[fmt][0]}: {' '.join(str(exc).split())[:300]}") from None
    except GraphError as exc:
        raise GraphError(f"{path}: {exc}") from None
    with published(path) as partial:
        partial.write_bytes(data)
    return path


def write_graph_file(ntriples: str | Path, destination: str | Path, fmt: str | None = None, *, base: str) -> Path:
    """write_graph for a canonical N-Triples file: N-Triples, Turtle and TriG are written as they
    are read, never held whole; the same bytes as write_graph of the file's text."""
    import shutil

    path = Path(destination)
    fmt = fmt or format_for_path(path)
    if fmt not in {"nt", "ttl", "trig"}:
        return write_graph(Path(ntriples).read_text(encoding="utf-8"), path, fmt, base=base)
    with published(path) as partial:
        if fmt == "nt":
            shutil.copyfile(ntriples, partial)
            return path
        from .oxwrite import write_turtle_or_trig

        try:
            write_turtle_or_trig({"path": str(ntriples)}, str(partial), fmt, _prefixes(base), base + "graph")
        except (SyntaxError, ValueError) as exc:  # the N-Triples do not parse
            raise GraphError(f"{path}: cannot write {FORMATS[fmt][0]}: {' '.join(str(exc).split())[:300]}") from None
    return path


@contextmanager
def published(path: Path):
    """A file written beside `path` (.NAME.partial) and put in its place only once complete: an
    error or an interrupt half-way leaves the old file (or none), never a half-written one under
    the real name. Used for every file a command writes (graphs, JSON, HTML views, references)."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield partial
        os.replace(partial, path)
    except OSError as exc:
        raise GraphError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)


def graph_sink(destination: str | Path, fmt: str, *, base: str):
    """A context manager giving a binary stream to write canonical N-Triples lines into, which
    end up in `destination` as `fmt` as they come: N-Triples as they are, Turtle and TriG through
    pyoxigraph in a child process reading them from a pipe (the same bytes as write_graph). None
    for a format that needs the whole graph at once (JSON-LD, RDF/XML). The file appears under its
    name only once it is complete."""
    if fmt == "nt":
        return _sink(Path(destination))
    if fmt in {"ttl", "trig"} and sys.executable:
        return _serializing_sink(Path(destination), fmt, base)
    return None


# The child of _serializing_sink (pprnet_kg.oxwrite: pyoxigraph alone, no rdflib to import), as a
# `python -c` script so that tests can stand in for it.
_SERIALIZER = "import sys; from pprnet_kg.oxwrite import main; sys.exit(main(sys.argv[1:]))"


@contextmanager
def _sink(path: Path):
    with published(path) as partial, open(partial, "wb", buffering=1 << 20) as out:
        yield out


class _Feeder:
    """A binary stream whose writes go into a pipe from a thread: a merge hands over a block and
    goes on sorting the next while the block goes into the pipe (writing to a pipe lets go of
    this process's lock), so the reader at the other end is not left waiting for each block."""

    def __init__(self, pipe) -> None:
        import queue
        import threading

        self._pipe = pipe
        self._blocks: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._feed, daemon=True)
        self._thread.start()

    def _feed(self) -> None:
        while (block := self._blocks.get()) is not None:
            if self.error is None:  # after a failure, blocks are only taken, so that writers never wait
                try:
                    view = memoryview(block)
                    while view:  # an unbuffered pipe may take part of a block (a write cut short by a signal)
                        view = view[self._pipe.write(view):]
                except BaseException as exc:  # the reader stopped: the writer is told at its next write
                    self.error = exc

    def write(self, data) -> int:
        if self.error is not None:
            raise BrokenPipeError(32, "the reader of the pipe stopped")
        self._blocks.put(bytes(data))
        return len(data)

    def stop(self) -> None:
        """Wait for every block to be written, then close the pipe."""
        self._end()
        if self.error is not None:
            raise BrokenPipeError(32, "the reader of the pipe stopped")

    def _end(self) -> None:
        self._blocks.put(None)
        self._thread.join()
        try:
            self._pipe.close()
        except OSError as exc:
            self.error = self.error or exc

    def abort(self) -> None:
        """stop, for when the reader has been stopped: blocks not written are dropped, nothing raised."""
        self.error = self.error or BrokenPipeError(32, "stopped")
        self._end()


@contextmanager
def _serializing_sink(path: Path, fmt: str, base: str):
    """Turtle or TriG written by pyoxigraph in a child process, beside the merge that feeds it (a
    thread of this process held its lock for every triple it passed on, so the two took as long
    as one after the other)."""
    import subprocess

    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # -P: not the working directory first on the child's path (a json.py there was imported)
        child = subprocess.Popen([sys.executable, "-P", "-c", _SERIALIZER, fmt, str(partial),
                                  json.dumps(_prefixes(base)), base + "graph"],
                                 stdin=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
        ended = False  # whether every line was handed over (or the child stopped by itself)
        try:
            _widen(child.stdin)
            feeder = _Feeder(child.stdin)
            try:
                yield feeder
                feeder.stop()
            except BaseException as exc:
                if not (isinstance(exc, BrokenPipeError) and feeder.error is not None):
                    # the build's own failure (a BrokenPipeError of its own too): the child still reads
                    child.kill()
                    feeder.abort()
                    raise
                feeder.abort()  # the child stopped (its reason is on its stderr): end the thread, close the pipe
            ended = True
        finally:
            if not ended:
                child.kill()  # it would wait for more lines for ever
            try:
                said = child.stderr.read().decode("utf-8", "replace").splitlines()
                child.wait()
            except BaseException:  # interrupted while it finished: it would go on and leave its file behind
                child.kill()
                child.wait()
                raise
            # one line: the child's own message, or a traceback's last line (it died before its try)
            reason = next((" ".join(line.split())[:300] for line in reversed(said) if line.strip()), "")
        if child.returncode:
            raise GraphError(f"{path}: cannot write {FORMATS[fmt][0]}: {reason or f'exit {child.returncode}'}")
        if feeder.error is not None:  # lines it never got: whatever it wrote is not the graph
            raise GraphError(f"{path}: cannot write {FORMATS[fmt][0]}: the writer stopped reading ({feeder.error})")
        os.replace(partial, path)
    except OSError as exc:
        raise GraphError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)


def _widen(pipe) -> None:
    """A pipe of 1 MiB instead of 64 KiB where the system allows it (Linux): fewer turns between
    the two processes."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError, ValueError):
        pass


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
