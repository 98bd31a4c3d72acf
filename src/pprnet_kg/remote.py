"""Remote triple stores: load a graph with the SPARQL 1.1 Graph Store HTTP Protocol, count it back.

`push` sends canonical (sorted) N-Triples in batches: the first batch replaces the named
graph (HTTP PUT) unless appending, the rest add to it (POST); then a SPARQL COUNT on the
query endpoint checks that the store holds what was sent. Credentials come from the
environment (PPRNET_SPARQL_USER / PPRNET_SPARQL_PASSWORD) and are offered for Basic and
Digest authentication (Virtuoso's /sparql-graph-crud-auth uses Digest).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from rdflib import Graph

from .errors import RemoteError
from .export import canonical_ntriples
from .store import credentials

DEFAULT_BATCH = 10_000  # triples per request; Virtuoso resets connections somewhere above 20,000
TIMEOUT = 120  # seconds per request


@dataclass(frozen=True)
class PushReport:
    endpoint: str
    graph: str
    mode: str
    triples_sent: int
    batches: int
    triples_in_store: int

    @property
    def verified(self) -> bool:
        if self.mode == "replace":
            return self.triples_in_store == self.triples_sent
        return self.triples_in_store >= self.triples_sent


def _opener(url: str):
    handlers = []
    auth = credentials()
    if auth:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, url, auth[0], auth[1])
        handlers += [urllib.request.HTTPBasicAuthHandler(passwords), urllib.request.HTTPDigestAuthHandler(passwords)]
    return urllib.request.build_opener(*handlers)


def _request(url: str, *, method: str, data: bytes | None = None, headers: dict | None = None) -> bytes:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with _opener(url).open(request, timeout=TIMEOUT) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()[:300].decode("utf-8", "replace").strip().replace("\n", " ")
        raise RemoteError(f"{method} {url}: HTTP {exc.code} {exc.reason}: {body}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        hint = " (the server may limit request size: try a smaller --batch-size)" if data and len(data) > 1_000_000 else ""
        raise RemoteError(f"{method} {url}: cannot connect: {reason}{hint}") from None


def _with_graph(endpoint: str, graph_iri: str) -> str:
    sep = "&" if "?" in endpoint else "?"
    return f"{endpoint}{sep}{urllib.parse.urlencode({'graph': graph_iri})}"


def count_triples(query_endpoint: str, graph_iri: str) -> int:
    """How many triples a named graph holds, asked with SPARQL."""
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"
    body = urllib.parse.urlencode({"query": query}).encode("ascii")
    data = _request(query_endpoint, method="POST", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"})
    try:
        return int(json.loads(data)["results"]["bindings"][0]["n"]["value"])
    except (ValueError, KeyError, IndexError) as exc:
        raise RemoteError(f"{query_endpoint}: unexpected answer to a COUNT query: {exc}") from None


def push(graph: Graph, *, endpoint: str, graph_iri: str, query_endpoint: str, mode: str = "replace",
         batch_size: int = DEFAULT_BATCH) -> PushReport:
    """Load the graph into `graph_iri` at a Graph Store endpoint and verify the count."""
    if mode not in {"replace", "append"}:
        raise RemoteError(f"unknown push mode {mode!r}: replace or append")
    from .queries import _IRI_OK

    if not graph_iri.startswith(("http://", "https://", "urn:")) or not _IRI_OK.match(graph_iri):
        raise RemoteError(f"--graph must be an absolute IRI, got {graph_iri!r}")
    for url in (endpoint, query_endpoint):
        if urllib.parse.urlsplit(url).username is not None:
            raise RemoteError("give credentials in PPRNET_SPARQL_USER / PPRNET_SPARQL_PASSWORD, not in the URL")
    lines = canonical_ntriples(graph).splitlines()
    if len(lines) > batch_size and any(line.startswith("_:") or " _:" in line for line in lines):
        # a blank node label only means the same node within one request: splitting would duplicate nodes
        raise RemoteError(f"the graph has blank nodes: push it in one batch (--batch-size {len(lines)} or more)")
    url = _with_graph(endpoint, graph_iri)
    batches = [lines[i: i + batch_size] for i in range(0, len(lines), max(1, batch_size))] or [[]]
    for n, batch in enumerate(batches):
        method = "PUT" if (n == 0 and mode == "replace") else "POST"
        data = ("\n".join(batch) + "\n").encode("utf-8")
        _request(url, method=method, data=data, headers={"Content-Type": "text/turtle; charset=utf-8"})
    in_store = count_triples(query_endpoint, graph_iri)
    report = PushReport(endpoint, graph_iri, mode, len(lines), len(batches), in_store)
    if not report.verified:
        raise RemoteError(f"{graph_iri}: sent {len(lines)} triples but the store holds {in_store} after the load")
    return report
