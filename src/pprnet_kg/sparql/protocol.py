"""SPARQL 1.1 Protocol pieces for the server: running a checked query with a time limit in a
process that can be stopped, and content negotiation. Results are written by results.py, the
same writers the CLI uses.

rdflib has no query timeout and Oxigraph none in Python, so every query runs in a forked child
that is killed when the time is up. The child first leaves the network: it moves into a new,
empty network namespace (Linux; as root, or through a user namespace where the kernel allows
it), so even a query that slipped past every check could not open a connection.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from dataclasses import dataclass

from ..errors import QueryError
from .results import MEDIA, write

SELECT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "rdfxml",
}


class QueryTimeout(QueryError):
    """A query that ran out of time and was stopped."""


@dataclass(frozen=True)
class Payload:
    status: int
    content_type: str
    body: bytes
    truncated: bool = False


_CLONE_NEWUSER, _CLONE_NEWNET = 0x10000000, 0x40000000


def leave_network() -> bool:
    """Cut this process off from every network (a new, empty network namespace). True when done."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    if libc.unshare(_CLONE_NEWNET) == 0:
        return True
    return libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0


def _execute(kg, text: str, bindings: dict, select_fmt: str, graph_fmt: str, max_rows: int) -> Payload:
    result = kg.backend.query(text, bindings, limit=max_rows, raw=True)
    fmt = graph_fmt if result.form == "CONSTRUCT" else select_fmt
    return Payload(200, MEDIA[fmt], write(result, fmt, base=kg.base), result.truncated)


def run_bounded(kg, text: str, *, bindings: dict | None = None, select_fmt: str = "json",
                graph_fmt: str = "turtle", timeout: float = 10.0, max_rows: int = 10_000) -> Payload:
    """Run a checked query in a forked child; kill it after `timeout` seconds."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        try:
            leave_network()
            payload = _execute(kg, text, bindings or {}, select_fmt, graph_fmt, max_rows)
            sender.send(("ok", payload))
        except Exception as exc:  # evaluation errors become a 400 in the parent
            sender.send(("error", " ".join(str(exc).split())[:500] or type(exc).__name__))
        finally:
            os._exit(0)

    process = context.Process(target=child, daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise QueryTimeout(f"query stopped after {timeout:g} s (the limit of this endpoint)")
        try:
            status, value = receiver.recv()
        except EOFError:
            raise QueryError("query process ended without an answer") from None
    finally:
        process.kill()  # no-op when it has already exited (the race is handled by multiprocessing)
        process.join(5)
        receiver.close()
    if status == "error":
        raise QueryError(value if value.startswith("query failed") else f"query failed: {value}")
    return value


def negotiate(accept: str | None, options: dict[str, str], default: str, family: str = "") -> str | None:
    """The format for an Accept header among `options` (media type -> format); None if none fits.
    A wildcard matches only when `family` (the default's media type) falls under it."""
    if not accept:
        return default
    ranked = []
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
                if not math.isfinite(q):
                    q = 0.0
        ranked.append((-q, i, media))
    for neg_q, _, media in sorted(ranked):
        if neg_q >= 0:
            continue
        if media in options:
            return options[media]
        if media == "*/*" or (media.endswith("/*") and family.startswith(media[:-1])):
            return default
        if media.endswith("/*"):
            match = next((fmt for m, fmt in options.items() if m.startswith(media[:-1])), None)
            if match:
                return match
    return None
