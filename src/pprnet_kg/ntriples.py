"""N-Triples text: the one format records, stores and exports exchange (RDF 1.1 N-Triples).

The graph builder writes its triples as N-Triples lines, stores load them, and every export
starts from the canonical form: sorted, duplicate-free lines.
"""

from __future__ import annotations

from rdflib import BNode, Literal
from rdflib.namespace import XSD

_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r"}
_ESCAPES.update({c: f"\\u{c:04X}" for c in range(0x20) if c not in (0x0A, 0x0D)})


def term(t) -> str:
    """One rdflib term in N-Triples syntax (simple literals are written plain)."""
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
