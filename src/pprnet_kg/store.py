"""Opening a store by name: `memory`, `oxigraph[:PATH]`, or a remote `sparql+http(s)://...` endpoint.

All three are rdflib Graphs, so the rest of the code does not care which one it has. Oxigraph
traps handled here: graphs use the default graph (a persisted store reopens with its data),
files are parsed with the `ox-*` parsers (rdflib's are ~8x slower on it), and prefixes are
bound explicitly because the Oxigraph parser does not register them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from .errors import ConfigError, GraphError
from .namespaces import DEFAULT_BASE, bind_prefixes

STORE_KINDS = ("memory", "oxigraph", "sparql+http", "sparql+https")
USER_ENV, PASSWORD_ENV = "PPRNET_SPARQL_USER", "PPRNET_SPARQL_PASSWORD"
_OX_FORMATS = {"turtle": "ox-turtle", "nt": "ox-nt", "xml": "ox-xml", "trig": "ox-trig"}


@dataclass(frozen=True)
class StoreSpec:
    kind: str  # memory | oxigraph | remote
    path: Path | None = None
    url: str | None = None
    graph: str | None = None  # remote: the named graph to query as the default graph

    @property
    def persistent(self) -> bool:
        return self.kind == "oxigraph" and self.path is not None

    def __str__(self) -> str:
        if self.kind == "remote":
            return f"sparql+{self.url}"
        return f"oxigraph:{self.path}" if self.path else self.kind


def parse_store(text: str | None) -> StoreSpec:
    """'memory', 'oxigraph', 'oxigraph:DIR', 'sparql+https://host/sparql' -> StoreSpec."""
    text = (text or "memory").strip()
    if text == "memory":
        return StoreSpec("memory")
    if text == "oxigraph":
        return StoreSpec("oxigraph")
    if text.startswith("oxigraph:"):
        path = text[len("oxigraph:"):]
        if not path:
            raise ConfigError("--store oxigraph:PATH needs a directory after the colon")
        return StoreSpec("oxigraph", path=Path(path))
    m = re.match(r"^sparql\+(https?://[^\s#]+)(?:#graph=(\S+))?$", text)
    if m:
        return StoreSpec("remote", url=m.group(1), graph=m.group(2))
    raise ConfigError(f"unknown store {text!r}: use memory, oxigraph, oxigraph:DIR or sparql+http(s)://HOST/PATH")


def credentials() -> tuple[str, str] | None:
    """Remote credentials come from the environment only, never from the command line."""
    user = os.environ.get(USER_ENV)
    return (user, os.environ.get(PASSWORD_ENV, "")) if user else None


def open_graph_store(spec: StoreSpec, *, base: str = DEFAULT_BASE) -> Graph:
    """An rdflib Graph on the store; a persisted Oxigraph store keeps what it held."""
    if spec.kind == "memory":
        return bind_prefixes(Graph(), base)
    if spec.kind == "oxigraph":
        graph = Graph(store="Oxigraph", identifier=DATASET_DEFAULT_GRAPH_ID)
        if spec.path is not None:
            try:
                spec.path.mkdir(parents=True, exist_ok=True)
                graph.open(str(spec.path))
            except OSError as exc:
                raise GraphError(f"{spec.path}: cannot open Oxigraph store: {exc}") from None
        return bind_prefixes(graph, base)
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(query_endpoint=spec.url, auth=credentials(), returnFormat="json")
    identifier = URIRef(spec.graph) if spec.graph else DATASET_DEFAULT_GRAPH_ID
    return bind_prefixes(Graph(store=store, identifier=identifier), base)


def is_oxigraph(graph: Graph) -> bool:
    return type(graph.store).__name__ == "OxigraphStore"


def is_remote(graph: Graph) -> bool:
    return type(graph.store).__name__ in {"SPARQLStore", "SPARQLUpdateStore"}


def parse_format(graph: Graph, rdflib_format: str) -> str:
    """The parser to use for a format on this graph's store."""
    return _OX_FORMATS.get(rdflib_format, rdflib_format) if is_oxigraph(graph) else rdflib_format


def clear(graph: Graph) -> None:
    if is_oxigraph(graph):
        graph.store._inner.clear()
    else:
        graph.remove((None, None, None))


def copy_into(target: Graph, source: Graph) -> Graph:
    """Bulk-copy triples; into Oxigraph through one N-Triples load, not triple by triple."""
    if is_oxigraph(target):
        data = source.serialize(format="ox-nt" if is_oxigraph(source) else "nt", encoding="utf-8")
        target.parse(data=data, format="ox-nt")
    elif is_oxigraph(source):
        # through N-Triples, so simple literals come back plain (Oxigraph hands out xsd:string)
        target.parse(data=source.serialize(format="ox-nt", encoding="utf-8"), format="nt")
    else:
        for triple in source:
            target.add(triple)
    return target


def close(graph: Graph) -> None:
    if is_oxigraph(graph):
        graph.close()
