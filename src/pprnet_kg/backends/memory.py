"""rdflib's in-memory graph: small graphs and tests. Parameters go in as initial bindings."""

from __future__ import annotations

from itertools import islice

from rdflib import Graph

from ..errors import QueryError
from ..sparql.results import QueryResult, plain
from .base import Backend


def open(arg: str | None, *, named_graph: str | None = None, read_only: bool = False) -> "MemoryBackend":  # noqa: A001
    return MemoryBackend()


class MemoryBackend(Backend):
    spec = "memory"

    def __init__(self, graph: Graph | None = None) -> None:
        self._graph = graph if graph is not None else Graph()

    def load_ntriples(self, data: str) -> None:
        self._graph.parse(data=data, format="nt")

    def load_file(self, path) -> None:
        self._graph.parse(str(path), format="nt")

    def ntriples(self) -> str:
        return self._graph.serialize(format="nt", encoding="utf-8").decode("utf-8")

    def query(self, text: str, bindings: dict, *, limit: int | None = None, raw: bool = False) -> QueryResult:
        try:
            result = self._graph.query(text, initBindings=bindings)
            if result.type == "ASK":
                return QueryResult("ASK", boolean=bool(result.askAnswer))
            if result.type in {"CONSTRUCT", "DESCRIBE"}:
                triples = [tuple(plain(t) for t in triple) for triple in islice(result.graph, limit)]
                return QueryResult("CONSTRUCT", triples=triples,
                                   truncated=limit is not None and len(result.graph) > limit)
            names = [str(v) for v in result.vars]
            rows = []
            for row in result:
                if limit is not None and len(rows) >= limit:
                    return QueryResult("SELECT", names, rows, truncated=True)
                rows.append(tuple(plain(t) for t in row))
            return QueryResult("SELECT", names, rows)
        except (QueryError, MemoryError):  # running out of memory is not the query's error
            raise
        except Exception as exc:  # evaluation errors from the engine
            raise QueryError(f"query failed: {' '.join(str(exc).split())[:300]}") from None

    def contains(self, s, p, o) -> bool:
        return (s, p, o) in self._graph

    def about(self, s) -> list[tuple]:
        return list(self._graph.predicate_objects(s))

    def update_ntriples(self, add, remove: list[str], metadata: dict[str, str]) -> None:
        for triple in Graph().parse(data="".join(remove), format="nt"):
            self._graph.remove(triple)
        self._graph.parse(str(add), format="nt")

    def count(self) -> int:
        return len(self._graph)

    def is_empty(self) -> bool:
        return next(iter(self._graph.triples((None, None, None))), None) is None

    def clear(self) -> None:
        self._graph.remove((None, None, None))

    def graph(self) -> Graph:
        return self._graph
