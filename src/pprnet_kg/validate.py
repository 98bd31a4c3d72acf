"""SHACL validation of a built graph against ontology/shapes.ttl (pySHACL)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace
from rdflib.collection import Collection
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
    _add_measure_codes(shapes_graph)
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


def _add_measure_codes(shapes: Graph) -> None:
    """A finding's measure code is one of the measures table's (data/measures.toml)."""
    from .measures import table
    from .namespaces import PPR

    shape, codes = BNode(), BNode()
    Collection(shapes, codes, [Literal(code) for code in table()])
    shapes.add((Namespace("https://w3id.org/pprnet/shapes#").Finding, SH.property, shape))
    shapes.add((shape, SH.path, PPR.measureCode))
    shapes.add((shape, getattr(SH, "in"), codes))
    shapes.add((shape, SH.message, Literal("the measure code is one of data/measures.toml")))
