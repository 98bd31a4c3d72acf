"""The query library: queries/*.rq by name, their headers, and running them with bindings.

Each file starts with comment lines:

    # title: Findings whose CI excludes the null
    # description: One sentence on what the query answers.
    # params: topic:string?, month:gYearMonth?     (or "none"; '?' marks an optional one)

Parameters are passed as initial bindings, never pasted into the query text.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from .errors import QueryError, QueryRefused
from .namespaces import DEFAULT_BASE, PREFIXES
from .resources import queries_dir

PARAM_TYPES = ("iri", "string", "integer", "decimal", "gYearMonth", "gYear")
_HEADER_RE = re.compile(r"^#\s*(title|description|params)\s*:\s*(.*)$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    optional: bool


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str
    path: Path | None = None


def parse_header(text: str, name: str) -> NamedQuery:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _HEADER_RE.match(line)
        if m:
            fields[m.group(1)] = (fields.get(m.group(1), "") + " " + m.group(2)).strip()
    params = []
    spec = fields.get("params", "none").strip()
    if spec and spec.lower() != "none":
        for item in (p.strip() for p in spec.split(",")):
            m = re.match(r"^([A-Za-z_][\w]*)\s*:\s*(\w+)(\?)?$", item)
            if not m or m.group(2) not in PARAM_TYPES:
                raise QueryError(f"{name}: bad '# params:' entry {item!r} (want name:type, type one of {', '.join(PARAM_TYPES)})")
            params.append(Param(m.group(1), m.group(2), bool(m.group(3))))
    return NamedQuery(name, fields.get("title", name), fields.get("description", ""), tuple(params), text)


def library(directory: Path | None = None) -> list[NamedQuery]:
    """Every named query, sorted by name."""
    folder = directory or queries_dir()
    out = []
    for path in sorted(folder.glob("*.rq")):
        q = parse_header(path.read_text(encoding="utf-8"), path.stem)
        out.append(NamedQuery(q.name, q.title, q.description, q.params, q.text, path))
    return out


def load_query(name_or_file: str, directory: Path | None = None) -> NamedQuery:
    """A query by library name, or from a .rq file path."""
    path = Path(name_or_file)
    if path.suffix == ".rq" or path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise QueryError(f"{path}: cannot read query file: {exc.strerror or exc}") from None
        q = parse_header(text, path.stem)
        return NamedQuery(q.name, q.title, q.description, q.params, q.text, path)
    folder = directory or queries_dir()
    candidate = folder / f"{name_or_file}.rq"
    if not _NAME_RE.match(name_or_file) or not candidate.is_file():
        known = ", ".join(q.name for q in library(folder))
        raise QueryError(f"no query named {name_or_file!r}; known: {known}")
    return load_query(str(candidate))


def library_query(name: str) -> NamedQuery:
    """A query of the library by name only (never a path): what a server may run by name."""
    if not _NAME_RE.match(name) or not (queries_dir() / f"{name}.rq").is_file():
        known = ", ".join(q.name for q in library())
        raise QueryError(f"no query named {name!r}; known: {known}")
    return load_query(str(queries_dir() / f"{name}.rq"))


def adhoc_query(text: str) -> NamedQuery:
    return parse_header(text, "inline")


def with_prologue(text: str, base: str = DEFAULT_BASE) -> str:
    """Add our PREFIX declarations that the query text does not declare itself."""
    declared = {m.group(1) for m in re.finditer(r"(?im)^\s*PREFIX\s+([\w-]*):", text)}
    lines = [f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items() if p not in declared]
    if "id" not in declared:
        lines.append(f"PREFIX id: <{base}>")
    return "\n".join(lines) + "\n" + text


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


def coerce_bindings(query: NamedQuery, given: dict[str, str], base: str = DEFAULT_BASE) -> dict[str, object]:
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


def _coerce(name: str, ptype: str, raw: str, base: str):
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


_IRI_OK = re.compile(r"^[^\x00-\x20<>\"{}|^`\\]*$")
_STRING_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r"}


def sparql_term(term) -> str:
    """An IRI or literal in SPARQL syntax, written here rather than by rdflib's n3(), which can
    leave a quote unescaped after an escaped backslash in a long-string literal."""
    if isinstance(term, URIRef):
        if not _IRI_OK.match(str(term)):
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
    first_brace = None
    after_where = False
    for m in _TOKEN_RE.finditer(text):
        token = m.group(0)
        if token.upper() == "WHERE":
            after_where = True
        elif token == "{":
            if after_where:
                return text[: m.end()] + "\n" + block + text[m.end():]
            if first_brace is None:
                first_brace = m.end()
    if first_brace is None:
        raise QueryError("query has no WHERE group to bind parameters in")
    return text[:first_brace] + "\n" + block + text[first_brace:]


def run_query(graph: Graph, query: NamedQuery, params: dict[str, str] | None = None, *, base: str = DEFAULT_BASE):
    """Run a query on a graph with parameters as bindings; returns rdflib's Result."""
    from .store import is_oxigraph, is_remote

    text = with_prologue(query.text, base)
    check_syntax(text, line_offset=text.count("\n") - query.text.count("\n"))
    bindings = coerce_bindings(query, params or {}, base)
    if is_remote(graph) or is_oxigraph(graph):
        # Remote endpoints have no initial bindings, and Oxigraph's substitutions leave
        # BOUND(?param) false: both get the values as a VALUES block inside the WHERE group.
        text, bindings = inline_bindings(text, bindings), {}
    try:
        result = graph.query(text, initBindings=bindings)
        if result.type == "SELECT":
            result.bindings  # noqa: B018 - evaluate now, inside the try, not while printing
        return result
    except Exception as exc:  # evaluation errors from the engine
        raise QueryError(f"{query.name}: query failed: {exc}") from None
