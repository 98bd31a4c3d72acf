"""parse.py on the page layouts of the blog's two site editions (invented pages, real layouts)."""

from __future__ import annotations

import pytest

from pprnet_kg.extract import extract_post, load_rules
from pprnet_kg.model import Page
from pprnet_kg.parse import is_citation, month_from_name, parse_page
from pprnet_kg.sources import page_from_text, read_page

# The old edition (www.med.uottawa.ca/pprnet/eng/pprnet_blog_*.html, 2013-2017): one month per page,
# a header naming the month, and a series note before a post that reviews a chapter of a book.
OLD_EDITION = """<!DOCTYPE html>
<html><head><title>PPRNet</title></head><body>
<h1>Psychotherapy Practice Research Network</h1>
<p>PPRNet Blog - March 2015</p>
<h2>Agreeing on Goals in Couple Work</h2>
<h3>Handbook Series: The Handbook of Relational Practice</h3>
<p>Each month this year, one chapter of this handbook will be reviewed.</p>
<h2>Agreeing on Goals in Couple Work</h2>
<p>Okafor, N., &amp; Lindqvist, E. (2014). Agreement on goals in couple work. In R. T. Hale &amp; M. Duarte (Eds.),
The handbook of relational practice (pp. 45-67). New York, NY: Guilford Press.</p>
<p>Partners often arrive with different hopes. In this chapter, Okafor and colleagues review 12 studies of
goal agreement in couple therapy.</p>
<h3>Practice Implications</h3>
<p>Name the goals of each partner early.</p>
<h2>Waiting Lists and Early Change</h2>
<p>Hanna M. Kowalski, Peter van Dijk, and Sara Lind (2014). Waiting lists and early change. Psychotherapy
Research, 24(5), 601-613.</p>
<p>Some clients improve before therapy starts. In this study of 300 clients, Kowalski and colleagues tracked
symptoms from referral to the first session.</p>
<h3>Practice Implications</h3>
<p>Ask about change since the referral.</p>
</body></html>
"""


def test_old_edition_series_note_is_neither_a_post_nor_a_title():
    parsed = parse_page(page_from_text(OLD_EDITION, "page.html"))
    assert [(p.month, p.title) for p in parsed.posts] == [
        ("2015-03", "Agreeing on Goals in Couple Work"), ("2015-03", "Waiting Lists and Early Change")]
    first, second = parsed.posts
    assert first.citation.text.startswith("Okafor, N., & Lindqvist, E. (2014).")
    assert second.citation.text.startswith("Hanna M. Kowalski")
    assert first.summary_text.startswith("Partners often") and first.implications_text == "Name the goals of each partner early."
    assert not any("chapter of this handbook" in t.text or "Handbook Series" in t.text
                   for p in parsed.posts for t in (*p.summary, *p.implications))
    assert parsed.problems == ()


def test_old_edition_month_from_the_page_name_when_no_header_names_it(tmp_path):
    page = OLD_EDITION.replace("<p>PPRNet Blog - March 2015</p>", "<p>PPRNet Blog</p>")
    (tmp_path / "pprnet_blog_march2015.html").write_text(page, encoding="utf-8")
    parsed = parse_page(read_page(tmp_path / "pprnet_blog_march2015.html"))
    assert [p.month for p in parsed.posts] == ["2015-03", "2015-03"]
    assert [p.title for p in parsed.posts] == ["Agreeing on Goals in Couple Work", "Waiting Lists and Early Change"]
    assert parsed.problems == ()
    unnamed = parse_page(page_from_text(page, "page.html"))
    assert [p.message for p in unnamed.problems][0].startswith("no month header")


def test_series_note_before_the_first_title_and_without_a_repeat():
    lines = ["April 2016", "The Handbook of Relational Practice",
             "Every month I review one chapter of this handbook.", "Endings in Couple Work",
             "Okafor, N. (2015). Endings. In R. T. Hale (Ed.), The handbook of relational practice (pp. 1-9). Sage.",
             "A summary.", "Practice Implications", "An implication.",
             "Ruptures in Couple Work", "The Handbook of Relational Practice",
             "Every month I review one chapter of this handbook.",
             "Okafor, N. (2015). Ruptures. In R. T. Hale (Ed.), The handbook of relational practice (pp. 10-19). Sage.",
             "Another summary.", "Practice Implications", "Another implication."]
    parsed = parse_page(Page("x.txt", tuple(lines)))
    assert [p.title for p in parsed.posts] == ["Endings in Couple Work", "Ruptures in Couple Work"]
    assert all(p.citation is not None for p in parsed.posts)
    assert parsed.posts[0].implications_text == "An implication."


def test_a_title_naming_a_month_is_not_the_page_header():
    lines = ["PPRNet Blog", "Therapy After the March 2020 Lockdown",
             "Okafor, N. (2021). Therapy online. Psychotherapy, 58, 1-9.", "A summary.", "Practice Implications", "Go on."]
    parsed = parse_page(Page("pprnet_blog_june2021.html", tuple(lines)))
    assert [(p.month, p.title) for p in parsed.posts] == [("2021-06", "Therapy After the March 2020 Lockdown")]


@pytest.mark.parametrize("name, month", [
    ("pprnet_blog_march2015.html", "2015-03"),
    ("www.med.uottawa.ca/pprnet/eng/pprnet_blog_sept2016.htm", "2016-09"),
    ("pprnet_blog_dec_2013.html", "2013-12"),
    ("blog-2020-07-to-2020-12.txt", None),
    ("summary2019.txt", None),
])
def test_month_from_the_page_name(name, month):
    assert month_from_name(name) == month


def test_post_without_a_citation_keeps_its_title_and_summary():
    lines = ["May 2021", "Does Video Therapy Weaken the Alliance?", "The alliance is a collaboration. In this "
             "meta-analysis, Rivera and colleagues pooled 4 trials.", "Practice Implications", "Mind the bond."]
    parsed = parse_page(Page("x.txt", tuple(lines)))
    (post,) = parsed.posts
    assert (post.title, post.citation, post.summary_text[:21]) == (
        "Does Video Therapy Weaken the Alliance?", None, "The alliance is a col")
    assert [p.message for p in parsed.problems] == ["post has no citation line"]


def test_given_name_first_citation_line_is_the_citation():
    assert is_citation("Maria Lopez & Tom Berg (2016). A title. Some Journal, 31, 210-224.")
    assert is_citation("Hanna M. Kowalski, Peter van Dijk, and Sara Lind (2021). Waiting lists. Psychotherapy, 5, 1-2.")
    assert not is_citation("Rivera and colleagues (2016) found that most clients improved.")
    assert not is_citation("In this meta-analysis (2020). The authors pooled trials.")


@pytest.mark.parametrize("citation, kept", [
    ("Ahmadi, F., & Costa, R. (2014). Is more always better? Session frequency and recovery. Journal of Couns",
     {"title": "Is more always better? Session frequency and recovery"}),
    ("Olsen, T. (2019). Alliance ruptures online. Clinical Psychology Review, 70, 1-12. https://doi.org/10.1016/j.cpr.20",
     {"title": "Alliance ruptures online", "container-title": "Clinical Psychology Review", "volume": "70"}),
])
def test_cut_off_citation_line_is_a_partial_citation_with_a_problem(citation, kept):
    lines = ["May 2021", "A Post", citation, "A summary.", "Practice Implications", "An implication."]
    (raw,) = parse_page(Page("x.txt", tuple(lines))).posts
    assert raw.citation is not None and raw.citation.text == citation
    post = extract_post(raw, load_rules())
    assert "DOI" not in post.citation
    assert {k: post.citation[k] for k in kept} == kept
    assert any(p.stage == "citation" and ("cut off" in p.message or "incomplete" in p.message) for p in post.problems)
