"""Is a query text one safe, read-only SPARQL query? Decided on rdflib's parse tree.

SPARQL Update (LOAD included) and SERVICE anywhere are refused by `check_syntax`; FROM / FROM
NAMED (which make engines fetch URLs or read files) by `check_safe`, which the server uses.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from ..errors import QueryError, QueryRefused
from .catalogue import with_prologue

# rdflib's SPARQL parser (pyparsing) is not thread-safe: concurrent parses corrupt each other
# ("Param.postParse2() missing 1 required positional argument"), so parsing is serialised.
PARSE_LOCK = threading.Lock()


@lru_cache(maxsize=256)
def check_syntax(text: str, *, line_offset: int = 0):
    """Raise QueryError (with line and column) unless the text is one SPARQL query.

    Returns the parse tree. Cached: rdflib's parser takes milliseconds, far more than Oxigraph needs to answer
    most library queries, and a named query's text is the same on every run."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        with PARSE_LOCK:
            tree = parseQuery(text)
    except ParseException as exc:
        try:
            with PARSE_LOCK:
                parseUpdate(text)
        except Exception:
            line = max(1, exc.lineno - line_offset)
            raise QueryError(f"SPARQL syntax error at line {line}, column {exc.col}: {exc.msg}") from None
        raise QueryRefused("SPARQL Update is not allowed: queries are read-only") from None
    except Exception as exc:  # rdflib raises plain Exceptions for e.g. undefined prefixes
        raise QueryError(f"SPARQL error: {exc}") from None
    if tree_has(tree, _is_service):
        raise QueryRefused("SERVICE is not allowed: queries never reach out to other endpoints")
    return tree


def tree_has(node, wanted) -> bool:
    """True when a parsed query has, anywhere, a part for which `wanted(part)` is true."""
    if wanted(node):
        return True
    if isinstance(node, dict):
        return any(tree_has(v, wanted) for v in node.values())
    if isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
        return any(tree_has(v, wanted) for v in node)
    return False


def _is_service(node) -> bool:
    return getattr(node, "name", None) == "ServiceGraphPattern"




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
