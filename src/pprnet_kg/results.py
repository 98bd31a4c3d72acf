"""Query results -> text: an aligned table, CSV, TSV, SPARQL JSON or a Markdown table."""

from __future__ import annotations

import csv
import io
import json

from rdflib import BNode, Literal, URIRef

from .namespaces import DEFAULT_BASE, PREFIXES

RESULT_FORMATS = ("table", "csv", "tsv", "json", "md")


def _short(term, base: str) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        s = str(term)
        if s.startswith(base):
            return "id:" + s[len(base):]
        for prefix, ns in PREFIXES.items():
            if s.startswith(str(ns)) and prefix not in {"rdf", "xsd"}:
                return f"{prefix}:{s[len(str(ns)):]}"
        return f"<{s}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def rows_of(result) -> tuple[list[str], list[list]]:
    """(variable names, rows of rdflib terms) for a SELECT; ASK gives one 'ask' column."""
    if result.type == "ASK":
        return ["ask"], [[Literal(bool(result.askAnswer))]]
    if result.type in {"CONSTRUCT", "DESCRIBE"}:
        return ["subject", "predicate", "object"], [list(t) for t in sorted(result.graph, key=lambda t: tuple(x.n3() for x in t))]
    names = [str(v) for v in result.vars]
    return names, [[row.get(v) if hasattr(row, "get") else row[i] for i, v in enumerate(result.vars)] for row in result]


def format_result(result, fmt: str = "table", *, base: str = DEFAULT_BASE) -> str:
    names, rows = rows_of(result)
    if fmt == "json":
        if result.type in {"CONSTRUCT", "DESCRIBE"}:
            return result.graph.serialize(format="json-ld")
        return json.dumps(json.loads(result.serialize(format="json")), indent=2, ensure_ascii=False) + "\n"
    if fmt in {"csv", "tsv"}:
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow(["" if t is None else str(t) for t in row])
        return buf.getvalue()
    cells = [[_short(t, base).replace("\n", " ") for t in row] for row in rows]
    if fmt == "md":
        out = ["| " + " | ".join(names) + " |", "|" + "|".join("---" for _ in names) + "|"]
        out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
        return "\n".join(out) + "\n"
    widths = [min(60, max([len(n)] + [len(r[i]) for r in cells])) for i, n in enumerate(names)]

    def line(values):
        return "  ".join((v if len(v) <= w else v[: w - 1] + "…").ljust(w) for v, w in zip(values, widths)).rstrip()

    out = [line(names), line(["-" * w for w in widths])] + [line(r) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
