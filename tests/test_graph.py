"""graph.py, iris.py, export.py, validate.py: the RDF graph and its serialisations."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic
from rdflib.namespace import DCTERMS, FOAF, OWL, SKOS

from pprnet_kg.errors import ConfigError
from pprnet_kg.export import FORMATS, serialize
from pprnet_kg.iris import Minter, person_key
from pprnet_kg.namespaces import BIBO, PPR
from pprnet_kg.resources import ontology_file
from pprnet_kg.pipeline import build
from pprnet_kg.validate import validate_graph

from conftest import GOLDEN, ROOT

ID = "https://w3id.org/pprnet/id/"


def test_real_page_graph_conforms_to_shapes(real_build):
    report = validate_graph(real_build.graph)
    assert report.conforms, report.violations


def test_sample_graph_conforms_to_shapes(sample_build):
    assert validate_graph(sample_build.graph).conforms


def test_shapes_catch_a_value_outside_its_ci(real_build):
    g = Graph()
    for t in real_build.graph:
        g.add(t)
    finding = next(g.subjects(RDF.type, PPR.Finding))
    g.set((finding, PPR.value, Literal(Decimal("9.9"))))
    report = validate_graph(g)
    assert not report.conforms
    assert any("upper bound" in v.message for v in report.violations)


def test_sample_graph_matches_golden(sample_build):
    golden = Graph().parse(GOLDEN / "sample.ttl", format="turtle")
    if not isomorphic(golden, sample_build.graph):
        _, only_golden, only_built = graph_diff(golden, sample_build.graph)
        pytest.fail(f"graph changed: {len(only_golden)} triples gone, {len(only_built)} new, e.g. "
                    f"{sorted(only_built)[:3]} / {sorted(only_golden)[:3]}")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_reparses_to_an_isomorphic_graph(real_build, fmt):
    data = serialize(real_build.ntriples, fmt, base=ID)
    again = Graph().parse(data=data, format=FORMATS[fmt][0] if fmt != "trig" else "trig")
    if fmt == "trig":
        from rdflib import Dataset
        ds = Dataset()
        ds.parse(data=data, format="trig")
        again = Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            again.add((s, p, o))
    assert isomorphic(again, real_build.graph)
    assert serialize(real_build.ntriples, fmt, base=ID) == data


@pytest.mark.slow
def test_builds_are_byte_identical_across_processes(real_page, tmp_path):
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"kg{seed}.ttl"
        code = ("from pprnet_kg.pipeline import build; from pprnet_kg.export import serialize; import sys;"
                f"open(sys.argv[1], 'wb').write(b''.join(serialize(build([{str(real_page)!r}]).ntriples, f, base='https://w3id.org/pprnet/id/') for f in "
                "('ttl', 'nt', 'jsonld', 'xml', 'trig')))")
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env, cwd=ROOT)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_graph_shape_of_an_article(real_build):
    g = real_build.graph
    article = URIRef(ID + "article/doi/10.1016/j.cpr.2019.101810")
    assert (article, RDF.type, BIBO.AcademicArticle) in g
    assert g.value(article, BIBO.doi) == Literal("10.1016/j.cpr.2019.101810")
    journal = g.value(article, DCTERMS.isPartOf)
    assert g.value(journal, DCTERMS.title) == Literal("Clinical Psychology Review")
    authors = g.value(article, BIBO.authorList)
    ordered = [g.value(authors, RDF[f"_{i}"]) for i in range(1, 7)]
    assert [str(g.value(p, FOAF.familyName)) for p in ordered] == [
        "Gloster", "Rinner", "Ioannou", "Villanueva", "Block", "Ferrari"]
    # regression: the author after "... &" has no known position, so is a creator but not rdf:_7
    assert g.value(authors, RDF._7) is None
    assert (article, DCTERMS.creator, URIRef(ID + "person/karekla-m")) in g
    assert g.value(article, PPR.authorsTruncated).toPython() is True
    findings = sorted(g.objects(article, PPR.reportsFinding))
    assert [g.value(f, PPR.value).toPython() for f in findings] == [Decimal("0.45"), Decimal("0.359")]
    assert g.value(findings[0], PPR.measure) == URIRef("http://purl.obolibrary.org/obo/STATO_0000100")
    assert g.value(findings[0], PPR.excludesNull).toPython() is True
    assert g.value(findings[1], PPR.excludesNull).toPython() is False


def test_uncited_post_gets_an_untitled_document_not_an_invented_citation(real_build):
    g = real_build.graph
    post = URIRef(ID + "post/2020-07-is-the-therapeutic-alliance-diminished-by-videoconferencing")
    article = g.value(post, URIRef("https://schema.org/about"))
    assert (article, RDF.type, BIBO.Document) in g
    assert g.value(article, DCTERMS.title) is None and g.value(post, PPR.citationText) is None
    assert len(list(g.objects(article, PPR.reportsFinding))) == 2


def test_same_author_in_two_posts_is_one_node(tmp_path):
    page = tmp_path / "two.txt"
    page.write_text(
        "May 2021\nFirst\nBarkham, M., & Lutz, W. (2020). One. Journal A, 1(1), 1-2.\nSummary one.\n"
        "Practice Implications\nDo one.\nSecond\nBarkham, Michael (2019). Two. Journal A, 2(1), 3-4.\nSummary two.\n"
        "Practice Implications\nDo two.\n", encoding="utf-8")
    g = build([page]).graph
    people = set(g.subjects(RDF.type, FOAF.Person))
    assert len(people) == 2
    barkham = URIRef(ID + "person/barkham-m")
    assert len(list(g.subjects(DCTERMS.creator, barkham))) == 2
    assert g.value(barkham, FOAF.givenName) == Literal("Michael")  # the fullest spelling wins
    assert len(set(g.subjects(RDF.type, BIBO.Journal))) == 1


def test_person_keys_and_base():
    assert person_key({"family": "Flückiger", "given": "C."}) == "fluckiger-c"
    assert person_key({"family": "Mason", "given": "A-M."}) == "mason-am"
    assert person_key({"family": "Barkham", "given": "Michael"}) == person_key({"family": "Barkham", "given": "M."})
    assert str(Minter("http://example.org/kg/").topic("Trauma and/or PTSD")) == "http://example.org/kg/topic/trauma-and-or-ptsd"
    with pytest.raises(ConfigError):
        Minter("not a base")


def test_minted_people_topics_and_journals_are_kept_by_their_key():
    m = Minter("http://example.org/kg/")
    names = [{"family": "Barkham", "given": "M."}, {"family": "Barkham", "given": "J."}, {"family": "Barkham"},
             {"literal": "Barkham"}, {"literal": "Barkham Group"}, {"family": "Barkham", "given": "Michael"}]
    first = [m.person(dict(name)) for name in names]
    assert [m.person(dict(name)) for name in names] == first == [
        URIRef("http://example.org/kg/person/" + person_key(name)) for name in names]
    assert m.person(dict(names[0])) is first[0]  # the same object again
    assert [str(iri).rsplit("/", 1)[1] for iri in first] == [
        "barkham-m", "barkham-j", "barkham", "barkham", "barkham-group", "barkham-m"]
    assert m.topic("Trauma") is m.topic("Trauma") and m.topic("Trauma") != m.topic("Grief")
    assert m.journal("Psychother Res") is m.journal("Psychother Res") != m.journal("J Couns Psychol")


def test_custom_base_changes_every_minted_iri(real_page):
    g = build([real_page], base="http://example.org/kg/").graph
    assert not [t for t in g if any(str(x).startswith(ID) for x in t)]


def _used_ppr_terms():
    import re
    terms = set()
    for path in (ROOT / "src" / "pprnet_kg").rglob("*.py"):
        terms |= set(re.findall(r"\bPPR\.([a-zA-Z]\w*)", path.read_text(encoding="utf-8")))
    for path in (ROOT / "queries").glob("*.rq"):
        terms |= set(re.findall(r"\bppr:(\w+)", path.read_text(encoding="utf-8")))
    return terms


def test_every_ppr_term_used_is_declared_with_a_label_and_comment():
    onto = Graph().parse(ontology_file())
    for term in sorted(_used_ppr_terms()):
        iri = URIRef(str(PPR._NS) + term)
        assert onto.value(iri, RDFS.label) is not None, term
        assert onto.value(iri, RDFS.comment) is not None, term
        assert onto.value(iri, RDF.type) in {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}, term


def test_namespace_is_closed():
    with pytest.raises(AttributeError):
        PPR.reportsFindings  # noqa: B018 - a misspelt term must raise


def test_topic_scheme_has_the_36_topics(real_build):
    g = real_build.graph
    scheme = URIRef(ID + "scheme/topics")
    assert len(set(g.objects(scheme, SKOS.hasTopConcept))) == 36


def test_integer_valued_decimals_survive_a_turtle_round_trip(real_build):
    # regression: Literal(Decimal(0)) was "0" in the graph but "0.0" after re-parsing Turtle;
    # decimals are now canonical (XSD 1.1, as Oxigraph stores them) and Turtle keeps them as is
    assert {str(o) for o in real_build.graph.objects(None, PPR.nullValue)} == {"0"}
    g = Graph().parse(data=serialize(real_build.ntriples, "ttl", base=ID), format="turtle")
    assert {str(o) for o in g.objects(None, PPR.nullValue)} == {"0"}


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from([
    "SMD = 0.45; 95% CI: 0.16, 0.75", "r = .28 (95% CI: .17, .35)", "OR = 2.10, 95% CI: 1.35–3.27",
    "Some prose about “therapy” & <b>tags</b>.", "d = 0.44 [0.20, 0.68]", "β = −.23, p = .01", "NNT = 5"]), max_size=5))
def test_any_summary_builds_a_graph_that_conforms_and_round_trips(tmp_path_factory, parts):
    page = tmp_path_factory.mktemp("p") / "page.txt"
    page.write_text("June 2021\nA Title\nDoe, J. (2021). T. J, 1, 2.\n" + " ".join(parts) + " End.\n"
                    "Practice Implications\nSomething.\n", encoding="utf-8")
    result = build([page])
    g = result.graph
    assert validate_graph(g).conforms
    assert isomorphic(Graph().parse(data=serialize(result.ntriples, "ttl", base=ID), format="turtle"), g)


def test_same_page_in_two_folders_stays_two_sources_and_twelve_posts(real_page, tmp_path):
    # regression: pages were keyed by file name only, so a/x.txt and b/x.txt merged silently
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / real_page.name).write_bytes(real_page.read_bytes())
    result = build([tmp_path / "a", tmp_path / "b"])
    g = result.graph
    assert len(set(g.subjects(RDF.type, PPR.SourcePage))) == 2
    assert len(set(g.subjects(RDF.type, URIRef("https://schema.org/BlogPosting")))) == result.report.posts == 12
    assert sum("already read from another page" in p.message for p in result.report.problems) == 6
    assert validate_graph(g).conforms


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.integers(), st.booleans()), st.sampled_from([None, "en"]))
# text that needs escaping, and text that is not printable but needs none (the fast check sends
# both to the escaping)
@example('say "no" \\ \x01\t\n\r', None)
@example("\x85 \u2028 \xa0 \x7f \U0001F600 \u00e9", "en")
@example("ASCII \x1f and \x7f", None)
@example('ASCII "quoted"', None)
@example("ASCII back\\slash", "en")
@example("\u00e9 \"", None)
def test_builder_literals_are_written_as_rdflib_writes_them(value, lang):
    """ntriples.lit and en (what the builder makes) give the bytes rdflib's Literal gives, escapes included."""
    from rdflib import Literal

    from pprnet_kg.ntriples import en, lit, term

    lang = lang if isinstance(value, str) else None
    assert lit(value, lang=lang) == term(Literal(value, lang=lang))
    if isinstance(value, str):
        from rdflib.namespace import XSD

        assert lit(value, datatype=XSD.gYear) == term(Literal(value, datatype=XSD.gYear, normalize=False))
        assert en(value) == term(Literal(value, lang="en"))
        from types import SimpleNamespace

        from pprnet_kg.graph import GraphBuilder

        lines = SimpleNamespace(lines=[])  # all that add and add_text use of a builder
        s, p = URIRef("http://example.org/kg/s"), URIRef("http://example.org/kg/p")
        GraphBuilder.add_text(lines, s, p, value)
        GraphBuilder.add(lines, s, p, lit(value))
        assert lines.lines[0] == lines.lines[1]  # add_text writes what add and lit write


@pytest.mark.parametrize("value, lexical", [("-0.30", "-0.3"), ("0.0", "0"), ("12", "12"), ("1E+1", "10"), ("0.045", "0.045")])
def test_decimal_literals_are_canonical_and_typed(value, lexical):
    from decimal import Decimal

    from rdflib import Literal
    from rdflib.namespace import XSD

    from pprnet_kg.ntriples import canonical_decimal, dec, term

    assert dec(Decimal(value)) == term(Literal(lexical, datatype=XSD.decimal, normalize=False))
    assert dec(Decimal(lexical)) == dec(Decimal(value))  # an equal value kept from before: the same form
    assert dec(-Decimal(value)) == term(Literal(canonical_decimal(-Decimal(value)), datatype=XSD.decimal))


def test_cached_namespaces_keep_terms_looked_up_by_item():
    from rdflib import RDF as PLAIN_RDF

    from pprnet_kg.namespaces import OBO, cached

    rdf, obo = cached(PLAIN_RDF), cached(OBO)
    assert rdf["_3"] == PLAIN_RDF["_3"] and rdf["_3"] is rdf["_3"] and rdf["_4"] == PLAIN_RDF._4
    assert obo["STATO_0000085"] == OBO["STATO_0000085"]


@pytest.mark.parametrize("value, written", [(0, '"0"@en'), (12, '"12"@en'), (True, '"true"@en'), (False, '"false"@en')])
def test_a_number_or_truth_value_given_a_language_is_written_with_it(value, written):
    # as lit wrote it before its integer and boolean shortcuts: a language is the literal's tag, as for text
    from pprnet_kg.ntriples import lit

    assert lit(value, lang="en") == written
    assert lit(value) == f'"{str(value).lower()}"^^<http://www.w3.org/2001/XMLSchema#{"boolean" if isinstance(value, bool) else "integer"}>'


def test_builds_with_other_bases_in_one_process_keep_to_their_own(real_page):
    # the builder's caches (minted people, topics, journals; decimals; namespace items) may
    # outlive a build: none may hand a later build an IRI minted under an earlier build's base
    other = "http://example.org/kg/"
    first = build([real_page]).ntriples
    second = build([real_page], base=other).ntriples
    third = build([real_page]).ntriples
    assert first == third
    assert ID in first and ID not in second
    assert second == first.replace(ID, other)
