"""SPARQL for the CLI, the server, the views and the site alike: the query catalogue
(catalogue.py), the safety check (safety.py), parameters as bindings (bindings.py), and one
result type with one set of writers (results.py)."""

from __future__ import annotations

from .bindings import coerce_bindings
from .catalogue import NamedQuery, adhoc_query, library, library_query, load_query, view_query, with_prologue
from .results import QueryResult
from .safety import check_syntax, expand_escapes

__all__ = ["NamedQuery", "QueryResult", "adhoc_query", "library", "library_query", "load_query", "prepare",
           "view_query"]


def prepare(query: NamedQuery, params: dict[str, str] | None, *, base: str) -> tuple[str, dict]:
    """(query text with our prefixes and its escapes expanded, bindings as RDF terms), after checking
    it is one safe query; run exactly that text."""
    own = expand_escapes(query.text)
    text = with_prologue(own, base)
    check_syntax(text, line_offset=text.count("\n") - own.count("\n"))
    return text, coerce_bindings(query, params or {}, base=base)
