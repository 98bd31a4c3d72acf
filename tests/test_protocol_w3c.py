"""The W3C SPARQL 1.1 Protocol test cases that apply to a read-only query endpoint, one test each,
named after the test suite's cases (their behaviour written here from the specification).

Dataset cases (default-graph-uri / named-graph-uri, FROM in the query): this endpoint serves one
dataset and says so with 400, which the protocol allows; those tests check that answer. Update
cases do not apply (read only); an update sent anyway is refused (403).
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from rdflib import Graph

from pprnet_kg.serve import make_server

from conftest import kg_of

pytestmark = pytest.mark.servers

APPLICABLE = [
    "query_get", "query_post_form", "query_post_direct", "query_content_type_select", "query_content_type_ask",
    "query_content_type_describe", "query_content_type_construct", "bad_query_method", "bad_multiple_queries",
    "bad_query_wrong_media_type", "bad_query_missing_form_type", "bad_query_missing_direct_type",
    "bad_query_non_utf8", "bad_query_syntax", "bad_update_get",
]
ONE_DATASET = ["query_dataset_default_graphs_get", "query_dataset_default_graphs_post",
               "query_dataset_named_graphs_get", "query_dataset_named_graphs_post", "query_dataset_full",
               "query_multiple_dataset"]


@pytest.fixture(scope="module")
def endpoint(sample_build):
    srv = make_server(kg_of(sample_build.graph), port=0, workers=2)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/sparql"
    srv.shutdown()
    srv.server_close()


def call(url, *, method="GET", data=None, headers=None):
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def q(endpoint, **params):
    return endpoint + "?" + urllib.parse.urlencode(params)


CASES = {
    "query_get": lambda e: call(q(e, query="ASK {}"), headers={"Accept": "application/sparql-results+json"}),
    "query_post_form": lambda e: call(e, method="POST", data=b"query=ASK%20%7B%7D",
                                      headers={"Content-Type": "application/x-www-form-urlencoded"}),
    "query_post_direct": lambda e: call(e, method="POST", data=b"ASK {}",
                                        headers={"Content-Type": "application/sparql-query"}),
    "query_content_type_select": lambda e: call(q(e, query="SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"),
                                                headers={"Accept": "application/sparql-results+xml"}),
    "query_content_type_ask": lambda e: call(q(e, query="ASK { ?s ?p ?o }"),
                                             headers={"Accept": "application/sparql-results+json"}),
    "query_content_type_describe": lambda e: call(q(e, query="DESCRIBE ?s WHERE { ?s ?p ?o } LIMIT 1"),
                                                  headers={"Accept": "application/rdf+xml"}),
    "query_content_type_construct": lambda e: call(q(e, query="CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2"),
                                                   headers={"Accept": "text/turtle"}),
    "bad_query_method": lambda e: call(q(e, query="ASK {}"), method="PUT", data=b""),
    "bad_multiple_queries": lambda e: call(e + "?" + urllib.parse.urlencode([("query", "ASK {}"),
                                                                             ("query", "SELECT * {}")])),
    "bad_query_wrong_media_type": lambda e: call(e, method="POST", data=b"ASK {}", headers={"Content-Type": "text/plain"}),
    "bad_query_missing_form_type": lambda e: call(e, method="POST", data=b"query=ASK%20%7B%7D",
                                                  headers={"Content-Type": ""}),
    "bad_query_missing_direct_type": lambda e: call(e, method="POST", data=b"ASK {}", headers={"Content-Type": ""}),
    "bad_query_non_utf8": lambda e: call(e, method="POST", data="ASK {}".encode("utf-16"),
                                         headers={"Content-Type": "application/sparql-query"}),
    "bad_query_syntax": lambda e: call(q(e, query="ASK {")),
    "bad_update_get": lambda e: call(q(e, update="CLEAR ALL")),
}


def check(name, status, media, body) -> None:
    if name.startswith("bad_"):
        assert 400 <= status < 500, (name, status, body)
        return
    assert status == 200, (name, status, body)
    if name in {"query_get", "query_post_form", "query_post_direct", "query_content_type_ask"}:
        assert media.startswith("application/sparql-results+json") and isinstance(json.loads(body)["boolean"], bool)
    elif name == "query_content_type_select":
        assert media.startswith("application/sparql-results+xml") and b"<sparql" in body
    elif name == "query_content_type_describe":
        assert media.startswith("application/rdf+xml") and len(Graph().parse(data=body, format="xml")) > 0
    elif name == "query_content_type_construct":
        assert media.startswith("text/turtle") and len(Graph().parse(data=body, format="turtle")) == 2


@pytest.mark.parametrize("name", APPLICABLE)
def test_w3c_protocol_case(endpoint, name):
    check(name, *CASES[name](endpoint))


@pytest.mark.parametrize("name", ONE_DATASET)
def test_w3c_dataset_case_is_declined_with_400(endpoint, name):
    graph = "http://example.org/g"
    if name.endswith("_post"):
        key = "default-graph-uri" if "default" in name else "named-graph-uri"
        status, _, body = call(q(endpoint, **{key: graph}), method="POST", data=b"ASK {}",
                               headers={"Content-Type": "application/sparql-query"})
    elif name in {"query_dataset_full", "query_multiple_dataset"}:
        status, _, body = call(q(endpoint, query=f"ASK FROM <{graph}> {{}}", **{"default-graph-uri": graph}))
    else:
        key = "default-graph-uri" if "default" in name else "named-graph-uri"
        status, _, body = call(q(endpoint, query="ASK {}", **{key: graph}))
    assert status in {400, 403} and body.strip(), (name, status)


def test_the_update_protocol_is_refused(endpoint):
    status, _, _ = call(endpoint, method="POST", data=b"update=CLEAR%20ALL",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403
    status, _, _ = call(endpoint, method="POST", data=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    assert status == 403
