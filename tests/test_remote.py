"""push and query against real triple stores (Oxigraph server, Virtuoso) on loopback."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pprnet_kg.backends.remote import count_triples, guess_query_endpoint, push
from pprnet_kg.cli import cli
from pprnet_kg.errors import RemoteError
from pprnet_kg.kg import KG
from pprnet_kg.ntriples import canonical
from pprnet_kg.sparql import library

from test_queries_library import SAMPLE

GRAPH = "https://w3id.org/pprnet/graph/test"

pytestmark = pytest.mark.servers  # Oxigraph server and Virtuoso (the fixture is chosen at run time)


@pytest.fixture(params=["oxigraph", "virtuoso"])
def server(request, monkeypatch):
    server = request.getfixturevalue(f"{request.param}_server")
    if server.user:
        monkeypatch.setenv("PPRNET_SPARQL_USER", server.user)
        monkeypatch.setenv("PPRNET_SPARQL_PASSWORD", server.password)
    else:
        monkeypatch.delenv("PPRNET_SPARQL_USER", raising=False)
    return server


@pytest.fixture(scope="module")
def local_kg(real_page):
    return KG.build([real_page], store="oxigraph")[0]


@pytest.fixture(scope="module")
def local(local_kg):
    return local_kg.ntriples()


def rows(kg, query):
    params = {p.name: SAMPLE[p.name] for p in query.params if not p.optional}
    return [tuple(None if t is None else str(t) for t in row) for row in kg.query(query, params).rows]


def test_push_replaces_in_batches_and_verifies(server, local):
    n = local.count("\n")
    report = push(local, endpoint=server.store, graph_iri=GRAPH, query_endpoint=server.query, update_endpoint=server.update, batch_size=250)
    assert (report.triples_sent, report.batches, report.triples_in_store) == (n, -(-n // 250), n)
    again = push(local, endpoint=server.store, graph_iri=GRAPH, query_endpoint=server.query, update_endpoint=server.update)
    assert again.triples_in_store == n  # replace, not add


def test_append_adds_to_the_named_graph(server, local, tmp_path):
    page = tmp_path / "one.txt"
    page.write_text("May 2021\nA New Post\nDoe, J. (2021). Fresh. Journal Z, 1(1), 1-2.\nA summary.\n"
                    "Practice Implications\nAct.\n", encoding="utf-8")
    extra = KG.build([page], store="memory")[0].ntriples()
    push(local, endpoint=server.store, graph_iri=GRAPH, query_endpoint=server.query, update_endpoint=server.update)
    report = push(extra, endpoint=server.store, graph_iri=GRAPH, query_endpoint=server.query, update_endpoint=server.update, mode="append")
    assert report.triples_in_store > local.count("\n")
    assert count_triples(server.query, GRAPH) == report.triples_in_store


def test_every_library_query_gives_the_same_rows_on_the_server(server, local, local_kg):
    push(local, endpoint=server.store, graph_iri=GRAPH, query_endpoint=server.query, update_endpoint=server.update)
    with KG.open(store=f"sparql+{server.query}", named_graph=GRAPH) as remote:
        for query in library():
            assert rows(remote, query) == rows(local_kg, query), query.name
        assert canonical(remote.ntriples()) == local  # export from a remote store too


def test_cli_push_and_query_round_trip(server, real_page):
    runner = CliRunner()
    pushed = runner.invoke(cli, ["push", "--endpoint", server.store, "--named-graph", GRAPH, "--source", str(real_page)])
    assert pushed.exit_code == 0, pushed.output
    assert "the store now holds" in pushed.stdout
    result = runner.invoke(cli, ["query", "posts_by_month", "--endpoint", server.query, "--named-graph", GRAPH,
                                 "-p", "month=2020-12", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.strip().splitlines()) == 3
    # every read command takes the remote options, not only query
    stats = runner.invoke(cli, ["stats", "--store", f"sparql+{server.query}", "--named-graph", GRAPH, "--json"])
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.stdout)["triples"] == KG.build([real_page], store="memory")[0].count()


@pytest.mark.parametrize("url, needle", [
    ("http://127.0.0.1:9/sparql", "connection refused"),
])
def test_remote_query_errors_say_what_happened(url, needle):
    runner = CliRunner()
    result = runner.invoke(cli, ["query", "topic_overview", "--endpoint", url])
    assert result.exit_code == 1 and needle in result.stderr and "Traceback" not in result.stderr


def test_remote_query_404_and_401_say_so(oxigraph_server, virtuoso_server, monkeypatch):
    runner = CliRunner()
    base = oxigraph_server.query.rsplit("/", 1)[0]
    result = runner.invoke(cli, ["query", "topic_overview", "--endpoint", base + "/nothing-here"])
    assert result.exit_code == 1 and "HTTP 404" in result.stderr, result.stderr
    # Virtuoso's /sparql-auth asks for Digest: wrong credentials are a 401 that says so, right ones work
    auth = virtuoso_server.query + "-auth"
    monkeypatch.setenv("PPRNET_SPARQL_USER", "dba")
    monkeypatch.setenv("PPRNET_SPARQL_PASSWORD", "wrong")
    result = runner.invoke(cli, ["query", "-e", "ASK {}", "--endpoint", auth, "--format", "json"])
    assert result.exit_code == 1 and "HTTP 401" in result.stderr, result.stderr
    monkeypatch.setenv("PPRNET_SPARQL_PASSWORD", virtuoso_server.password)
    result = runner.invoke(cli, ["query", "-e", "ASK {}", "--endpoint", auth, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["boolean"] is True


def test_unreachable_endpoint_is_a_one_line_error(local):
    with pytest.raises(RemoteError, match="connection refused"):
        push(local, endpoint="http://127.0.0.1:9/store", graph_iri=GRAPH, query_endpoint="http://127.0.0.1:9/query", update_endpoint="http://127.0.0.1:9/update")


def test_wrong_credentials_are_reported(virtuoso_server, local, monkeypatch):
    monkeypatch.setenv("PPRNET_SPARQL_USER", "dba")
    monkeypatch.setenv("PPRNET_SPARQL_PASSWORD", "wrong")
    with pytest.raises(RemoteError, match="401"):
        push(local, endpoint=virtuoso_server.store, graph_iri=GRAPH, query_endpoint=virtuoso_server.query,
             update_endpoint=virtuoso_server.update)


@pytest.mark.parametrize("endpoint, query", [
    ("http://h:7878/store", "http://h:7878/query"),
    ("http://h:8890/sparql-graph-crud-auth", "http://h:8890/sparql"),
])
def test_query_endpoint_is_guessed_for_known_servers(endpoint, query):
    assert guess_query_endpoint(endpoint) == query


def test_blank_nodes_are_not_split_across_batches(local, tmp_path):
    # regression (review): blank-node labels are per request, so batching duplicated nodes
    from rdflib import BNode, Graph, Literal, URIRef

    g = Graph()
    node = BNode()
    for i in range(3):
        g.add((node, URIRef(f"http://example.org/p{i}"), Literal(i)))
    with pytest.raises(RemoteError, match="blank nodes"):
        push(g.serialize(format="nt"), endpoint="http://127.0.0.1:9/store", graph_iri=GRAPH, query_endpoint="http://127.0.0.1:9/query", update_endpoint="http://127.0.0.1:9/update",
             batch_size=1)


def test_credentials_in_urls_are_refused_and_never_echoed(local):
    # regression (review): a password in the endpoint URL was printed in the error message
    with pytest.raises(RemoteError) as info:
        push(local, endpoint="http://bob:s3cret@127.0.0.1:9/store", graph_iri=GRAPH,
             query_endpoint="http://127.0.0.1:9/query", update_endpoint="http://127.0.0.1:9/update")
    assert "s3cret" not in str(info.value) and "PPRNET_SPARQL_USER" in str(info.value)
    from pprnet_kg.errors import ConfigError
    with pytest.raises(ConfigError) as info:
        guess_query_endpoint("http://bob:s3cret@127.0.0.1:9/elsewhere")
    assert "s3cret" not in str(info.value)


def test_a_failed_push_leaves_the_previous_graph_untouched(server, local):
    # regression: a push killed half-way left a truncated graph, the previous one already replaced
    push(local, endpoint=server.store, graph_iri=GRAPH, query_endpoint=server.query, update_endpoint=server.update)
    before = count_triples(server.query, GRAPH)
    broken = local + "<http://example.org/s> this is not N-Triples .\n"
    with pytest.raises(RemoteError, match="is unchanged"):
        push(broken, endpoint=server.store, graph_iri=GRAPH, query_endpoint=server.query,
             update_endpoint=server.update, batch_size=200)
    assert count_triples(server.query, GRAPH) == before


def test_update_endpoint_is_guessed_for_known_servers():
    from pprnet_kg.backends.remote import guess_update_endpoint

    assert guess_update_endpoint("http://h:7878/store") == "http://h:7878/update"
    assert guess_update_endpoint("http://h:8890/sparql-graph-crud-auth") == "http://h:8890/sparql-auth"
