"""Query parameters as RDF terms, and how a store receives them: initial bindings, or a VALUES
block at the start of the WHERE group for stores that have no initial bindings (each backend
chooses). No text of the caller is ever pasted into a query.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from ..errors import QueryError
from .catalogue import LABEL_TYPES, NamedQuery

def coerce_bindings(query: NamedQuery, given: dict[str, str], *, base: str) -> dict[str, object]:
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(given) - set(declared)) if declared or query.name != "inline" else []
    if unknown:
        raise QueryError(f"{query.name}: unknown parameter(s) {', '.join(unknown)}; "
                         f"it takes {', '.join(declared) or 'none'}")
    missing = [p.name for p in query.params if not p.optional and p.name not in given]
    if missing:
        raise QueryError(f"{query.name}: missing parameter(s) {', '.join(missing)} (use --param name=value)")
    out: dict[str, object] = {}
    for name, raw in given.items():
        ptype = declared[name].type if name in declared else "string"
        out[name] = _coerce(name, ptype, raw, base)
    return out


def _coerce(name: str, ptype: str, raw, base: str):
    if isinstance(raw, Literal) and ptype in LABEL_TYPES:
        return raw  # a concept's label as the graph holds it (KG._labels)
    if ptype == "iri":
        if raw.startswith("id:"):
            raw = base + raw[3:]
        if not re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]+$", raw, re.IGNORECASE):
            raise QueryError(f"parameter {name}: not an IRI: {raw!r}")
        return URIRef(raw)
    if ptype == "integer":
        if not re.fullmatch(r"-?\d+", raw.strip()):
            raise QueryError(f"parameter {name}: not an integer: {raw!r}")
        return Literal(int(raw))
    if ptype == "decimal":
        try:
            return Literal(Decimal(raw), datatype=XSD.decimal)
        except InvalidOperation:
            raise QueryError(f"parameter {name}: not a number: {raw!r}") from None
    if ptype == "gYearMonth":
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", raw):
            raise QueryError(f"parameter {name}: want a month as YYYY-MM, got {raw!r}")
        return Literal(raw, datatype=XSD.gYearMonth)
    if ptype == "gYear":
        if not re.fullmatch(r"\d{4}", raw):
            raise QueryError(f"parameter {name}: want a year as YYYY, got {raw!r}")
        return Literal(raw, datatype=XSD.gYear)
    return Literal(raw)


# Comments, IRIs, strings, the WHERE keyword and opening braces: enough to find the WHERE group.
_TOKEN_RE = re.compile(
    r"#[^\n]*"
    r"|<[^<>\s]*>"
    r'|"""[\s\S]*?"""'
    r"|'''[\s\S]*?'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|\bWHERE\b|\{",
    re.IGNORECASE,
)


IRI_OK = re.compile(r"^[^\x00-\x20<>\"{}|^`\\]*$")
_STRING_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r"}


def sparql_term(term) -> str:
    """An IRI or literal in SPARQL syntax, written here rather than by rdflib's n3(), which can
    leave a quote unescaped after an escaped backslash in a long-string literal."""
    if isinstance(term, URIRef):
        if not IRI_OK.match(str(term)):
            raise QueryError(f"not an IRI: {str(term)!r}")
        return f"<{term}>"
    if isinstance(term, Literal):
        text = '"' + str(term).translate(_STRING_ESCAPES) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype:
            return f"{text}^^{sparql_term(URIRef(term.datatype))}"
        return text
    raise QueryError(f"cannot bind {term!r}")


def inline_bindings(text: str, bindings: dict) -> str:
    """The bindings as a VALUES block at the start of the query's WHERE group.

    For remote endpoints, which have no initial bindings: the values go in as RDF terms
    (N-Triples syntax, escaped by rdflib), inside the group so they bind before any
    FILTER or aggregate, as initial bindings do. No text of the caller is pasted in.
    """
    if not bindings:
        return text
    names = sorted(bindings)
    block = ("VALUES (" + " ".join(f"?{n}" for n in names) + ") { ("
             + " ".join(sparql_term(bindings[n]) for n in names) + ") }\n")
    at = _where_group(text)
    return text[:at] + "\n" + block + text[at:]


@lru_cache(maxsize=512)
def _where_group(text: str) -> int:
    """Where the query's WHERE group opens (just after its brace); cached, as a named query's
    text is the same on every run."""
    first_brace = None
    after_where = False
    for m in _TOKEN_RE.finditer(text):
        token = m.group(0)
        if token.upper() == "WHERE":
            after_where = True
        elif token == "{":
            if after_where:
                return m.end()
            if first_brace is None:
                first_brace = m.end()
    if first_brace is None:
        raise QueryError("query has no WHERE group to bind parameters in")
    return first_brace


