"""SHACL validation of a built graph against ontology/shapes.ttl (pySHACL)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph
from rdflib.namespace import SH

from .errors import ValidationError
from .resources import shapes_file


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.focus} {self.path}: {self.message}"


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    violations: tuple[Violation, ...]


def validate_graph(graph: Graph, *, shapes: Path | None = None) -> ValidationReport:
    """Check a graph against the shapes; never raises for a non-conforming graph."""
    from pyshacl import validate  # heavy import, only when validating

    shapes_path = shapes or shapes_file()
    try:
        shapes_graph = Graph().parse(shapes_path, format="turtle")
    except Exception as exc:  # rdflib raises many parser types
        raise ValidationError(f"{shapes_path}: cannot load shapes: {exc}") from None
    from .store import copy_into, is_oxigraph

    if is_oxigraph(graph):  # pySHACL walks triples one by one: faster on rdflib's own store
        graph = copy_into(Graph(), graph)
    conforms, results, _text = validate(graph, shacl_graph=shapes_graph, inference="none", advanced=False)
    violations = []
    for result in results.subjects(SH.resultMessage, None):
        path = results.value(result, SH.resultPath)
        if isinstance(path, BNode) and results.value(path, SH.inversePath) is not None:
            path = "^" + str(results.value(path, SH.inversePath))
        violations.append(Violation(
            focus=str(results.value(result, SH.focusNode)),
            path=str(path or ""),
            message=str(results.value(result, SH.resultMessage)),
        ))
    return ValidationReport(bool(conforms), tuple(sorted(violations, key=str)))
