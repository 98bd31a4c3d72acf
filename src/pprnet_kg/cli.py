"""The pprnet-kg command line: a thin shell over the library. Each command opens a KG handle
(kg.py) or calls one library function, and prints."""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from .errors import PprnetError

FORMAT_CHOICES = ["ttl", "nt", "jsonld", "xml", "trig"]
PROJECT_STORE_HELP = "out/store"


class Group(click.Group):
    """Turns library errors into one-line messages with a non-zero exit, never a traceback; a
    SIGTERM stops a command the way Ctrl-C does (half-written files and child processes are
    cleaned up), not on the spot."""

    def invoke(self, ctx):
        _terminate_like_interrupt()
        try:
            return super().invoke(ctx)
        except PprnetError as exc:
            raise click.ClickException(str(exc)) from None


def _terminate_like_interrupt() -> None:
    """SIGTERM raises SystemExit(143) in this process, so that `finally` blocks run; processes
    forked from it (workers) keep the default: they end at once, as before."""
    import signal

    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return  # a handler of the caller's (or an embedding application's): left alone
    own = os.getpid()

    def terminated(signum, frame):
        if os.getpid() != own:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise SystemExit(128 + signal.SIGTERM)

    try:
        signal.signal(signal.SIGTERM, terminated)
    except ValueError:  # not the main thread (an embedding application): nothing to do
        pass


STORE_HELP = ("Where the graph lives: memory, oxigraph (in memory), oxigraph:DIR (on disk, kept between commands) "
              "or sparql+http(s)://HOST/PATH (a remote SPARQL endpoint, read only). Default: the project store "
              f"{PROJECT_STORE_HELP} that `build` fills, else the bundled sample.")


def read_options(fn):
    """What every command that reads a graph takes; they mean the same everywhere."""
    for option in reversed([
        click.option("--source", "sources", multiple=True, type=click.Path(),
                     help="Build from these blog page(s) or folder(s) instead of reading a store; repeatable."),
        click.option("--graph", "graphs", multiple=True, type=click.Path(dir_okay=False),
                     help="Read a built graph file (.ttl/.nt/.jsonld/.rdf/.trig) instead; repeatable."),
        click.option("--store", default=None, help=STORE_HELP),
        click.option("--endpoint", help="A remote SPARQL query endpoint to read (same as --store sparql+URL)."),
        click.option("--named-graph", help="On a remote store: the named graph to read (IRI)."),
        click.option("--base", default=None, help="Base IRI of the data (default: the one the store was built with, "
                                                   "else https://w3id.org/pprnet/id/)."),
    ]):
        fn = option(fn)
    return fn


@contextmanager
def opened(sources, graphs, store, endpoint, named_graph, base, *, say_first: bool = False):
    """The KG a read command works on, said on stderr once the command has done its work (so a
    failing command prints one line); a persisted store is closed afterwards."""
    from .kg import KG

    if endpoint:
        if store:
            raise click.UsageError("give --endpoint or --store, not both")
        store = f"sparql+{endpoint}"
    if named_graph and not (store or "").startswith("sparql+"):
        raise click.UsageError("--named-graph goes with a remote store (--endpoint or --store sparql+URL)")
    kg = KG.open(store=store, sources=list(sources), graphs=list(graphs), base=base, named_graph=named_graph)
    if say_first:
        click.echo(f"reading {kg.origin}", err=True)
    try:
        yield kg
    finally:
        kg.close()
    if not say_first:
        click.echo(f"read {kg.origin}", err=True)


def _split_params(items) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.UsageError(f"--param wants NAME=VALUE, got {item!r}")
        out[key.strip()] = value
    return out


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pprnet-kg")
def cli():
    """pprnet-kg: the PPRNet psychotherapy research blog as a knowledge graph."""
    import logging

    # rdflib logs a traceback for an ill-typed literal ("x"^^xsd:integer) while it parses: the
    # user gets our one-line messages instead, never a traceback
    logging.getLogger("rdflib").setLevel(logging.ERROR)


QUIET_OPTION = click.option("-q", "--quiet", is_flag=True,
                            help="No progress bar (one is drawn on a terminal when a stage takes more than ~2 s).")


@cli.command()
@click.argument("sources", nargs=-1, type=click.Path())
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="Where to write the graph [default: out/kg.ttl; with --add, only when given].")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMAT_CHOICES), default=None,
              help="Serialisation (default: from the output's suffix, else ttl).")
@click.option("--html", "html_out", default=None, type=click.Path(dir_okay=False),
              help="Where to write the interactive HTML graph [default: out/kg.html; with --add, only when given].")
@click.option("--no-html", is_flag=True, help="Do not write the HTML graph.")
@click.option("--base", default=None, help="Base IRI for minted data IRIs.")
@click.option("--store", default=None,
              help=f"Build into this store (memory, oxigraph, oxigraph:DIR); default: the project store {PROJECT_STORE_HELP}, "
                   "which later commands read.")
@click.option("--add", "adding", is_flag=True,
              help="Add the posts of SOURCES to the graph already in the store (oxigraph:DIR, default the project "
                   "store) instead of replacing it; the graph is the one a build of all the pages would make.")
@click.option("--strict", is_flag=True, help="Exit 1 when any problem was reported (a page with no posts included).")
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Processes extracting posts (default: CPU count); the output is the same for any value.")
@QUIET_OPTION
def build(sources, output, fmt, html_out, no_html, base, store, adding, strict, as_json, jobs, quiet):
    """Build the knowledge graph from blog pages (default: the bundled sample), or add pages to it."""
    from .kg import KG

    if adding and not sources:
        raise click.UsageError("--add needs the pages to add")
    output = output or (None if adding else "out/kg.ttl")
    html_out = None if no_html else html_out or (None if adding else "out/kg.html")
    if html_out and output and Path(html_out).resolve() == Path(output).resolve():
        raise click.UsageError(f"--html and -o are the same file ({output}): the HTML view would overwrite the graph")
    if (store or "").startswith("sparql+"):
        raise click.UsageError("build writes to memory or Oxigraph; load a remote store with `pprnet-kg push`")
    import os

    from .progress import bars

    options = {"store": store, "base": base, "jobs": jobs or os.cpu_count() or 1, "progress": bars(not quiet)}
    if adding:
        kg, result = KG.add(list(sources), **options)
    else:  # the build writes the graph file as it finishes
        kg, result = KG.build(list(sources), output=output, fmt=fmt, **options)
    with kg:
        written = [kg.write(output, fmt) if adding else result.written] if output else []
        if html_out:
            from .viz import to_network, write_html

            written.append(write_html(to_network(kg.view("overview")), html_out))
        kept = kg.backend.spec if kg.backend.persistent else None
    report = result.report
    added = {"added": result.added, "renamed": result.renamed} if adding else {}
    if as_json:
        click.echo(json.dumps({**report.to_json(), **added, "written": [str(p) for p in written], "store": kept},
                              indent=2))
    else:
        for name, value in report.rows():
            click.echo(f"{name:>20}: {value}")
        for problem in report.problems:
            click.echo(f"problem: {problem}", err=True)
        for path in written:
            click.echo(f"wrote {path}")
        if adding:
            click.echo(f"added {result.added:,} triples to {kept} ({result.renamed:,} people now spelled more fully); "
                       f"the graph has {report.triples:,}")
            if not output:
                click.echo("the graph file was not rewritten (give -o, or run `pprnet-kg export`)")
        elif kept:
            click.echo(f"kept the graph in {kept} (read by query, stats, viz, site, export, serve...)")
    if report.posts == 0:
        click.echo("warning: no posts were found in the pages given", err=True)
    if strict and report.problems:
        sys.exit(1)


@cli.command()
@click.argument("pages", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the JSON here instead of stdout.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Processes (default: CPU count).")
@QUIET_OPTION
def extract(pages, output, jobs, quiet):
    """Extract posts from PAGES as JSON (topics, posts with citation, findings, problems)."""
    import os

    from .export import published
    from .perf import no_cyclic_gc
    from .pipeline import extract_sources
    from .progress import bars

    # the records hold no reference cycles: with the collector on, its passes over 10^6 of them while
    # the JSON is made took a tenth of the command's time
    with no_cyclic_gc():
        _, extraction = extract_sources(list(pages), jobs=jobs or os.cpu_count() or 1, progress=bars(not quiet))
        text = json.dumps(extraction.to_json(), indent=2, ensure_ascii=False) + "\n"
        del extraction
    if not output:
        click.echo(text, nl=False)
        return
    with published(Path(output)) as partial:
        partial.write_text(text, encoding="utf-8")


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


DEFAULT_PAGE = 1000  # rows a query prints unless --limit says otherwise


@cli.command()
@click.argument("name", required=False)
@click.option("-e", "--expr", help="A SPARQL query given inline instead of NAME.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="A query parameter (a binding).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "xml", "md", "turtle", "nt"]),
              default="table", show_default=True,
              help="table/md for people; json, xml, csv, tsv (SPARQL results); turtle, nt, json, xml for CONSTRUCT.")
@click.option("--limit", type=click.IntRange(0), default=DEFAULT_PAGE, show_default=True,
              help="Rows (or triples) per page; 0 for all of them.")
@click.option("--offset", type=click.IntRange(0), default=0, help="Rows to skip: the next page starts at --offset LIMIT.")
@read_options
def query(name, expr, params, fmt, limit, offset, sources, graphs, store, endpoint, named_graph, base):
    """Run a named query (see `pprnet-kg queries`), a .rq file, or -e SPARQL. Answers come a page
    at a time (--limit, --offset); stderr says when more rows follow."""
    from .sparql import adhoc_query, load_query
    from .sparql.results import write

    if bool(name) == bool(expr):
        raise click.UsageError("give a query NAME or FILE, or -e SPARQL (one of them)")
    bindings = _split_params(params)
    q = load_query(name) if name else adhoc_query(expr)
    with opened(sources, graphs, store, endpoint, named_graph, base) as kg:
        result = kg.query(q, bindings, limit=limit or None, offset=offset)
        data = write(result, fmt, base=kg.base)
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
    if result.truncated:
        shown = len(result.triples if result.form == "CONSTRUCT" else result.rows)
        click.echo(f"rows {offset + 1}-{offset + shown} shown; more follow: --offset {offset + shown} for the "
                   f"next page, --limit 0 for all", err=True)


@cli.command()
@click.option("--endpoint", required=True, help="Graph Store HTTP Protocol URL to load into (e.g. http://host:7878/store).")
@click.option("--named-graph", required=True, help="IRI of the named graph to load into.")
@click.option("--query-endpoint", help="SPARQL query URL used to verify the count (default: guessed from --endpoint).")
@click.option("--update-endpoint", help="SPARQL Update URL used to swap the staged graph in (default: guessed).")
@click.option("--append", is_flag=True, help="Add to the named graph instead of replacing it.")
@click.option("--batch-size", type=click.IntRange(1), default=10_000, show_default=True, help="Triples per request.")
@click.option("--graph", "graphs", multiple=True, type=click.Path(dir_okay=False),
              help="A built graph file to push (default: the project store, else the bundled sample).")
@click.option("--source", "sources", multiple=True, type=click.Path(), help="Blog page(s) to build and push.")
@click.option("--store", default=None, help="A local store to push from (memory, oxigraph, oxigraph:DIR).")
@click.option("--base", default=None, help="Base IRI of the data.")
def push(endpoint, named_graph, query_endpoint, update_endpoint, append, batch_size, graphs, sources, store, base):
    """Load the graph into a remote triple store (SPARQL 1.1 Graph Store Protocol), atomically: into a
    staging graph first, verified, then swapped in with one SPARQL Update."""
    with opened(sources, graphs, store, None, None, base) as kg:
        report = kg.push(endpoint=endpoint, named_graph=named_graph, query_endpoint=query_endpoint,
                         update_endpoint=update_endpoint, append=append, batch_size=batch_size)
    click.echo(f"pushed {report.triples_sent} triples in {report.batches} batch(es) to <{report.graph}> "
               f"({report.mode}); the store now holds {report.triples_in_store}")


@cli.command()
@click.option("--posts", type=click.IntRange(1), default=1000, show_default=True, help="How many posts.")
@click.option("-o", "--output", default="out/synth", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the pages (10 posts a page).")
@click.option("--seed", type=int, default=7, show_default=True, help="The same seed gives the same corpus.")
def synth(posts, output, seed):
    """Write a synthetic blog-like corpus (for benchmarks and tests; all text is made up)."""
    from .synth import write_synthetic

    paths = write_synthetic(posts, output, seed=seed)
    click.echo(f"wrote {posts} posts in {len(paths)} pages to {Path(output)}")


@cli.command()
@click.argument("view", type=click.Choice(["overview", "topics", "evidence", "authors", "ego", "query"]))
@click.option("--focus", help="ego: the node to centre on (label or IRI).")
@click.option("--depth", type=click.IntRange(1, 5), default=1, show_default=True, help="ego: how many steps out.")
@click.option("--topic", help="Only the articles filed under this topic (label or IRI, any case).")
@click.option("--query", "query_name", help="query: a named query or .rq file (CONSTRUCT, or SELECT ?source ?target).")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="query: a parameter.")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False), help="HTML file (default out/VIEW.html).")
@read_options
def viz(view, focus, depth, topic, query_name, params, output, sources, graphs, store, endpoint, named_graph, base):
    """Draw an interactive, offline HTML graph: overview, topics, evidence, authors, ego or query."""
    from .viz import to_network, write_html

    bindings = _split_params(params)
    with opened(sources, graphs, store, endpoint, named_graph, base) as kg:
        drawn = kg.view(view, focus=focus, depth=depth, topic=topic, query=query_name, params=bindings)
    title = f"PPRNet knowledge graph: {view} view" + (f" around {focus}" if focus else "") + (f" for {topic}" if topic else "")
    path = write_html(to_network(drawn, heading=title), output or f"out/{view}.html")
    graphml = path.with_suffix(".graphml")
    also = f" and {graphml.name}" if graphml != path else ""
    click.echo(f"wrote {path}{also} ({drawn.number_of_nodes()} nodes, {drawn.number_of_edges()} edges)")


@cli.command()
@click.option("-f", "--format", "fmt", type=click.Choice(["bibtex", "ris", "csl-json", "apa"]), default="bibtex",
              show_default=True, help="BibTeX, RIS, CSL-JSON, or APA 7th edition references as text.")
@click.option("--article", "articles", multiple=True, metavar="ID",
              help="An article by IRI (or id:...), DOI, citation key or site page name; repeatable.")
@click.option("--topic", help="The articles filed under this topic (label in any case, or IRI).")
@click.option("--condition", help="The articles whose findings are about this condition (label or IRI).")
@click.option("--intervention", help="The articles whose findings are about this intervention (label or IRI).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: stdout).")
@read_options
def cite(fmt, articles, topic, condition, intervention, output, sources, graphs, store, endpoint, named_graph, base):
    """Print references (all cited articles, or those named) as BibTeX, RIS, CSL-JSON or APA."""
    from .references import render, select

    with opened(sources, graphs, store, endpoint, named_graph, base) as kg:
        refs = select(kg, articles=articles, topic=topic, condition=condition, intervention=intervention)
        text = render(refs, fmt)
    if output:
        from .export import published

        with published(Path(output)) as partial:
            partial.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output} ({len(refs)} reference(s))", err=True)
    else:
        click.echo(text, nl=False)


@cli.command()
@click.option("-o", "--output", default="site", show_default=True, type=click.Path(file_okay=False),
              help="Folder to write the site into (pages an earlier run wrote there and this one did not are removed).")
@click.option("--no-views", is_flag=True, help="Leave out the interactive graph views.")
@read_options
def site(output, no_views, sources, graphs, store, endpoint, named_graph, base):
    """Write the offline explorer site: index, topic, article, disorder and intervention pages."""
    from .site import build_site

    with opened(sources, graphs, store, endpoint, named_graph, base) as kg:
        counts = build_site(kg, output, views=not no_views)
    click.echo(f"wrote {Path(output) / 'index.html'}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@read_options
def analyze(as_json, sources, graphs, store, endpoint, named_graph, base):
    """Network analytics: degree and betweenness centrality, communities, topics bridging them."""
    from dataclasses import asdict

    from .analytics import analyze as run_analysis
    from .analytics import format_analysis

    with opened(sources, graphs, store, endpoint, named_graph, base) as kg:
        result = run_analysis(kg)
    click.echo(json.dumps(asdict(result), indent=2) if as_json else format_analysis(result), nl=not as_json)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback unless you say so).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--timeout", type=click.FloatRange(0.1), default=10.0, show_default=True, help="Seconds per query.")
@click.option("--max-rows", type=click.IntRange(1), default=10_000, show_default=True, help="Results per query.")
@click.option("--site", "site_dir", type=click.Path(file_okay=False, exists=True),
              help="Serve this explorer site (made by `pprnet-kg site`) under /site/.")
@click.option("--cors", metavar="ORIGIN", help="Let pages from this one origin read answers (off by default).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Query worker processes in all (default: three per server process).")
@click.option("--processes", type=click.IntRange(1, 64), default=None,
              help="Server processes answering HTTP, each with its share of the workers (default: the CPU count).")
@click.option("--memory", "memory_mb", type=click.IntRange(64), default=2048, show_default=True,
              help="Megabytes a query may use beyond what its worker maps at start.")
@click.option("--request-deadline", "deadline", type=click.FloatRange(0.5), default=10.0, show_default=True,
              help="Seconds a client has to send a whole request (head and body); slower ones are cut off.")
@click.option("--queue", type=click.IntRange(0), default=512, show_default=True,
              help="Requests that may wait for a worker; beyond that, 503 with Retry-After.")
@click.option("--queue-wait", type=click.FloatRange(0.1), default=None,
              help="Seconds a request may wait for a worker before it gets 503 with Retry-After "
                   "(default: the --timeout).")
@read_options
def serve(host, port, timeout, max_rows, site_dir, cors, workers, processes, memory_mb, deadline, queue, queue_wait,
          sources, graphs, store, endpoint, named_graph, base):
    """Serve the graph read-only: SPARQL endpoint, query page, linked-data pages, VoID."""
    from .serve import make_server

    if host not in {"127.0.0.1", "localhost", "::1"}:
        click.echo(f"warning: listening on {host} makes the endpoint reachable from other machines", err=True)
    with opened(sources, graphs, store, endpoint, named_graph, base, say_first=True) as kg:
        server = make_server(kg, host=host, port=port, timeout=timeout, max_rows=max_rows, site=site_dir, cors=cors,
                             workers=workers, memory_mb=memory_mb, queue=queue, deadline=deadline,
                             processes=processes or os.cpu_count() or 1, queue_wait=queue_wait)
        click.echo(f"serving at http://{host}:{server.server_address[1]}/ (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


@cli.command("queries")
def queries_cmd():
    """List the named queries with their titles and parameters."""
    from .sparql import library

    for q in library():
        params = ", ".join(f"{p.name}:{p.type}{'?' if p.optional else ''}" for p in q.params) or "-"
        click.echo(f"{q.name:<34} {q.title}  [{params}]")


@cli.command()
@click.option("-f", "--format", "fmt", type=click.Choice(FORMAT_CHOICES), default=None, help="Serialisation.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: stdout).")
@read_options
def export(fmt, output, sources, graphs, store, endpoint, named_graph, base):
    """Serialise the graph as Turtle, N-Triples, JSON-LD, RDF/XML or TriG."""
    from .export import format_for_path

    with opened(sources, graphs, store, endpoint, named_graph, base) as kg:
        if output:
            click.echo(f"wrote {kg.write(output, fmt or format_for_path(output))}", err=True)
        else:
            sys.stdout.buffer.write(kg.export(fmt or "ttl"))


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@read_options
def validate(files, sources, graphs, store, endpoint, named_graph, base):
    """Check the graph (FILES, or what the options say) against the SHACL shapes
    (exit 0 conforms, 1 does not, 2 cannot load)."""
    try:
        with opened(sources, tuple(graphs) + tuple(files), store, endpoint, named_graph, base) as kg:
            report = kg.validate()
            size = kg.count()
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
@read_options
def stats(as_json, sources, graphs, store, endpoint, named_graph, base):
    """Counts of the graph: triples, and instances per class."""
    with opened(sources, graphs, store, endpoint, named_graph, base) as kg:
        data = kg.stats()
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"{'triples':>28}: {data['triples']}")
    for name, count in data["classes"].items():
        click.echo(f"{name:>28}: {count}")


@cli.command()
@click.option("--url", default=None, metavar="URL",
              help="The blog listing. Default: https://www.uottawa.ca/faculty-social-sciences/pprnet/blog")
@click.option("--old-url", default=None, metavar="OLD_URL",
              help="The old edition's index. Default: https://www.med.uottawa.ca/pprnet/eng/pprnet_blog.html")
@click.option("--cache", default="out/cache", show_default=True, type=click.Path(file_okay=False),
              help="The snapshot cache to fill (`pprnet-kg build CACHE` reads it offline).")
@click.option("--delay", type=click.FloatRange(0), default=1.0, show_default=True,
              help="Seconds between requests: at least 1 unless the site is on this machine; more if robots.txt asks.")
@click.option("--max-pages", type=click.IntRange(1), default=1000, show_default=True, help="Page requests per run.")
@click.option("--max-bytes", type=click.IntRange(1), default=100_000_000, show_default=True, help="Body bytes per run.")
@click.option("--edition", type=click.Choice(["current", "old", "both"]), default="current", show_default=True,
              help="Which edition(s) of the blog to fetch.")
@click.option("--refresh", is_flag=True, help="Walk every listing to its end again (still conditional).")
@click.option("--contact", default=None, help="Contact URL in the User-Agent. Default: https://w3id.org/pprnet/")
@QUIET_OPTION
def fetch(url, old_url, cache, delay, max_pages, max_bytes, edition, refresh, contact, quiet):
    """Fetch the live blog into a snapshot cache, politely and incrementally.

    \b
    One request at a time, DELAY seconds apart, as "pprnet-kg/VERSION (+CONTACT; ...)":
      1. robots.txt of each host (unless cached in the last day); nothing it disallows;
      2. current edition: URL, then URL?p=2, URL?p=3 ... until a page shows no post not
         seen before; then every filter those pages link to, cat_2=ID (topics) and
         cat_1=ID (type of research), walked alike: URL?cat_2=ID, URL?cat_2=ID&p=2 ...;
      3. old edition (--edition old|both, once): OLD_URL, then the month pages
         (pprnet_blog_<month><year>.html) linked from it, from them or from the listing.
    Nothing outside URL's path and OLD_URL's folder, on their hosts; redirects elsewhere
    are refused. Every request is conditional on the cached copy: when the first listing
    page is unchanged, nothing else is requested. 429 and 5xx are retried with backoff
    (Retry-After honoured). A run cut short by --max-pages, --max-bytes or Ctrl-C is
    resumed by the next."""
    from dataclasses import replace

    from .fetch import FetchConfig
    from .fetch import fetch as run_fetch

    given = {"url": url, "old_url": old_url, "contact": contact}
    config = replace(FetchConfig(cache=cache, delay=delay, max_pages=max_pages, max_bytes=max_bytes, edition=edition,
                                 refresh=refresh), **{k: v for k, v in given.items() if v})
    where = {"current": config.url, "old": config.old_url}.get(edition, f"{config.url} and {config.old_url}")
    click.echo(f"fetching {where} as {config.user_agent!r}, {delay:g} s apart", err=True)
    from .progress import bars

    report = run_fetch(config, progress=bars(not quiet))
    for line in report.lines():
        click.echo(line)
    click.echo(f"cache: {cache} (`pprnet-kg build {cache}` builds the graph from it, offline)")


@cli.command("eval-topics")
@click.argument("cache", default="out/cache", type=click.Path(file_okay=False))
def eval_topics(cache):
    """Precision and recall of the rule-based topics against the blog's own topic filters, on
    the posts fetched into CACHE (default out/cache)."""
    from .pipeline import evaluate_topics, extract_sources
    from .snapshots import SnapshotCache
    from .sources import is_snapshot_cache

    if not is_snapshot_cache(cache):
        raise click.ClickException(f"{cache}: not a snapshot cache (run `pprnet-kg fetch --cache {cache}` first)")
    _, extraction = extract_sources([cache])
    rows = evaluate_topics(extraction)
    if not rows:
        raise click.ClickException(f"{cache}: no topic filter pages fetched yet")

    def pct(x):
        return "-" if x is None else f"{x:.2f}"

    click.echo(f"{'topic':<58} {'blog':>5} {'rules':>5} {'both':>5} {'precision':>9} {'recall':>6}")
    for r in rows:
        click.echo(f"{r.topic[:58]:<58} {r.blog:>5} {r.rules:>5} {r.both:>5} {pct(r.precision):>9} {pct(r.recall):>6}")
    state = SnapshotCache(cache).read_state()
    click.echo(f"{len(extraction.posts)} posts; the crawl {'finished' if state and state.finished else 'is unfinished'}",
               err=True)


if __name__ == "__main__":  # pragma: no cover
    cli()
