"""extract/citation.py: APA citation lines -> CSL-JSON."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pprnet_kg.errors import CitationError
from pprnet_kg.extract.citation import parse_authors, parse_citation
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


@pytest.mark.parametrize("text, expected", [
    ("Doe, J. (2020, March 26). Title here. Journal of X, 41:8, 603-623.",
     {"issued": {"date-parts": [[2020, 3, 26]]}, "volume": "41", "issue": "8", "page": "603-623"}),
    ("Doe, J. (2019). Title. JAMA, 329(8):670–679.", {"volume": "329", "issue": "8", "page": "670-679"}),
    ("Doe, J. (2021). Title. Clinical Psychology Review, Article 102254.", {"number": "102254"}),
    ("Doe, J. (2021). Title. Clinical Psychology Review, 85, Article 102254.", {"volume": "85", "number": "102254"}),
    ("Doe, J. (2021). Title. Psychotherapy Research. Advance online publication. http://dx.doi.org/10.1080/1.2.",
     {"container-title": "Psychotherapy Research", "status": "advance online publication", "DOI": "10.1080/1.2"}),
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
])
def test_author_lists(authors, expected, truncated):
    got, cut = parse_authors(authors)
    assert [(n["family"], n["given"]) for n in got] == expected and cut is truncated


def test_unicode_hyphen_in_names_becomes_ascii_in_citations():
    item = parse_citation("Atzil\u2010Slonim, D. (2020). T. J, 1, 2.").item
    assert names(item) == [("Atzil-Slonim", "D.")]


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("Just a sentence without a year.", "no year"),
    ("(2020). Title. Journal.", "no year in parentheses after the authors"),
    ("Doe, J. (2020).", "no title"),
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
