"""backends/ and kg.py: the same graph, the same answers and the same bytes on every local store;
opening a store is cheap; a store remembers its base."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from rdflib import Literal, URIRef

from pprnet_kg.backends import open_backend, split_spec
from pprnet_kg.cli import cli
from pprnet_kg.errors import ConfigError, GraphError
from pprnet_kg.export import FORMATS
from pprnet_kg.kg import KG
from pprnet_kg.sparql import library

from test_queries_library import SAMPLE


@pytest.fixture(scope="module")
def stores(real_page):
    return {name: KG.build([real_page], store=name)[0] for name in ("memory", "oxigraph")}


@pytest.mark.parametrize("text, spec", [
    ("memory", ("memory", None)),
    ("oxigraph", ("oxigraph", None)),
    ("oxigraph:some/dir", ("oxigraph", "some/dir")),
    ("sparql+https://example.org/sparql", ("sparql+https", "https://example.org/sparql")),
])
def test_split_spec(text, spec):
    assert split_spec(text) == spec


@pytest.mark.parametrize("text", ["mongo", "oxigraph:", "sparql+ftp://x", "http://x/sparql"])
def test_unknown_stores_are_config_errors(text):
    with pytest.raises(ConfigError):
        open_backend(text)


def rows(kg, query, params=None):
    params = params if params is not None else {p.name: SAMPLE[p.name] for p in query.params if not p.optional}
    return [tuple(None if t is None else str(t) for t in row) for row in kg.query(query, params).rows]


@pytest.mark.parametrize("query", library(), ids=lambda q: q.name)
def test_every_query_gives_the_same_rows_on_memory_and_oxigraph(stores, query):
    on_memory = rows(stores["memory"], query)
    assert on_memory or query.name == "authors_with_multiple_articles"
    assert rows(stores["oxigraph"], query) == on_memory


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_has_the_same_bytes_on_both_stores(stores, fmt):
    assert stores["oxigraph"].export(fmt) == stores["memory"].export(fmt)


def test_graph_on_oxigraph_conforms(stores):
    assert stores["oxigraph"].count() == stores["memory"].count()
    assert stores["oxigraph"].validate().conforms


def test_persistent_store_keeps_the_graph_between_commands(real_page, tmp_path):
    spec = f"oxigraph:{tmp_path / 'db'}"
    with pytest.raises(GraphError, match="no Oxigraph store there"):
        KG.open(store=spec)
    runner = CliRunner()
    built = runner.invoke(cli, ["build", str(real_page), "--store", spec, "-o", str(tmp_path / "kg.ttl"), "--no-html"])
    assert built.exit_code == 0, built.output
    result = runner.invoke(cli, ["query", "posts_by_month", "--store", spec, "-p", "month=2020-12", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.strip().splitlines()) == 3
    assert f"read {spec}: built " in result.stderr
    with KG.open(store=spec) as reopened:
        assert reopened.count() == KG.build([real_page], store="memory")[0].count()


def test_reopening_a_store_with_another_base_is_refused(real_page, tmp_path):
    spec = f"oxigraph:{tmp_path / 'db'}"
    KG.build([real_page], store=spec, base="http://example.org/a/")[0].close()
    with pytest.raises(ConfigError, match="was built with base http://example.org/a/"):
        KG.open(store=spec, base="http://example.org/b/")
    with KG.open(store=spec) as kg:  # the recorded base is used when none is given
        assert kg.base == "http://example.org/a/"


def test_opening_a_store_does_not_count_it(real_page, tmp_path, monkeypatch):
    # regression: opening counted every triple (a full scan on Oxigraph); now it reads one quad at most
    from pprnet_kg.backends.oxigraph import OxigraphBackend

    spec = f"oxigraph:{tmp_path / 'db'}"
    KG.build([real_page], store=spec)[0].close()

    def no_count(self):
        raise AssertionError("the store was counted on open")

    monkeypatch.setattr(OxigraphBackend, "count", no_count)
    with KG.open(store=spec) as kg:
        assert "triples" in kg.origin
        assert kg.query(library()[0], {}).rows


def test_remote_store_is_read_only_here(real_page):
    with pytest.raises(ConfigError, match="push"):
        KG.open(sources=[real_page], store="sparql+http://127.0.0.1:9/sparql")


OPTIONAL = {"author": "id:person/gloster-at", "measure": "SMD", "outcome": "Therapeutic alliance"}
# the real page's comparative findings are all on symptom severity; one of each pair is at follow-up
OPTIONAL_FOR = {"evidence_map": {"outcome": "Symptom severity", "timepoint": "follow-up"}}


@pytest.mark.parametrize("query", [q for q in library() if any(p.optional for p in q.params)], ids=lambda q: q.name)
def test_optional_parameters_filter_the_same_on_both_stores(stores, query):
    # regression: Oxigraph substitutions leave BOUND(?param) false, so a given optional
    # parameter was ignored there; values are now a VALUES block inside the WHERE group
    given = OPTIONAL | OPTIONAL_FOR.get(query.name, {})
    params = {p.name: (given if p.optional else SAMPLE)[p.name] for p in query.params}
    on_memory = rows(stores["memory"], query, params)
    on_oxigraph = rows(stores["oxigraph"], query, params)
    unfiltered = rows(stores["memory"], query)
    # fewer rows, or as many with smaller counts (evidence_map: the same cells, fewer findings in each)
    assert on_oxigraph == on_memory and on_memory and on_memory != unfiltered and len(on_memory) <= len(unfiltered)


def test_awkward_text_is_stored_the_same_on_both_stores(tmp_path):
    # the builder writes N-Triples itself: quotes, backslashes, tabs and newlines must survive
    page = tmp_path / "odd.txt"
    page.write_text('June 2021\nA "Quoted" Title\\ With\tTab\nDoe, J. (2021). T\\itle "x". J, 1, 2.\n'
                    'Summary with \\ backslash, "quotes", a\ttab, ünïcödé and \u2028 separator.\n'
                    "Practice Implications\nNothing.\n", encoding="utf-8")
    memory = KG.build([page], store="memory")[0]
    oxigraph = KG.build([page], store="oxigraph")[0]
    assert oxigraph.export("nt") == memory.export("nt")
    assert '\\"quotes\\"' in oxigraph.ntriples()


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_a_built_graph_writes_what_its_store_holds(store):
    """KG.build keeps the N-Triples it loaded (writing the graph skips a dump and sort): the same
    text the store gives back."""
    from pprnet_kg.kg import KG

    kg, result = KG.build(store=store)
    with kg:
        assert kg.ntriples() == result.ntriples == kg.backend.dump()


def test_the_origin_of_a_store_built_from_many_pages_stays_one_short_line():
    from pprnet_kg.kg import _short_list

    assert _short_list(["a.txt", "b.txt"]) == "a.txt, b.txt"
    many = _short_list([f"synth-{i:06d}.txt" for i in range(1, 1001)])
    assert many == "synth-000001.txt, synth-000002.txt … synth-001000.txt (1,000 files)"


def test_oxigraph_rows_convert_repeated_and_unbound_terms_like_one_by_one():
    """Each distinct term of a result is converted once (speed); the rows are the same terms as
    converting every cell, unbound cells stay None, and equal texts of other kinds stay apart."""
    from rdflib.namespace import XSD

    from pprnet_kg.backends.oxigraph import to_rdflib

    backend = open_backend("oxigraph")
    backend.load_ntriples(
        '<urn:a> <urn:v> "0.5"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n'
        '<urn:b> <urn:v> "0.5"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n'
        '<urn:c> <urn:v> "0.5" .\n<urn:d> <urn:v> "0.5"@en .\n<urn:e> <urn:v> <urn:a> .\n<urn:e> <urn:w> "x" .\n')
    text = "SELECT ?s ?v ?w WHERE { ?s <urn:v> ?v OPTIONAL { ?s <urn:w> ?w } } ORDER BY ?s"
    rows = backend.query(text, {}).rows
    raw = backend.query(text, {}, raw=True).rows
    assert rows == [tuple(map(to_rdflib, r)) for r in raw]
    assert [r[1] for r in rows] == [Literal("0.5", datatype=XSD.decimal)] * 2 + [Literal("0.5"), Literal("0.5", lang="en"),
                                                                                URIRef("urn:a")]
    assert [type(r[1]) for r in rows] == [Literal] * 4 + [URIRef]
    assert [r[2] for r in rows] == [None] * 4 + [Literal("x")]


@given(text=st.text(), language=st.sampled_from([None, "en", "en-gb", "fr", "de-ch-1996"]))
def test_store_strings_are_the_literals_rdflibs_constructor_makes(text, language):
    """The oxigraph backend makes string literals without rdflib's checks (speed): they must be
    the very objects Literal(...) makes — equal, same hash, same value, language, datatype, n3."""
    from pprnet_kg.backends.oxigraph import _text

    ours, theirs = _text(text, language), Literal(text, lang=language)
    assert (type(ours), ours, hash(ours), ours.value, ours.language, ours.datatype, ours.n3(), repr(ours)) == \
        (type(theirs), theirs, hash(theirs), theirs.value, theirs.language, theirs.datatype, theirs.n3(), repr(theirs))
    assert ours.eq(theirs) and ours.ill_typed == theirs.ill_typed and ours.toPython() == theirs.toPython()


@given(st.sampled_from(["urn:a", "https://w3id.org/pprnet/id/finding/x-1", "http://example.org/é?q=1#f"]))
def test_store_iris_are_the_urirefs_rdflibs_constructor_makes(iri):
    from pprnet_kg.backends.oxigraph import _iri

    ours, theirs = _iri(iri), URIRef(iri)
    assert (type(ours), ours, hash(ours), ours.n3(), repr(ours)) == (type(theirs), theirs, hash(theirs), theirs.n3(), repr(theirs))
