"""Query results, whichever store answered, and the one set of writers the CLI and the server share.

A `QueryResult` holds rdflib terms (simple literals plain, never typed xsd:string). Writers:

- the W3C result formats for SELECT and ASK: `json`, `xml`, `csv`, `tsv`;
- graph formats for CONSTRUCT and DESCRIBE: `turtle`, `nt`, `json-ld`, `xml` (RDF/XML);
- for people at a terminal: `table` (aligned, IRIs shortened) and `md` (a Markdown table).
"""

from __future__ import annotations

import csv
import functools
import io
import json
from json.encoder import encode_basestring
from dataclasses import dataclass, field
from types import SimpleNamespace
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from rdflib import XSD, BNode, Graph, Literal, URIRef

from ..errors import QueryError
from ..namespaces import PREFIXES, bind_prefixes

MEDIA = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
         "tsv": "text/tab-separated-values", "turtle": "text/turtle", "nt": "application/n-triples",
         "json-ld": "application/ld+json", "rdfxml": "application/rdf+xml", "table": "text/plain",
         "md": "text/markdown"}


@dataclass
class QueryResult:
    form: str  # SELECT | ASK | CONSTRUCT (DESCRIBE answers as CONSTRUCT)
    vars: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)  # rdflib terms, None where unbound
    boolean: bool | None = None
    triples: list[tuple] = field(default_factory=list)
    truncated: bool = False

    def records(self) -> list[SimpleNamespace]:
        """SELECT rows as objects with one attribute per variable (None when unbound)."""
        return [SimpleNamespace(**dict(zip(self.vars, row))) for row in self.rows]

    def table(self) -> tuple[list[str], list[list]]:
        """(column names, rows of terms), whatever the form."""
        if self.form == "ASK":
            return ["ask"], [[Literal(bool(self.boolean))]]
        if self.form == "CONSTRUCT":
            return ["subject", "predicate", "object"], [list(t) for t in sorted(self.triples, key=_triple_key)]
        return list(self.vars), [list(r) for r in self.rows]

    def graph(self, base: str | None = None) -> Graph:
        g = bind_prefixes(Graph(), base) if base else Graph()
        for t in self.triples:
            g.add(t)
        return g


def plain(term):
    """Oxigraph hands out simple literals typed xsd:string; RDF 1.1 says they are the same."""
    if isinstance(term, Literal) and term.datatype == XSD.string and not term.language:
        return Literal(str(term))
    return term


def _triple_key(t) -> tuple:
    return tuple(x.n3() for x in t)


def write(result: QueryResult, fmt: str, *, base: str) -> bytes:
    """The result in one format, as bytes (UTF-8)."""
    if fmt in {"table", "md"}:
        return _human(result, fmt, base).encode("utf-8")
    if result.form == "CONSTRUCT":
        if fmt == "json":
            fmt = "json-ld"
        if fmt == "rdfxml":
            fmt = "xml"
        if fmt not in {"turtle", "nt", "json-ld", "xml"}:
            raise QueryError(f"a CONSTRUCT or DESCRIBE result is a graph: write it as turtle, nt, json-ld or xml, not {fmt}")
        return _graph_body(result, fmt, base)
    if fmt not in {"json", "xml", "csv", "tsv"}:
        raise QueryError(f"a {result.form} result is written as json, xml, csv or tsv, not {fmt}")
    if result.form == "ASK":
        return _ask_body(bool(result.boolean), fmt)
    return _select_body(result.vars, result.rows, fmt)


def _graph_body(result: QueryResult, fmt: str, base: str) -> bytes:
    if result.triples and type(result.triples[0]).__name__ == "Triple":  # pyoxigraph triples: its writers
        import pyoxigraph as ox

        kind = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "xml": ox.RdfFormat.RDF_XML,
                "json-ld": ox.RdfFormat.JSON_LD}[fmt]
        triples = sorted(result.triples, key=str) if fmt == "nt" else result.triples
        prefixes = _graph_prefixes(base) if fmt in {"turtle", "xml"} else None
        return ox.serialize(triples, format=kind, prefixes=prefixes) if prefixes else ox.serialize(triples, format=kind)
    if fmt == "nt":  # sorted, so the same answer is the same bytes
        from ..ntriples import term as nt_term

        lines = sorted({f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .\n" for s, p, o in result.triples})
        return "".join(lines).encode("utf-8")
    return result.graph(base).serialize(format=fmt, encoding="utf-8")


@functools.lru_cache(maxsize=8)
def _graph_prefixes(base: str) -> dict[str, str]:
    from ..export import _prefixes

    return _prefixes(base)


_XSD_STRING = str(XSD.string)


def _parts(t) -> tuple[str, str, str | None, str | None]:
    """(uri | bnode | literal, value, language, datatype) of a pyoxigraph term or an rdflib term
    (the server writes Oxigraph's answers without turning them into rdflib objects first)."""
    kind = type(t).__name__  # pyoxigraph: NamedNode, BlankNode, Literal; rdflib: URIRef, BNode, Literal
    if kind == "NamedNode":
        return "uri", t.value, None, None
    if kind == "BlankNode":
        return "bnode", t.value, None, None
    if kind == "Literal" and not isinstance(t, Literal):
        datatype = None if t.language or t.datatype.value == _XSD_STRING else t.datatype.value
        return "literal", t.value, t.language, datatype
    if isinstance(t, URIRef):
        return "uri", str(t), None, None
    if isinstance(t, BNode):
        return "bnode", str(t), None, None
    datatype = str(t.datatype) if t.datatype and not t.language and str(t.datatype) != _XSD_STRING else None
    return "literal", str(t), t.language, datatype


def _select_json(names: list[str], rows: list) -> bytes:
    """What `json.dumps(data, indent=2, ensure_ascii=False)` writes for the W3C JSON results, byte for
    byte, built from strings: the json module's indenting encoder is pure Python and took most of
    the time of a small answer in the server."""
    q = encode_basestring
    keys = [f'        {q(n)}: {{\n          "type": ' for n in names]
    out = ['{\n  "head": {\n    "vars": ', _json_list([q(n) for n in names], "      "), '\n  },\n  "results": {\n'
           '    "bindings": ']
    objects = []
    for row in rows:
        fields = []
        for key, t in zip(keys, row):
            if t is None:
                continue
            kind, value, language, datatype = _parts(t)
            extra = (f',\n          "xml:lang": {q(language)}' if language else
                     f',\n          "datatype": {q(datatype)}' if datatype else "")
            fields.append(f'{key}"{kind}",\n          "value": {q(value)}{extra}\n        }}')
        objects.append("{\n" + ",\n".join(fields) + "\n      }" if fields else "{}")
    out += [_json_list(objects, "      "), "\n  }\n}\n"]
    return "".join(out).encode("utf-8")


def _json_list(items: list[str], pad: str) -> str:
    """A JSON array of already encoded items as the indenting encoder lays it out at this depth."""
    if not items:
        return "[]"
    return "[\n" + ",\n".join(pad + item for item in items) + "\n" + pad[:-2] + "]"


def _term_xml(t) -> str:
    kind, value, language, datatype = _parts(t)
    if kind != "literal":
        return f"<{kind}>{xml_escape(value)}</{kind}>"
    attrs = f" xml:lang={quoteattr(language)}" if language else (f" datatype={quoteattr(datatype)}" if datatype else "")
    return f"<literal{attrs}>{xml_escape(value)}</literal>"


def _select_body(names: list[str], rows: list, fmt: str) -> bytes:
    """SELECT results in the W3C JSON / XML / CSV / TSV result formats."""
    if fmt == "json":
        return _select_json(names, rows)
    if fmt == "xml":
        parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        parts += [f"<variable name={quoteattr(n)}/>" for n in names]
        parts.append("</head><results>")
        for row in rows:
            parts.append("<result>" + "".join(f"<binding name={quoteattr(n)}>{_term_xml(t)}</binding>"
                                             for n, t in zip(names, row) if t is not None) + "</result>")
        parts.append("</results></sparql>\n")
        return "".join(parts).encode("utf-8")
    buf = io.StringIO()
    if fmt == "csv":  # values only, CRLF line ends (SPARQL 1.1 CSV)
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow(["" if t is None else _parts(t)[1] for t in row])
    else:  # tsv: terms in their SPARQL syntax
        buf.write("\t".join(f"?{n}" for n in names) + "\n")
        for row in rows:
            buf.write("\t".join("" if t is None else _tsv_term(t) for t in row) + "\n")
    return buf.getvalue().encode("utf-8")


def _tsv_term(t) -> str:
    if isinstance(t, (URIRef, BNode, Literal)):
        text = plain(t).n3()
    else:  # a pyoxigraph term: its str() is its N-Triples form, plain for simple literals
        text = str(t)
    return text.replace("\t", "\\t").replace("\n", "\\n")


def _ask_body(answer: bool, fmt: str) -> bytes:
    word = "true" if answer else "false"
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": answer}).encode()
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{word}</boolean></sparql>\n").encode()
    return f"_askResult\r\n{word}\r\n".encode() if fmt == "csv" else f"?_askResult\n{word}\n".encode()


def short(term, base: str) -> str:
    """A term as a person reads it: id:..., a known prefix, or the literal's text."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        s = str(term)
        if s.startswith(base):
            return "id:" + s[len(base):]
        for prefix, ns in PREFIXES.items():
            if s.startswith(str(ns)) and prefix not in {"rdf", "xsd"}:
                return f"{prefix}:{s[len(str(ns)):]}"
        return f"<{s}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _human(result: QueryResult, fmt: str, base: str) -> str:
    names, rows = result.table()
    cells = [[short(t, base).replace("\n", " ") for t in row] for row in rows]
    if fmt == "md":
        out = ["| " + " | ".join(names) + " |", "|" + "|".join("---" for _ in names) + "|"]
        out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
        return "\n".join(out) + "\n"
    widths = [min(60, max([len(n)] + [len(r[i]) for r in cells])) for i, n in enumerate(names)]

    def line(values):
        return "  ".join((v if len(v) <= w else v[: w - 1] + "…").ljust(w) for v, w in zip(values, widths)).rstrip()

    out = [line(names), line(["-" * w for w in widths])] + [line(r) for r in cells]
    more = "; more follow" if result.truncated else ""
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''}{more})")
    return "\n".join(out) + "\n"
