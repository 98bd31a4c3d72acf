"""The pprnet-kg command line: a thin shell over the library (each command calls one function)."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from .errors import PprnetError

FORMAT_CHOICES = ["ttl", "nt", "jsonld", "xml", "trig"]


class Group(click.Group):
    """Turns library errors into one-line messages with a non-zero exit, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PprnetError as exc:
            raise click.ClickException(str(exc)) from None


STORE_HELP = ("Where the graph lives: memory, oxigraph (in memory), oxigraph:DIR (on disk, kept between "
              "commands) or sparql+http(s)://HOST/PATH (a remote SPARQL endpoint, read only).")


def source_options(fn):
    fn = click.option("--store", default="oxigraph", show_default=True, help=STORE_HELP)(fn)
    fn = click.option("--base", default=None, help="Base IRI for minted data IRIs (default https://w3id.org/pprnet/id/).")(fn)
    fn = click.option("--graph", "graphs", multiple=True, type=click.Path(dir_okay=False),
                      help="Use a built graph file (.ttl/.nt/.jsonld/.rdf/.trig) instead of building; repeatable.")(fn)
    fn = click.option("--source", "sources", multiple=True, type=click.Path(),
                      help="Blog page(s) or folder(s) to build from (default: the bundled sample).")(fn)
    return fn


@contextmanager
def _graph(sources, graphs, base, store):
    """The graph for a command; a persisted store is closed (its lock released) afterwards."""
    from .api import open_graph
    from .store import close

    graph = open_graph(sources=list(sources), graphs=list(graphs), base=base, store=store)
    try:
        yield graph
    finally:
        close(graph)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pprnet-kg")
def cli():
    """pprnet-kg: the PPRNet psychotherapy research blog as a knowledge graph."""


@cli.command()
@click.argument("sources", nargs=-1, type=click.Path())
@click.option("-o", "--output", default="out/kg.ttl", show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the graph.")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMAT_CHOICES), default=None,
              help="Serialisation (default: from the output's suffix, else ttl).")
@click.option("--html", "html_out", default="out/kg.html", show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the interactive HTML graph.")
@click.option("--no-html", is_flag=True, help="Do not write the HTML graph.")
@click.option("--base", default=None, help="Base IRI for minted data IRIs.")
@click.option("--store", default="oxigraph", show_default=True,
              help="Build into memory, oxigraph, or oxigraph:DIR (kept on disk for later commands).")
@click.option("--strict", is_flag=True, help="Exit 1 when any problem was reported.")
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
def build(sources, output, fmt, html_out, no_html, base, store, strict, as_json):
    """Build the knowledge graph from blog pages (default: the bundled sample)."""
    from .api import build_and_write

    report, written = build_and_write(list(sources), output=output, fmt=fmt,
                                      html=None if no_html else html_out, base=base, store=store)
    if as_json:
        click.echo(json.dumps({**report.to_json(), "written": [str(p) for p in written]}, indent=2))
    else:
        for name, value in report.rows():
            click.echo(f"{name:>20}: {value}")
        for problem in report.problems:
            click.echo(f"problem: {problem}", err=True)
        for path in written:
            click.echo(f"wrote {path}")
    if strict and report.problems:
        sys.exit(1)


@cli.command()
@click.argument("pages", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the JSON here instead of stdout.")
def extract(pages, output):
    """Extract posts from PAGES as JSON (topics, posts with citation, findings, problems)."""
    from .api import extract_json

    text = json.dumps(extract_json(list(pages)), indent=2, ensure_ascii=False) + "\n"
    if output:
        try:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"{output}: cannot write: {exc.strerror or exc}") from None
    else:
        click.echo(text, nl=False)


@cli.command("parse-citation")
@click.argument("text")
def parse_citation_cmd(text):
    """Print one APA citation as a CSL-JSON item."""
    from .extract.citation import parse_citation

    result = parse_citation(text)
    item = dict(result.item)
    item["authors_truncated"] = result.authors_truncated
    click.echo(json.dumps(item, indent=2, ensure_ascii=False))
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


@cli.command()
@click.argument("name", required=False)
@click.option("-e", "--expr", help="A SPARQL query given inline instead of NAME.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="A query parameter (a binding).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "md"]), default="table",
              show_default=True)
@click.option("--endpoint", help="Run against a remote SPARQL query endpoint (same as --store sparql+URL).")
@click.option("--named-graph", help="With --endpoint: query this named graph as the default graph.")
@source_options
def query(name, expr, params, fmt, endpoint, named_graph, sources, graphs, base, store):
    """Run a named query (see `pprnet-kg queries`), a .rq file, or -e SPARQL."""
    from .api import query_text

    if bool(name) == bool(expr):
        raise click.UsageError("give a query NAME or FILE, or -e SPARQL (one of them)")
    bindings = dict(_split_param(p) for p in params)
    if endpoint:
        store = f"sparql+{endpoint}"
    if named_graph:
        if not store.startswith("sparql+"):
            raise click.UsageError("--named-graph goes with --endpoint (a remote store)")
        store = f"{store}#graph={named_graph}"
    with _graph(sources, graphs, base, store) as graph:
        text = query_text(graph, name=name, expr=expr, params=bindings, fmt=fmt, base=base)
    click.echo(text, nl=False)


@cli.command()
@click.option("--endpoint", required=True, help="Graph Store HTTP Protocol URL (e.g. http://host:7878/store).")
@click.option("--graph", "graph_iri", required=True, help="IRI of the named graph to load into.")
@click.option("--query-endpoint", help="SPARQL query URL used to verify the count (default: guessed from --endpoint).")
@click.option("--append", is_flag=True, help="Add to the named graph instead of replacing it.")
@click.option("--batch-size", type=click.IntRange(1), default=10_000, show_default=True, help="Triples per request.")
@click.option("--input", "inputs", multiple=True, type=click.Path(dir_okay=False),
              help="A built graph file to push (default: build --source pages or the bundled sample).")
@click.option("--source", "sources", multiple=True, type=click.Path(), help="Blog page(s) to build and push.")
@click.option("--base", default=None, help="Base IRI for minted data IRIs.")
def push(endpoint, graph_iri, query_endpoint, append, batch_size, inputs, sources, base):
    """Load the graph into a remote triple store (SPARQL 1.1 Graph Store Protocol) and verify it."""
    from .api import push_graph

    report = push_graph(sources=list(sources), inputs=list(inputs), base=base, endpoint=endpoint,
                        graph_iri=graph_iri, query_endpoint=query_endpoint, append=append, batch_size=batch_size)
    click.echo(f"pushed {report.triples_sent} triples in {report.batches} batch(es) to <{report.graph}> "
               f"({report.mode}); the store now holds {report.triples_in_store}")


@cli.command()
@click.option("--posts", type=click.IntRange(1), default=1000, show_default=True, help="How many posts.")
@click.option("-o", "--output", default="out/synth", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the pages (10 posts a page).")
@click.option("--seed", type=int, default=7, show_default=True, help="The same seed gives the same corpus.")
def synth(posts, output, seed):
    """Write a synthetic blog-like corpus (for benchmarks and tests; all text is made up)."""
    from .api import write_synthetic

    paths = write_synthetic(posts, output, seed=seed)
    click.echo(f"wrote {posts} posts in {len(paths)} pages to {output}")


@cli.command()
@click.argument("view", type=click.Choice(["overview", "topics", "evidence", "authors", "ego", "query"]))
@click.option("--focus", help="ego: the node to centre on (label or IRI).")
@click.option("--depth", type=click.IntRange(1, 5), default=1, show_default=True, help="ego: how many steps out.")
@click.option("--topic", help="Only the articles filed under this topic (label or IRI).")
@click.option("--query", "query_name", help="query: a named query or .rq file (CONSTRUCT, or SELECT ?source ?target).")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="query: a parameter.")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False), help="HTML file (default out/VIEW.html).")
@source_options
def viz(view, focus, depth, topic, query_name, params, output, sources, graphs, base, store):
    """Draw an interactive, offline HTML graph: overview, topics, evidence, authors, ego or query."""
    from .api import write_view

    bindings = dict(_split_param(p) for p in params)
    with _graph(sources, graphs, base, store) as graph:
        path, nodes, edges = write_view(graph, view, output or f"out/{view}.html", focus=focus, depth=depth,
                                        topic=topic, query=query_name, params=bindings)
    click.echo(f"wrote {path} ({nodes} nodes, {edges} edges)")


def _split_param(item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key:
        raise click.UsageError(f"--param wants NAME=VALUE, got {item!r}")
    return key.strip(), value


@cli.command()
@click.option("-o", "--output", default="site", show_default=True, type=click.Path(file_okay=False),
              help="Folder to write the site into.")
@click.option("--no-views", is_flag=True, help="Leave out the interactive graph views.")
@source_options
def site(output, no_views, sources, graphs, base, store):
    """Write the offline explorer site: index, topic, article, disorder and intervention pages."""
    from .site import build_site

    with _graph(sources, graphs, base, store) as graph:
        counts = build_site(graph, output, base=base or "https://w3id.org/pprnet/id/", views=not no_views)
    click.echo(f"wrote {output}/index.html: " + ", ".join(f"{n} {k}" for k, n in counts.items()))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@source_options
def analyze(as_json, sources, graphs, base, store):
    """Network analytics: degree and betweenness centrality, communities, topics bridging them."""
    from dataclasses import asdict

    from .analytics import analyze as run_analysis
    from .analytics import format_analysis

    with _graph(sources, graphs, base, store) as graph:
        result = run_analysis(graph)
    click.echo(json.dumps(asdict(result), indent=2) if as_json else format_analysis(result), nl=not as_json)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback unless you say so).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--timeout", type=click.FloatRange(0.1), default=10.0, show_default=True, help="Seconds per query.")
@click.option("--max-rows", type=click.IntRange(1), default=10_000, show_default=True, help="Results per query.")
@click.option("--site", "site_dir", type=click.Path(file_okay=False, exists=True),
              help="Serve this explorer site (made by `pprnet-kg site`) under /site/.")
@source_options
def serve(host, port, timeout, max_rows, site_dir, sources, graphs, base, store):
    """Serve the graph read-only: SPARQL endpoint, query page, linked-data pages, VoID."""
    from .serve import make_server

    with _graph(sources, graphs, base, store) as graph:
        server = make_server(graph, host=host, port=port, base=base or "https://w3id.org/pprnet/id/",
                             timeout=timeout, max_rows=max_rows, site=site_dir)
        click.echo(f"serving {len(graph)} triples at http://{host}:{server.server_address[1]}/ (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


@cli.command("queries")
def queries_cmd():
    """List the named queries with their titles and parameters."""
    from .queries import library

    for q in library():
        params = ", ".join(f"{p.name}:{p.type}{'?' if p.optional else ''}" for p in q.params) or "-"
        click.echo(f"{q.name:<34} {q.title}  [{params}]")


@cli.command()
@click.option("-f", "--format", "fmt", type=click.Choice(FORMAT_CHOICES), default=None, help="Serialisation.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: stdout).")
@source_options
def export(fmt, output, sources, graphs, base, store):
    """Serialise the graph as Turtle, N-Triples, JSON-LD, RDF/XML or TriG."""
    from .export import format_for_path, serialize, write_graph

    with _graph(sources, graphs, base, store) as graph:
        if output:
            write_graph(graph, output, fmt or format_for_path(output))
            click.echo(f"wrote {output}", err=True)
        else:
            sys.stdout.buffer.write(serialize(graph, fmt or "ttl"))


@cli.command()
@source_options
def validate(sources, graphs, base, store):
    """Check the graph against ontology/shapes.ttl (exit 0 conforms, 1 does not, 2 cannot load)."""
    from .validate import validate_graph

    try:
        with _graph(sources, graphs, base, store) as graph:
            report = validate_graph(graph)
            size = len(graph)
    except PprnetError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    if report.conforms:
        click.echo(f"conforms: {size} triples pass every shape")
        return
    for violation in report.violations:
        click.echo(f"violation: {violation}")
    click.echo(f"does not conform: {len(report.violations)} violation(s)")
    sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@source_options
def stats(as_json, sources, graphs, base, store):
    """Counts of the graph: triples, and instances per class."""
    from .api import graph_stats

    with _graph(sources, graphs, base, store) as graph:
        data = graph_stats(graph)
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"{'triples':>28}: {data['triples']}")
    for name, count in data["classes"].items():
        click.echo(f"{name:>28}: {count}")


if __name__ == "__main__":  # pragma: no cover
    cli()
