"""SPARQL for the CLI, the server, the views and the site alike: the query catalogue
(catalogue.py), the safety check (safety.py), parameters as bindings (bindings.py), and one
result type with one set of writers (results.py)."""

from __future__ import annotations

from .bindings import coerce_bindings
from .catalogue import NamedQuery, adhoc_query, library, library_query, load_query, view_query, with_prologue
from .results import QueryResult
from ..errors import QueryError
from .safety import check_syntax, expand_escapes

__all__ = ["NamedQuery", "QueryResult", "adhoc_query", "library", "library_query", "load_query", "prepare",
           "view_query"]


def prepare(query: NamedQuery, params: dict[str, str] | None, *, base: str, limit: int | None = None,
            offset: int = 0) -> tuple[str, dict, bool]:
    """(query text with our prefixes and its escapes expanded, bindings as RDF terms, paged), after
    checking it is one safe query; run exactly that text.

    With `limit`/`offset` a SELECT or CONSTRUCT gets `LIMIT`/`OFFSET` clauses, so the engine stops
    early; `paged` is False when the text cannot take them (it ends in its own LIMIT or VALUES),
    and the caller then pages the rows itself."""
    own = expand_escapes(query.text)
    text = with_prologue(own, base)
    offset_lines = text.count("\n") - own.count("\n")
    if limit is None and not offset:
        check_syntax(text, line_offset=offset_lines)
        return text, coerce_bindings(query, params or {}, base=base), False
    clauses = (f"\nLIMIT {limit}" if limit is not None else "") + (f"\nOFFSET {offset}" if offset else "")
    try:
        tree = check_syntax(text + clauses, line_offset=offset_lines)
    except QueryError:
        tree = None  # the query's own error, if it has one, is raised just below
    if tree is None or not _is_select_or_construct(tree):
        check_syntax(text, line_offset=offset_lines)
        return text, coerce_bindings(query, params or {}, base=base), False
    return text + clauses, coerce_bindings(query, params or {}, base=base), True


def _is_select_or_construct(tree) -> bool:
    return any(getattr(part, "name", "") in {"SelectQuery", "ConstructQuery"} for part in tree)
