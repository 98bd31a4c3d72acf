"""HTML pages of the server: the query page, resource pages and the ontology documentation.

Everything is rendered with Jinja autoescape; data handed to scripts is JSON with '<', '>'
and '&' escaped. Pages load nothing from outside (a Content-Security-Policy says so too).
"""

from __future__ import annotations

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import OWL

from .namespaces import PREFIXES


def _env():
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("pprnet_kg", "templates"), autoescape=select_autoescape(["html"]))


def _short(term, base: str) -> str:
    s = str(term)
    if isinstance(term, URIRef):
        if s.startswith(base):
            return "id:" + s[len(base):]
        for prefix, ns in PREFIXES.items():
            if s.startswith(str(ns)):
                return f"{prefix}:{s[len(str(ns)):]}"
    return s


def _local(term: URIRef, base: str) -> str | None:
    """The server path of one of our IRIs, so resource pages link to each other."""
    s = str(term)
    return "/id/" + s[len(base):] if s.startswith(base) else None


def query_page(queries) -> str:
    from markupsafe import Markup

    from .viz import _script_json

    data = [{"name": q.name, "title": q.title, "description": q.description,
             "params": [{"name": p.name, "type": p.type, "optional": p.optional} for p in q.params]}
            for q in queries]
    return _env().get_template("serve_index.html").render(queries=queries, data_json=Markup(_script_json(data)))


def resource_page(iri: URIRef, described: Graph, inbound: list[tuple[str, str]], base: str) -> str:
    rows = []
    for p, o in sorted(described.predicate_objects(iri), key=lambda po: (str(po[0]), str(po[1]))):
        rows.append({
            "predicate": _short(p, base), "predicate_iri": str(p),
            "object": str(o) if isinstance(o, Literal) else _short(o, base),
            "href": _local(o, base) if isinstance(o, URIRef) else None,
            "external": str(o) if isinstance(o, URIRef) and _local(o, base) is None and str(o).startswith("http") else None,
            "literal": isinstance(o, Literal),
        })
    label = next((str(o) for p, o in described.predicate_objects(iri)
                  if str(p).endswith(("title", "prefLabel", "name", "label"))), _short(iri, base))
    links = [{"subject": _short(URIRef(s), base), "href": _local(URIRef(s), base), "predicate": _short(URIRef(p), base)}
             for s, p in inbound]
    return _env().get_template("serve_resource.html").render(iri=str(iri), label=label, rows=rows, inbound=links)


def ontology_page(onto: Graph) -> str:
    """Documentation generated from ontology/pprnet.ttl: every class and property with label and comment."""
    terms = []
    for kind, cls in (("Class", OWL.Class), ("Object property", OWL.ObjectProperty),
                      ("Datatype property", OWL.DatatypeProperty)):
        for term in sorted(onto.subjects(RDF.type, cls)):
            terms.append({"kind": kind, "iri": str(term), "name": str(term).rsplit("#", 1)[-1],
                          "label": str(onto.value(term, RDFS.label) or ""),
                          "comment": str(onto.value(term, RDFS.comment) or ""),
                          "domain": str(onto.value(term, RDFS.domain) or ""),
                          "range": str(onto.value(term, RDFS.range) or "")})
    title = next((str(o) for o in onto.objects(None, RDFS.label) if isinstance(o, Literal)), "Ontology")
    head = next(iter(onto.subjects(RDF.type, OWL.Ontology)), None)
    if head is not None:
        title = str(onto.value(head, RDFS.label) or title)
    return _env().get_template("serve_ontology.html").render(title=title, terms=terms)
