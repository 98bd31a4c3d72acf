"""`pprnet-kg serve`: a read-only SPARQL 1.1 endpoint and linked-data server on the standard library.

Routes: `/` query page; `/sparql` SPARQL 1.1 Protocol (GET, POST form, POST
application/sparql-query); `/queries` and `/queries/NAME?param=...` the named queries;
`/id/...` every minted IRI (HTML, Turtle, N-Triples or JSON-LD by Accept, Vary: Accept);
`/ontology`; `/.well-known/void` (VoID + DCAT); `/site/...` the explorer site when given.
Safe by default: loopback only, read-only, SERVICE/FROM refused after parsing, a time limit
per query (a forked process that is killed), row and request-body limits, CORS for GET only.
"""

from __future__ import annotations

import json
import mimetypes
import socket
import time
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, VOID, XSD

from .errors import PprnetError, QueryError, QueryRefused
from .namespaces import bind_prefixes
from .resources import ontology_file
from .sparql.protocol import GRAPH_TYPES, SELECT_TYPES, QueryTimeout, negotiate
from .sparql.results import plain
from .sparql.workers import Busy, Job, WorkerPool

MAX_BODY = 64 * 1024
MAX_QUERY = 8 * 1024  # characters: rdflib's parser needs seconds for a 40 KB query, and it runs under a lock
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
             "text/html": "html", "application/xhtml+xml": "html"}


@dataclass
class Settings:
    base: str
    timeout: float = 10.0
    max_rows: int = 10_000
    site: Path | None = None
    created: str = ""
    root: str = ""  # this server's own URL, for absolute IRIs in VoID
    void: Graph | None = None  # computed once: the served graph does not change
    cors: str | None = None  # an origin allowed to read answers (none by default)
    pool: WorkerPool | None = None  # the query workers
    hosts: frozenset = frozenset()  # Host header values accepted (DNS-rebinding defence)


ALLOW = "GET, HEAD, POST, OPTIONS"


class Handler(BaseHTTPRequestHandler):
    server_version = "pprnet-kg"
    protocol_version = "HTTP/1.1"  # keep-alive; every answer carries a Content-Length
    timeout = 30  # seconds a connection may sit idle or dribble its request
    kg: object  # the KG handle
    graph: Graph  # its rdflib read view, for linked-data pages
    settings: Settings

    # ------------------------------------------------------------------ plumbing
    def log_message(self, format, *args):  # noqa: A002 - quiet by default; the CLI prints one line
        return

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Vary", "Accept")  # on every answer, errors included: most are negotiated
        if self.settings.cors and self.command in {"GET", "HEAD", "POST"}:
            self.send_header("Access-Control-Allow-Origin", self.settings.cors)
        for key, value in (headers or {}).items():
            if key == "Vary":
                continue
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, (message.strip() + "\n").encode(), "text/plain; charset=utf-8")

    def _params(self) -> dict[str, list[str]]:
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query, keep_blank_values=True)

    # ------------------------------------------------------------------ routes
    def do_OPTIONS(self):  # CORS preflight, only for the origin given with --cors
        if not self._host_ok():
            return
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Allow", ALLOW)
        if self.settings.cors:
            self.send_header("Access-Control-Allow-Origin", self.settings.cors)
            self.send_header("Access-Control-Allow-Methods", "GET, POST")
            self.send_header("Access-Control-Allow-Headers", "Accept, Content-Type")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _not_allowed(self):
        self._send(405, b"method not allowed: this endpoint is read-only\n", "text/plain; charset=utf-8",
                   {"Allow": ALLOW})

    do_PUT = do_DELETE = do_PATCH = _not_allowed

    def _host_ok(self) -> bool:
        """Only requests addressed to a name this server is bound to (a page elsewhere cannot
        point its own hostname at 127.0.0.1 and read answers: DNS rebinding)."""
        host = (self.headers.get("Host") or "").strip().lower()
        if self.settings.hosts and host not in self.settings.hosts:
            self._error(421, f"this server answers to {', '.join(sorted(self.settings.hosts))}, not {host or 'no Host'}")
            return False
        return True

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        if not self._host_ok():
            return
        path = urllib.parse.urlsplit(self.path).path
        try:
            if path == "/":
                return self._page()
            if path == "/sparql":
                params = self._params()
                if "update" in params:
                    return self._error(403, "SPARQL Update is not allowed: this endpoint is read-only")
                query = self._one_query(params)
                return None if query is None else self._sparql(query, {})
            if path == "/queries":
                return self._list_queries()
            if path.startswith("/queries/"):
                return self._named(path[len("/queries/"):])
            if path.startswith("/id/"):
                return self._resource(path[len("/id/"):])
            if path in {"/ontology", "/ontology.ttl"}:
                return self._ontology(path)
            if path == "/.well-known/void":
                return self._void()
            if path.startswith("/site/") or path == "/site":
                return self._static(path[len("/site"):])
            if path.startswith("/draw/"):
                return self._draw(path[len("/draw/"):])
            return self._error(404, f"nothing at {path}")
        except PprnetError as exc:
            return self._error(400, str(exc))

    def do_POST(self):
        if not self._host_ok():
            return
        path = urllib.parse.urlsplit(self.path).path
        if path != "/sparql":
            return self._send(405, b"only /sparql accepts POST\n", "text/plain; charset=utf-8", {"Allow": "GET, HEAD"})
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            return self._error(411, "POST needs a Content-Length")
        if len(lengths) > 1 or not lengths[0].strip().isdigit():
            self.close_connection = True
            return self._error(400, "bad Content-Length: one, a plain number")
        length = int(lengths[0])
        if length > MAX_BODY:
            return self._error(413, f"request body over {MAX_BODY} bytes")
        try:
            body = self.rfile.read(length).decode("utf-8")
        except UnicodeDecodeError:
            return self._error(400, "the request body is not UTF-8")
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind == "application/sparql-update":
            return self._error(403, "SPARQL Update is not allowed: this endpoint is read-only")
        if kind == "application/sparql-query":
            if self._dataset_params(self._params()):
                return None
            query = body
        elif kind == "application/x-www-form-urlencoded":
            form = urllib.parse.parse_qs(body, keep_blank_values=True)
            if "update" in form:
                return self._error(403, "SPARQL Update is not allowed: this endpoint is read-only")
            query = self._one_query({**self._params(), **form})
            if query is None:
                return None
        else:
            return self._error(415, "POST a form (query=...) or application/sparql-query")
        return self._sparql(query, {})

    # ------------------------------------------------------------------ SPARQL
    def _dataset_params(self, params: dict) -> bool:
        """default-graph-uri / named-graph-uri: this endpoint serves one dataset; say so (400)."""
        given = [k for k in ("default-graph-uri", "named-graph-uri") if k in params]
        if given:
            self._error(400, f"{given[0]} is not supported: this endpoint serves one dataset (its default graph)")
        return bool(given)

    def _one_query(self, params: dict) -> str | None:
        """The one `query` parameter (else an error has been sent and None is returned)."""
        values = params.get("query", [])
        if self._dataset_params(params):
            return None
        if len(values) != 1:
            self._error(400, "give exactly one 'query' parameter" if values else "missing 'query' parameter")
            return None
        if not values[0].strip():
            self._error(400, "the query is empty")
            return None
        return values[0]

    def _formats(self) -> tuple[str | None, str | None]:
        accept = self.headers.get("Accept")
        fmt = self._params().get("format", [None])[0]
        if fmt:  # ?format=csv for download links
            accept = {"json": "application/sparql-results+json", "csv": "text/csv", "tsv": "text/tab-separated-values",
                      "xml": "application/sparql-results+xml", "turtle": "text/turtle"}.get(fmt, accept)
        return (negotiate(accept, SELECT_TYPES, "json", family="application/sparql-results+json"),
                negotiate(accept, GRAPH_TYPES, "turtle", family="text/turtle"))

    def _sparql(self, query: str, bindings: dict) -> None:
        select_fmt, graph_fmt = self._formats()
        if not query.strip():
            return self._error(400, "the query is empty")
        if len(query) > MAX_QUERY:
            return self._error(413, f"query over {MAX_QUERY} characters")
        job = Job("sparql", query, bindings, select_fmt, graph_fmt, self.settings.max_rows, self.settings.base)
        return self._run(job)

    def _run(self, job: Job) -> None:
        try:
            payload = self.settings.pool.run(job)
        except Busy as exc:
            return self._send(503, (str(exc) + "\n").encode(), "text/plain; charset=utf-8", {"Retry-After": "1"})
        except QueryTimeout as exc:
            return self._error(503, str(exc))
        except QueryRefused as exc:
            return self._error(403, str(exc))
        except QueryError as exc:
            return self._error(400, str(exc))
        headers = {}
        if payload.truncated:
            headers["X-Result-Truncated"] = f"only the first {self.settings.max_rows} results"
        self._send(payload.status, payload.body, payload.content_type + "; charset=utf-8", headers)

    def _list_queries(self) -> None:
        from .sparql import library

        data = [{"name": q.name, "title": q.title, "description": q.description,
                 "params": [{"name": p.name, "type": p.type, "optional": p.optional} for p in q.params]}
                for q in library()]
        self._send(200, json.dumps(data, indent=1).encode(), "application/json")

    def _named(self, name: str) -> None:
        from .sparql import coerce_bindings, library_query

        try:
            query = library_query(name)
        except QueryError as exc:
            return self._error(404, str(exc))
        given = {k: v[0] for k, v in self._params().items() if k != "format"}
        try:
            coerce_bindings(query, given, base=self.settings.base)  # a bad parameter is a 400 before any work
        except QueryError as exc:
            return self._error(400, str(exc))
        select_fmt, graph_fmt = self._formats()
        # labels (topic, condition...) are matched to the graph's in the worker, as the CLI does
        return self._run(Job("named", name, {}, select_fmt, graph_fmt, self.settings.max_rows, self.settings.base,
                             params=given))

    # ------------------------------------------------------------------ linked data
    def _rdf_format(self) -> str | None:
        accept = self.headers.get("Accept")
        return negotiate(accept, RDF_TYPES, "html", family="text/html")

    def _describe(self, subjects: list[URIRef]) -> Graph:
        g = bind_prefixes(Graph(), self.settings.base)
        for s in subjects:
            for p, o in self.graph.predicate_objects(s):
                g.add(plain((s, p, o)))
        return g

    def _resource(self, tail: str) -> None:
        # minted IRIs may hold percent-escapes (a DOI's odd characters): try the path as sent first
        for candidate in dict.fromkeys((tail, urllib.parse.unquote(tail))):
            iri = URIRef(self.settings.base + candidate)
            described = self._describe([iri])
            if len(described):
                break
        if len(described) == 0:
            return self._error(404, f"no resource {iri}")
        fmt = self._rdf_format()
        if fmt is None:
            return self._error(406, "acceptable: text/html, text/turtle, application/n-triples, application/ld+json")
        if fmt != "html":
            return self._send(200, described.serialize(format=fmt, encoding="utf-8"),
                              _media(fmt), {"Vary": "Accept", "Link": f'<{iri}>; rel="canonical"'})
        from .serve_pages import resource_page

        inbound = sorted((str(s), str(p)) for s, p in self.graph.subject_predicates(iri))[:200]
        html = resource_page(iri, described, inbound, self.settings.base)
        self._send(200, html.encode(), "text/html; charset=utf-8", {"Vary": "Accept"})

    def _ontology(self, path: str) -> None:
        onto = Graph().parse(ontology_file(), format="turtle")
        fmt = "turtle" if path.endswith(".ttl") else self._rdf_format()
        if fmt is None:
            return self._error(406, "acceptable: text/html, text/turtle, application/n-triples, application/ld+json")
        if fmt != "html":
            return self._send(200, onto.serialize(format=fmt, encoding="utf-8"), _media(fmt), {"Vary": "Accept"})
        from .serve_pages import ontology_page

        self._send(200, ontology_page(onto).encode(), "text/html; charset=utf-8", {"Vary": "Accept"})

    def _void(self) -> None:
        if self.settings.void is None:
            self.settings.void = void_description(self.kg, self.settings)
        g = self.settings.void
        fmt = self._rdf_format()
        fmt = "turtle" if fmt in {None, "html"} else fmt
        self._send(200, g.serialize(format=fmt, encoding="utf-8"), _media(fmt), {"Vary": "Accept"})

    def _static(self, rel: str) -> None:
        if self.settings.site is None:
            return self._error(404, "no explorer site: start the server with --site DIR (made by `pprnet-kg site`)")
        root = self.settings.site.resolve()
        try:
            target = (root / urllib.parse.unquote(rel).lstrip("/")).resolve()
        except (ValueError, OSError):  # e.g. an embedded NUL
            return self._error(404, "not in the site")
        if target.is_dir():
            target = target / "index.html"
        if root not in target.parents and target != root or not target.is_file():
            return self._error(404, "not in the site")
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        self._send(200, target.read_bytes(), kind + ("; charset=utf-8" if kind.startswith("text/") else ""))

    def _draw(self, name: str) -> None:
        """A named query (from our library) drawn as a graph with the query view, in a worker."""
        from .sparql import library_query

        try:
            library_query(name)  # names of the library only, never a path
        except QueryError as exc:
            return self._error(404, str(exc))
        given = {k: v[0] for k, v in self._params().items()}
        return self._run(Job("draw", name, {}, base=self.settings.base, params=given))

    def _page(self) -> None:
        from .sparql import library
        from .serve_pages import query_page

        self._send(200, query_page(library()).encode(), "text/html; charset=utf-8")


def _media(fmt: str) -> str:
    return {"turtle": "text/turtle", "nt": "application/n-triples", "json-ld": "application/ld+json"}[fmt] + \
        "; charset=utf-8"


def void_description(kg, settings: Settings) -> Graph:
    """VoID and DCAT for the served dataset: size, classes, licence, source, endpoint, creation date."""
    g = bind_prefixes(Graph(), settings.base)
    ds = URIRef(settings.base + "dataset")
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title, Literal("PPRNet knowledge graph", lang="en")))
    g.add((ds, DCTERMS.description, Literal(
        "Psychotherapy research summarised by the PPRNet blog, as linked data: articles, findings, topics.", lang="en")))
    g.add((ds, DCTERMS.source, URIRef("https://www.uottawa.ca/faculty-social-sciences/pprnet")))
    g.add((ds, DCTERMS.license, URIRef("https://opensource.org/licenses/MIT")))
    g.add((ds, DCTERMS.created, Literal(settings.created, datatype=XSD.dateTime)))
    g.add((ds, VOID.triples, Literal(kg.count())))
    classes = [(r.cls, int(r.n)) for r in kg.select("class_counts")]
    g.add((ds, VOID.classes, Literal(len(classes))))
    for i, (cls, n) in enumerate(sorted(classes), start=1):
        part = URIRef(f"{ds}/class/{i}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(n)))
    endpoint = URIRef(settings.root + "/sparql")  # absolute: VoID must re-parse anywhere
    g.add((ds, VOID.sparqlEndpoint, endpoint))
    g.add((ds, VOID.uriSpace, Literal(settings.base)))
    dist = URIRef(f"{ds}/sparql")
    g.add((ds, DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCAT.accessURL, endpoint))
    g.add((dist, DCAT.mediaType, Literal("application/sparql-results+json")))
    return g


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default of 5 refuses connections under 50 concurrent clients
    daemon_threads = True
    pool: WorkerPool | None = None

    def server_close(self):
        super().server_close()
        if self.pool is not None:
            self.pool.close()

    def handle_error(self, request, client_address):
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # a client that went away is not a server error: no traceback in the log
        super().handle_error(request, client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


def make_server(kg, *, host: str = "127.0.0.1", port: int = 8000, timeout: float = 10.0, max_rows: int = 10_000,
                site: Path | None = None, cors: str | None = None, workers: int | None = None,
                memory_mb: int = 2048, queue: int = 512) -> ThreadingHTTPServer:
    """A ready-to-run server (call serve_forever) over a KG handle; binds loopback unless told otherwise.
    CORS is off unless `cors` names the one origin allowed to read answers."""
    settings = Settings(kg.base, timeout, max_rows, Path(site) if site else None,
                        datetime.fromtimestamp(time.time(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        cors=cors)
    handler = type("BoundHandler", (Handler,), {"kg": kg, "graph": kg.graph, "settings": settings})
    bind = host.strip("[]")
    # the workers are forked before the socket exists, so none of them ever holds it
    settings.pool = WorkerPool(kg, size=workers, timeout=timeout, memory_mb=memory_mb, queue=queue)
    try:
        server = (_Server6 if ":" in bind else _Server)((bind, port), handler)
    except OSError as exc:
        settings.pool.close()
        raise PprnetError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    server.pool = settings.pool
    settings.pool.close_fds.append(server.fileno())  # replacements forked later close it at once
    bound = server.server_address[1]
    shown = f"[{bind}]" if ":" in bind else bind
    settings.root = f"http://{shown}:{bound}"
    names = {shown, "localhost", "127.0.0.1", "[::1]"} if bind in {"127.0.0.1", "localhost", "::1"} else {shown}
    if bind not in {"0.0.0.0", "::"}:  # a wildcard bind answers to any name the operator gives it
        settings.hosts = frozenset(f"{n}:{bound}" for n in names) | (frozenset(names) if bound == 80 else frozenset())
    return server
