"""SPARQL for the CLI, the server, the views and the site alike: the query catalogue
(catalogue.py), the safety check (safety.py), parameters as bindings (bindings.py), and one
result type with one set of writers (results.py)."""

from __future__ import annotations

from .bindings import coerce_bindings
from .catalogue import NamedQuery, adhoc_query, library, library_query, load_query, view_query, with_prologue
from .results import QueryResult
from .safety import check_syntax, expand_escapes, form_and_tail

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
    if not query.own:  # ours are parsed by the tests: no parser here (rdflib's takes ~0.3 s to import)
        check_syntax(text, line_offset=text.count("\n") - own.count("\n"))
    bindings = coerce_bindings(query, params or {}, base=base)
    form, tail = form_and_tail(own)
    # the engine pages a SELECT or CONSTRUCT with no LIMIT or trailing VALUES of its own (a LIMIT
    # added after them is an error, and its own LIMIT must bound the rows before they are paged);
    # "OFFSET n" of its own takes a LIMIT after it, not another OFFSET
    if (limit is None and not offset) or form not in {"SELECT", "CONSTRUCT"} or tail & {"LIMIT", "VALUES"} \
            or (offset and "OFFSET" in tail):
        return text, bindings, False
    return text + (f"\nLIMIT {limit}" if limit is not None else "") + (f"\nOFFSET {offset}" if offset else ""), \
        bindings, True


