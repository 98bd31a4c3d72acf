"""The interface every store implements; what the KG handle, the server and the site rely on."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

from rdflib import Graph

from ..errors import ConfigError
from ..ntriples import canonical
from ..ntsort import NTriplesFile, sorted_file
from ..sparql.results import QueryResult


class Backend(ABC):
    """A store of one RDF graph (its default graph, or a named graph of a remote store)."""

    #: shown to users: "oxigraph:out/store", "memory", "sparql+https://host/sparql"
    spec: str = ""
    #: True when the data outlives the process (an on-disk store, a remote server)
    persistent: bool = False
    #: False when this process may not change the data (remote stores, read-only opens)
    writable: bool = True
    #: True when others may change the data while it is open (a remote server)
    shared: bool = False

    @abstractmethod
    def load_ntriples(self, data: str) -> None:
        """Add the triples of an N-Triples text."""

    def load_file(self, path: Path) -> None:
        """Add the triples of an N-Triples file (a store that can reads it without holding it)."""
        self.load_ntriples(Path(path).read_text(encoding="utf-8"))

    @abstractmethod
    def ntriples(self) -> str:
        """Every triple as N-Triples text, in any order (see `dump`)."""

    def dump(self) -> str:
        """The graph as canonical N-Triples: sorted, one line per triple."""
        return canonical(self.ntriples())

    def dump_file(self) -> NTriplesFile:
        """The graph as a canonical N-Triples file (temporary: it goes with the returned object),
        sorted in runs on disk. This default starts from the text of `ntriples`."""
        return sorted_file(self.ntriples().splitlines(keepends=True))

    @abstractmethod
    def query(self, text: str, bindings: dict, *, limit: int | None = None, raw: bool = False) -> QueryResult:
        """Run a checked query (full text, prefixes included) with its parameters as RDF terms;
        with `limit`, at most that many rows or triples are read (and `truncated` says if more were).
        With `raw`, a store may hand out its own term objects, which only results.write reads."""

    @abstractmethod
    def count(self) -> int:
        """Number of triples (may scan the store: never called on open)."""

    @abstractmethod
    def is_empty(self) -> bool:
        """Cheap: looks at one triple at most."""

    @abstractmethod
    def clear(self) -> None:
        """Remove every triple of the graph (not the store's own metadata)."""

    def contains(self, s, p, o) -> bool:
        """Whether the graph holds the triple (rdflib terms). Cheap: one lookup."""
        return bool(self.query("ASK { ?s ?p ?o }", {"s": s, "p": p, "o": o}).boolean)

    def about(self, s) -> list[tuple]:
        """The (predicate, object) pairs of the triples whose subject is `s`, as rdflib terms."""
        return [tuple(row) for row in self.query("SELECT ?p ?o WHERE { ?s ?p ?o }", {"s": s}).rows]

    def held(self, lines: list[str]) -> int:
        """How many of these N-Triples lines (distinct, sorted) the graph holds."""
        return sum(1 for t in Graph().parse(data="".join(lines), format="nt") if self.contains(*t))

    def update_ntriples(self, add: Path, remove: list[str], metadata: dict[str, str]) -> None:
        """Add the triples of the N-Triples file `add`, remove the `remove` lines (N-Triples) and
        record `metadata`; a store that cannot do it in one transaction records, until it is done,
        that a change is under way (metadata "interrupted")."""
        raise ConfigError(f"{self.spec} cannot be changed in place")

    def rebuild(self) -> "Rebuild":
        """Replace the graph with one that a build is making: it feeds each run of N-Triples as it
        is written (`feed`), then gives the canonical file (`finish`) or gives up (`abort`). This
        default clears the graph and loads the canonical file at the end; a store may load as the
        runs come (Oxigraph on disk does)."""
        return Rebuild(self)

    def close(self) -> None:
        """Release files and locks; the backend is not used afterwards."""

    def graph(self) -> Graph:
        """An rdflib Graph to read from (pySHACL, linked-data pages). A copy unless overridden."""
        return Graph().parse(data=self.ntriples(), format="nt")

    def metadata(self) -> dict[str, str]:
        """What the store records about itself (base IRI, when and from what it was built)."""
        return {}

    def set_metadata(self, values: dict[str, str | None]) -> None:
        """Record metadata (a key given None is removed); only persistent stores keep it."""

    def _refuse_write(self, what: str) -> None:
        if not self.writable:
            raise ConfigError(f"{self.spec} is opened read only: cannot {what}")


class Rebuild:
    """Backend.rebuild's default: the canonical file, loaded when it is done."""

    needs_file = True  # finish() loads the canonical file (a rebuild fed by the runs needs none)

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def feed(self, path: Path) -> None:
        """A run of N-Triples (sorted; runs come in any order and may repeat triples)."""

    def finish(self, canonical: Path | None, metadata: dict[str, str | None]) -> None:
        self.backend.clear()
        self.backend.load_file(canonical)
        self.backend.set_metadata(metadata)

    def abort(self) -> None:
        """The build failed: the graph is left as it was, where the store can."""
