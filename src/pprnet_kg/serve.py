"""`pprnet-kg serve`: a read-only SPARQL 1.1 endpoint and linked-data server, a small ASGI app
run by uvicorn (serve_http.py holds the HTTP limits).

Routes: `/` query page; `/sparql` SPARQL 1.1 Protocol (GET, POST form, POST
application/sparql-query); `/queries` and `/queries/NAME?param=...` the named queries;
`/id/...` every minted IRI (HTML, Turtle, N-Triples or JSON-LD by Accept, Vary: Accept);
`/ontology`; `/.well-known/void` (VoID + DCAT); `/site/...` the explorer site when given;
`/draw/NAME` a named query drawn as a graph.
Safe by default: loopback only, read-only, Host checked, SERVICE/FROM refused, queries in a pool
of workers with no network, a time limit per query, row, body and head limits, CORS off.
The routes are plain functions of a request that return a `Reply`, or a `Job` for the workers.
"""

from __future__ import annotations

import asyncio
import functools
import json
import mimetypes
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, VOID, XSD

from .errors import PprnetError, QueryError, QueryRefused
from .namespaces import bind_prefixes
from .resources import ontology_file
from .serve_http import GONE, Server, parse_qs
from .sparql.protocol import GRAPH_TYPES, SELECT_TYPES, QueryTimeout, negotiate
from .sparql.results import plain
from .sparql.workers import Abandoned, Busy, Job, OutOfMemory, WorkerPool

MAX_BODY = 64 * 1024
MAX_QUERY = 8 * 1024  # characters: rdflib's parser (in the workers) needs seconds for a 40 KB query
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
TEXT = "text/plain; charset=utf-8"


@dataclass
class Request:
    method: str
    path: str  # as sent, percent-escapes kept
    query: str
    headers: dict[str, list[str]]  # lower-case names
    body: bytes = b""

    def header(self, name: str) -> str | None:
        values = self.headers.get(name)
        return values[0] if values else None

    def params(self) -> dict[str, list[str]]:
        return parse_qs(self.query)


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str
    headers: dict = field(default_factory=dict)


def error(status: int, message: str, headers: dict | None = None) -> Reply:
    return Reply(status, (message.strip() + "\n").encode(), TEXT, headers or {})


READ_ONLY = "SPARQL Update is not allowed: this endpoint is read-only"


class Endpoint:
    """The ASGI app: routes as plain methods (request in, Reply or Job out); queries go to the pool."""

    def __init__(self, kg, settings: Settings) -> None:
        self.kg = kg
        self.graph = kg.graph  # its rdflib read view, for linked-data pages
        self.settings = settings
        self._ontology_graph: Graph | None = None
        self._once = threading.Lock()  # VoID and the ontology are computed once, by one thread

    # ------------------------------------------------------------------ ASGI
    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        headers: dict[str, list[str]] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name.decode("latin-1"), []).append(value.decode("latin-1"))
        request = Request(scope["method"], scope["raw_path"].decode("latin-1"),
                          scope["query_string"].decode("latin-1"), headers)
        reply = self._before_body(request)
        if reply is None:
            body = await _read_body(request, receive)
            if isinstance(body, Reply):
                reply = body
            else:
                request.body = body
                reply = await self._answer(request, scope.get("extensions", {}).get(GONE))
        await self._send(send, request, reply)

    async def _answer(self, request: Request, gone: "asyncio.Future | None") -> Reply:
        path = request.path.split("?", 1)[0]
        quick = path == "/sparql" or path.startswith(("/queries/", "/draw/"))
        try:
            # routes that only check and hand over run on the loop; those that read the graph or
            # files, render pages or compute VoID (once) run in a thread
            result = self.route(request) if quick else await asyncio.to_thread(self.route, request)
        except PprnetError as exc:
            return error(400, str(exc))
        if isinstance(result, Reply):
            return result
        try:
            payload = await self.settings.pool.run(result, gone)
        except Busy as exc:
            return error(503, str(exc), {"Retry-After": "1"})
        except Abandoned as exc:
            return error(499, str(exc))  # nobody reads it
        except (QueryTimeout, OutOfMemory) as exc:  # stopped at a limit of this endpoint
            return error(503, str(exc))
        except QueryRefused as exc:
            return error(403, str(exc))
        except QueryError as exc:
            return error(400, str(exc))
        headers = {}
        if payload.truncated:
            headers["X-Result-Truncated"] = f"only the first {self.settings.max_rows} results"
        return Reply(payload.status, payload.body, payload.content_type + "; charset=utf-8", headers)

    async def _send(self, send, request: Request, reply: Reply) -> None:
        head = [(b"content-type", reply.content_type.encode()), (b"content-length", str(len(reply.body)).encode()),
                (b"x-content-type-options", b"nosniff"), (b"vary", b"Accept")]
        if self.settings.cors and request.method in {"GET", "HEAD", "POST"}:
            head.append((b"access-control-allow-origin", self.settings.cors.encode()))
        head += [(k.lower().encode(), str(v).encode("latin-1")) for k, v in reply.headers.items() if k != "Vary"]
        await send({"type": "http.response.start", "status": reply.status, "headers": head})
        await send({"type": "http.response.body", "body": b"" if request.method == "HEAD" else reply.body})

    def _before_body(self, request: Request) -> Reply | None:
        """Answers that need no body: a wrong Host, a method we do not take, a bad Content-Length."""
        host = (request.header("host") or "").strip().lower()
        if self.settings.hosts and host not in self.settings.hosts:
            return error(421, f"this server answers to {', '.join(sorted(self.settings.hosts))}, not {host or 'no Host'}")
        if request.method == "OPTIONS":
            headers = {"Allow": ALLOW}
            if self.settings.cors:  # CORS preflight, only for the origin given with --cors
                headers.update({"Access-Control-Allow-Origin": self.settings.cors,
                                "Access-Control-Allow-Methods": "GET, POST",
                                "Access-Control-Allow-Headers": "Accept, Content-Type"})
            return Reply(204, b"", TEXT, headers)
        if request.method not in {"GET", "HEAD", "POST"}:
            return error(405, "method not allowed: this endpoint is read-only", {"Allow": ALLOW})
        if request.method != "POST":
            return None
        if request.path.split("?", 1)[0] != "/sparql":
            return error(405, "only /sparql accepts POST", {"Allow": "GET, HEAD"})
        lengths = request.headers.get("content-length", [])
        if not lengths and not request.header("transfer-encoding"):
            return error(411, "POST needs a Content-Length")
        if len(lengths) > 1 or (lengths and not lengths[0].strip().isdigit()):
            return error(400, "bad Content-Length: one, a plain number", {"Connection": "close"})
        if lengths and int(lengths[0]) > MAX_BODY:
            return error(413, f"request body over {MAX_BODY} bytes")
        return None

    # ------------------------------------------------------------------ routes
    def route(self, request: Request) -> Reply | Job:
        path = request.path.split("?", 1)[0]
        if request.method == "POST":
            return self._post(request)
        if path == "/":
            return self._page()
        if path == "/sparql":
            params = request.params()
            if "update" in params:
                return error(403, READ_ONLY)
            return self._one_query(request, params)
        if path == "/queries":
            return self._list_queries()
        if path.startswith("/queries/"):
            return self._named(request, path[len("/queries/"):])
        if path.startswith("/id/"):
            return self._resource(request, path[len("/id/"):])
        if path in {"/ontology", "/ontology.ttl"}:
            return self._ontology(request, path)
        if path == "/.well-known/void":
            return self._void(request)
        if path.startswith("/site/") or path == "/site":
            return self._static(path[len("/site"):])
        if path.startswith("/draw/"):
            return self._draw(request, path[len("/draw/"):])
        return error(404, f"nothing at {path}")

    def _post(self, request: Request) -> Reply | Job:
        try:
            body = request.body.decode("utf-8")
        except UnicodeDecodeError:
            return error(400, "the request body is not UTF-8")
        kind = (request.header("content-type") or "").split(";")[0].strip().lower()
        if kind == "application/sparql-update":
            return error(403, READ_ONLY)
        if kind == "application/sparql-query":
            refused = self._dataset_params(request.params())
            return refused or self._sparql(request, body)
        if kind == "application/x-www-form-urlencoded":
            form = parse_qs(body)
            if "update" in form:
                return error(403, READ_ONLY)
            return self._one_query(request, {**request.params(), **form})
        return error(415, "POST a form (query=...) or application/sparql-query")

    # ------------------------------------------------------------------ SPARQL
    @staticmethod
    def _dataset_params(params: dict) -> Reply | None:
        """default-graph-uri / named-graph-uri: this endpoint serves one dataset; say so (400)."""
        given = [k for k in ("default-graph-uri", "named-graph-uri") if k in params]
        if given:
            return error(400, f"{given[0]} is not supported: this endpoint serves one dataset (its default graph)")
        return None

    def _one_query(self, request: Request, params: dict) -> Reply | Job:
        """The job for the one `query` parameter, or the error."""
        values = params.get("query", [])
        refused = self._dataset_params(params)
        if refused:
            return refused
        if len(values) != 1:
            return error(400, "give exactly one 'query' parameter" if values else "missing 'query' parameter")
        return self._sparql(request, values[0])

    def _formats(self, request: Request) -> tuple[str | None, str | None]:
        accept = request.header("accept")
        fmt = request.params().get("format", [None])[0] if "format=" in request.query else None
        if fmt:  # ?format=csv for download links
            accept = {"json": "application/sparql-results+json", "csv": "text/csv", "tsv": "text/tab-separated-values",
                      "xml": "application/sparql-results+xml", "turtle": "text/turtle"}.get(fmt, accept)
        return _result_formats(accept)

    def _sparql(self, request: Request, query: str) -> Reply | Job:
        if not query.strip():
            return error(400, "the query is empty")
        if len(query) > MAX_QUERY:
            return error(413, f"query over {MAX_QUERY} characters")
        select_fmt, graph_fmt = self._formats(request)
        return Job("sparql", query, {}, select_fmt, graph_fmt, self.settings.max_rows, self.settings.base)

    def _list_queries(self) -> Reply:
        from .sparql import library

        data = [{"name": q.name, "title": q.title, "description": q.description,
                 "params": [{"name": p.name, "type": p.type, "optional": p.optional} for p in q.params]}
                for q in library()]
        return Reply(200, json.dumps(data, indent=1).encode(), "application/json")

    def _named(self, request: Request, name: str) -> Reply | Job:
        from .sparql import coerce_bindings, library_query

        try:
            query = library_query(name)
        except QueryError as exc:
            return error(404, str(exc))
        given = {k: v[0] for k, v in request.params().items() if k != "format"}
        try:
            coerce_bindings(query, given, base=self.settings.base)  # a bad parameter is a 400 before any work
        except QueryError as exc:
            return error(400, str(exc))
        select_fmt, graph_fmt = self._formats(request)
        # labels (topic, condition...) are matched to the graph's in the worker, as the CLI does
        return Job("named", name, {}, select_fmt, graph_fmt, self.settings.max_rows, self.settings.base, params=given)

    def _draw(self, request: Request, name: str) -> Reply | Job:
        """A named query (from our library) drawn as a graph with the query view, in a worker."""
        from .sparql import library_query

        try:
            library_query(name)  # names of the library only, never a path
        except QueryError as exc:
            return error(404, str(exc))
        given = {k: v[0] for k, v in request.params().items()}
        return Job("draw", name, {}, base=self.settings.base, params=given)

    # ------------------------------------------------------------------ linked data
    @staticmethod
    def _rdf_format(request: Request) -> str | None:
        return negotiate(request.header("accept"), RDF_TYPES, "html", family="text/html")

    def _describe(self, subjects: list[URIRef]) -> Graph:
        g = bind_prefixes(Graph(), self.settings.base)
        for s in subjects:
            for p, o in self.graph.predicate_objects(s):
                g.add(plain((s, p, o)))
        return g

    def _resource(self, request: Request, tail: str) -> Reply:
        # minted IRIs may hold percent-escapes (a DOI's odd characters): try the path as sent first
        for candidate in dict.fromkeys((tail, urllib.parse.unquote(tail))):
            iri = URIRef(self.settings.base + candidate)
            described = self._describe([iri])
            if len(described):
                break
        if len(described) == 0:
            return error(404, f"no resource {iri}")
        fmt = self._rdf_format(request)
        if fmt is None:
            return error(406, "acceptable: text/html, text/turtle, application/n-triples, application/ld+json")
        if fmt != "html":
            return Reply(200, described.serialize(format=fmt, encoding="utf-8"), _media(fmt),
                         {"Link": f'<{iri}>; rel="canonical"'})
        from .serve_pages import resource_page

        inbound = sorted((str(s), str(p)) for s, p in self.graph.subject_predicates(iri))[:200]
        html = resource_page(iri, described, inbound, self.settings.base)
        return Reply(200, html.encode(), "text/html; charset=utf-8")

    def _ontology(self, request: Request, path: str) -> Reply:
        with self._once:
            if self._ontology_graph is None:
                self._ontology_graph = Graph().parse(ontology_file(), format="turtle")
        onto = self._ontology_graph
        fmt = "turtle" if path.endswith(".ttl") else self._rdf_format(request)
        if fmt is None:
            return error(406, "acceptable: text/html, text/turtle, application/n-triples, application/ld+json")
        if fmt != "html":
            return Reply(200, onto.serialize(format=fmt, encoding="utf-8"), _media(fmt))
        from .serve_pages import ontology_page

        return Reply(200, ontology_page(onto).encode(), "text/html; charset=utf-8")

    def _void(self, request: Request) -> Reply:
        with self._once:
            if self.settings.void is None:
                self.settings.void = void_description(self.kg, self.settings)
        fmt = self._rdf_format(request)
        fmt = "turtle" if fmt in {None, "html"} else fmt
        return Reply(200, self.settings.void.serialize(format=fmt, encoding="utf-8"), _media(fmt))

    def _static(self, rel: str) -> Reply:
        if self.settings.site is None:
            return error(404, "no explorer site: start the server with --site DIR (made by `pprnet-kg site`)")
        root = self.settings.site.resolve()
        try:
            target = (root / urllib.parse.unquote(rel).lstrip("/")).resolve()
        except (ValueError, OSError):  # e.g. an embedded NUL
            return error(404, "not in the site")
        if target.is_dir():
            target = target / "index.html"
        if root not in target.parents and target != root or not target.is_file():
            return error(404, "not in the site")
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return Reply(200, target.read_bytes(), kind + ("; charset=utf-8" if kind.startswith("text/") else ""))

    def _page(self) -> Reply:
        from .sparql import library
        from .serve_pages import query_page

        return Reply(200, query_page(library()).encode(), "text/html; charset=utf-8")


async def _read_body(request: Request, receive) -> bytes | Reply:
    """The request body, at most MAX_BODY bytes (a chunked body is counted as it comes)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return error(499, "the client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return error(413, f"request body over {MAX_BODY} bytes", {"Connection": "close"})
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


@functools.lru_cache(maxsize=64)
def _result_formats(accept: str | None) -> tuple[str | None, str | None]:
    """(format for SELECT / ASK, format for CONSTRUCT / DESCRIBE) for an Accept header; clients send
    the same few headers over and over."""
    return (negotiate(accept, SELECT_TYPES, "json", family="application/sparql-results+json"),
            negotiate(accept, GRAPH_TYPES, "turtle", family="text/turtle"))


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


def make_server(kg, *, host: str = "127.0.0.1", port: int = 8000, timeout: float = 10.0, max_rows: int = 10_000,
                site: Path | None = None, cors: str | None = None, workers: int | None = None,
                memory_mb: int = 2048, queue: int = 512, deadline: float = 10.0, processes: int = 1,
                queue_wait: float | None = None):
    """A ready-to-run server (call serve_forever) over a KG handle; binds loopback unless told otherwise.
    CORS is off unless `cors` names the one origin allowed to read answers. `deadline`: seconds a
    client has to send a whole request. `processes`: server processes answering HTTP on the one
    socket, each with its share of the `workers` (default: three per process). `queue_wait`:
    seconds a request may wait for a worker before it gets 503 (default: `timeout`)."""
    settings = Settings(kg.base, timeout, max_rows, Path(site) if site else None,
                        datetime.fromtimestamp(time.time(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        cors=cors)
    bind = host.strip("[]")
    # the first workers are forked before the socket exists; every worker closes the sockets it inherits
    # three per process: while a slow query holds one, two answer the rest, and a core is not left
    # idle while a worker waits for its process to collect an answer
    total = workers or 3 * processes
    settings.pool = WorkerPool(kg, size=-(-total // processes), timeout=timeout, memory_mb=memory_mb,
                               queue=queue, queue_wait=queue_wait)
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # inherited by every accepted connection (Linux): without it each answer, head and body
        # written apart, waited ~40 ms on Nagle and delayed ACKs on a kept-alive connection
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((bind, port))
        sock.listen(2048)
        sock.setblocking(False)
    except OSError as exc:
        settings.pool.close()
        raise PprnetError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound = sock.getsockname()[1]
    shown = f"[{bind}]" if ":" in bind else bind
    settings.root = f"http://{shown}:{bound}"
    names = {shown, "localhost", "127.0.0.1", "[::1]"} if bind in {"127.0.0.1", "localhost", "::1"} else {shown}
    if bind not in {"0.0.0.0", "::"}:  # a wildcard bind answers to any name the operator gives it
        settings.hosts = frozenset(f"{n}:{bound}" for n in names) | (frozenset(names) if bound == 80 else frozenset())
    server = Server(Endpoint(kg, settings), sock, deadline=deadline, on_close=settings.pool.close,
                    processes=processes, on_fork=settings.pool.reopen)
    server.pool = settings.pool
    return server
