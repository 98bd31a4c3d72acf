"""extract/citation.py: APA citation lines -> CSL-JSON."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pprnet_kg.errors import CitationError
from pprnet_kg.extract.citation import parse_authors, parse_citation
from pprnet_kg.extract.journals import load_journals
from pprnet_kg.parse import parse_page
from pprnet_kg.sources import read_page


def names(item, role="author"):
    return [(n.get("family"), n.get("given")) for n in item.get(role, [])]


def test_real_page_citations(real_page):
    parsed = parse_page(read_page(real_page))
    results = [parse_citation(p.citation.text) for p in parsed.posts if p.citation]
    assert len(results) == 5
    gloster, curran, peluso, fluckiger, firth = (r.item for r in results)
    assert names(gloster)[:2] == [("Gloster", "A. T."), ("Rinner", "M. T.")]
    assert names(gloster)[-1] == ("Karekla", "M.") and len(names(gloster)) == 7
    assert results[0].authors_truncated and results[3].authors_truncated
    assert not results[1].authors_truncated
    assert gloster["DOI"] == "10.1016/j.cpr.2019.101810" and gloster["volume"] == "75"
    assert gloster["container-title"] == "Clinical Psychology Review"
    assert gloster["title"].startswith("Treating treatment non-responders: A meta-analysis")
    assert curran["title"].startswith("How Does therapy harm? A model of adverse process")
    assert curran["container-title"] == "Frontiers in Psychology"
    assert (curran["volume"], curran["number"], curran["DOI"]) == ("10", "347", "10.3389/fpsyg.2019.00347")
    assert ("Mason", "A-M.") in names(curran) and ("Parry", "G. D.") in names(curran)
    assert (peluso["volume"], peluso["issue"], peluso["page"]) == ("55", "4", "461-472")
    assert names(fluckiger)[0] == ("Flückiger", "C.") and ("Del Re", "A. C.") in names(fluckiger)
    assert names(fluckiger)[-1] == ("Barber", "J. P.")
    assert fluckiger["container-title"] == "Journal of Consulting and Clinical Psychology"
    assert (fluckiger["volume"], fluckiger["issue"], fluckiger["page"]) == ("88", "9", "829-843")
    assert firth["issued"] == {"date-parts": [[2019]]} and len(firth["author"]) == 4


REAL_ITEMS = [  # the five citations of the real page, field by field (facts copied from the page)
    {"type": "article-journal", "author": [
        {"family": "Gloster", "given": "A. T."}, {"family": "Rinner", "given": "M. T."},
        {"family": "Ioannou", "given": "M."}, {"family": "Villanueva", "given": "J."},
        {"family": "Block", "given": "V. J."}, {"family": "Ferrari", "given": "G."}, {"family": "Karekla", "given": "M."}],
     "issued": {"date-parts": [[2020]]},
     "title": "Treating treatment non-responders: A meta-analysis of randomized controlled psychotherapy trials",
     "container-title": "Clinical Psychology Review", "volume": "75", "DOI": "10.1016/j.cpr.2019.101810"},
    {"type": "article-journal", "author": [
        {"family": "Curran", "given": "J."}, {"family": "Parry", "given": "G. D."}, {"family": "Hardy", "given": "G. E."},
        {"family": "Darling", "given": "J."}, {"family": "Mason", "given": "A-M."}, {"family": "Chambers", "given": "E."}],
     "issued": {"date-parts": [[2019]]},
     "title": "How Does therapy harm? A model of adverse process using task analysis in the meta-synthesis of service "
              "users\u2019 experience",
     "container-title": "Frontiers in Psychology", "volume": "10", "number": "347", "DOI": "10.3389/fpsyg.2019.00347"},
    {"type": "article-journal", "author": [{"family": "Peluso", "given": "P. R."}, {"family": "Freund", "given": "R. R."}],
     "issued": {"date-parts": [[2018]]},
     "title": "Therapist and client emotional expression and psychotherapy outcomes: A meta-analysis",
     "container-title": "Psychotherapy", "volume": "55", "issue": "4", "page": "461-472"},
    {"type": "article-journal", "author": [
        {"family": "Fl\u00fcckiger", "given": "C."}, {"family": "Rubel", "given": "J."}, {"family": "Del Re", "given": "A. C."},
        {"family": "Horvath", "given": "A. O."}, {"family": "Wampold", "given": "B. E."},
        {"family": "Crits-Christoph", "given": "P."}, {"family": "Atzil-Slonim", "given": "D."},
        {"family": "Barber", "given": "J. P."}],
     "issued": {"date-parts": [[2020]]},
     "title": "The reciprocal relationship between alliance and early treatment symptoms: A two-stage individual "
              "participant data meta-analysis",
     "container-title": "Journal of Consulting and Clinical Psychology", "volume": "88", "issue": "9", "page": "829-843"},
    {"type": "article-journal", "author": [
        {"family": "Firth", "given": "N."}, {"family": "Saxon", "given": "D."}, {"family": "Stiles", "given": "W. B."},
        {"family": "Barkham", "given": "M."}],
     "issued": {"date-parts": [[2019]]},
     "title": "Therapist and clinic effects in psychotherapy: A three-level model of outcome variability",
     "container-title": "Journal of Consulting and Clinical Psychology", "volume": "87", "issue": "4", "page": "345-356"},
]


def test_real_page_citations_field_by_field(real_page):
    parsed = parse_page(read_page(real_page))
    items = [parse_citation(p.citation.text).item for p in parsed.posts if p.citation]
    assert items == REAL_ITEMS


@pytest.mark.parametrize("text, expected", [
    ("Doe, J. (2020, March 26). Title here. Journal of X, 41:8, 603-623.",
     {"issued": {"date-parts": [[2020, 3, 26]]}, "volume": "41", "issue": "8", "page": "603-623"}),
    ("Doe, J. (2019). Title. JAMA, 329(8):670–679.", {"volume": "329", "issue": "8", "page": "670-679"}),
    ("Doe, J. (2021). Title. Clinical Psychology Review, Article 102254.", {"number": "102254"}),
    ("Doe, J. (2021). Title. Clinical Psychology Review, 85, Article 102254.", {"volume": "85", "number": "102254"}),
    ("Doe, J. (2021). Title. Psychotherapy Research. Advance online publication. "
     "http://dx.doi.org/10.1080/10503307.2021.1903111.",
     {"container-title": "Psychotherapy Research", "status": "advance online publication",
      "DOI": "10.1080/10503307.2021.1903111"}),
    ("Doe, J. (2021). Title. Journal, 1(1), 1-2. DOI: 10.1000/ABC.", {"DOI": "10.1000/ABC"}),
    ("Doe, J. (2021). Title. Journal, 1(1), 1-2. doi:10.1000/xyz", {"DOI": "10.1000/xyz"}),
    ("Doe, J. (2021). Trends 1980 – 1995 in care. Journal, 3, 10 – 20.", {"title": "Trends 1980 – 1995 in care", "page": "10-20"}),
    ("Doe, J. (2021). Only a journal. Psychotherapy Research.", {"container-title": "Psychotherapy Research"}),
])
def test_article_formats(text, expected):
    item = parse_citation(text).item
    assert item["type"] == "article-journal"
    for key, value in expected.items():
        assert item[key] == value, key


def test_book_with_edition_and_place():
    item = parse_citation("Wampold, B. E., & Imel, Z. E. (2015). The great psychotherapy debate (2nd ed.). New York: Routledge.").item
    assert item["type"] == "book" and item["title"] == "The great psychotherapy debate"
    assert (item["edition"], item["publisher"], item["publisher-place"]) == ("2", "Routledge", "New York")


def test_chapter_with_editors_pages_and_edition():
    item = parse_citation(
        "Castonguay, L. G., Barkham, M., Youn, S. J., & Page, A. C. (2021). Practice-based evidence. In M. Barkham, "
        "W. Lutz, & L. G. Castonguay (Eds.), Bergin and Garfield’s handbook of psychotherapy and behavior change "
        "(7th ed., pp. 393-442). Wiley.").item
    assert item["type"] == "chapter" and item["title"] == "Practice-based evidence"
    assert names(item, "editor") == [("Barkham", "M."), ("Lutz", "W."), ("Castonguay", "L. G.")]
    assert item["container-title"].startswith("Bergin and Garfield’s handbook")
    assert (item["page"], item["edition"], item["publisher"]) == ("393-442", "7", "Wiley")


@pytest.mark.parametrize("authors, expected, truncated", [
    ("Safran , J. D., & Muran, J. C.", [("Safran", "J. D."), ("Muran", "J. C.")], False),
    ("Smith, John, Doe, Mary Ann", [("Smith", "John"), ("Doe", "Mary Ann")], False),
    ("Řiháček, T., Rønnestad, M. H.", [("Řiháček", "T."), ("Rønnestad", "M. H.")], False),
    ("Atzil\u2010Slonim, D., et al.", [("Atzil-Slonim", "D.")], True),
    ("A, B., … Z, Y.", [("A", "B."), ("Z", "Y.")], True),
    ("A, B., . . . Z, Y.", [("A", "B."), ("Z", "Y.")], True),
    ("Roux, J.-L., & Berg, A.B.", [("Roux", "J.-L."), ("Berg", "A. B.")], False),
    ("Roux JL, Berg A.", [("Roux", "J. L."), ("Berg", "A.")], False),
    ("Roux, J., Jr., Berg, A., III", [("Roux", "J."), ("Berg", "A.")], False),
    ("Ana de la Cruz and Tom Berg", [("de la Cruz", "Ana"), ("Berg", "Tom")], False),
])
def test_author_lists(authors, expected, truncated):
    got, cut = parse_authors(authors)
    assert [(n["family"], n["given"]) for n in got] == expected and cut is truncated


def test_name_suffix_is_kept_as_a_suffix():
    item = parse_citation("Roux, J., Jr., & Berg, A. (2011). A title. Psychotherapy, 48, 1-9.").item
    assert item["author"] == [{"family": "Roux", "given": "J.", "suffix": "Jr."}, {"family": "Berg", "given": "A."}]


def test_group_author_is_a_literal_name():
    item = parse_citation("National Institute for Care Quality (2018). Guidance on depression. London: NICQ.").item
    assert item["author"] == [{"literal": "National Institute for Care Quality"}]


@pytest.mark.parametrize("authors, expected", [
    ("APA Task Force", [{"literal": "APA Task Force"}]),  # was family 'Force', given 'APA Task'
    ("World Health Organization.", [{"literal": "World Health Organization"}]),
    ("Cochrane Collaboration", [{"literal": "Cochrane Collaboration"}]),
    ("NICE", [{"literal": "NICE"}]),
    ("Maria Lopez", [{"family": "Lopez", "given": "Maria"}]),  # one person, given name first
])
def test_a_group_named_as_the_only_author_is_not_split_into_a_person(authors, expected):
    assert parse_citation(f"{authors} (2006). Evidence in practice. American Psychologist, 61(4), 271-285.").item[
        "author"] == expected


@pytest.mark.parametrize("text, expected", [
    ("Doe, J. (2021). Title. Journal of Things: Research and Practice.",
     {"type": "article-journal", "title": "Title", "container-title": "Journal of Things: Research and Practice"}),
    ("Doe, J. (2021). Title. Nordic Therapy Review, 3(1), 10-20..", {"volume": "3", "issue": "1", "page": "10-20"}),
    ("Doe, J. (2021). Title. Nordic Therapy Review, 3, e10234.", {"volume": "3", "page": "e10234"}),
    ("Doe, J. (2021). Title. In search of a cure. Nordic Therapy Review, 3, 1-2.",
     {"type": "article-journal", "title": "Title. In search of a cure", "container-title": "Nordic Therapy Review"}),
    ("Doe, J. (2021). Care for U.S. veterans. Psychiatric Services, 72, 1-2.",
     {"title": "Care for U.S. veterans", "container-title": "Psychiatric Services"}),
    ("Doe, J. (2013). A chapter. In M. J. Lambert (Ed.). A handbook of change (pp. 1-9). New York: Wiley.",
     {"type": "chapter", "container-title": "A handbook of change", "page": "1-9"}),
])
def test_edge_shapes(text, expected):
    item = parse_citation(text).item
    assert {k: item.get(k) for k in expected} == expected


def test_unicode_hyphen_in_names_becomes_ascii_in_citations():
    item = parse_citation("Atzil\u2010Slonim, D. (2020). T. J, 1, 2.").item
    assert names(item) == [("Atzil-Slonim", "D.")]


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("Just a sentence without a year.", "no year"),
    ("(2020). Title. Journal.", "no year in parentheses after the authors"),
    ("Doe, J. (2020).", "no title"),
    ("Doe, J. (2020). ..", "no title"),
    ("Doe, J. (Ed.). (2011). A handbook (2nd ed.). New York: Guilford.", "edited book"),
])
def test_not_a_citation_raises(text, message):
    with pytest.raises(CitationError, match=message):
        parse_citation(text)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200) | st.builds(lambda a, y, r: f"{a} ({y}). {r}", st.text(max_size=40),
                                          st.integers(1000, 2999), st.text(max_size=80)))
def test_any_text_gives_an_item_or_a_citation_error(text):
    try:
        result = parse_citation(text)
    except CitationError:
        return
    assert result.item["author"] and result.item["title"] is not None


# Invented citations, one or more per shape the parser handles, with the exact CSL-JSON item expected.
def _a(*names):
    return [{"family": f, "given": g} if g else {"family": f} for f, g in names]


def _issued(*parts):
    return {"date-parts": [list(parts)]}


SHAPES = [
    pytest.param(
        "Lucia Ferreira & Daniel Novak (2016). Ruptures and repairs in brief relational therapy. "
        "Journal of Psychotherapy Integration, 26(2), 210-224.",
        {"type": "article-journal", "author": _a(("Ferreira", "Lucia"), ("Novak", "Daniel")), "issued": _issued(2016),
         "title": "Ruptures and repairs in brief relational therapy",
         "container-title": "Journal of Psychotherapy Integration", "volume": "26", "issue": "2", "page": "210-224"},
        id="given-name-first"),
    pytest.param(
        "Hanna M. Kowalski, Peter van Dijk, and Sara Lind (2021). Waiting lists and early change. Psychotherapy "
        "Research, 31(5), 601-613. https://doi.org/10.1080/10503307.2020.1822562",
        {"type": "article-journal", "author": _a(("Kowalski", "Hanna M."), ("van Dijk", "Peter"), ("Lind", "Sara")),
         "issued": _issued(2021), "title": "Waiting lists and early change", "container-title": "Psychotherapy Research",
         "volume": "31", "issue": "5", "page": "601-613", "DOI": "10.1080/10503307.2020.1822562"},
        id="given-name-first-with-particle"),
    pytest.param(
        "Keller, B.-M., Ortiz, L., & Nakamura, H. (2018). Therapist doubt and client outcome. Psychotherapy, 55(3), "
        "270-279.",
        {"type": "article-journal", "author": _a(("Keller", "B.-M."), ("Ortiz", "L."), ("Nakamura", "H.")),
         "issued": _issued(2018), "title": "Therapist doubt and client outcome", "container-title": "Psychotherapy",
         "volume": "55", "issue": "3", "page": "270-279"},
        id="hyphenated-initials"),
    pytest.param(
        "Baker, S. Linden, R. (2017). Session-by-session feedback in a university clinic. Journal of Clinical "
        "Psychology, 73(6), 644-655.",
        {"type": "article-journal", "author": _a(("Baker", "S."), ("Linden", "R.")), "issued": _issued(2017),
         "title": "Session-by-session feedback in a university clinic", "container-title": "Journal of Clinical Psychology",
         "volume": "73", "issue": "6", "page": "644-655"},
        id="missing-comma-between-authors"),
    *[pytest.param(
        f"Moreno, K., De, {gap} Young, T. (2019). Dropout from group therapy for depression. Group Dynamics: "
        "Theory, Research, and Practice, 23(1), 12-25.",
        {"type": "article-journal", "author": _a(("Moreno", "K."), ("De", "A. B."), ("Young", "T.")),
         "issued": _issued(2019), "title": "Dropout from group therapy for depression",
         "container-title": "Group Dynamics: Theory, Research, and Practice", "volume": "23", "issue": "1",
         "page": "12-25"},
        id=f"ellipsis-{n}") for n, gap in enumerate(["A.B\u2026.", "A. B., . . .", "A.B....", "A. B. \u2026"])],
    pytest.param(
        "Ahmadi, F., & Costa, R. (2014). Is more always better? Session frequency and recovery in outpatient care. "
        "Journal of Counseling Psychology, 61(3), 301-312.",
        {"type": "article-journal", "author": _a(("Ahmadi", "F."), ("Costa", "R.")), "issued": _issued(2014),
         "title": "Is more always better? Session frequency and recovery in outpatient care",
         "container-title": "Journal of Counseling Psychology", "volume": "61", "issue": "3", "page": "301-312"},
        id="question-mark-in-title"),
    pytest.param(
        "Lindqvist, E. (2020). Mind the gap! Waiting times and early dropout. Counselling and Psychotherapy Research, "
        "20(1), 88-97. https://doi.org/10.1002/capr.12261",
        {"type": "article-journal", "author": _a(("Lindqvist", "E.")), "issued": _issued(2020),
         "title": "Mind the gap! Waiting times and early dropout", "container-title": "Counselling and Psychotherapy Research",
         "volume": "20", "issue": "1", "page": "88-97", "DOI": "10.1002/capr.12261"},
        id="exclamation-mark-in-title"),
    pytest.param(
        "Tanaka, Y., & Adeyemi, O. (2014). Group climate over twelve sessions: a naturalistic study, Counselling "
        "Psychology Quarterly, 27, 40-52.",
        {"type": "article-journal", "author": _a(("Tanaka", "Y."), ("Adeyemi", "O.")), "issued": _issued(2014),
         "title": "Group climate over twelve sessions: a naturalistic study",
         "container-title": "Counselling Psychology Quarterly", "volume": "27", "page": "40-52"},
        id="comma-before-listed-journal"),
    pytest.param(
        "Tanaka, Y. (2016). Therapist humour in practice, a qualitative study, Nordic Journal of Counselling Practice, "
        "8, 3-14.",
        {"type": "article-journal", "author": _a(("Tanaka", "Y.")), "issued": _issued(2016),
         "title": "Therapist humour in practice, a qualitative study",
         "container-title": "Nordic Journal of Counselling Practice", "volume": "8", "page": "3-14"},
        id="comma-before-unlisted-journal"),
    pytest.param(
        "Brennan, C. (2006). Silence in the consulting room. Psychotherapy: Theory, Research, Practice, Training. "
        "Advance online publication.",
        {"type": "article-journal", "author": _a(("Brennan", "C.")), "issued": _issued(2006),
         "title": "Silence in the consulting room", "container-title": "Psychotherapy: Theory, Research, Practice, Training",
         "status": "advance online publication"},
        id="journal-with-colon-advance"),
    pytest.param(
        "Brennan, C., & Osei, K. (2004). Therapist self-disclosure revisited. Psychotherapy: Theory, Research, "
        "Practice, Training, 41(3), 255-263.",
        {"type": "article-journal", "author": _a(("Brennan", "C."), ("Osei", "K.")), "issued": _issued(2004),
         "title": "Therapist self-disclosure revisited",
         "container-title": "Psychotherapy: Theory, Research, Practice, Training", "volume": "41", "issue": "3",
         "page": "255-263"},
        id="journal-with-colon-volume"),
    pytest.param(
        "Okafor, N., & Lindqvist, E. (2019). Group climate and cohesion. In R. T. Hale & M. Duarte (Eds.), The "
        "handbook of group counseling (2nd ed., pp. 145-168). Thousand Oaks, CA: Sage.",
        {"type": "chapter", "author": _a(("Okafor", "N."), ("Lindqvist", "E.")),
         "editor": _a(("Hale", "R. T."), ("Duarte", "M.")), "issued": _issued(2019),
         "title": "Group climate and cohesion", "container-title": "The handbook of group counseling",
         "page": "145-168", "edition": "2", "publisher": "Sage", "publisher-place": "Thousand Oaks, CA"},
        id="chapter-two-editors"),
    pytest.param(
        "Ibarra, P. (2013). What clients bring. In M. J. Lambert (Ed.), Bergin and Garfield's handbook of "
        "psychotherapy and behavior change (6th ed., pp. 219-257). New York, NY: Wiley.",
        {"type": "chapter", "author": _a(("Ibarra", "P.")), "editor": _a(("Lambert", "M. J.")), "issued": _issued(2013),
         "title": "What clients bring",
         "container-title": "Bergin and Garfield's handbook of psychotherapy and behavior change",
         "page": "219-257", "edition": "6", "publisher": "Wiley", "publisher-place": "New York, NY"},
        id="chapter-one-editor"),
    pytest.param(
        "Ibarra, P. (2010). Feedback in groups. In Lambert, M. J. (Ed.) Handbook of group work (Vol. 2, pp. 33-50). "
        "Wiley.",
        {"type": "chapter", "author": _a(("Ibarra", "P.")), "editor": _a(("Lambert", "M. J.")), "issued": _issued(2010),
         "title": "Feedback in groups", "container-title": "Handbook of group work", "volume": "2", "page": "33-50",
         "publisher": "Wiley"},
        id="chapter-editor-family-first-volume"),
    pytest.param(
        "Lindgren, A., & Mwangi, J. (2018). Working with shame in therapy (3rd ed.). London: Routledge.",
        {"type": "book", "author": _a(("Lindgren", "A."), ("Mwangi", "J.")), "issued": _issued(2018),
         "title": "Working with shame in therapy", "edition": "3", "publisher": "Routledge",
         "publisher-place": "London"},
        id="book-with-edition"),
    pytest.param(
        "Hartmann, U. (2012). Brief dynamic therapy in everyday practice. New York, NY: Guilford Press.",
        {"type": "book", "author": _a(("Hartmann", "U.")), "issued": _issued(2012),
         "title": "Brief dynamic therapy in everyday practice", "publisher": "Guilford Press",
         "publisher-place": "New York, NY"},
        id="book-place-publisher"),
    pytest.param(
        "Fischer, D., & Ng, L. (2015). Therapist effects in a community clinic. Journal of Clinical Psychology71(4), 1-9.",
        {"type": "article-journal", "author": _a(("Fischer", "D."), ("Ng", "L.")), "issued": _issued(2015),
         "title": "Therapist effects in a community clinic", "container-title": "Journal of Clinical Psychology",
         "volume": "71", "issue": "4", "page": "1-9"},
        id="volume-glued-to-journal"),
    pytest.param(
        "Olsen, T., & Reyes, M. (2019). Alliance ruptures in internet-based therapy. Clinical Psychology Review, 70, "
        "1-12. https://doi.org/10.1016/j.cpr.2019.03.002",
        {"type": "article-journal", "author": _a(("Olsen", "T."), ("Reyes", "M.")), "issued": _issued(2019),
         "title": "Alliance ruptures in internet-based therapy", "container-title": "Clinical Psychology Review",
         "volume": "70", "page": "1-12", "DOI": "10.1016/j.cpr.2019.03.002"},
        id="doi-elsevier"),
    pytest.param(
        "Olsen, T. (2020). Homework in cognitive therapy. Journal of Consulting and Clinical Psychology, 88(2), "
        "110-121. doi:10.1037/ccp0000471",
        {"type": "article-journal", "author": _a(("Olsen", "T.")), "issued": _issued(2020),
         "title": "Homework in cognitive therapy", "container-title": "Journal of Consulting and Clinical Psychology",
         "volume": "88", "issue": "2", "page": "110-121", "DOI": "10.1037/ccp0000471"},
        id="doi-apa"),
    pytest.param(
        "Varga, Z., & Quinn, B. (2021). Therapist empathy in video sessions. Frontiers in Psychology, 12:612345. "
        "doi: 10.3389/fpsyg.2021.612345",
        {"type": "article-journal", "author": _a(("Varga", "Z."), ("Quinn", "B.")), "issued": _issued(2021),
         "title": "Therapist empathy in video sessions", "container-title": "Frontiers in Psychology", "volume": "12",
         "number": "612345", "DOI": "10.3389/fpsyg.2021.612345"},
        id="doi-frontiers-article-number"),
]
TRUNCATED = {"ellipsis-0", "ellipsis-1", "ellipsis-2", "ellipsis-3"}


@pytest.mark.parametrize("text, expected", SHAPES)
def test_citation_shapes(text, expected, request):
    result = parse_citation(text)
    assert result.item == expected
    assert result.warnings == ()
    assert result.authors_truncated is (request.node.callspec.id in TRUNCATED)


def test_ellipsis_without_comma_keeps_the_authors_before_it_in_order():
    result = parse_citation("Moreno, K., De, A.B\u2026. Young, T. (2019). A title. Psychotherapy, 56, 1-9.")
    assert (result.authors_truncated, result.authors_in_order) == (True, 2)


@pytest.mark.parametrize("text, bad", [
    ("Olsen, T. (2019). A title. Clinical Psychology Review, 70, 1-12. https://doi.org/10.1016/j.cpr.2019.03.00",
     "10.1016/j.cpr.2019.03.00"),
    ("Olsen, T. (2020). A title. Psychotherapy, 57(2), 1-9. doi:10.1037/pst00002", "10.1037/pst00002"),
    ("Varga, Z. (2021). A title. Frontiers in Psychology, 12:61234. doi: 10.3389/fpsyg.2021.61234", "10.3389/fpsyg.2021.61234"),
    ("Olsen, T. (2019). A title. Psychotherapy, 56, 1-9. https://doi.org/10.1037/", "10.1037/"),
    ("Olsen, T. (2019). A title. Psychotherapy, 56, 1-9. https://doi.org/10.10", "10.10"),
    ("Olsen, T. (2019). A title. Psychotherapy, 56, 1-9. doi: 10.1000/abc-", "10.1000/abc-"),
])
def test_incomplete_or_malformed_doi_is_left_out_with_a_warning(text, bad):
    result = parse_citation(text)
    assert "DOI" not in result.item and "URL" not in result.item
    assert any(bad in w and "incomplete or malformed" in w for w in result.warnings), result.warnings
    assert (result.item["container-title"], result.item["volume"]) == (result.item["container-title"], result.item["volume"])


def test_cut_off_line_keeps_its_whole_parts_with_a_warning():
    result = parse_citation("Ahmadi, F. (2014). Is more always better? Session frequency and recovery. Journal of Couns")
    assert result.item["title"] == "Is more always better? Session frequency and recovery"
    assert "container-title" not in result.item
    assert any("cut off" in w for w in result.warnings)
    marked = parse_citation("Ahmadi, F. (2014). Is more always better? Session frequency and recovery. Journal of "
                            "Counseling Psychology, 61(3), 30\u2026")
    assert marked.item["volume"] == "61" and marked.item["page"] == "30" and "DOI" not in marked.item


def _prefix_consistent(part: dict, full: dict) -> None:
    """Every field of a parse of a cut-off line is the whole field, or the start of it, of the full parse.
    A DOI is whole when its publisher's DOIs have a fixed shape (data/journals.toml); for other publishers
    (here Wiley, 10.1002) a DOI cut inside its last part cannot be told from a shorter one."""
    shaped = {prefix for prefix, _ in load_journals().doi_suffix}
    for key, value in part.items():
        if key == "type":
            assert value in {full["type"], "article-journal"}, (key, value)
            continue
        assert key in full, (key, value)
        if key in {"author", "editor", "issued", "edition", "status"} or (key == "DOI" and value[:7] in shaped):
            assert value == full[key], (key, value)
        else:
            assert full[key].startswith(value), (key, value, full[key])


def _every_cut(text: str):
    return [text[:n] for n in range(len(text) + 1)]


@pytest.mark.parametrize("text, expected", SHAPES)
def test_a_citation_cut_at_any_character_gives_a_partial_item_or_a_citation_error(text, expected):
    for cut in _every_cut(text):
        try:
            result = parse_citation(cut)
        except CitationError:
            continue
        _prefix_consistent(result.item, expected)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([p.values for p in SHAPES]), st.floats(0, 1),
       st.sampled_from(["", "\u2026", "\u2026.", "...", " [\u2026]", " ", ",", " (", "-"]))
def test_cut_citations_with_any_cut_mark_never_invent_a_field(shape, where, mark):
    text, expected = shape
    try:
        result = parse_citation(text[: int(len(text) * where)] + mark)
    except CitationError:
        return
    _prefix_consistent(result.item, expected)


def test_journal_list_is_curated_data():
    import tomllib

    from pprnet_kg.extract.journals import normalise_journal
    from pprnet_kg.resources import data_file

    names = tomllib.loads(data_file("journals.toml").read_text(encoding="utf-8"))["journals"]
    assert 60 <= len(names) <= 120
    assert len({normalise_journal(n) for n in names}) == len(names)  # no duplicates, even up to case or 'The'
    assert all(n == n.strip() and n[0].isupper() and not n.endswith(".") for n in names)
    journals = load_journals()
    for name in ("Psychotherapy", "Psychotherapy: Theory, Research, Practice, Training", "JAMA Psychiatry",
                 "Lancet Psychiatry", "the lancet psychiatry", "Clinical Psychology and Psychotherapy"):
        assert journals.is_known(name), name
    assert not journals.is_known("Psychotherapy Res")


def test_doi_shapes_tell_complete_from_cut_dois():
    journals = load_journals()
    assert journals.doi_is_complete("10.1016/j.cpr.2019.101810")
    assert not journals.doi_is_complete("10.1016/j.cpr.2019.10181")
    assert journals.doi_is_complete("10.3389/fpsyg.2019.00347") and journals.doi_is_complete("10.3389/fpsyg.2020.585615")
    assert not journals.doi_is_complete("10.3389/fpsyg.2020.58561")
    assert journals.doi_is_complete("10.1016/S2215-0366(19)30511-5") and not journals.doi_is_complete("10.1016/S2215-0366(19")
    assert journals.doi_is_complete("10.9999/any.suffix") and not journals.doi_is_complete("10.9999/any.")


def test_broken_journal_list_is_a_config_error(tmp_path):
    from pprnet_kg.errors import ConfigError

    (tmp_path / "j.toml").write_text('journals = ["A"]\n[doi_suffix]\n"10.1" = "("\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="not a regular expression"):
        load_journals(tmp_path / "j.toml")
    (tmp_path / "k.toml").write_text("journals = [1]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="list of journal titles"):
        load_journals(tmp_path / "k.toml")


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", " ", ".", "…", "[", "]", "\n", "1"]), max_size=12).map("".join))
def test_a_cut_mark_is_looked_for_only_at_the_ends_it_can_have(text):
    from pprnet_kg.extract.citation import _CUT_MARK_ENDS, _CUT_MARK_RE

    assert text.endswith(_CUT_MARK_ENDS) or not _CUT_MARK_RE.search(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", " ", ".", ",", "(", "A", "Z", "\n", "In", "in", "HTTP", "https://x", "ſ",
                                 "h", "ht", "doi", "DOI", "Retrieved from", "Retrieved", ":", "/"]), max_size=10)
       .map("".join))
def test_the_link_and_initial_patterns_run_only_when_their_words_or_ends_are_there(text):
    from pprnet_kg.extract.citation import _ENDS_ON_INITIAL_RE, _IN_RE, _LINK_STUB_RE, _STUB_ENDS, _URL_RE

    assert not _LINK_STUB_RE.search(text) or text.rstrip("\n")[-1:] in _STUB_ENDS
    assert not _URL_RE.search(text) or "http" in text.lower()
    assert not _IN_RE.search(text) or "In" in text
    stripped = text.strip()
    assert not _ENDS_ON_INITIAL_RE.search(stripped) or stripped.endswith(".") and "A" <= stripped[-2:-1] <= "Z"
