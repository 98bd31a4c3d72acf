"""serve.py: the SPARQL 1.1 Protocol, linked data, and every safety rule, over real HTTP on loopback."""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from pprnet_kg.kg import KG
from pprnet_kg.serve import make_server

from conftest import kg_of

ID = "https://w3id.org/pprnet/id/"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"

pytestmark = pytest.mark.servers  # each test talks to a running pprnet-kg serve


@pytest.fixture(scope="module")
def server(real_page, tmp_path_factory):
    kg = KG.build([real_page], store="oxigraph")[0]
    site = tmp_path_factory.mktemp("site")
    (site / "index.html").write_text("<p>explorer</p>", encoding="utf-8")
    srv = make_server(kg, port=0, timeout=2.0, max_rows=5, site=site)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", kg.count(), site
    srv.shutdown()
    srv.server_close()


def http(url, *, data=None, headers=None, method=None):
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.headers, r.read()  # header names are case-insensitive (uvicorn sends them lower-case)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def get(base, path, **params):
    accept = params.pop("accept", None)
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    return http(url, headers={"Accept": accept} if accept else {})


def test_binds_loopback_by_default(real_build):
    srv = make_server(kg_of(real_build.graph), port=0)
    assert srv.server_address[0] == "127.0.0.1"
    srv.server_close()


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_protocol_get_and_both_posts(server, how):
    base, size, _ = server
    if how == "get":
        status, _, body = get(base, "/sparql", query=COUNT)
    elif how == "form":
        status, _, body = http(base + "/sparql", data=urllib.parse.urlencode({"query": COUNT}).encode(),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    else:
        status, _, body = http(base + "/sparql", data=COUNT.encode(), headers={"Content-Type": "application/sparql-query"})
    assert status == 200
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == str(size)


def test_select_results_in_every_format(server):
    base, _, _ = server
    query = "SELECT ?t WHERE { ?p a schema:BlogPosting ; dcterms:title ?t } ORDER BY ?t LIMIT 2"
    _, headers, body = get(base, "/sparql", query=query, accept="application/sparql-results+json")
    titles = [b["t"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert headers["Content-Type"].startswith("application/sparql-results+json") and len(titles) == 2
    _, headers, body = get(base, "/sparql", query=query, accept="application/sparql-results+xml")
    from xml.etree import ElementTree
    ns = {"s": "http://www.w3.org/2005/sparql-results#"}
    assert [e.text for e in ElementTree.fromstring(body).findall(".//s:literal", ns)] == titles
    _, headers, body = get(base, "/sparql", query=query, accept="text/csv")
    assert [r[0] for r in csv.reader(io.StringIO(body.decode()))] == ["t"] + titles
    _, headers, body = get(base, "/sparql", query=query, accept="text/tab-separated-values")
    lines = body.decode().splitlines()
    assert lines[0] == "?t" and lines[1] == json.dumps(titles[0], ensure_ascii=False)
    status, _, _ = get(base, "/sparql", query=query, accept="image/png")
    assert status == 406


def test_ask_and_construct(server):
    base, _, _ = server
    _, _, body = get(base, "/sparql", query="ASK { ?s a ppr:Finding }")
    assert json.loads(body)["boolean"] is True
    construct = "CONSTRUCT { ?j dcterms:title ?t } WHERE { ?j a bibo:Journal ; dcterms:title ?t }"
    graphs = []
    for accept, fmt in (("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld")):
        status, headers, body = get(base, "/sparql", query=construct, accept=accept)
        assert status == 200 and headers["Content-Type"].startswith(accept)
        graphs.append(Graph().parse(data=body, format=fmt))
    assert len(graphs[0]) == 4 and isomorphic(graphs[0], graphs[1]) and isomorphic(graphs[0], graphs[2])


def test_sparqlwrapper_reads_every_format(server):
    from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper

    base, size, _ = server
    for fmt in (JSON, XML, CSV, TSV):
        client = SPARQLWrapper(base + "/sparql")
        client.setQuery(COUNT)
        client.setReturnFormat(fmt)
        result = client.query().convert()
        if fmt == JSON:
            assert result["results"]["bindings"][0]["n"]["value"] == str(size)
        elif fmt == XML:
            assert str(size) in result.toxml()
        else:
            assert str(size) in result.decode()


def test_syntax_error_is_400_with_line_and_column(server):
    base, _, _ = server
    status, _, body = get(base, "/sparql", query="SELECT ?x\nWHERE { ?x ?y }")
    assert status == 400 and b"line 2, column" in body


@pytest.mark.parametrize("send", [
    lambda b: get(b, "/sparql", update="DROP ALL"),
    lambda b: http(b + "/sparql", data=b"update=DROP+ALL", headers={"Content-Type": "application/x-www-form-urlencoded"}),
    lambda b: http(b + "/sparql", data=b"DROP ALL", headers={"Content-Type": "application/sparql-update"}),
    lambda b: get(b, "/sparql", query="DELETE WHERE { ?s ?p ?o }"),
    lambda b: get(b, "/sparql", query="LOAD <file:///etc/passwd>"),
], ids=["get-update", "form-update", "direct-update", "delete-as-query", "load"])
def test_updates_are_refused_and_nothing_changes(server, send):
    base, size, _ = server
    status, _, body = send(base)
    assert status == 403 and b"read-only" in body
    assert json.loads(get(base, "/sparql", query=COUNT)[2])["results"]["bindings"][0]["n"]["value"] == str(size)


@pytest.mark.parametrize("query", [
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <http://127.0.0.1:9/x> WHERE { GRAPH ?g { ?s ?p ?o } }",
])
def test_from_clauses_are_refused(server, query):
    status, _, body = get(server[0], "/sparql", query=query)
    assert status == 403 and b"FROM" in body


def test_service_is_refused_and_never_reaches_out(server):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(1.5)
    port = listener.getsockname()[1]
    for query in (f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
                  f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE SILENT <http://127.0.0.1:{port}/> {{ ?s ?q ?z }} }} }}"):
        status, _, body = get(server[0], "/sparql", query=query)
        assert status == 403 and b"SERVICE" in body
    with pytest.raises(socket.timeout):
        listener.accept()  # nobody came
    listener.close()


def test_slow_query_is_stopped_and_does_not_stall_others(server):
    base, size, _ = server
    outcome = {}

    def slow():
        t = time.monotonic()
        outcome["slow"] = get(base, "/sparql", query=SLOW)[0], time.monotonic() - t

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    t = time.monotonic()
    status, _, _ = get(base, "/sparql", query=COUNT)
    quick = time.monotonic() - t
    thread.join()
    assert status == 200 and quick < 1.5
    assert outcome["slow"][0] == 503 and outcome["slow"][1] < 6


def test_results_are_capped(server):
    status, headers, body = get(server[0], "/sparql", query="SELECT ?s WHERE { ?s ?p ?o }")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 5
    assert "X-Result-Truncated" in headers


def test_request_body_is_limited(server):
    status, _, _ = http(server[0] + "/sparql", data=b"q" * (65 * 1024), headers={"Content-Type": "application/sparql-query"})
    assert status == 413


def test_cors_is_off_by_default(server):
    # regression (issue 10): GET answers carried Access-Control-Allow-Origin: *, so any page could read them
    base = server[0]
    _, headers, _ = get(base, "/sparql", query=COUNT)
    assert "Access-Control-Allow-Origin" not in headers
    status, headers, _ = http(base + "/sparql", method="OPTIONS")
    assert status == 204 and "Access-Control-Allow-Origin" not in headers and headers["Allow"]


def test_cors_for_one_origin_when_asked(real_build):
    srv = make_server(kg_of(real_build.graph), port=0, cors="https://example.org")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{srv.server_address[1]}"
        _, headers, _ = get(base, "/sparql", query="ASK {}")
        assert headers["Access-Control-Allow-Origin"] == "https://example.org"
        assert "Access-Control-Allow-Credentials" not in headers
    finally:
        srv.shutdown()
        srv.server_close()


def test_resources_resolve_with_content_negotiation(server):
    base = server[0]
    path = "/id/article/doi/10.1016/j.cpr.2019.101810"
    status, headers, body = get(base, path, accept="text/turtle")
    g = Graph().parse(data=body, format="turtle")
    assert status == 200 and headers["Vary"] == "Accept" and len(g) > 10
    status, headers, body = get(base, path, accept="application/ld+json")
    assert isomorphic(Graph().parse(data=body, format="json-ld"), g)
    status, headers, body = get(base, path, accept="text/html,application/xhtml+xml")
    assert headers["Content-Type"].startswith("text/html") and b"Treating treatment non-responders" in body
    assert b'href="/id/journal/clinical-psychology-review"' in body
    assert get(base, "/id/article/nothing-here")[0] == 404
    assert get(base, path, accept="image/png")[0] == 406


def test_ontology_and_void(server):
    base, size, _ = server
    _, _, body = get(base, "/ontology", accept="text/turtle")
    onto = Graph().parse(data=body, format="turtle")
    _, _, page = get(base, "/ontology", accept="text/html")
    for term in onto.subjects():
        if str(term).startswith("https://w3id.org/pprnet/ontology#"):
            assert f"ppr:{str(term).split('#')[1]}".encode() in page
    _, _, body = get(base, "/.well-known/void", accept="text/turtle")
    void = Graph().parse(data=body, format="turtle")
    from rdflib.namespace import VOID
    assert int(next(void.objects(None, VOID.triples))) == size
    # regression: the endpoint was the relative IRI </sparql>, which N-Triples cannot carry
    assert str(next(void.objects(None, VOID.sparqlEndpoint))) == base + "/sparql"
    import pyoxigraph as ox

    _, _, nt = get(base, "/.well-known/void", accept="application/n-triples")
    assert len(Graph().parse(data=nt, format="nt")) == len(void)
    assert len(list(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES))) == len(void)
    assert len(list(ox.parse(body, format=ox.RdfFormat.TURTLE))) == len(void)


def test_named_queries_with_bindings(server):
    base = server[0]
    listing = json.loads(get(base, "/queries")[2])
    assert {q["name"] for q in listing} >= {"posts_by_month", "findings_for_topic"}
    _, _, body = get(base, "/queries/posts_by_month", month="2020-12", accept="text/csv")
    assert len(body.decode().strip().splitlines()) == 3
    status, _, body = get(base, "/queries/findings_for_topic", topic='x" } ; DROP ALL ; #')
    assert status == 400 and b"no topic labelled" in body  # a value, never query text
    status, _, body = get(base, "/queries/findings_for_topic", topic="alliance and therapeutic relationship")
    assert status == 200 and json.loads(body)["results"]["bindings"]  # labels match in any case, as in the CLI
    assert get(base, "/queries/posts_by_month", month="2020-13")[0] == 400
    assert get(base, "/queries/..%2F..%2Fetc%2Fpasswd")[0] == 404
    assert get(base, "/draw/..%2Fpyproject")[0] == 404
    status, headers, body = get(base, "/draw/graph_topics_articles")
    assert status == 200 and b"vis.Network" in body


def test_site_is_served_and_cannot_be_escaped(server):
    base = server[0]
    status, _, body = get(base, "/site/")
    assert status == 200 and b"explorer" in body
    assert get(base, "/site/../pyproject.toml")[0] == 404
    assert get(base, "/site/%2e%2e/%2e%2e/etc/passwd")[0] == 404


def test_query_page_runs_a_named_query_offline(server, browser, artifacts):
    base = server[0]
    page = browser.new_page()
    outside = []
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else (outside.append(r.request.url), r.abort()))
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "/")
    page.select_option("#query-name", "posts_by_month")
    page.fill("#params input[name=month]", "2020-12")
    page.click("#run")
    page.wait_for_selector("#results tbody tr")
    assert page.locator("#results tbody tr").count() == 2
    assert page.locator("#downloads a").count() == 3
    page.screenshot(path=str(artifacts / "serve-query-page.png"), full_page=True)
    assert outside == [] and errors == []
    page.close()


def test_concurrent_requests_all_succeed(server):
    # regression: rdflib's SPARQL parser is not thread-safe; concurrent parses failed with
    # "Param.postParse2() missing 1 required positional argument" until parsing was serialised
    base = server[0]
    statuses = []

    def client(i):
        for j in range(8):
            query = f"SELECT ?t WHERE {{ ?p dcterms:title ?t }} LIMIT {1 + (i * 8 + j) % 4}"
            statuses.append(get(base, "/sparql", query=query)[0])
            statuses.append(get(base, "/queries/findings_for_topic", topic="Alliance and Therapeutic Relationship")[0])

    threads = [threading.Thread(target=client, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(200) == len(statuses) == 12 * 16


def raw_request(base: str, head: str, body: bytes = b"", wait: float = 5.0) -> bytes:
    """Send bytes as they are; read the answer until the server closes (Connection: close is added
    to the head: a client that half-closes its socket has gone away, and its request is dropped)."""
    host, port = base.rsplit("//", 1)[1].split(":")
    if head.endswith("\r\n\r\n") and "connection:" not in head.lower():
        head = head[:-2] + "Connection: close\r\n\r\n"
    chunks = []
    with socket.create_connection((host, int(port)), timeout=wait) as s:
        try:  # the server may answer and close before it has read everything we send
            s.sendall(head.encode() + body)
        except OSError:
            pass
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except OSError:
            pass
    return b"".join(chunks)


def test_negative_or_missing_content_length_is_refused(server):
    # regression (review): Content-Length: -1 slipped past the body limit and read to the end
    base = server[0]
    host = base.split("//", 1)[1]
    reply = raw_request(base, f"POST /sparql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/sparql-query\r\n"
                              "Content-Length: -1\r\n\r\n", b"ASK {}")
    assert reply.startswith(b"HTTP/1.0 400") or reply.startswith(b"HTTP/1.1 400")
    reply = raw_request(base, f"POST /sparql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/sparql-query\r\n\r\n",
                        b"ASK {}")
    assert b" 411 " in reply.split(b"\r\n")[0]
    # regression (issue 10): lenient and duplicate Content-Length were accepted
    for lengths in ("Content-Length: 6\r\nContent-Length: 6\r\n", "Content-Length: +6\r\n", "Content-Length: 6 x\r\n"):
        reply = raw_request(base, f"POST /sparql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/sparql-query\r\n"
                                  f"{lengths}\r\n", b"ASK {}")
        assert b" 400 " in reply.split(b"\r\n")[0], lengths


def test_long_queries_are_refused_before_parsing(server):
    # regression (review): a 60 KB query held the parser lock for 15 s and stalled everyone
    query = "ASK { FILTER(" + "+".join(["1"] * 6000) + ") }"
    t = time.monotonic()
    status, _, _ = http(server[0] + "/sparql", data=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert status == 413 and time.monotonic() - t < 2


def test_string_parameters_cannot_break_out_of_their_literal():
    # regression (review): rdflib's n3() left a quote unescaped after an escaped backslash
    from rdflib import Literal, URIRef

    from pprnet_kg.sparql.bindings import inline_bindings
    from pprnet_kg.sparql.safety import check_syntax

    hostile = {"a": Literal('x\n\\"'), "b": Literal(') } SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } #')}
    text = inline_bindings("SELECT ?a ?b WHERE { ?s ?p ?o }", hostile)
    check_syntax(text)  # parses, and no SERVICE got in
    one = Graph()
    one.add((URIRef("http://example.org/s"), URIRef("http://example.org/p"), Literal("o")))
    rows = [tuple(map(str, r)) for r in one.query(text)]
    assert rows == [('x\n\\"', str(hostile["b"]))]


def test_nul_in_site_path_is_a_404(server):
    host = server[0].split("//", 1)[1]
    reply = raw_request(server[0], f"GET /site/a%00b HTTP/1.1\r\nHost: {host}\r\n\r\n")
    assert b" 404 " in reply.split(b"\r\n")[0]


@pytest.mark.parametrize("query, accept, status, media", [
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1", "text/csv", 406, None),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "text/turtle", 406, None),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "text/*", 200, "text/csv"),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "text/csv;q=nan, application/sparql-results+xml", 200,
     "application/sparql-results+xml"),
])
def test_negotiation_follows_the_query_form(server, query, accept, status, media):
    # regression (review): formats the client did not ask for were returned with 200
    got, headers, _ = get(server[0], "/sparql", query=query, accept=accept)
    assert got == status
    if media:
        assert headers["Content-Type"].startswith(media)


# ------------------------------------------------ no way out (issue 10)

class Listener:
    """A TCP listener on loopback that records every connection made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = []
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits.append(conn.recv(200))
            conn.close()

    def close(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


SERVICE_SPELLINGS = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ service <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SeRvIcE SILENT <{url}> {{ ?s ?p ?o }} }}",
    # the reported bypass: an escaped newline ends the comment for one parser and not the other
    "SELECT * WHERE {{ # a comment \\u000A SERVICE <{url}> {{ ?s ?p ?o }} # \\u000A\n}}",
    "SELECT * WHERE {{ # \\U0000000A SERVICE <{url}> {{ ?s ?p ?o }}\n}}",
    "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <\\u0068ttp://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "PREFIX x: <{url}#>\nSELECT * WHERE {{ SERVICE x: {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "SELECT * WHERE {{ OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE\t<{url}>{{?s ?p ?o}} }}",
]


@pytest.mark.parametrize("template", SERVICE_SPELLINGS)
def test_no_spelling_of_service_or_from_reaches_another_server(server, listener, template):
    base = server[0]
    query = template.format(url=f"http://127.0.0.1:{listener.port}/sparql", port=listener.port)
    for send in (lambda: get(base, "/sparql", query=query),
                 lambda: http(base + "/sparql", data=query.encode(), headers={"Content-Type": "application/sparql-query"})):
        status, _, body = send()
        assert status in {400, 403}, (status, body)
    time.sleep(0.3)
    assert listener.hits == []


def test_the_query_process_has_no_network_even_past_the_checks(listener):
    # layer 3: run the executor directly, with no check at all, the way the server's child does
    from pprnet_kg.kg import KG
    from pprnet_kg.sparql.protocol import run_bounded

    kg = KG.build(None, store="oxigraph")[0]
    text = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
    with pytest.raises(Exception):
        run_bounded(kg, text, timeout=10)
    time.sleep(0.3)
    assert listener.hits == []


# ------------------------------------------------ SPARQL 1.1 Protocol, read-only (issue 10)

def test_protocol_deviations_are_fixed(server):
    base = server[0]
    # two query parameters, an empty query, a dataset we do not offer: 400, not a guess
    status, _, _ = http(base + "/sparql?" + urllib.parse.urlencode([("query", "ASK {}"), ("query", "ASK {}")]))
    assert status == 400
    for empty in ("", "   ", "# only a comment\n", "PREFIX x: <http://x/>"):
        assert get(base, "/sparql", query=empty)[0] == 400, empty
    assert http(base + "/sparql", data=b" ", headers={"Content-Type": "application/sparql-query"})[0] == 400
    for name in ("default-graph-uri", "named-graph-uri"):
        status, _, body = get(base, "/sparql", query="ASK {}", **{name: "http://example.org/g"})
        assert status == 400 and name.encode() in body
    # RDF/XML for graph results (SPARQLWrapper's default for CONSTRUCT)
    status, headers, body = get(base, "/sparql", query="CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3",
                                accept="application/rdf+xml")
    assert status == 200 and headers["Content-Type"].startswith("application/rdf+xml")
    assert len(Graph().parse(data=body, format="xml")) > 0
    # Vary: Accept on errors too; 405 with Allow for writes
    status, headers, _ = get(base, "/sparql", query="SELECT nonsense")
    assert status == 400 and headers["Vary"] == "Accept"
    for method in ("PUT", "DELETE"):
        status, headers, _ = http(base + "/sparql", data=b"x", method=method)
        assert status == 405 and "GET" in headers["Allow"] and "PUT" not in headers["Allow"]


def test_host_header_must_name_this_server(server):
    # DNS rebinding: a page on evil.example resolving its name to 127.0.0.1 must not read answers
    base = server[0]
    reply = raw_request(base, "GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: evil.example\r\n\r\n")
    assert b" 421 " in reply.split(b"\r\n")[0]
    port = base.rsplit(":", 1)[1]
    reply = raw_request(base, f"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n")
    assert b" 200 " in reply.split(b"\r\n")[0]


def test_keep_alive_serves_two_requests_on_one_connection(server):
    import http.client

    host, port = server[0].split("//", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    for _ in range(2):
        conn.request("GET", "/sparql?query=ASK%20%7B%7D", headers={"Accept": "application/sparql-results+json"})
        response = conn.getresponse()
        assert response.status == 200 and response.version == 11
        assert json.loads(response.read())["boolean"] is True
    conn.close()


def test_percent_escaped_resource_iris_resolve(real_build, tmp_path):
    # regression (issue 10): /id/ unquoted the path, so an IRI minted with %-escapes was never found
    from pprnet_kg.kg import KG

    page = tmp_path / "p.txt"
    page.write_text("May 2021\nOdd DOI\nDoe, J. (1999). A title. Journal of Clinical Psychology, 55(7), 865-873. https://doi.org/10.1002/(SICI)1097-4679(199907)55:7<865::AID-JCLP9>3.0.CO;2-6\n"
                    "A summary (SMD = 0.40; 95% CI 0.10, 0.70).\nPractice Implications\nAct.\n", encoding="utf-8")
    kg = KG.build([page], store="memory")[0]
    iris = sorted({str(s) for s in kg.graph.subjects() if "%" in str(s)})
    assert iris, "the test needs an IRI with a percent-escape"
    srv = make_server(kg, port=0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{srv.server_address[1]}"
        for iri in iris:
            status, _, _ = get(base, "/id/" + iri[len(ID):], accept="text/turtle")
            assert status == 200, iri
    finally:
        srv.shutdown()
        srv.server_close()


# ------------------------------------------------ bounded workers (issue 10)

def _serve_in_thread(kg, **options):
    srv = make_server(kg, port=0, **options)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


def _hold_the_worker(base: str) -> threading.Thread:
    """A slow query running in a thread, once it has had time to take the server's one worker."""
    slow = threading.Thread(target=lambda: get(base, "/sparql", query=SLOW), daemon=True)
    slow.start()
    time.sleep(0.5)
    return slow


def test_a_full_queue_is_refused_at_once_with_retry_after(real_build):
    srv, base = _serve_in_thread(kg_of(real_build.graph), workers=1, queue=0, timeout=3.0)
    try:
        slow = _hold_the_worker(base)
        t = time.monotonic()
        status, headers, _ = get(base, "/sparql", query="ASK {}")
        assert status == 503 and headers["Retry-After"] == "1" and time.monotonic() - t < 1
        slow.join(10)
        # the worker that ran out of time was replaced: the next query is answered
        assert get(base, "/sparql", query="ASK {}")[0] == 200
        assert srv.pool.replaced == 1
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_request_that_waits_too_long_for_a_worker_is_refused_with_retry_after(real_build):
    """Under overload a client hears "busy" within --queue-wait seconds instead of waiting in the
    queue for as long as the queries ahead of it take (a minute and more at 200 clients)."""
    srv, base = _serve_in_thread(kg_of(real_build.graph), workers=1, timeout=4.0, queue_wait=0.5)
    try:
        slow = _hold_the_worker(base)
        t = time.monotonic()
        status, headers, body = get(base, "/sparql", query="ASK {}")
        waited = time.monotonic() - t
        assert status == 503 and headers["Retry-After"] == "1" and b"0.5 s" in body
        assert 0.4 < waited < 2.5  # refused once its wait ran out, not when the slow query ended
        assert srv.pool.turned_away == 1
        slow.join(10)
        assert get(base, "/sparql", query="ASK {}")[0] == 200  # the queue is not left holding its turn
    finally:
        srv.shutdown()
        srv.server_close()


def _wait_answering(base: str, tries: int = 100) -> None:
    for _ in range(tries):
        try:
            if get(base, "/sparql", query="ASK {}")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except OSError:
        return False


@pytest.mark.slow
def test_workers_die_with_the_server_and_the_port_is_free_at_once(tmp_path):
    # regression: forked query processes outlived the server and held its socket
    import os
    import pathlib
    import signal
    import subprocess
    import sys

    from servers import free_port

    port = free_port()
    cmd = [sys.executable, "-m", "pprnet_kg.cli", "serve", "--port", str(port), "--workers", "2", "--processes", "2"]
    import pprnet_kg

    here = str(pathlib.Path(pprnet_kg.__file__).resolve().parents[1])  # the checkout under test, from any cwd
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait_answering(base)

    def descendants(pid: int) -> list[int]:
        try:
            children = [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]
        except OSError:
            return []
        return children + [d for c in children for d in descendants(c)]

    children = descendants(proc.pid)  # query workers, and another server process with its own workers
    assert len(children) >= 2
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(c) for c in children):
        time.sleep(0.1)
    assert not any(_alive(c) for c in children)
    again = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_answering(base)
        assert again.poll() is None, again.stdout.read().decode()
    finally:
        again.terminate()
        again.wait(10)


# ------------------------------------------------ HTTP limits on uvicorn (issue 10)

def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024


def _flood(base: str, total: int) -> tuple[int, bytes]:
    """Send one endless header line until the server stops us: (bytes sent, what it answered)."""
    host, port = base.split("//", 1)[1].split(":")
    sent, reply = 0, b""
    with socket.create_connection((host, int(port)), timeout=5) as s:
        try:
            s.sendall(f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nX-Flood: ".encode())
            piece = b"a" * 65536
            while sent < total:
                s.sendall(piece)
                sent += len(piece)
        except OSError:
            pass
        try:
            reply = s.recv(200)
        except OSError:
            pass
    return sent, reply


def test_huge_headers_get_431_and_memory_stays_bounded(server):
    # regression (issue 10): about 6 MB of headers were accepted per request (300 connections: 8 GB)
    base = server[0]
    host = base.split("//", 1)[1]
    reply = raw_request(base, f"GET / HTTP/1.1\r\nHost: {host}\r\n" + "".join(f"X-{i}: {'b' * 1000}\r\n" for i in range(70))
                        + "\r\n")
    assert reply.startswith(b"HTTP/1.1 431 "), reply[:80]
    before = _rss_mb()
    results = []
    floods = [threading.Thread(target=lambda: results.append(_flood(base, 64 * 1024 * 1024))) for _ in range(12)]
    for t in floods:
        t.start()
    for t in floods:
        t.join(60)
    assert len(results) == 12
    assert all(sent < 64 * 1024 * 1024 for sent, _ in results)  # each was cut off long before the end
    assert _rss_mb() - before < 100  # 12 x 64 MB would be 768 MB
    assert get(base, "/sparql", query="ASK {}")[0] == 200


def test_a_client_that_goes_away_has_its_query_stopped(real_build):
    # regression (issue 10): a request whose client had gone still ran to the end of its time limit
    srv, base = _serve_in_thread(kg_of(real_build.graph), workers=1, timeout=8.0)
    try:
        before = srv.pool.pids()
        host = base.split("//", 1)[1]
        s = socket.create_connection(tuple(host.split(":")[:1]) + (int(host.split(":")[1]),), timeout=5)
        s.sendall(f"GET /sparql?{urllib.parse.urlencode({'query': SLOW})} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        time.sleep(0.7)  # the one worker is on the slow query
        s.close()
        t = time.monotonic()
        status, _, _ = get(base, "/sparql", query="ASK {}")
        assert status == 200 and time.monotonic() - t < 3  # not after the 8 s limit
        assert srv.pool.abandoned == 1 and srv.pool.replaced == 1
        assert not _alive(before[0]) and srv.pool.pids() != before  # its worker was killed and replaced
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize("part", ["head", "body"])
def test_a_slow_client_is_cut_off_at_the_deadline(real_build, part):
    # slowloris: a request dribbled a byte at a time must not hold a connection for ever
    srv, base = _serve_in_thread(kg_of(real_build.graph), workers=1, deadline=1.5)
    try:
        host = base.split("//", 1)[1]
        if part == "head":
            start, dribble = b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: " + host.encode(), b"\r\nX-Slow: " + b"a" * 100
        else:
            start = (f"POST /sparql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/sparql-query\r\n"
                     "Content-Length: 200\r\n\r\n").encode()
            dribble = b" " * 200
        with socket.create_connection(("127.0.0.1", int(host.split(":")[1])), timeout=10) as s:
            t = time.monotonic()
            s.sendall(start)
            reply = b""
            for byte in dribble:
                try:
                    s.sendall(bytes([byte]))
                except OSError:
                    break
                s.settimeout(0.25)
                try:
                    chunk = s.recv(200)
                except socket.timeout:
                    continue
                except OSError:
                    break
                reply += chunk
                if not chunk or reply:
                    break
            cut = time.monotonic() - t
        assert 1.4 < cut < 3.5, cut  # the dribble would have taken 25 s or more
        if part == "head":
            assert reply.startswith(b"HTTP/1.1 408 "), reply[:80]
        # a well-behaved client is still served
        assert get(base, "/sparql", query="ASK {}")[0] == 200
    finally:
        srv.shutdown()
        srv.server_close()


def test_answers_are_not_held_back_by_nagle(server):
    # regression: our own listening socket made asyncio skip TCP_NODELAY; head and body went out
    # in two writes and every answer on a kept-alive connection waited ~40 ms for a delayed ACK
    import http.client

    host, port = server[0].split("//", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    times = []
    for _ in range(15):
        t = time.monotonic()
        conn.request("GET", "/sparql?query=ASK%20%7B%7D")
        response = conn.getresponse()
        response.read()
        times.append(time.monotonic() - t)
    conn.close()
    assert sorted(times)[len(times) // 2] < 0.03, times


def test_a_checked_text_is_not_parsed_again(real_build):
    # the safety check's verdict for a text is remembered by the server and handed to every worker
    srv, base = _serve_in_thread(kg_of(real_build.graph), workers=2)
    try:
        query = "SELECT ?t WHERE { ?p dcterms:title ?t } LIMIT 1"
        answers = {get(base, "/sparql", query=query)[2] for _ in range(4)}
        assert len(answers) == 1 and len(srv.pool._verdicts) == 1
        refused = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
        assert [get(base, "/sparql", query=refused)[0] for _ in range(2)] == [403, 403]
        assert len(srv.pool._verdicts) == 1  # refusals are not remembered as verdicts to skip
    finally:
        srv.shutdown()
        srv.server_close()


# ------------------------------------------------ uvicorn's own limits (issue 10)

def test_an_idle_kept_alive_connection_is_closed_after_keep_alive_seconds(real_build, monkeypatch):
    import http.client

    from pprnet_kg import serve_http

    assert serve_http.KEEP_ALIVE == 5  # what the README says
    monkeypatch.setattr(serve_http, "KEEP_ALIVE", 1)
    srv, base = _serve_in_thread(kg_of(real_build.graph), workers=1)
    try:
        host, port = base.split("//", 1)[1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        for pause in (0, 0.6):  # a request within the idle time keeps the connection (and restarts the clock)
            time.sleep(pause)
            conn.request("GET", "/sparql?query=ASK%20%7B%7D")
            response = conn.getresponse()
            assert response.status == 200 and response.getheader("Connection") is None
            response.read()
        idle = time.monotonic()
        assert conn.sock.recv(1) == b""  # the server closes it, saying nothing
        assert 0.8 < time.monotonic() - idle < 3
        conn.close()
    finally:
        srv.shutdown()
        srv.server_close()


def test_past_the_connection_limit_a_request_gets_503_with_retry_after(real_build, monkeypatch):
    from pprnet_kg import serve_http

    monkeypatch.setattr(serve_http, "CONNECTIONS", 4)
    srv, base = _serve_in_thread(kg_of(real_build.graph), workers=1)
    host, port = base.split("//", 1)[1].split(":")
    idle = [socket.create_connection((host, int(port)), timeout=5) for _ in range(3)]
    try:
        time.sleep(0.3)  # the server has taken them: with this one, 4 are open
        reply = raw_request(base, f"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n")
        head, _, body = reply.partition(b"\r\n\r\n")
        lines = head.decode().lower().split("\r\n")
        assert lines[0] == "http/1.1 503 service unavailable", reply[:200]
        assert "retry-after: 1" in lines and "connection: close" in lines
        assert b"4 connections open; try again shortly" in body
        idle.pop().close()
        time.sleep(0.3)
        assert get(base, "/sparql", query="ASK {}")[0] == 200  # room again: answered
    finally:
        for s in idle:
            s.close()
        srv.shutdown()
        srv.server_close()


def test_a_worker_killed_from_outside_is_replaced_and_no_request_fails(real_build):
    # regression (issue 10): a worker that had died (however: the OOM killer, an operator) was handed
    # the next job like a live one; the request failed and the dead worker stayed in the pool
    import os
    import signal

    srv, base = _serve_in_thread(kg_of(real_build.graph), workers=1)
    try:
        for pause in (0, 0.3):  # a request as soon as it has ended (the job may find it gone), or later
            (pid,) = srv.pool.pids()
            os.kill(pid, signal.SIGKILL)
            while _alive(pid):  # until its sockets are closed (it is a zombie, or reaped)
                time.sleep(0.001)
            time.sleep(pause)
            assert get(base, "/sparql", query="ASK {}")[0] == 200
            assert srv.pool.pids() != [pid] and not _alive(pid)
        assert srv.pool.replaced == 2
        statuses = [get(base, "/sparql", query="ASK {}")[0] for _ in range(5)]
        assert statuses == [200] * 5 and srv.pool.replaced == 2
    finally:
        srv.shutdown()
        srv.server_close()


def test_two_server_processes_answer_on_one_port_and_stop_together(real_build):
    srv, base = _serve_in_thread(kg_of(real_build.graph), workers=2, processes=2)
    try:
        _wait_answering(base)
        copies = [c.pid for c in srv._copies if c.is_alive()]
        assert len(copies) == 1 and len(srv.pool.pids()) == 1  # the other process, and this one's worker
        (copy,) = copies
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the copy starts its own worker as it starts
            its_workers = [int(p) for p in open(f"/proc/{copy}/task/{copy}/children").read().split()]
            if its_workers:
                break
            time.sleep(0.05)
        assert len(its_workers) == 1
        statuses = []
        clients = [threading.Thread(target=lambda: statuses.extend(get(base, "/sparql", query=COUNT)[0] for _ in range(10)))
                   for _ in range(8)]
        for t in clients:
            t.start()
        for t in clients:
            t.join()
        assert statuses == [200] * 80
    finally:
        srv.shutdown()
        srv.server_close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(p) for p in [copy, *its_workers]):
        time.sleep(0.1)
    assert not any(_alive(p) for p in [copy, *its_workers])  # stopped with the server, workers and all


def test_a_cheap_query_is_not_stuck_behind_expensive_ones(real_build):
    # with every worker on slow queries, a cheap query waited for one of them to end (a slow-query
    # attack, or heavy queries on a large store): the last free worker is now kept for jobs known to
    # be quick, and the quick queue goes first
    srv, base = _serve_in_thread(kg_of(real_build.graph), workers=2, timeout=3.0)
    try:
        assert get(base, "/sparql", query="ASK {}")[0] == 200  # now known to be quick
        statuses = {}

        def slow(name, query):
            statuses[name] = get(base, "/sparql", query=query)[0]

        attackers = [threading.Thread(target=slow, args=(n, SLOW + n * " ")) for n in range(3)]
        for t in attackers:
            t.start()
            time.sleep(0.2)
        t0 = time.monotonic()
        assert get(base, "/sparql", query="ASK {}")[0] == 200
        assert time.monotonic() - t0 < 1.5  # not after a slow query's 3 s
        for t in attackers:
            t.join(15)
        assert statuses == {0: 503, 1: 503, 2: 503}  # each ran (one at a time) and was stopped
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize("store", ["oxigraph", "memory"])
def test_a_query_over_the_memory_limit_is_stopped_with_503_and_its_worker_replaced(real_build, real_page, store,
                                                                                  capfd):
    # a query past the per-query memory cap: Oxigraph aborts its process when an allocation fails
    # (the client got "400 ... ended without an answer (out of memory?)", the server's stderr a Rust
    # backtrace); rdflib's MemoryError became "400 query failed: " with nothing after it
    kg = KG.build([real_page], store="oxigraph")[0] if store == "oxigraph" else kg_of(real_build.graph)
    srv, base = _serve_in_thread(kg, workers=1, memory_mb=64, timeout=20.0)
    try:
        hungry = "SELECT ?a ?b ?c ?d ?e ?f WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?d"  # sorts 895,000 rows
        status, _, body = get(base, "/sparql", query=hungry)
        assert status == 503 and b"needed more memory than this endpoint allows" in body, body
        assert srv.pool.replaced == 1
        assert get(base, "/sparql", query="ASK {}")[0] == 200  # the replacement answers
        assert "stack backtrace" not in capfd.readouterr().err
    finally:
        srv.shutdown()
        srv.server_close()
