"""The result writers (sparql/results.py) on their own."""

from __future__ import annotations

import json

import pyoxigraph as ox
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import BNode, Literal, URIRef

from pprnet_kg.sparql.results import write, QueryResult

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
iri = st.text(st.sampled_from("abcXYZ019/-._~é€😀"), max_size=12).map(lambda s: "http://example.org/" + s)
terms = st.one_of(
    st.none(),
    iri.map(URIRef), iri.map(ox.NamedNode),
    st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True).map(BNode),
    st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True).map(ox.BlankNode),
    text.map(Literal), text.map(ox.Literal),
    st.tuples(text, st.sampled_from(["en", "fr-ca"])).map(lambda x: Literal(x[0], lang=x[1])),
    st.tuples(text, st.sampled_from(["en", "fr-ca"])).map(lambda x: ox.Literal(x[0], language=x[1])),
    st.integers().map(Literal), st.integers().map(lambda n: ox.Literal(str(n), datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))),
)


def reference_json(names: list[str], rows: list) -> bytes:
    """The W3C JSON results as the json module lays them out (indent 2): the writer's specification."""
    def term(t):
        if isinstance(t, (URIRef, ox.NamedNode)):
            return {"type": "uri", "value": str(t) if isinstance(t, URIRef) else t.value}
        if isinstance(t, (BNode, ox.BlankNode)):
            return {"type": "bnode", "value": str(t) if isinstance(t, BNode) else t.value}
        value = str(t) if isinstance(t, Literal) else t.value
        language = t.language
        datatype = str(t.datatype) if t.datatype is not None else None
        if isinstance(t, ox.Literal):
            datatype = None if language else t.datatype.value
        out = {"type": "literal", "value": value}
        if language:
            out["xml:lang"] = language
        elif datatype and datatype != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = datatype
        return out

    bindings = [{n: term(t) for n, t in zip(names, row) if t is not None} for row in rows]
    data = {"head": {"vars": names}, "results": {"bindings": bindings}}
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True), max_size=4, unique=True).flatmap(
    lambda names: st.tuples(st.just(names), st.lists(st.tuples(*[terms for _ in names]), max_size=4))))
def test_select_json_is_what_the_json_module_writes(case):
    names, rows = case
    assert write(QueryResult("SELECT", names, rows), "json", base="http://example.org/") == reference_json(names, rows)
