"""The KG handle: a store (backend), the base IRI of its data, and where the data came from.

Every command, the server and the site work through one of these:

    kg, result = KG.build(["page.txt"])          # build into the project store (out/store)
    kg = KG.open()                                # what was built last, or the bundled sample
    kg.query(load_query("topic_overview"))        # -> QueryResult
    kg.export("ttl"); kg.validate(); kg.view("evidence")

The base is resolved once: given, else the one the store recorded when it was built, else the
default. Reopening a persisted store with another base is refused (its IRIs would not match).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from rdflib import Graph

from .backends import Backend, open_backend
from .errors import ConfigError, GraphError
from .namespaces import DEFAULT_BASE, bind_prefixes
from .ntsort import NTriplesFile
from .sparql import NamedQuery, QueryResult, prepare, view_query

PROJECT_STORE = Path("out") / "store"
PROJECT_STORE_SPEC = f"oxigraph:{PROJECT_STORE}"


@dataclass
class KG:
    backend: Backend
    base: str
    origin: str  # one line for people: which graph this is
    # the canonical N-Triples file the store was just loaded with (a build), so writing the graph
    # does not dump and sort the store again
    loaded: NTriplesFile | None = field(default=None, repr=False)
    # opened for reading (KG.open): nothing writes it through this object, so what is looked up in
    # it once (the concept labels that parameters are matched to) holds until it is closed, unless
    # others may change it (a remote store)
    reading: bool = field(default=False, repr=False)
    _label_index: dict | None = field(default=None, init=False, repr=False, compare=False)

    # ------------------------------------------------------------------ opening
    @classmethod
    def build(cls, sources: list | None = None, *, store: str | None = None, base: str | None = None,
              jobs: int = 1, progress=None, keep_posts: bool = False, output: str | Path | None = None,
              fmt: str | None = None):
        """Build from pages (the bundled sample when none) into a store (default: the project
        store); returns (KG, BuildResult). The store's previous graph is replaced once the new one
        is complete (Backend.rebuild: an Oxigraph store on disk loads the build's runs as they
        come). The build streams (pipeline.build): its canonical N-Triples go to a temporary file,
        which lives as long as the KG or the result. Extraction runs in `jobs` processes.
        `output` is a graph file to write (`fmt`: from its suffix by default), made as the build
        ends (result.written)."""
        from .pipeline import build

        base = _base(base, None)
        from .progress import QUIET

        progress = progress or QUIET
        backend = open_backend(store or PROJECT_STORE_SPEC)
        try:
            rebuild = backend.rebuild()
            try:
                graph_file = None
                if output is not None:
                    from .export import format_for_path

                    graph_file = (Path(output), fmt or format_for_path(output))
                result = build(list(sources) if sources else None, base=base, jobs=jobs, progress=progress,
                               keep_posts=keep_posts, on_run=rebuild.feed, graph_file=graph_file,
                               keep_file=rebuild.needs_file)
                record = _sources_record([Path(s).name for s in result.sources])
                names = record["sources"]
                with progress(f"loading {backend.spec}", None, "store"):
                    rebuild.finish(result.file and result.file.path, {"base": base, "built": _now(), **record,
                                                      "triples": str(result.report.triples), "interrupted": None})
            except BaseException:
                rebuild.abort()
                raise
        except BaseException:
            backend.close()
            raise
        what = f"built from {names}" if sources else "the bundled sample"
        return cls(backend, base, f"{backend.spec}: {what}, {result.report.triples:,} triples", result.file), result

    @classmethod
    def add(cls, sources: list, *, store: str | None = None, base: str | None = None, jobs: int = 1,
            progress=None):
        """Add the posts of pages (files, folders) to the graph that `build` put in a store kept on
        disk (default: the project store); returns (KG, AddResult). The store ends with the graph
        a build of all the pages, its own first, would make (see incremental.py)."""
        from .incremental import add_pages
        from .progress import QUIET

        backend = open_backend(store or PROJECT_STORE_SPEC)
        try:
            if not backend.persistent:
                raise ConfigError(f"pages are added to a store kept on disk (oxigraph:DIR); {backend.spec} starts empty")
            meta = backend.metadata()
            if "base" not in meta:
                raise GraphError(f"{backend.spec} holds no graph made by `pprnet-kg build`: build it first")
            if "interrupted" in meta:
                raise GraphError(f"{backend.spec}: {meta['interrupted']} was cut short; rebuild it with `pprnet-kg build`")
            base = _base(base, meta["base"], where=backend.spec)

            def record(added: list[str]) -> dict[str, str]:
                names = [Path(s).name for s in added]
                return {"built": _now(), **_sources_added(meta, names),
                        "interrupted": f"adding {_short_list(names) or 'no pages'}"}

            result = add_pages(backend, list(sources), base=base, metadata=record, jobs=jobs,
                               progress=progress or QUIET)
            meta = backend.metadata()
        except BaseException:
            backend.close()
            raise
        origin = f"{backend.spec}: built {meta['built']} from {meta['sources']}, {result.report.triples:,} triples"
        return cls(backend, base, origin), result

    @classmethod
    def open(cls, *, store: str | None = None, sources: list | tuple = (), graphs: list | tuple = (),
             base: str | None = None, named_graph: str | None = None) -> "KG":
        """The graph a read command works on.

        Pages or graph files given are loaded (into the store given, else into memory). With
        neither: the store given as it is; with no store either, the project store that
        `pprnet-kg build` filled, or else the bundled sample, built in memory."""
        if sources and graphs:
            raise ConfigError("give pages (--source) or graph files (--graph), not both")
        if sources:
            return cls._reader(cls.build(list(sources), store=store or "oxigraph", base=base)[0])
        if graphs:
            return cls.from_files(list(graphs), store=store or "oxigraph", base=base)
        if store is None:
            if not (PROJECT_STORE / "CURRENT").is_file():
                kg = cls._reader(cls.build(None, store="oxigraph", base=base)[0])
                kg.origin = (f"the bundled sample, {kg.origin.rsplit(', ', 1)[-1]} (no project store at "
                             f"{PROJECT_STORE} yet: `pprnet-kg build PAGES` makes one)")
                return kg
            store = PROJECT_STORE_SPEC
        backend = open_backend(store, named_graph=named_graph, read_only=True)
        try:
            meta = backend.metadata()
            resolved = _base(base, meta.get("base"), where=backend.spec)
            if meta:
                origin = (f"{backend.spec}: built {meta.get('built', '?')} from {meta.get('sources', '?')}, "
                          f"{int(meta.get('triples', 0)):,} triples")
                if "interrupted" in meta:
                    origin += f" (but {meta['interrupted']} was cut short: rebuild it)"
            elif backend.is_empty():
                raise GraphError(f"store {backend.spec} is empty: run `pprnet-kg build PAGES --store {store}` first")
            else:
                origin = backend.spec
        except BaseException:
            backend.close()
            raise
        return cls(backend, resolved, origin, reading=True)

    @staticmethod
    def _reader(kg: "KG") -> "KG":
        """A KG built for reading: it keeps no temporary file (a server may be killed before it
        could remove one); what it writes comes from the store, sorted on disk."""
        kg.loaded, kg.reading = None, True
        return kg

    @classmethod
    def from_files(cls, paths: list, *, store: str = "oxigraph", base: str | None = None) -> "KG":
        """Graph files (.ttl/.nt/.jsonld/.rdf/.trig) loaded into a store, replacing what it held."""
        from .export import read_graph_file

        data = [read_graph_file(p) for p in paths]
        backend = open_backend(store)
        try:
            base = _base(base, None)
            backend.clear()
            for text in data:
                backend.load_ntriples(text)
            if backend.persistent:
                backend.set_metadata({"base": base, "built": _now(), "triples": str(backend.count()),
                                      "sources": _short_list([Path(p).name for p in paths])})
        except BaseException:
            backend.close()
            raise
        return cls(backend, base, f"{backend.spec}: loaded from {', '.join(str(p) for p in paths)}")

    @classmethod
    def from_graph(cls, graph: Graph, *, base: str = DEFAULT_BASE) -> "KG":
        """An rdflib Graph in memory as a KG (no copy): for notebooks and tests."""
        from .backends.memory import MemoryBackend

        return cls(MemoryBackend(graph), base, "an rdflib graph in memory")

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> "KG":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ reading
    def query(self, query: NamedQuery, params: dict[str, str] | None = None, *, limit: int | None = None,
              offset: int = 0) -> QueryResult:
        """Run a query. With `limit`/`offset` only that page of rows (or triples) is read, the
        engine stopping early where it can; `truncated` on the result says more follow."""
        from .errors import QueryError

        params = self._labels(query, dict(params or {}))
        # one row more than the page: tells whether another page follows
        text, bindings, paged = prepare(query, params, base=self.base,
                                        limit=None if limit is None else limit + 1, offset=offset)
        try:
            if paged or not offset:
                return self.backend.query(text, bindings, limit=limit)
            result = self.backend.query(text, bindings, limit=None if limit is None else offset + limit)
        except QueryError as exc:
            raise QueryError(f"{query.name}: {exc}") from None
        result.rows, result.triples = result.rows[offset:], result.triples[offset:]  # paged here, not by the engine
        return result

    def _labels(self, query: NamedQuery, params: dict[str, str]) -> dict:
        """Parameters that name a topic, disorder or intervention: matched in any case to the
        label in the graph, and bound to that very literal (language tag included), so that the
        query finds the concept by its label with an index lookup rather than by comparing the
        text of every label; an unknown one is an error that suggests the closest labels."""
        import difflib

        from .errors import QueryError
        from .sparql.catalogue import LABEL_TYPES

        wanted = {p.name: p.type for p in query.params if p.type in LABEL_TYPES and p.name in params}
        if not wanted:
            return params
        labels = self._label_index
        if labels is None:
            labels = {}
            for r in self.select("labels"):
                known = labels.setdefault(str(r.kind), {})
                key = str(r.label).casefold()
                # one literal per text, the same on every store: English first, then no language,
                # then by language tag (the pipeline writes every label in English)
                if key not in known or _label_rank(r.label) < _label_rank(known[key]):
                    known[key] = r.label
            if self.reading and not self.backend.shared:
                self._label_index = labels  # a server answers many queries by label from one lookup
        for name, kind in wanted.items():
            known = labels.get(kind, {})
            given = params[name]
            if given.casefold() in known:
                params[name] = known[given.casefold()]
                continue
            close = _closest(given.casefold(), list(known))
            hint = ("; closest: " + ", ".join(repr(str(known[c])) for c in close)) if close else \
                f"; the graph has {len(known)} {kind} label(s)"
            raise QueryError(f"{query.name}: no {kind} labelled {given!r} in this graph{hint}")
        return params

    def select(self, name: str, params: dict[str, str] | None = None) -> list:
        """An internal query (queries/views/NAME.rq) as records with one attribute per variable,
        in a stable order."""
        result = self.query(view_query(name), params)
        rows = sorted(result.rows, key=lambda r: tuple("" if v is None else str(v) for v in r))
        return QueryResult("SELECT", result.vars, rows).records()

    def ntriples(self) -> str:
        """The graph as canonical N-Triples."""
        return self.loaded.text() if self.loaded is not None else self.backend.dump()

    @property
    def graph(self) -> Graph:
        """An rdflib Graph to read from (prefixes bound)."""
        return bind_prefixes(self.backend.graph(), self.base)

    def count(self) -> int:
        return self.backend.count()

    def stats(self) -> dict:
        from .sparql.results import short

        counts = {short(r.cls, self.base): int(r.n) for r in self.select("class_counts")}
        return {"triples": self.count(), "classes": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))}

    # ------------------------------------------------------------------ making things from it
    def export(self, fmt: str = "ttl") -> bytes:
        from .export import serialize

        return serialize(self.ntriples(), fmt, base=self.base)

    def write(self, destination: str | Path, fmt: str | None = None) -> Path:
        """The graph as a file, from canonical N-Triples on disk (made by the build, or sorted from
        the store's dump on disk: never held whole for N-Triples, Turtle and TriG)."""
        from .export import write_graph_file

        file = self.loaded if self.loaded is not None else self.backend.dump_file()
        return write_graph_file(file.path, destination, fmt, base=self.base)

    def validate(self):
        from .validate import validate_graph

        return validate_graph(Graph().parse(data=self.ntriples(), format="nt"))

    def view(self, name: str, **options):
        from .projection import make_view

        return make_view(self, name, **options)

    def push(self, *, endpoint: str, named_graph: str, query_endpoint: str | None = None,
             update_endpoint: str | None = None, append: bool = False, batch_size: int = 10_000):
        from .backends.remote import guess_query_endpoint, guess_update_endpoint, push

        return push(self.ntriples(), endpoint=endpoint, graph_iri=named_graph,
                    query_endpoint=query_endpoint or guess_query_endpoint(endpoint),
                    update_endpoint=update_endpoint or guess_update_endpoint(endpoint),
                    mode="append" if append else "replace", batch_size=batch_size)


def _label_rank(label) -> tuple:
    language = getattr(label, "language", None) or ""
    return (language.lower() != "en", language != "", language.lower(), str(label))


def _short_list(names: list[str], most: int = 3) -> str:
    """'a, b, c' — or, for a long list, 'a, b … z (1,000 files)': the store's origin is one line."""
    return _shortened(names[:most], names[-1:], len(names), most)


def _shortened(head: list[str], last: list[str], count: int, most: int = 3) -> str:
    if count <= most:
        return ", ".join(head)
    return f"{', '.join(head[: most - 1])} … {last[0]} ({count:,} files)"


def _sources_record(names: list[str]) -> dict[str, str]:
    """What a store records of the pages it was built from: the short list people read, and what
    it is made from (first names, last name, count), so that adding pages can extend it."""
    import json

    kept = {"head": names[:3], "last": names[-1:], "count": len(names)}
    return {"sources": _short_list(names) or "no pages", "source_list": json.dumps(kept, ensure_ascii=False)}


def _sources_added(meta: dict[str, str], names: list[str]) -> dict[str, str]:
    """The record of the sources after `names` were added to a store that recorded `meta`."""
    import json

    try:
        kept = json.loads(meta["source_list"])
    except (KeyError, ValueError):  # a store built before the record was kept: say what came after
        return {"sources": f"{meta.get('sources', '?')}, then {_short_list(names)}"}
    head, last, count = (kept["head"] + names)[:3], (kept["last"] + names)[-1:], kept["count"] + len(names)
    record = {"head": head, "last": last, "count": count}
    return {"sources": _shortened(head, last, count) or "no pages", "source_list": json.dumps(record, ensure_ascii=False)}


def _base(given: str | None, recorded: str | None, *, where: str = "") -> str:
    from .iris import Minter

    if given and recorded and given != recorded:
        raise ConfigError(f"{where} was built with base {recorded}; --base {given} would mix namespaces "
                          f"(rebuild it with `pprnet-kg build PAGES --store {where} --base {given}`)")
    base = given or recorded or DEFAULT_BASE
    Minter(base)  # checks the base is an absolute IRI ending in / # or :
    return base


def _now() -> str:
    return datetime.fromtimestamp(time.time(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _closest(given: str, labels: list[str], n: int = 3) -> list[str]:
    """The labels nearest to what was typed: by the whole label or its best-matching word."""
    import difflib

    def score(label: str) -> float:
        words = [label, *label.split()]
        return max(difflib.SequenceMatcher(None, given, w).ratio() for w in words)

    ranked = sorted(labels, key=lambda label: (-score(label), label))
    return [label for label in ranked[:n] if score(label) >= 0.5]
