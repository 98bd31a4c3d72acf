"""Oxigraph (pyoxigraph), in memory or on disk. The graph is the store's default graph; the
store's own metadata (base IRI, build time, sources) sits in a named graph no query sees.

Parameters go in as a VALUES block: Oxigraph's substitutions leave BOUND(?param) false.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from ..errors import ConfigError, GraphError, QueryError
from ..perf import no_cyclic_gc
from ..sparql.bindings import inline_bindings
from ..sparql.results import QueryResult
from .base import Backend

META_GRAPH = ox.NamedNode("urn:pprnet-kg:store")
META_SUBJECT = ox.NamedNode("urn:pprnet-kg:store")
META_KEY = "urn:pprnet-kg:store#"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def open(arg: str | None, *, named_graph: str | None = None, read_only: bool = False) -> "OxigraphBackend":  # noqa: A001
    if named_graph:
        raise ConfigError("--named-graph is for remote stores; an Oxigraph store keeps its graph as the default graph")
    return OxigraphBackend(Path(arg) if arg else None, read_only=read_only)


def to_rdflib(term):
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return _iri(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return _text(term.value, term.language)
        if term.datatype.value == XSD_STRING:
            return _text(term.value, None)
        return Literal(term.value, datatype=_iri(term.datatype.value))
    raise QueryError(f"unsupported term in a result: {term!r}")


# Terms straight from the store's own, already valid, ones: URIRef and Literal check and convert
# what they are given (an IRI's characters, a language tag, the text's value), which for an IRI
# or a string Oxigraph has checked costs most of the time a large result takes to read (1.5-2 µs
# a term). These make the objects rdflib's constructors make for such input, with nothing to
# check; tests/test_store.py holds them equal to the constructors' on every kind of text.
_new = str.__new__


def _iri(value: str) -> URIRef:
    return _new(URIRef, value)


def _text(value: str, language: str | None) -> Literal:
    """Literal(value, lang=language) of a string (no datatype), as rdflib makes it."""
    literal = _new(Literal, value)
    literal._language, literal._datatype, literal._value, literal._ill_typed = language, None, value, None
    return literal


def _converter():
    """to_rdflib for the terms of one result, each distinct term converted once: a result repeats
    its labels, types and values many times, and an rdflib Literal costs microseconds to make
    (its value is parsed); the answer is the same."""
    made: dict = {}

    def convert(term):
        out = made.get(term)
        if out is None and term is not None:
            out = made[term] = to_rdflib(term)
        return out

    return convert


def to_oxigraph(term):
    """An rdflib term as a pyoxigraph one."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)
    raise GraphError(f"not an RDF term: {term!r}")


class OxigraphBackend(Backend):
    def __init__(self, path: Path | None, *, read_only: bool = False) -> None:
        self.path = path
        self.persistent = path is not None
        self.writable = not read_only
        self.spec = f"oxigraph:{path}" if path else "oxigraph"
        try:
            if path is None:
                self._store = ox.Store()
            elif read_only:
                if not (path / "CURRENT").is_file():
                    raise GraphError(f"{path}: no Oxigraph store there (make one with `pprnet-kg build --store oxigraph:{path}`)")
                self._store = ox.Store.read_only(str(path))
            else:
                if path.is_dir() and any(path.iterdir()) and not (path / "CURRENT").is_file():
                    raise ConfigError(f"{path} is not an Oxigraph store (and not empty): it is left alone")
                path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))
        except OSError as exc:
            reason = " ".join(str(exc).split())[:200]
            if "lock" in reason.lower():
                reason = "another pprnet-kg process has it open for writing"
            raise GraphError(f"{path}: cannot open the Oxigraph store: {reason}") from None

    def load_ntriples(self, data: str) -> None:
        self._refuse_write("load triples")
        try:
            if self.persistent and len(data) > 10_000_000:
                self._store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
            else:
                self._store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
        except SyntaxError as exc:
            raise GraphError(f"cannot load N-Triples: {exc}") from None

    def load_file(self, path: Path) -> None:
        self._refuse_write("load triples")
        try:
            if self.persistent and Path(path).stat().st_size > 5_000_000:
                self._store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
            else:
                self._store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
        except SyntaxError as exc:
            raise GraphError(f"cannot load N-Triples: {exc}") from None

    def ntriples(self) -> str:
        return self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).decode("utf-8")

    def dump_file(self):
        """Dumped to disk by Oxigraph, then sorted in runs: the graph is never held whole."""
        from ..ntsort import Scratch, sorted_file

        scratch = Scratch()
        dumped = scratch.path / "dump.nt"
        self._store.dump(output=str(dumped), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        with dumped.open(encoding="utf-8", newline="\n") as lines:
            return sorted_file(lines)

    def query(self, text: str, bindings: dict, *, limit: int | None = None, raw: bool = False) -> QueryResult:
        text = inline_bindings(text, bindings) if bindings else text
        try:
            result = self._store.query(text)
            if isinstance(result, ox.QueryBoolean):
                return QueryResult("ASK", boolean=bool(result))
            if isinstance(result, ox.QueryTriples):
                triples, truncated = [], False
                convert = _converter()
                for t in result:
                    if limit is not None and len(triples) >= limit:
                        truncated = True
                        break
                    triples.append(t if raw else (convert(t.subject), convert(t.predicate), convert(t.object)))
                return QueryResult("CONSTRUCT", triples=triples, truncated=truncated)
            names = [v.value for v in result.variables]
            solutions = iter(result)
            first = itertools.islice(solutions, limit)
            convert = _converter()
            with no_cyclic_gc():  # rows of terms hold no cycles; collections while making 10^5 rows cost ~10%
                rows = [tuple(s) for s in first] if raw else [tuple(map(convert, s)) for s in first]
            return QueryResult("SELECT", names, rows, truncated=limit is not None and next(solutions, None) is not None)
        except (SyntaxError, OSError, ValueError, TypeError) as exc:
            raise QueryError(f"query failed: {' '.join(str(exc).split())[:300]}") from None

    def count(self) -> int:
        result = self._store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(next(iter(result))[0].value)

    def contains(self, s, p, o) -> bool:
        return ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), ox.DefaultGraph()) in self._store

    def about(self, s) -> list[tuple]:
        return [(to_rdflib(q.predicate), to_rdflib(q.object))
                for q in self._store.quads_for_pattern(to_oxigraph(s), None, None, ox.DefaultGraph())]

    def held(self, lines: list[str]) -> int:
        """One lookup per subject (the lines are sorted, so a subject's lines come together); a
        subject the store holds has each of its lines looked up."""
        store, default, held = self._store, ox.DefaultGraph(), 0
        start = 0
        for end in range(1, len(lines) + 1):
            head = lines[start][: lines[start].index(" ") + 1]
            if end < len(lines) and lines[end].startswith(head):
                continue
            group = lines[start:end]
            start = end
            if head.startswith("<"):
                subject = ox.NamedNode(head[1:-2])
            else:
                subject = next(iter(ox.parse(group[0], format=ox.RdfFormat.N_TRIPLES))).subject
            if next(store.quads_for_pattern(subject, None, None, default), None) is not None:
                held += sum(1 for t in ox.parse("".join(group), format=ox.RdfFormat.N_TRIPLES)
                            if ox.Quad(t.subject, t.predicate, t.object, default) in store)
        return held

    def update_ntriples(self, add: Path, remove: list[str], metadata: dict[str, str]) -> None:
        """The new triples are loaded in one transaction (bulk-loaded when many), then the old
        lines go and the metadata changes in a second one; between the two the store records that
        it is being changed ("interrupted"), so a change cut short is seen, not silently kept."""
        self._refuse_write("add triples")
        try:
            self.set_metadata({"interrupted": metadata.get("interrupted", "a change")})
            self.load_file(add)
            parts = ["DELETE DATA {\n" + "".join(remove) + "}"] if remove else []
            for key, value in sorted({**metadata, "interrupted": None}.items()):
                where = f"GRAPH {META_GRAPH} {{ {META_SUBJECT} <{META_KEY}{key}>"
                parts.append(f"DELETE WHERE {{ {where} ?old }} }}")
                if value is not None:
                    parts.append(f"INSERT DATA {{ {where} {ox.Literal(str(value))} }} }}")
            self._store.update(" ;\n".join(parts))
        except (SyntaxError, OSError) as exc:
            raise GraphError(f"cannot update {self.spec}: {' '.join(str(exc).split())[:300]}") from None

    def is_empty(self) -> bool:
        return next(iter(self._store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None

    def clear(self) -> None:
        self._refuse_write("clear it")
        self._store.clear_graph(ox.DefaultGraph())

    def close(self) -> None:
        if self.persistent and self.writable and self._store is not None:
            self._store.flush()
        self._store = None

    def rebuild(self):
        """On disk: a new store beside this one, loaded as the build goes (oxigraph_rebuild.py).
        This store is closed until the new one takes its place: the build forks processes, and
        none should hold an open store."""
        if not self.persistent:
            return super().rebuild()
        from .oxigraph_rebuild import Rebuild

        self._refuse_write("replace its graph")
        self._store = None
        return Rebuild(self)

    def take_place_of_old(self, new: Path) -> None:
        """The store at `new` replaces this one (removed), and is opened in its place."""
        import os
        import shutil

        old = self.path.parent / f".{self.path.name}.old-{os.getpid()}"
        self._store = None
        if self.path.exists():
            os.replace(self.path, old)
        os.replace(new, self.path)
        shutil.rmtree(old, ignore_errors=True)
        self._store = ox.Store(str(self.path))

    def graph(self) -> Graph:
        from oxrdflib import OxigraphStore

        return Graph(store=OxigraphStore(store=self._store), identifier=DATASET_DEFAULT_GRAPH_ID)

    def metadata(self) -> dict[str, str]:
        out = {}
        for q in self._store.quads_for_pattern(META_SUBJECT, None, None, META_GRAPH):
            if q.predicate.value.startswith(META_KEY):
                out[q.predicate.value[len(META_KEY):]] = q.object.value
        return out

    def set_metadata(self, values: dict[str, str | None]) -> None:
        self._refuse_write("record metadata")
        record(self._store, values)


def record(store: ox.Store, values: dict[str, str | None]) -> None:
    """Set the store's metadata keys (a key given None is removed)."""
    for key, value in sorted(values.items()):
        predicate = ox.NamedNode(META_KEY + key)
        for q in list(store.quads_for_pattern(META_SUBJECT, predicate, None, META_GRAPH)):
            store.remove(q)
        if value is not None:
            store.add(ox.Quad(META_SUBJECT, predicate, ox.Literal(str(value)), META_GRAPH))
