"""The query catalogue: queries/*.rq by name, with their headers; queries/views/*.rq are internal
(the views' and the site's queries), kept apart from the library a user lists.

Each file starts with comment lines:

    # title: Findings whose CI excludes the null
    # description: One sentence on what the query answers.
    # params: topic:string?, month:gYearMonth?     (or "none"; '?' marks an optional one)

Parameters are passed as bindings (sparql/bindings.py), never pasted into the query text.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from ..errors import QueryError
from ..namespaces import PREFIXES
from ..resources import queries_dir

LABEL_TYPES = ("topic", "disorder", "intervention", "comparator", "outcome")
PARAM_TYPES = ("iri", "string", "integer", "decimal", "gYearMonth", "gYear", *LABEL_TYPES)
# LABEL_TYPES: parameters that name a concept by its label: matched in any case, suggested when unknown (kg.py)
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
    # one of the package's own queries (queries/ and queries/views/): its syntax is checked by the
    # tests, so running it needs no parser here (see sparql.prepare)
    own: bool = False


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
    """Every named query of the library (queries/*.rq, not the internal views/), sorted by name."""
    folder = directory or queries_dir()
    return [_read(path) for path in sorted(folder.glob("*.rq"))]


def _read(path: Path) -> NamedQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QueryError(f"{path}: cannot read query file: {exc.strerror or exc}") from None
    q = parse_header(text, path.stem)
    own = path.parent.resolve() in {queries_dir().resolve(), (queries_dir() / "views").resolve()}
    return NamedQuery(q.name, q.title, q.description, q.params, q.text, path, own)


def load_query(name_or_file: str, directory: Path | None = None) -> NamedQuery:
    """A query by library name, or from a .rq file path."""
    path = Path(name_or_file)
    if path.suffix == ".rq" or path.is_file():
        return _read(path)
    return library_query(name_or_file, directory)


def library_query(name: str, directory: Path | None = None) -> NamedQuery:
    """A query of the library by name only (never a path): what a server may run by name.
    A mistyped name is answered with the closest names."""
    folder = directory or queries_dir()
    candidate = folder / f"{name}.rq"
    if not _NAME_RE.match(name) or not candidate.is_file():
        names = [q.name for q in library(folder)]
        close = difflib.get_close_matches(name.lower(), names, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(names)}"
        raise QueryError(f"no query named {name!r}; {hint} (`pprnet-kg queries` lists them)")
    return _read(candidate)


@cache
def view_query(name: str) -> NamedQuery:
    """An internal query of the views and the site (queries/views/NAME.rq)."""
    return _read(queries_dir() / "views" / f"{name}.rq")


def adhoc_query(text: str) -> NamedQuery:
    return parse_header(text, "inline")


@lru_cache(maxsize=512)
def with_prologue(text: str, base: str) -> str:
    """Add our PREFIX declarations that the query text does not declare itself (cached)."""
    declared = {m.group(1) for m in re.finditer(r"(?im)^\s*PREFIX\s+([\w-]*):", text)}
    lines = [f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items() if p not in declared]
    if "id" not in declared:
        lines.append(f"PREFIX id: <{base}>")
    return "\n".join(lines) + "\n" + text
