"""N-Triples text: the one format records, stores and exports exchange (RDF 1.1 N-Triples).

The graph builder writes its triples as N-Triples lines, stores load them, and every export
starts from the canonical form: sorted, duplicate-free lines.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r"}
_ESCAPES.update({c: f"\\u{c:04X}" for c in range(0x20) if c not in (0x0A, 0x0D)})


def escape(text: str) -> str:
    """The lexical form of a literal as N-Triples writes it between quotes: `text` with what
    _ESCAPES rewrites escaped. Most text has none of it: three checks in C (a quote, a
    backslash, anything not printable, which covers the control characters) are cheaper than a
    regular expression's search, and the translation runs only when one fails."""
    if '"' in text or "\\" in text or not text.isprintable():
        return text.translate(_ESCAPES)
    return text


class Lit(str):
    """A literal already written in N-Triples syntax ('"5"^^<http://www.w3.org/2001/XMLSchema#integer>').
    The graph builder makes these directly: making rdflib Literals and writing them out again
    took a third of the build."""

    __slots__ = ()


# plain str: comparing rdflib terms runs Python code (URIRef.__eq__), comparing str does not
_XSD_STRING, _XSD_BOOLEAN, _XSD_INTEGER, _XSD_DECIMAL = map(str, (XSD.string, XSD.boolean, XSD.integer, XSD.decimal))
# what follows the lexical form of an integer, a boolean, a decimal (each written in one join)
_INTEGER_END, _BOOLEAN_END, _DECIMAL_END = (f'"^^<{t}>' for t in (_XSD_INTEGER, _XSD_BOOLEAN, _XSD_DECIMAL))


def lit(value: str | int | bool, *, lang: str | None = None, datatype: str | None = None) -> Lit:
    """A literal as rdflib's Literal(value, lang=, datatype=) writes it: a string is a simple
    literal unless given a language or datatype; an int is an xsd:integer, a bool an xsd:boolean.
    The lexical form is taken as given (callers pass canonical forms, e.g. canonical_decimal)."""
    if isinstance(value, str):
        lexical = escape(value)
    elif isinstance(value, bool):
        if not (datatype or lang):  # with a language the tag is written, as for text
            return Lit('"true' + _BOOLEAN_END if value else '"false' + _BOOLEAN_END)
        lexical = "true" if value else "false"
    elif isinstance(value, int):
        if not (datatype or lang):
            return Lit("".join(('"', str(value), _INTEGER_END)))
        lexical = str(value)
    else:
        raise TypeError(f"no N-Triples literal for {type(value).__name__}")
    if lang:
        return Lit("".join(('"', lexical, '"@', lang)))
    if datatype and str.__ne__(datatype, _XSD_STRING):
        return Lit("".join(('"', lexical, '"^^<', datatype, ">")))
    return Lit("".join(('"', lexical, '"')))


def en(text: str) -> Lit:
    """English text."""
    return Lit("".join(('"', escape(text), '"@en')))


def canonical_decimal(x: Decimal) -> str:
    """XSD 1.1 canonical form, as Oxigraph stores it: "-0.30" -> "-0.3", "0.0" -> "0"."""
    text = format(x, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


@lru_cache(maxsize=1 << 14)
def dec(x: Decimal) -> Lit:
    """A decimal literal in canonical form, so every store and format writes the same bytes.
    Kept for the last 16,384 values: findings repeat values (CI levels, null values, common
    effect sizes), and a look-up costs a tenth of the formatting. Equal decimals ("0.30", "0.3")
    share an entry, which is right: the canonical form depends on the value alone."""
    return Lit("".join(('"', canonical_decimal(x), _DECIMAL_END)))


def term(t) -> str:
    """One term in N-Triples syntax: a Lit as it is, an rdflib term written out (simple literals
    plain)."""
    kind = type(t)
    if kind is Lit:
        return t
    if kind is URIRef:
        return "".join(("<", t, ">"))  # not "<" + t: URIRef.__radd__ would make (and check) a URIRef
    if isinstance(t, Literal):
        text = '"' + str(t).translate(_ESCAPES) + '"'
        if t.language:
            return f"{text}@{t.language}"
        if t.datatype and t.datatype != XSD.string:
            return f"{text}^^<{t.datatype}>"
        return text
    if isinstance(t, BNode):
        return f"_:{t}"
    return f"<{t}>"


def lines(triples) -> list[str]:
    """Triples -> N-Triples lines (with their newline), in the order given."""
    return [f"{term(s)} {term(p)} {term(o)} .\n" for s, p, o in triples]


def canonical(text: str) -> str:
    """Sorted, duplicate-free N-Triples: the same graph is always the same text."""
    return "".join(sorted({line + "\n" for line in text.splitlines() if line.strip()}))
