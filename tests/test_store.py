"""store.py: the same graph, the same answers and the same bytes on every local store."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pprnet_kg.api import open_graph
from pprnet_kg.cli import cli
from pprnet_kg.errors import ConfigError, GraphError
from pprnet_kg.export import FORMATS, serialize
from pprnet_kg.pipeline import build
from pprnet_kg.queries import library, run_query
from pprnet_kg.store import StoreSpec, is_oxigraph, open_graph_store, parse_store
from pprnet_kg.validate import validate_graph

from test_queries_library import SAMPLE


@pytest.fixture(scope="module")
def stores(real_page):
    memory = build([real_page]).graph
    oxigraph = build([real_page], graph=open_graph_store(parse_store("oxigraph"))).graph
    assert is_oxigraph(oxigraph) and not is_oxigraph(memory)
    return {"memory": memory, "oxigraph": oxigraph}


@pytest.mark.parametrize("text, spec", [
    (None, StoreSpec("memory")),
    ("memory", StoreSpec("memory")),
    ("oxigraph", StoreSpec("oxigraph")),
    ("sparql+https://example.org/sparql", StoreSpec("remote", url="https://example.org/sparql")),
])
def test_parse_store(text, spec):
    assert parse_store(text) == spec


@pytest.mark.parametrize("text", ["mongo", "oxigraph:", "sparql+ftp://x", "http://x/sparql"])
def test_unknown_stores_are_config_errors(text):
    with pytest.raises(ConfigError):
        parse_store(text)


def rows(graph, query):
    params = {p.name: SAMPLE[p.name] for p in query.params if not p.optional}
    result = run_query(graph, query, params)
    return [tuple(None if t is None else str(t) for t in row) for row in result]


@pytest.mark.parametrize("query", library(), ids=lambda q: q.name)
def test_every_query_gives_the_same_rows_on_memory_and_oxigraph(stores, query):
    on_memory = rows(stores["memory"], query)
    assert on_memory or query.name == "authors_with_multiple_articles"
    assert rows(stores["oxigraph"], query) == on_memory


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_has_the_same_bytes_on_both_stores(stores, fmt):
    assert serialize(stores["oxigraph"], fmt) == serialize(stores["memory"], fmt)


def test_graph_on_oxigraph_conforms(stores):
    assert len(stores["oxigraph"]) == len(stores["memory"])
    assert validate_graph(stores["oxigraph"]).conforms


def test_persistent_store_keeps_the_graph_between_commands(real_page, tmp_path):
    spec = f"oxigraph:{tmp_path / 'db'}"
    with pytest.raises(GraphError, match="is empty"):
        open_graph(store=spec)
    runner = CliRunner()
    built = runner.invoke(cli, ["build", str(real_page), "--store", spec, "-o", str(tmp_path / "kg.ttl"), "--no-html"])
    assert built.exit_code == 0, built.output
    result = runner.invoke(cli, ["query", "posts_by_month", "--store", spec, "-p", "month=2020-12", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) == 3
    reopened = open_graph(store=spec)
    assert len(reopened) == len(build([real_page]).graph)
    reopened.close()


def test_remote_store_is_read_only_here(real_page):
    with pytest.raises(ConfigError, match="push"):
        open_graph(sources=[real_page], store="sparql+http://127.0.0.1:9/sparql")


OPTIONAL = {"author": "id:person/gloster-at", "measure": "SMD"}


@pytest.mark.parametrize("query", [q for q in library() if any(p.optional for p in q.params)], ids=lambda q: q.name)
def test_optional_parameters_filter_the_same_on_both_stores(stores, query):
    # regression: Oxigraph substitutions leave BOUND(?param) false, so a given optional
    # parameter was ignored there; values are now a VALUES block inside the WHERE group
    params = {p.name: (OPTIONAL if p.optional else SAMPLE)[p.name] for p in query.params}
    on_memory = [tuple(map(str, r)) for r in run_query(stores["memory"], query, params)]
    on_oxigraph = [tuple(map(str, r)) for r in run_query(stores["oxigraph"], query, params)]
    unfiltered = [tuple(map(str, r)) for r in run_query(stores["memory"], query, {
        p.name: SAMPLE[p.name] for p in query.params if not p.optional})]
    assert on_oxigraph == on_memory and 0 < len(on_memory) < len(unfiltered)


def test_awkward_text_is_stored_the_same_on_both_stores(tmp_path):
    # the Oxigraph build writes N-Triples itself: quotes, backslashes, tabs and newlines must survive
    page = tmp_path / "odd.txt"
    page.write_text('June 2021\nA "Quoted" Title\\ With\tTab\nDoe, J. (2021). T\\itle "x". J, 1, 2.\n'
                    'Summary with \\ backslash, "quotes", a\ttab, ünïcödé and \u2028 separator.\n'
                    "Practice Implications\nNothing.\n", encoding="utf-8")
    memory = build([page]).graph
    oxigraph = build([page], graph=open_graph_store(parse_store("oxigraph"))).graph
    assert serialize(oxigraph, "nt") == serialize(memory, "nt")
    assert any('"quotes"' in str(o) for o in oxigraph.objects())
