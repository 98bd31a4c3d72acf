"""Remote triple stores over HTTP: query a SPARQL 1.1 endpoint (read only), and `push` a graph
with the SPARQL 1.1 Graph Store HTTP Protocol.

Queries go as POST forms with the named graph, if any, as `default-graph-uri`; parameters as a
VALUES block (the protocol has no initial bindings). Errors say what happened: connection
refused, an HTTP status with the server's words, a timeout.

`push` sends canonical (sorted) N-Triples in batches into a staging graph, checks its count,
and only then replaces (or adds to) the target graph with one SPARQL Update: a failed push
leaves the target as it was. Credentials come from the
environment (PPRNET_SPARQL_USER / PPRNET_SPARQL_PASSWORD) and are offered for Basic and
Digest authentication (Virtuoso's /sparql-graph-crud-auth uses Digest).
"""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef

from ..errors import ConfigError, RemoteError
from ..sparql.bindings import IRI_OK, inline_bindings
from ..sparql.results import QueryResult
from .base import Backend

USER_ENV, PASSWORD_ENV = "PPRNET_SPARQL_USER", "PPRNET_SPARQL_PASSWORD"
QUERY_TIMEOUT = 60  # seconds per query request

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


def credentials() -> tuple[str, str] | None:
    """Remote credentials come from the environment only, never from the command line."""
    user = os.environ.get(USER_ENV)
    return (user, os.environ.get(PASSWORD_ENV, "")) if user else None


def _shown(url: str) -> str:
    """A URL as it may be printed: never with credentials."""
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=host, query="").geturl()


def _opener(url: str):
    handlers = []
    auth = credentials()
    if auth:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, url, auth[0], auth[1])
        handlers += [urllib.request.HTTPBasicAuthHandler(passwords), urllib.request.HTTPDigestAuthHandler(passwords)]
    return urllib.request.build_opener(*handlers)


_STATUS_HINTS = {401: "the server wants credentials: set PPRNET_SPARQL_USER and PPRNET_SPARQL_PASSWORD",
                 403: "the server refused these credentials or this request",
                 404: "no endpoint at this URL: check the path (Oxigraph: /query, Virtuoso: /sparql)"}


def _request(url: str, *, method: str, data: bytes | None = None, headers: dict | None = None,
             timeout: float = TIMEOUT) -> tuple[bytes, str]:
    """(body, content type); RemoteError saying what went wrong otherwise."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    where = f"{method} {_shown(url)}"
    try:
        with _opener(url).open(request, timeout=timeout) as response:
            return response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        body = exc.read()[:300].decode("utf-8", "replace").strip().replace("\n", " ")
        hint = _STATUS_HINTS.get(exc.code, "")
        raise RemoteError(f"{where}: HTTP {exc.code} {exc.reason}" + (f" ({hint})" if hint else "")
                          + (f": {body}" if body else "")) from None
    except (TimeoutError, socket.timeout):
        raise RemoteError(f"{where}: no answer within {timeout:g} s (timeout)") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ConnectionRefusedError):
            raise RemoteError(f"{where}: connection refused (is the server running on that port?)") from None
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise RemoteError(f"{where}: no answer within {timeout:g} s (timeout)") from None
        raise RemoteError(f"{where}: cannot connect: {reason}") from None
    except OSError as exc:
        raise RemoteError(f"{where}: connection lost: {exc.strerror or exc}") from None


def _with_graph(endpoint: str, graph_iri: str) -> str:
    sep = "&" if "?" in endpoint else "?"
    return f"{endpoint}{sep}{urllib.parse.urlencode({'graph': graph_iri})}"


def count_triples(query_endpoint: str, graph_iri: str) -> int:
    """How many triples a named graph holds, asked with SPARQL."""
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"
    body = urllib.parse.urlencode({"query": query}).encode("ascii")
    data, _ = _request(query_endpoint, method="POST", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"})
    try:
        return int(json.loads(data)["results"]["bindings"][0]["n"]["value"])
    except (ValueError, KeyError, IndexError) as exc:
        raise RemoteError(f"{query_endpoint}: unexpected answer to a COUNT query: {exc}") from None


def staging_graph(graph_iri: str) -> str:
    """Where a push loads before it replaces the target: the target's IRI with a suffix."""
    return graph_iri.rstrip("/#") + "/pprnet-kg-staging"


def update(update_endpoint: str, text: str) -> None:
    """Send one SPARQL 1.1 Update (the protocol's form encoding)."""
    body = urllib.parse.urlencode({"update": text}).encode("utf-8")
    _request(update_endpoint, method="POST", data=body,
             headers={"Content-Type": "application/x-www-form-urlencoded"})


def push(ntriples: str, *, endpoint: str, graph_iri: str, query_endpoint: str, update_endpoint: str,
         mode: str = "replace", batch_size: int = DEFAULT_BATCH) -> PushReport:
    """Load canonical N-Triples into `graph_iri` at a Graph Store endpoint, atomically.

    The triples go into a staging graph first (replaced by the first batch, then added to); its
    count is checked; only then one SPARQL Update replaces the target with it (MOVE), or adds it
    (ADD, then DROP the staging graph) when appending. A push that fails at any point leaves the
    target as it was and says what happened."""
    if mode not in {"replace", "append"}:
        raise RemoteError(f"unknown push mode {mode!r}: replace or append")
    if not graph_iri.startswith(("http://", "https://", "urn:")) or not IRI_OK.match(graph_iri):
        raise RemoteError(f"--named-graph must be an absolute IRI, got {graph_iri!r}")
    for url in (endpoint, query_endpoint, update_endpoint):
        if urllib.parse.urlsplit(url).username is not None:
            raise RemoteError("give credentials in PPRNET_SPARQL_USER / PPRNET_SPARQL_PASSWORD, not in the URL")
    lines = ntriples.splitlines()
    if len(lines) > batch_size and any(line.startswith("_:") or " _:" in line for line in lines):
        # a blank node label only means the same node within one request: splitting would duplicate nodes
        raise RemoteError(f"the graph has blank nodes: push it in one batch (--batch-size {len(lines)} or more)")
    staging = staging_graph(graph_iri)
    url = _with_graph(endpoint, staging)
    batches = [lines[i: i + batch_size] for i in range(0, len(lines), max(1, batch_size))] or [[]]
    for n, batch in enumerate(batches):
        data = ("\n".join(batch) + "\n").encode("utf-8")
        try:
            _request(url, method="PUT" if n == 0 else "POST", data=data,
                     headers={"Content-Type": "application/n-triples; charset=utf-8"})
        except RemoteError as exc:
            raise RemoteError(f"push stopped at batch {n + 1} of {len(batches)}; <{graph_iri}> is unchanged "
                              f"(the partial load is in <{staging}>): {exc}") from None
    staged = count_triples(query_endpoint, staging)
    if staged != len(lines):
        raise RemoteError(f"sent {len(lines)} triples but the staging graph <{staging}> holds {staged}; "
                          f"<{graph_iri}> is unchanged")
    try:
        if mode == "replace":
            update(update_endpoint, f"MOVE SILENT <{staging}> TO <{graph_iri}>")
        else:
            update(update_endpoint, f"ADD SILENT <{staging}> TO <{graph_iri}> ; DROP SILENT GRAPH <{staging}>")
    except RemoteError as exc:
        raise RemoteError(f"the new graph is loaded in <{staging}> but could not replace <{graph_iri}>, "
                          f"which is unchanged: {exc}") from None
    in_store = count_triples(query_endpoint, graph_iri)
    report = PushReport(endpoint, graph_iri, mode, len(lines), len(batches), in_store)
    if not report.verified:
        raise RemoteError(f"{graph_iri}: sent {len(lines)} triples but the store holds {in_store} after the load")
    return report


def guess_update_endpoint(endpoint: str) -> str:
    """Oxigraph serves /store and /update; Virtuoso /sparql-graph-crud-auth and /sparql-auth."""
    for gsp, upd in (("/store", "/update"), ("/sparql-graph-crud-auth", "/sparql-auth"),
                     ("/sparql-graph-crud", "/sparql")):
        if endpoint.rstrip("/").endswith(gsp):
            return endpoint.rstrip("/")[: -len(gsp)] + upd
    raise ConfigError(f"cannot guess the update endpoint for {_shown(endpoint)}; give --update-endpoint")


def guess_query_endpoint(endpoint: str) -> str:
    """Oxigraph serves /store and /query; Virtuoso /sparql-graph-crud[-auth] and /sparql."""
    for gsp, query in (("/store", "/query"), ("/sparql-graph-crud-auth", "/sparql"), ("/sparql-graph-crud", "/sparql")):
        if endpoint.rstrip("/").endswith(gsp):
            return endpoint.rstrip("/")[: -len(gsp)] + query
    raise ConfigError(f"cannot guess the query endpoint for {_shown(endpoint)}; give --query-endpoint")


def open(arg: str | None, *, named_graph: str | None = None, read_only: bool = True) -> "RemoteBackend":  # noqa: A001
    if not arg or not arg.startswith(("http://", "https://")):
        raise ConfigError("a remote store is sparql+http(s)://HOST/PATH")
    if urllib.parse.urlsplit(arg).username is not None:
        raise ConfigError("give credentials in PPRNET_SPARQL_USER / PPRNET_SPARQL_PASSWORD, not in the URL")
    if named_graph is not None and not IRI_OK.match(named_graph):
        raise ConfigError(f"--named-graph must be an IRI, got {named_graph!r}")
    return RemoteBackend(arg, named_graph)


def _term(binding: dict):
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if "xml:lang" in binding:
        return Literal(value, lang=binding["xml:lang"])
    datatype = binding.get("datatype")
    if datatype and datatype != "http://www.w3.org/2001/XMLSchema#string":
        return Literal(value, datatype=URIRef(datatype))
    return Literal(value)


class RemoteBackend(Backend):
    """A SPARQL 1.1 query endpoint, read only; the named graph (if any) is queried as the default graph."""

    persistent = True
    writable = False
    shared = True

    def __init__(self, url: str, named_graph: str | None) -> None:
        self.url, self.named_graph = url, named_graph
        self.spec = f"sparql+{_shown(url)}" + (f" (graph <{named_graph}>)" if named_graph else "")

    def _post(self, text: str, accept: str) -> tuple[bytes, str]:
        form = [("query", text)] + ([("default-graph-uri", self.named_graph)] if self.named_graph else [])
        return _request(self.url, method="POST", data=urllib.parse.urlencode(form).encode("utf-8"), headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": accept}, timeout=QUERY_TIMEOUT)

    def query(self, text: str, bindings: dict, *, limit: int | None = None, raw: bool = False) -> QueryResult:
        text = inline_bindings(text, bindings) if bindings else text
        body, kind = self._post(text, "application/sparql-results+json, application/n-triples;q=0.9")
        if "n-triples" in kind or "turtle" in kind:
            g = Graph().parse(data=body.decode("utf-8"), format="nt" if "n-triples" in kind else "turtle")
            triples = sorted(g, key=lambda t: tuple(x.n3() for x in t))
            cut = triples[:limit] if limit is not None else triples
            return QueryResult("CONSTRUCT", triples=cut, truncated=len(cut) < len(triples))
        try:
            data = json.loads(body)
        except ValueError:
            raise RemoteError(f"{_shown(self.url)}: the answer is not SPARQL JSON results ({kind or 'no type'})") from None
        if "boolean" in data:
            return QueryResult("ASK", boolean=bool(data["boolean"]))
        names = data.get("head", {}).get("vars", [])
        rows = [tuple(_term(b[n]) if n in b else None for n in names) for b in data["results"]["bindings"]]
        cut = rows[:limit] if limit is not None else rows
        return QueryResult("SELECT", names, cut, truncated=len(cut) < len(rows))

    def ntriples(self) -> str:
        import pyoxigraph as ox

        body, kind = self._post("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "application/n-triples, text/turtle;q=0.9")
        # servers write N-Triples their own way (Virtuoso separates terms with tabs): re-write it ours
        fmt = ox.RdfFormat.N_TRIPLES if "n-triples" in kind else ox.RdfFormat.TURTLE
        try:
            triples = (ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt))
            return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        except SyntaxError as exc:
            raise RemoteError(f"{_shown(self.url)}: the graph it sent does not parse: {exc}") from None

    def count(self) -> int:
        result = self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {})
        return int(result.rows[0][0])

    def is_empty(self) -> bool:
        return not self.query("ASK { ?s ?p ?o }", {}).boolean

    def load_ntriples(self, data: str) -> None:
        raise ConfigError("a remote store is only read here; load it with `pprnet-kg push`")

    def clear(self) -> None:
        raise ConfigError("a remote store is only read here; load it with `pprnet-kg push`")
