"""The SPARQL query library (queries/*.rq): headers, syntax, bindings, and the exact answer of
every query on the real blog page, plus hand-made graphs for the cases that page does not have."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal as D
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from pprnet_kg.pipeline import build
from pprnet_kg.sparql import library, load_query, with_prologue
from pprnet_kg.sparql.catalogue import LABEL_TYPES
from pprnet_kg.sparql.safety import check_syntax

from conftest import run_query

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT.parent / "shared" / "pprnet" / "pages" / "blog-2020-07-to-2020-12.txt"
ID = "https://w3id.org/pprnet/id/"

VC = "2020-07-is-the-therapeutic-alliance-diminished-by-videoconferencing"
FIRTH = "2020-08-why-does-where-a-patient-lives-affect-their-outcomes-in-psychotherapy"
ALLY = "2020-09-the-reciprocal-relationship-between-the-alliance-and-outcomes"
EMO = "2020-11-therapist-and-client-emotional-expression-a-meta-analysis"
HARM = "2020-12-how-does-therapy-harm"
NONRESP = "2020-12-psychotherapy-for-those-who-do-not-respond-to-treatment"
GLOSTER_A = "id:article/doi/10.1016/j.cpr.2019.101810"
CURRAN_A = "id:article/doi/10.3389/fpsyg.2019.00347"
FIRTH_A = "id:article/firth-2019-therapist-and-clinic-effects-in-psychotherapy-a"
FLUCK_A = "id:article/fluckiger-2020-the-reciprocal-relationship-between-alliance-and"
PELUSO_A = "id:article/peluso-2018-therapist-and-client-emotional-expression-and"
UNCITED_A = f"id:article/uncited/{VC}"
TITLE = {
    VC: "Is the Therapeutic Alliance Diminished by Videoconferencing Psychotherapy?",
    FIRTH: "Why Does Where a Patient Lives Affect Their Outcomes in Psychotherapy?",
    ALLY: "The Reciprocal Relationship Between the Alliance and Outcomes",
    EMO: "Therapist and Client Emotional Expression: A Meta-Analysis",
    HARM: "How Does Therapy Harm?",
    NONRESP: "Psychotherapy for Those Who Do Not Respond to Treatment",
}
ALLIANCE = "Alliance and Therapeutic Relationship"
REQUIRED = set("""posts_by_month findings_for_article findings_for_topic findings_excluding_null
    findings_not_robust articles_per_journal authors_with_multiple_articles coauthor_pairs disorders_interventions
    cooccurring_topics implications_for_topic articles_missing_doi_or_citation provenance_of_finding
    study_designs topic_overview graph_topics_articles""".split())
# a value for every required parameter of the library, used to run every query
SAMPLE = {"month": "2020-12", "article": GLOSTER_A, "topic": ALLIANCE, "finding": f"id:finding/{NONRESP}/2",
          "condition": "Depression and mood disorders", "comparator": "Face-to-face delivery"}
INJECTION = 'x" } ; DROP ALL ; #'


def finding(slug: str, n: int) -> str:
    return f"id:finding/{slug}/{n}"


def py(term):
    """A result term as a Python value: our IRIs as id:..., literals as str/Decimal/int/bool."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return "id:" + term[len(ID):] if term.startswith(ID) else str(term)
    value = term.toPython()
    return str(value) if isinstance(value, Literal) else value


def run(graph: Graph, name: str, **params) -> list[dict]:
    result = run_query(graph, load_query(name), params)
    names = list(result.vars)
    return [{n: py(row[i]) for i, n in enumerate(names)} for row in result.rows]


def cols(records: list[dict], *names: str) -> list[tuple]:
    return [tuple(r[n] for n in names) for r in records]


@pytest.fixture(scope="module")
def kg(real_page) -> Graph:
    return build([str(real_page)]).graph


# ------------------------------------------------------------------ the library itself

def test_library_has_the_required_queries():
    assert REQUIRED <= {q.name for q in library()}


@pytest.mark.parametrize("path", sorted((ROOT / "queries").glob("*.rq")), ids=lambda p: p.stem)
def test_every_file_has_the_header(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert re.fullmatch(r"[a-z][a-z0-9_]*", path.stem)
    assert re.fullmatch(r"# title: \S.*", lines[0])
    assert re.fullmatch(r"# description: \S.{20,}", lines[1])
    assert re.fullmatch(r"# params: (none|\w+:\w+\??(, \w+:\w+\??)*)", lines[2])
    body = "\n".join(lines[3:])
    assert not re.search(r"(?im)^\s*PREFIX\s", body), "prefixes are prepended, not declared"
    assert "ORDER BY" in body, "row order must be deterministic"


def test_headers_parse_with_declared_params():
    params = {q.name: [(p.name, p.type, p.optional) for p in q.params] for q in library()}
    assert params["findings_for_article"] == [("article", "iri", False)]
    assert params["findings_for_topic"] == [("topic", "topic", False)]
    assert params["findings_excluding_null"] == [("measure", "string", True)]
    assert params["coauthor_pairs"] == [("author", "iri", True)]
    assert params["provenance_of_finding"] == [("finding", "iri", False)]
    assert params["articles_per_journal"] == []
    assert all(q.title != q.name and q.description for q in library())


@pytest.mark.parametrize("query", library(), ids=lambda q: q.name)
def test_every_query_parses_and_runs(kg, query):
    check_syntax(with_prologue(query.text, ID))
    params = {p.name: SAMPLE[p.name] for p in query.params if not p.optional}
    assert isinstance(run(kg, query.name, **params), list)


def test_row_order_does_not_depend_on_triple_order(kg):
    lines = kg.serialize(format="nt").splitlines()
    shuffled = Graph().parse(data="\n".join(reversed(lines)), format="nt")
    for q in library():
        params = {p.name: SAMPLE[p.name] for p in q.params if not p.optional}
        assert run(kg, q.name, **params) == run(shuffled, q.name, **params), q.name


@pytest.mark.parametrize("name", ["findings_for_topic", "cooccurring_topics", "implications_for_topic"])
def test_parameters_are_bindings_not_text(kg, name):
    from pprnet_kg.errors import QueryError

    size = len(kg)
    with pytest.raises(QueryError, match="no topic labelled"):
        run(kg, name, topic=INJECTION)
    # a label in any case is the same topic (matched to the graph's label, then bound as a value)
    assert run(kg, name, topic=ALLIANCE.lower()) == run(kg, name, topic=ALLIANCE)
    assert len(kg) == size


@pytest.mark.parametrize("query", [q for q in library() if any(p.type in LABEL_TYPES for p in q.params)],
                         ids=lambda q: q.name)
def test_a_concept_named_by_label_is_found_by_that_label_not_by_comparing_every_label(query):
    """The label a user gives is bound to the graph's own label literal (language tag included), so
    the query can look the concept up by it; comparing STR() of every label made the engine start
    from the findings instead (3x slower at 100,000 posts)."""
    for p in query.params:
        if p.type in LABEL_TYPES:
            assert re.search(rf"skos:prefLabel \?{p.name}\b", query.text), p.name
            assert not re.search(rf"STR\(\?\w+\) = \?{p.name}\b", query.text), p.name


def test_a_label_given_in_any_case_is_bound_to_the_graph_s_literal(real_page):
    from pprnet_kg.kg import KG
    from pprnet_kg.sparql import library_query

    with KG.open(store="oxigraph", sources=[real_page]) as kg:
        bound = kg._labels(library_query("findings_for_topic"), {"topic": ALLIANCE.upper()})
    assert bound["topic"] == Literal(ALLIANCE, lang="en")


def test_labels_are_looked_up_once_by_a_graph_opened_for_reading_and_each_time_on_a_remote_store(real_page,
                                                                                                      monkeypatch):
    from pprnet_kg.kg import KG
    from pprnet_kg.sparql import library_query

    q = library_query("findings_for_topic")
    with KG.open(store="oxigraph", sources=[real_page]) as kg:
        lookups = []
        real = kg.select
        monkeypatch.setattr(kg, "select", lambda name, *a: lookups.append(name) or real(name, *a))
        first = kg.query(q, {"topic": ALLIANCE}).rows
        assert kg.query(q, {"topic": ALLIANCE.lower()}).rows == first and lookups == ["labels"]
        monkeypatch.setattr(kg.backend, "shared", True)  # as a remote store is: others may add labels
        kg._label_index = None
        kg.query(q, {"topic": ALLIANCE})
        kg.query(q, {"topic": ALLIANCE})
        assert lookups == ["labels"] * 3


def test_one_label_text_in_two_languages_names_the_english_one_on_every_store(tmp_path):
    """Concepts found by their label literal: when two share the text in different languages, the
    choice is the same whatever order a store returns labels in (English first)."""
    from pprnet_kg.kg import KG

    scheme = "<https://w3id.org/pprnet/id/scheme/topics>"
    ttl = tmp_path / "lang.ttl"
    ttl.write_text(f"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix ppr: <https://w3id.org/pprnet/ontology#> .
@prefix id: <{ID}> .
{scheme} skos:hasTopConcept id:gb, id:en .
id:gb skos:topConceptOf {scheme} ; skos:prefLabel "Anxiety"@en-GB .
id:en skos:topConceptOf {scheme} ; skos:prefLabel "Anxiety"@en .
id:p1 dcterms:subject id:gb ; ppr:practiceImplications "one" .
id:p2 dcterms:subject id:en ; ppr:practiceImplications "two" .
""", encoding="utf-8")
    for store in ("memory", "oxigraph"):
        kg = KG.from_files([ttl], store=store)
        rows = kg.query(load_query("implications_for_topic"), {"topic": "ANXIETY"}).records()
        assert [(str(r.post), r.topic.language) for r in rows] == [(ID + "p2", "en")], store


def test_a_mistyped_topic_suggests_the_closest_labels(kg):
    from pprnet_kg.errors import QueryError

    with pytest.raises(QueryError, match="closest: 'Alliance and Therapeutic Relationship'"):
        run(kg, "findings_for_topic", topic="Aliance and therapeutic relationships")


# ------------------------------------------------------------- answers on the real page

def test_posts_by_month(kg):
    assert cols(run(kg, "posts_by_month", month="2020-12"), "post", "doi") == [
        (f"id:post/{HARM}", "10.3389/fpsyg.2019.00347"),
        (f"id:post/{NONRESP}", "10.1016/j.cpr.2019.101810"),
    ]
    assert run(kg, "posts_by_month", month="2021-01") == []


def test_findings_for_article(kg):
    names = ("finding", "measureCode", "measureLabel", "value", "ciLower", "ciUpper",
             "pComparator", "pValue", "k", "n", "outcome")
    assert cols(run(kg, "findings_for_article", article=GLOSTER_A), *names) == [
        (finding(NONRESP, 1), "SMD", "SMD", D("0.45"), D("0.16"), D("0.75"), None, None, None, None, "symptoms"),
        (finding(NONRESP, 2), "SMD", "SMD", D("0.359"), D("-0.349"), D("1.068"), ">", D("0.05"), None, None, "symptoms"),
    ]
    assert cols(run(kg, "findings_for_article", article=UNCITED_A), *names) == [
        (finding(VC, 1), "SMD", "SMD", D("-0.30"), D("-0.67"), D("0.07"), "=", D("0.11"), 4, None, "alliance"),
        (finding(VC, 2), "SMD", "SMD", D("-0.03"), D("-0.45"), D("0.40"), "=", D("0.90"), 4, None, "symptoms"),
    ]
    assert cols(run(kg, "findings_for_article", article=FLUCK_A), "measureLabel", "pComparator", "pValue") == [
        ("B adjusted", "<", D("0.0001"))] * 2
    assert cols(run(kg, "findings_for_article", article=PELUSO_A), "value", "k") == [(D("0.28"), 13), (D("0.40"), 42)]
    assert run(kg, "findings_for_article", article=CURRAN_A) == []


def test_findings_for_topic(kg):
    fluck_title = ("The reciprocal relationship between alliance and early treatment symptoms: "
                   "A two-stage individual participant data meta-analysis")
    assert cols(run(kg, "findings_for_topic", topic=ALLIANCE), "finding", "article", "articleTitle", "value") == [
        (finding(ALLY, 1), FLUCK_A, fluck_title, D("-0.065")),
        (finding(ALLY, 2), FLUCK_A, fluck_title, D("-0.148")),
        (finding(VC, 1), UNCITED_A, None, D("-0.30")),
        (finding(VC, 2), UNCITED_A, None, D("-0.03")),
    ]
    assert cols(run(kg, "findings_for_topic", topic="Common Factors"), "finding", "outcome") == [
        (finding(EMO, 1), "client outcomes"), (finding(EMO, 2), "client outcomes")]
    assert run(kg, "findings_for_topic", topic="Therapist Factors") == []  # Firth and Curran report none


def test_findings_excluding_null(kg):
    names = ("finding", "measure", "value", "ciLower", "ciUpper", "nullValue")
    assert cols(run(kg, "findings_excluding_null"), *names) == [
        (finding(ALLY, 1), "B", D("-0.065"), D("-0.092"), D("-0.038"), 0),
        (finding(ALLY, 2), "B", D("-0.148"), D("-0.215"), D("-0.081"), 0),
        (finding(NONRESP, 1), "SMD", D("0.45"), D("0.16"), D("0.75"), 0),
        (finding(EMO, 2), "r", D("0.40"), D("0.32"), D("0.48"), 0),
        (finding(EMO, 1), "r", D("0.28"), D("0.17"), D("0.35"), 0),
    ]
    assert cols(run(kg, "findings_excluding_null", measure="r"), "finding") == [(finding(EMO, 2),), (finding(EMO, 1),)]
    assert run(kg, "findings_excluding_null", measure="OR") == []
    # the computed answer agrees with the ppr:excludesNull flag the pipeline writes
    flagged = {py(s) for s, o in kg.subject_objects(URIRef("https://w3id.org/pprnet/ontology#excludesNull"))
               if o.toPython() is True}
    assert flagged == {r["finding"] for r in run(kg, "findings_excluding_null")}


def test_findings_not_robust(kg):
    assert cols(run(kg, "findings_not_robust"), "finding", "caveat", "reason", "postTitle") == [
        (finding(VC, 1), "not statistically significant",
         "CI includes the null value; text says: not statistically significant", TITLE[VC]),
        (finding(VC, 2), None, "CI includes the null value", TITLE[VC]),
        (finding(NONRESP, 2), "did not hold up", "CI includes the null value; text says: did not hold up",
         TITLE[NONRESP]),
    ]


def test_articles_per_journal(kg):
    assert cols(run(kg, "articles_per_journal"), "journalTitle", "articles") == [
        ("Journal of Consulting and Clinical Psychology", 2),
        ("Clinical Psychology Review", 1),
        ("Frontiers in Psychology", 1),
        ("Psychotherapy", 1),
    ]


def test_authors_with_multiple_articles_is_empty_on_the_page(kg):
    assert run(kg, "authors_with_multiple_articles") == []


def test_coauthor_pairs(kg):
    pairs = run(kg, "coauthor_pairs")
    # five cited articles with 7, 6, 4, 8 and 2 authors, no author shared between them
    assert len(pairs) == 21 + 15 + 6 + 28 + 1
    assert {r["articles"] for r in pairs} == {1}
    assert all(r["authorA"] < r["authorB"] for r in pairs)
    assert cols(run(kg, "coauthor_pairs", author="id:person/barkham-m"), "nameA", "nameB", "articles") == [
        ("M. Barkham", "N. Firth", 1), ("M. Barkham", "D. Saxon", 1), ("M. Barkham", "W. B. Stiles", 1)]
    assert cols(run(kg, "coauthor_pairs", author="id:person/stiles-wb"), "nameA", "nameB") == [
        ("M. Barkham", "W. B. Stiles"), ("N. Firth", "W. B. Stiles"), ("D. Saxon", "W. B. Stiles")]
    assert run(kg, "coauthor_pairs", author="id:person/nobody") == []


def test_disorders_interventions(kg):
    # finding-level only: the December 2020 post mentions CBT, psychodynamic therapy, DBT and
    # medication, but its findings are about adding psychotherapy after non-response
    anx, dep = "Anxiety and anxiety disorders", "Depression and mood disorders"
    psy = "Psychotherapy (any or unspecified kind)"
    assert cols(run(kg, "disorders_interventions"), "disorderLabel", "interventionLabel", "findings", "articles") == [
        (anx, psy, 2, 1), (dep, psy, 2, 1)]


def test_evidence_for_condition(kg):
    rows = run(kg, "evidence_for_condition", condition="depression and mood disorders")  # any case
    assert cols(rows, "finding", "interventionText", "comparatorLabel", "outcome", "timepoint", "value", "verdict") == [
        (finding(NONRESP, 1), "adding psychotherapy after previous treatment non-response", None, "symptoms", None,
         D("0.45"), "CI excludes the null"),
        (finding(NONRESP, 2), "adding psychotherapy after previous treatment non-response", None, "symptoms",
         "follow-up", D("0.359"), "CI includes the null"),
    ]
    assert all(r["interventionLabel"] != "Medication and pharmacotherapy" for r in rows)


def test_evidence_map_counts_findings_by_verdict(kg):
    assert cols(run(kg, "evidence_map"), "interventionLabel", "conditionLabel", "findings", "excludesNull",
                "includesNull", "noCi", "smdMin", "smdMax", "comparators") == [
        ("Psychotherapy (any or unspecified kind)", c, 2, 1, 1, 0, D("0.359"), D("0.45"), "comparator not stated")
        for c in ("Anxiety and anxiety disorders", "Depression and mood disorders")]


def test_associations_have_exposure_and_outcome(kg):
    assert cols(run(kg, "associations"), "exposure", "outcomeLabel", "timepoint", "value") == [
        ("client expression of affect during therapy", "Client outcomes (in general)", "post-treatment", D("0.40")),
        ("therapists’ expression of affect during therapy", "Client outcomes (in general)", "post-treatment", D("0.28")),
        ("high alliance at a preceding session", "Symptom severity", "session-level", D("-0.065")),
        ("higher symptoms at the start of a session", "Therapeutic alliance", "session-level", D("-0.148")),
    ]
    assert cols(run(kg, "associations", outcome="therapeutic alliance"), "value") == [(D("-0.148"),)]


def test_comparisons_against_face_to_face(kg):
    assert cols(run(kg, "comparisons_against", comparator="face-to-face delivery"),
                "interventionLabel", "comparatorText", "outcome", "value", "favours") == [
        ("Videoconferencing psychotherapy", "face to face therapy", "alliance", D("-0.30"), "comparator"),
        ("Videoconferencing psychotherapy", "face to face therapy", "symptoms", D("-0.03"), None),
    ]


def test_durability_puts_follow_up_beside_the_end_of_treatment(kg):
    assert cols(run(kg, "durability"), "outcome", "endValue", "followUpValue", "followUpLower") == [
        ("symptoms", D("0.45"), D("0.359"), D("-0.349"))]


def test_cooccurring_topics(kg):
    assert cols(run(kg, "cooccurring_topics", topic="Outcomes and Deterioration"), "otherLabel", "posts") == [
        ("Therapist Factors", 2),
        *[(label, 1) for label in (
            ALLIANCE, "Anxiety Disorders", "Client Factors", "Client Preferences", "Combination Therapy",
            "Depression and Depressive Symptoms", "Efficacy of Treatments", "Long-term Outcomes",
            "Medications/Pharmacotherapy", "Practice-Based Research and Practice Research Networks")],
    ]
    assert run(kg, "cooccurring_topics", topic="Common Factors") == []  # its only post has no other topic


def test_implications_for_topic(kg):
    records = run(kg, "implications_for_topic", topic=ALLIANCE)
    assert cols(records, "post", "title", "month") == [
        (f"id:post/{VC}", TITLE[VC], "2020-07"),
        (f"id:post/{ALLY}", TITLE[ALLY], "2020-09"),
        (f"id:post/{HARM}", TITLE[HARM], "2020-12"),
    ]
    starts = ("With only four direct comparison randomized trials", "This meta-analysis is another indication",
              "Therapists would do well to ensure that the patient’s voice is heard")
    assert all(r["implications"].startswith(s) for r, s in zip(records, starts, strict=True))
    assert run(kg, "implications_for_topic", topic="Empathy") == []


def test_articles_missing_doi_or_citation(kg):
    assert cols(run(kg, "articles_missing_doi_or_citation"), "post", "article", "problem") == [
        (f"id:post/{VC}", UNCITED_A, "no DOI"),
        (f"id:post/{VC}", UNCITED_A, "no citation"),
        (f"id:post/{ALLY}", FLUCK_A, "no DOI"),
        (f"id:post/{EMO}", PELUSO_A, "no DOI"),
        (f"id:post/{FIRTH}", FIRTH_A, "no DOI"),
    ]


def test_provenance_of_finding(kg):
    [row] = run(kg, "provenance_of_finding", finding=finding(NONRESP, 2))
    evidence = row.pop("evidence")  # the page's own sentence: checked against the page, not copied here
    assert evidence.endswith("(SMD = 0.359; 95% CI -0.349, 1.068, p > .05).")
    assert row == {
        "finding": finding(NONRESP, 2),
        "findingLine": 48, "article": GLOSTER_A, "post": f"id:post/{NONRESP}", "postTitle": TITLE[NONRESP],
        "postLine": 46, "page": "id:page/blog-2020-07-to-2020-12-txt", "pageLabel": "blog-2020-07-to-2020-12.txt",
    }
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    assert evidence in lines[row["findingLine"] - 1]
    assert lines[row["postLine"] - 1].strip() == TITLE[NONRESP]
    assert run(kg, "provenance_of_finding", finding=f"id:post/{NONRESP}") == []  # not a finding


def test_study_designs(kg):
    assert cols(run(kg, "study_designs"), "designLabel", "articles") == [
        ("meta-analysis", 3), ("individual-participant-data meta-analysis", 1),
        ("naturalistic / practice-based study", 1), ("qualitative meta-synthesis", 1),
    ]


def test_topic_overview(kg):
    records = run(kg, "topic_overview")
    assert len(records) == 36 and sum(r["posts"] for r in records) == 18
    assert cols(records[:4], "label", "posts") == [
        (ALLIANCE, 3), ("Outcomes and Deterioration", 3), ("Therapist Factors", 2), ("Anxiety Disorders", 1)]
    assert [r["posts"] for r in records] == [3, 3, 2] + [1] * 10 + [0] * 23
    assert cols(records[13:15], "label") == [("Adherance",), ("Attachment",)]


def test_graph_topics_articles(kg):
    edges = run(kg, "graph_topics_articles")
    assert len(edges) == 18 and {e["weight"] for e in edges} == {1}
    assert cols(edges[:3], "source", "target", "targetLabel") == [
        ("id:topic/alliance-and-therapeutic-relationship", CURRAN_A,
         "How Does therapy harm? A model of adverse process using task analysis in the meta-synthesis of "
         "service users’ experience"),
        ("id:topic/alliance-and-therapeutic-relationship", UNCITED_A, TITLE[VC]),  # untitled: its post's title
        ("id:topic/alliance-and-therapeutic-relationship", FLUCK_A,
         "The reciprocal relationship between alliance and early treatment symptoms: "
         "A two-stage individual participant data meta-analysis"),
    ]
    assert Counter(e["target"] for e in edges) == {GLOSTER_A: 7, CURRAN_A: 4, FIRTH_A: 4, UNCITED_A: 1, FLUCK_A: 1, PELUSO_A: 1}


# --------------------------------------------------- hand-made graphs for the missing cases

TINY = """
@prefix ppr: <https://w3id.org/pprnet/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix bibo: <http://purl.org/ontology/bibo/> .
@prefix a: <https://w3id.org/pprnet/id/article/> .
@prefix p: <https://w3id.org/pprnet/id/person/> .
@prefix f: <https://w3id.org/pprnet/id/finding/> .

a:one a bibo:AcademicArticle ; dcterms:creator p:ann, p:bob .
a:two a bibo:AcademicArticle ; dcterms:creator p:ann, p:bob .
a:three a bibo:AcademicArticle ; dcterms:creator p:ann, p:cat ;
    ppr:reportsFinding f:or-up, f:or-null, f:smd-low, f:bare, f:bare-caveat, f:nnt .
p:ann foaf:name "Ann Author" . p:bob foaf:name "Bob Author" . p:cat foaf:name "Cat Author" .
f:or-up a ppr:Finding ; ppr:measureCode "OR" ; ppr:value 1.5 ; ppr:ciLower 1.2 ; ppr:ciUpper 2.0 ; ppr:nullValue 1 .
f:or-null a ppr:Finding ; ppr:measureCode "OR" ; ppr:value 0.9 ; ppr:ciLower 0.8 ; ppr:ciUpper 1.5 ; ppr:nullValue 1 .
f:smd-low a ppr:Finding ; ppr:measureCode "SMD" ; ppr:value -0.3 ; ppr:ciLower -0.5 ; ppr:ciUpper -0.1 ;
    ppr:nullValue 0 ; ppr:caveat "did not hold after adjustment" .
f:bare a ppr:Finding ; ppr:measureCode "d" ; ppr:value 0.2 ; ppr:nullValue 0 .
f:bare-caveat a ppr:Finding ; ppr:measureCode "d" ; ppr:value 0.1 ; ppr:nullValue 0 ; ppr:caveat "not significant" .
f:nnt a ppr:Finding ; ppr:measureCode "NNT" ; ppr:value 5 ; ppr:ciLower 3 ; ppr:ciUpper 9 .
"""


@pytest.fixture(scope="module")
def tiny() -> Graph:
    return Graph().parse(data=TINY, format="turtle")


def test_authors_with_multiple_articles_on_a_tiny_graph(tiny):
    assert cols(run(tiny, "authors_with_multiple_articles"), "author", "name", "articles") == [
        ("id:person/ann", "Ann Author", 3), ("id:person/bob", "Bob Author", 2)]


def test_coauthor_pairs_count_joint_articles(tiny):
    assert cols(run(tiny, "coauthor_pairs"), "nameA", "nameB", "articles") == [
        ("Ann Author", "Bob Author", 2), ("Ann Author", "Cat Author", 1)]
    assert cols(run(tiny, "coauthor_pairs", author="id:person/cat"), "nameA", "nameB", "articles") == [
        ("Ann Author", "Cat Author", 1)]


def test_null_value_is_one_for_ratios_and_zero_otherwise(tiny):
    # the null value comes from the graph (the builder writes it from data/measures.toml); NNT has none
    assert cols(run(tiny, "findings_excluding_null"), "finding", "nullValue") == [
        ("id:finding/or-up", 1), ("id:finding/smd-low", 0)]
    assert cols(run(tiny, "findings_excluding_null", measure="SMD"), "finding") == [("id:finding/smd-low",)]


def test_not_robust_reasons_on_a_tiny_graph(tiny):
    assert cols(run(tiny, "findings_not_robust"), "finding", "reason") == [
        ("id:finding/bare-caveat", "text says: not significant"),
        ("id:finding/or-null", "CI includes the null value"),
        ("id:finding/smd-low", "text says: did not hold after adjustment"),
    ]


# ------------------------------------------------- our own queries run without a parser

PAGES = [(None, 0), (10, 0), (10, 5), (None, 3), (2, 1)]


def _own_queries():
    from pprnet_kg.resources import queries_dir
    from pprnet_kg.sparql import view_query

    return library() + [view_query(p.stem) for p in sorted((queries_dir() / "views").glob("*.rq"))]


@pytest.mark.parametrize("query", _own_queries(), ids=lambda q: q.name)
def test_our_queries_are_paged_without_a_parser_into_queries_that_parse(query):
    from pprnet_kg.sparql import prepare

    assert query.own  # read from the package's queries/: parsed here, run without rdflib's parser
    params = {p.name: SAMPLE[p.name] for p in query.params if not p.optional and p.name in SAMPLE}
    for limit, offset in PAGES:
        text, _, paged = prepare(query, params, base=ID, limit=limit, offset=offset)
        check_syntax(text)
        assert paged == (limit is not None or offset > 0) or not query.text.lstrip().startswith("SELECT")


VARIANTS = [
    "SELECT ?s ?o WHERE { ?s dcterms:title ?o } ORDER BY ?s ?o",
    "SELECT ?s ?o WHERE { ?s dcterms:title ?o } ORDER BY ?s ?o LIMIT 3",
    "SELECT ?s ?o WHERE { ?s dcterms:title ?o } ORDER BY ?s ?o OFFSET 2",
    "SELECT ?s ?o WHERE { { SELECT ?s ?o WHERE { ?s dcterms:title ?o } ORDER BY ?s ?o LIMIT 4 } } ORDER BY ?s ?o",
    "SELECT ?s ?o WHERE { ?s dcterms:title ?o } ORDER BY ?s ?o VALUES ?x { 1 }",
    "SELECT ?s ?o WHERE { ?s dcterms:title ?o } ORDER BY ?s ?o # LIMIT 3",
    'SELECT ?s ?o WHERE { ?s dcterms:title ?o FILTER(?o != "a } LIMIT 3") } ORDER BY ?s ?o',
    "select ?s ?o where { ?s dcterms:title ?o } order by ?s ?o limit 3",
    "ASK { ?s dcterms:title ?o }",
]


@pytest.fixture(scope="module")
def sample_kg():
    from pprnet_kg.kg import KG

    kg, _ = KG.build(None, store="memory")
    yield kg
    kg.close()


@pytest.mark.parametrize("text", VARIANTS)
def test_a_page_is_the_slice_of_the_whole_answer(sample_kg, text):
    """Paged in the engine or here, a page holds the rows the whole answer has at its place: a
    query's own LIMIT bounds the rows before they are paged (LIMIT 3 has no second page)."""
    from pprnet_kg.sparql import adhoc_query

    for own in (False, True):
        query = replace(adhoc_query(text), own=own)
        whole = sample_kg.query(query)
        for limit, offset in PAGES:
            page = sample_kg.query(query, limit=limit, offset=offset)
            if whole.form == "ASK":
                assert page.boolean == whole.boolean
                continue
            end = None if limit is None else offset + limit
            assert page.rows == whole.rows[offset:end], (own, limit, offset)


def test_a_users_query_file_is_checked_by_the_parser(tmp_path):
    from pprnet_kg.errors import QueryError
    from pprnet_kg.sparql import prepare

    path = tmp_path / "mine.rq"
    path.write_text("SELECT * WHERE { ?s ?p ?o ", encoding="utf-8")
    query = load_query(str(path))
    assert not query.own
    with pytest.raises(QueryError, match="syntax error"):
        prepare(query, {}, base=ID)


def test_the_cli_runs_a_library_query_without_importing_rdflibs_parser(tmp_path):
    """The parser takes ~0.3 s to import, more than most queries take on the store."""
    import subprocess
    import sys

    store = tmp_path / "store"
    env_run = [sys.executable, "-m", "pprnet_kg.cli"]
    assert subprocess.run([*env_run, "build", "--store", f"oxigraph:{store}", "--no-html", "-q"],
                          capture_output=True, cwd=tmp_path).returncode == 0
    probe = ("import sys, runpy; sys.argv = ['pprnet-kg', 'query', 'topic_overview', '--store', "
             f"'oxigraph:{store}'];\ntry:\n    runpy.run_module('pprnet_kg.cli', run_name='__main__')\n"
             "except SystemExit as e:\n    assert not e.code, e.code\n"
             "print('PARSER' if 'rdflib.plugins.sparql.parser' in sys.modules else 'NO PARSER', file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert "Alliance" in proc.stdout, proc.stderr
    assert proc.stderr.strip().endswith("NO PARSER"), proc.stderr
