"""Is a query text one safe, read-only SPARQL query?

Three layers, so that no spelling trick reaches another server:
1. `expand_escapes`: \\uXXXX and \\UXXXXXXXX escapes are expanded before anything else, as the
   SPARQL grammar says (they are processed before parsing). The checker AND the engine then get
   the expanded text, so they cannot read it differently (rdflib expands escapes everywhere,
   Oxigraph not inside comments: a SERVICE hidden behind an escaped newline in a comment was a
   comment to one and a call to the other).
2. a lexical scan: the words of the query outside strings, IRIs and comments must not include
   SERVICE (or, for the server, FROM); this does not depend on any parser.
3. rdflib's parse tree: SPARQL Update (LOAD included) and SERVICE anywhere are refused by
   `check_syntax`; FROM / FROM NAMED by `check_safe`, which the server uses.
The server's query processes also run with no network (sparql/protocol.py).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from ..errors import QueryError, QueryRefused
from .catalogue import with_prologue

# rdflib's SPARQL parser (pyparsing) is not thread-safe: concurrent parses corrupt each other
# ("Param.postParse2() missing 1 required positional argument"), so parsing is serialised.
PARSE_LOCK = threading.Lock()


_ESCAPE_RE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LEXICAL_RE = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''  # strings
    r"|<[^<>\"{}|^`\\\s]*>"  # IRIs
    r"|#[^\n\r]*"  # comments
    r"|[?$]\w+"  # variables
    r"|[A-Za-z_][\w.-]*:[\w.%-]*|:[\w.%-]*"  # prefixed names
    r"|(?P<word>[A-Za-z_][\w-]*)"  # words
)


def expand_escapes(text: str) -> str:
    """The query with its \\u / \\U escapes replaced by the characters they stand for."""
    def one(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QueryError(f"invalid escape {m.group(0)} in the query")
        return chr(code)

    return _ESCAPE_RE.sub(one, text) if "\\" in text else text


def words_outside_literals(text: str) -> set[str]:
    """The words of a query outside strings, IRIs and comments, upper case."""
    return {m.group("word").upper() for m in _LEXICAL_RE.finditer(text) if m.group("word")}


_BRACE_RE = re.compile(r"[{}]")
_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")


@lru_cache(maxsize=512)
def form_and_tail(text: str) -> tuple[str | None, frozenset[str]]:
    """(the query's form: SELECT, CONSTRUCT, ASK or DESCRIBE; the words outside every group
    after its first one — WHERE, GROUP, ORDER, LIMIT, VALUES...), read without a parser from a
    query known to be well formed. A query whose tail has LIMIT, OFFSET or VALUES cannot take
    another LIMIT. Cached: a named query's text is the same on every run."""
    plain = _LEXICAL_RE.sub(lambda m: f" {m.group('word')} " if m.group("word") else " ", text)
    form, depth, groups, tail, start = None, 0, 0, set(), 0
    for brace in _BRACE_RE.finditer(plain + "{"):  # the last brace, added, ends the last piece
        if depth == 0:
            words = plain[start: brace.start()].upper().split()
            if form is None:
                form = next((w for w in words if w in _FORMS), None)
            if groups:
                tail.update(words)
        if brace.group() == "{":
            groups += depth == 0
            depth += 1
        else:
            depth -= 1
        start = brace.end()
    return form, frozenset(tail)


@lru_cache(maxsize=256)
def check_syntax(text: str, *, line_offset: int = 0):
    """Raise QueryError (with line and column) unless the text is one SPARQL query.

    Give it the text `expand_escapes` made, and run that same text. Returns the parse tree.
    Cached: rdflib's parser takes milliseconds, far more than Oxigraph needs to answer most
    library queries, and a named query's text is the same on every run."""
    from pyparsing import ParseException

    if _ESCAPE_RE.search(text):
        raise QueryError("internal: expand the query's escapes before checking it")
    if not (words_outside_literals(text) - {"PREFIX", "BASE"}):
        raise QueryError("the query is empty")
    if "SERVICE" in words_outside_literals(text):
        raise QueryRefused("SERVICE is not allowed: queries never reach out to other endpoints")
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
    """(the full query text with our prefixes and its escapes expanded — the text to run — and its
    form: SelectQuery, AskQuery, ConstructQuery or DescribeQuery); raises QueryError (400) or
    QueryRefused (403)."""
    text = expand_escapes(text)
    if "FROM" in words_outside_literals(text):
        raise QueryRefused("FROM and FROM NAMED are not allowed: queries run on this dataset only")
    full = with_prologue(text, base)
    try:
        tree = check_syntax(full, line_offset=full.count("\n") - text.count("\n"))
    except RecursionError:
        raise QueryError("query nested too deeply to parse") from None
    if tree_has(tree, _is_dataset_clause):
        raise QueryRefused("FROM and FROM NAMED are not allowed: queries run on this dataset only")
    return full, getattr(tree[-1], "name", "SelectQuery")
