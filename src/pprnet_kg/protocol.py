"""SPARQL 1.1 Protocol pieces for the server: checking a query is safe, running it with a time
limit in a process that can be stopped, and writing results in the negotiated format.

Safety is decided on the parsed query, not on its text: SPARQL Update (including LOAD),
SERVICE anywhere, and FROM / FROM NAMED (which make rdflib and Oxigraph fetch URLs or read
files) are refused before anything runs. rdflib has no query timeout and Oxigraph none in
Python, so every query runs in a forked child that is killed when the time is up.
"""

from __future__ import annotations

import csv
import io
import json
import math
import multiprocessing
import os
from dataclasses import dataclass
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from rdflib import XSD, BNode, Graph, Literal, URIRef

from .errors import QueryError, QueryRefused
from .queries import check_syntax, tree_has, with_prologue

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
}
MEDIA = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
         "tsv": "text/tab-separated-values", "turtle": "text/turtle", "nt": "application/n-triples",
         "json-ld": "application/ld+json"}


class QueryTimeout(QueryError):
    """A query that ran out of time and was stopped."""


def _is_dataset_clause(node) -> bool:
    return getattr(node, "name", None) == "DatasetClause" or (isinstance(node, dict) and "datasetClause" in node)


def check_safe(text: str, base: str) -> tuple[str, str]:
    """(the full query text with our prefixes, its form: SelectQuery, AskQuery, ConstructQuery or
    DescribeQuery); raises QueryError (400) or QueryRefused (403)."""
    full = with_prologue(text, base)
    try:
        tree = check_syntax(full, line_offset=full.count("\n") - text.count("\n"))
    except RecursionError:
        raise QueryError("query nested too deeply to parse") from None
    if tree_has(tree, _is_dataset_clause):
        raise QueryRefused("FROM and FROM NAMED are not allowed: queries run on this dataset only")
    return full, getattr(tree[-1], "name", "SelectQuery")


@dataclass(frozen=True)
class Payload:
    status: int
    content_type: str
    body: bytes
    truncated: bool = False


def _term_json(t) -> dict:
    if isinstance(t, URIRef):
        return {"type": "uri", "value": str(t)}
    if isinstance(t, BNode):
        return {"type": "bnode", "value": str(t)}
    out = {"type": "literal", "value": str(t)}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype and t.datatype != XSD.string:
        out["datatype"] = str(t.datatype)
    return out


def _term_xml(t) -> str:
    if isinstance(t, URIRef):
        return f"<uri>{xml_escape(str(t))}</uri>"
    if isinstance(t, BNode):
        return f"<bnode>{xml_escape(str(t))}</bnode>"
    attrs = f" xml:lang={quoteattr(t.language)}" if t.language else (
        f" datatype={quoteattr(str(t.datatype))}" if t.datatype and t.datatype != XSD.string else "")
    return f"<literal{attrs}>{xml_escape(str(t))}</literal>"


def select_body(names: list[str], rows: list, fmt: str) -> bytes:
    """SELECT results in the W3C JSON / XML / CSV / TSV result formats."""
    if fmt == "json":
        bindings = [{n: _term_json(t) for n, t in zip(names, row) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}}, ensure_ascii=False).encode()
    if fmt == "xml":
        parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        parts += [f"<variable name={quoteattr(n)}/>" for n in names]
        parts.append("</head><results>")
        for row in rows:
            parts.append("<result>" + "".join(f"<binding name={quoteattr(n)}>{_term_xml(t)}</binding>"
                                             for n, t in zip(names, row) if t is not None) + "</result>")
        parts.append("</results></sparql>\n")
        return "".join(parts).encode()
    buf = io.StringIO()
    if fmt == "csv":
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow(["" if t is None else str(t) for t in row])
    else:  # tsv: terms in their SPARQL syntax
        buf.write("\t".join(f"?{n}" for n in names) + "\n")
        for row in rows:
            buf.write("\t".join("" if t is None else _tsv_term(t) for t in row) + "\n")
    return buf.getvalue().encode()


def _tsv_term(t) -> str:
    if isinstance(t, Literal) and t.datatype == XSD.string:
        t = Literal(str(t))
    return t.n3().replace("\t", "\\t").replace("\n", "\\n")


def ask_body(answer: bool, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": answer}).encode()
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{'true' if answer else 'false'}</boolean></sparql>\n").encode()
    return f"_askResult\n{'true' if answer else 'false'}\n".encode() if fmt == "csv" else \
        f"?_askResult\n{'true' if answer else 'false'}\n".encode()


def plain(triple):
    """Oxigraph hands out simple literals typed xsd:string; RDF 1.1 says they are the same."""
    s, p, o = triple
    if isinstance(o, Literal) and o.datatype == XSD.string:
        o = Literal(str(o))
    return s, p, o


def _execute(graph: Graph, text: str, bindings: dict, select_fmt: str, graph_fmt: str, max_rows: int) -> Payload:
    from .store import is_oxigraph
    from .queries import inline_bindings

    if bindings and is_oxigraph(graph):
        text, bindings = inline_bindings(text, bindings), {}
    result = graph.query(text, initBindings=bindings)
    if result.type == "ASK":
        return Payload(200, MEDIA[select_fmt], ask_body(bool(result.askAnswer), select_fmt))
    if result.type in {"CONSTRUCT", "DESCRIBE"}:
        g = Graph()
        for i, triple in enumerate(result.graph):
            if i >= max_rows:
                break
            g.add(plain(triple))
        truncated = len(result.graph) > max_rows
        return Payload(200, MEDIA[graph_fmt], g.serialize(format=graph_fmt, encoding="utf-8"), truncated)
    names = [str(v) for v in result.vars]
    rows = []
    truncated = False
    for row in result:
        if len(rows) >= max_rows:
            truncated = True
            break
        rows.append(list(row))
    return Payload(200, MEDIA[select_fmt], select_body(names, rows, select_fmt), truncated)


def run_bounded(graph: Graph, text: str, *, bindings: dict | None = None, select_fmt: str = "json",
                graph_fmt: str = "turtle", timeout: float = 10.0, max_rows: int = 10_000) -> Payload:
    """Run a checked query in a forked child; kill it after `timeout` seconds."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        try:
            payload = _execute(graph, text, bindings or {}, select_fmt, graph_fmt, max_rows)
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
        raise QueryError(f"query failed: {value}")
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
