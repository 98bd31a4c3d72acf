"""Library functions behind the CLI commands: each command calls exactly one of these."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

from rdflib import RDF, Graph

from .errors import ConfigError, GraphError
from .export import load_graph, write_graph
from .namespaces import DEFAULT_BASE
from .store import clear, close, open_graph_store, parse_store
from .pipeline import BuildReport, build, extract_pages
from .sources import read_pages


def open_graph(*, sources: list | None = None, graphs: list | None = None, base: str | None = None,
               store: str | None = None) -> Graph:
    """The graph a command works on, on the store asked for (memory, oxigraph[:DIR], remote).

    Graph files or pages given are loaded (replacing what a persisted store held); with
    neither, a persisted Oxigraph store is used as it is, a remote endpoint is queried
    as it is, and otherwise the bundled sample is built.
    """
    base = base or DEFAULT_BASE
    spec = parse_store(store)
    if spec.kind == "remote":
        if sources or graphs:
            raise ConfigError("a remote store is only read here; load it with `pprnet-kg push`")
        return open_graph_store(spec, base=base)
    graph = open_graph_store(spec, base=base)
    if graphs:
        clear(graph)
        for path in graphs:
            load_graph(path, graph)
        return graph
    if spec.persistent and not sources:
        if len(graph) == 0:
            close(graph)
            raise GraphError(f"store {spec.path} is empty: run `pprnet-kg build --store {spec}` first")
        return graph
    clear(graph)
    return build(sources or None, base=base, graph=graph).graph


def build_and_write(sources: list, *, output: str | Path, fmt: str | None, html: str | Path | None,
                    base: str | None = None, store: str | None = None) -> tuple[BuildReport, list[Path]]:
    """The main job: build, write the graph (and the HTML view), return the report and the paths."""
    spec = parse_store(store)
    if spec.kind == "remote":
        raise ConfigError("build writes to memory or Oxigraph; load a remote store with `pprnet-kg push`")
    graph = open_graph_store(spec, base=base or DEFAULT_BASE)
    clear(graph)
    try:
        result = build(sources or None, base=base or DEFAULT_BASE, graph=graph)
        written = [write_graph(result.graph, output, fmt)]
        if html:
            from .projection import overview
            from .viz import to_network, write_html

            written.append(write_html(to_network(overview(result.graph)), html))
    finally:
        close(graph)
    return result.report, written


def extract_json(pages: list) -> dict:
    return extract_pages(read_pages(pages)).to_json()


def query_text(graph: Graph, *, name: str | None, expr: str | None, params: dict, fmt: str,
               base: str | None = None) -> str:
    from .queries import adhoc_query, load_query, run_query
    from .results import format_result

    q = load_query(name) if name else adhoc_query(expr or "")
    return format_result(run_query(graph, q, params, base=base or DEFAULT_BASE), fmt, base=base or DEFAULT_BASE)


def graph_stats(graph: Graph) -> dict:
    counts: dict[str, int] = {}
    for cls in set(graph.objects(None, RDF.type)):
        counts[graph.namespace_manager.normalizeUri(cls)] = len(set(graph.subjects(RDF.type, cls)))
    return {"triples": len(graph), "classes": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))}


def guess_query_endpoint(endpoint: str) -> str:
    """Oxigraph serves /store and /query; Virtuoso /sparql-graph-crud[-auth] and /sparql."""
    for gsp, query in (("/store", "/query"), ("/sparql-graph-crud-auth", "/sparql"), ("/sparql-graph-crud", "/sparql")):
        if endpoint.rstrip("/").endswith(gsp):
            return endpoint.rstrip("/")[: -len(gsp)] + query
    parts = urllib.parse.urlsplit(endpoint)
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    shown = parts._replace(netloc=host).geturl()  # never echo credentials given in the URL
    raise ConfigError(f"cannot guess the query endpoint for {shown}; give --query-endpoint")


def push_graph(*, sources: list, inputs: list, base: str | None, endpoint: str, graph_iri: str,
               query_endpoint: str | None, append: bool, batch_size: int):
    from .remote import push

    graph = open_graph(sources=sources, graphs=inputs, base=base, store="oxigraph")
    return push(graph, endpoint=endpoint, graph_iri=graph_iri, query_endpoint=query_endpoint or guess_query_endpoint(endpoint),
                mode="append" if append else "replace", batch_size=batch_size)


def write_synthetic(posts: int, output: str | Path, *, seed: int) -> list[Path]:
    from .extract import load_rules
    from .synth import generate, write_corpus

    rules = load_rules()
    try:
        return write_corpus(generate(posts, rules, seed=seed), rules, Path(output), seed=seed)
    except OSError as exc:
        raise ConfigError(f"{output}: cannot write the corpus: {exc.strerror or exc}") from None


def make_view(graph: Graph, view: str, *, focus: str | None = None, depth: int = 1, topic: str | None = None,
              query: str | None = None, params: dict | None = None):
    """A networkx view of the graph by name (see projection.VIEWS)."""
    from . import projection as p

    if view == "ego":
        if not focus:
            raise ConfigError("the ego view needs --focus LABEL|IRI")
        return p.ego_view(graph, focus, depth=depth)
    if view == "query":
        from .queries import load_query, run_query

        if not query:
            raise ConfigError("the query view needs --query NAME|FILE (a CONSTRUCT, or a SELECT with ?source ?target)")
        return p.query_view(graph, run_query(graph, load_query(query), params or {}))
    builders = {"overview": p.overview, "topics": p.topics_view, "evidence": p.evidence_view, "authors": p.authors_view}
    if view not in builders:
        raise ConfigError(f"unknown view {view!r}; choose one of {', '.join(p.VIEWS)}")
    return builders[view](graph, topic=topic)


def write_view(graph: Graph, view: str, output: str | Path, **options) -> tuple[Path, int, int]:
    from .viz import to_network, write_html

    networkx_view = make_view(graph, view, **options)
    title = f"PPRNet knowledge graph: {view} view"
    if options.get("focus"):
        title += f" around {options['focus']}"
    if options.get("topic"):
        title += f" for {options['topic']}"
    path = write_html(to_network(networkx_view, heading=title), output)
    return path, networkx_view.number_of_nodes(), networkx_view.number_of_edges()
