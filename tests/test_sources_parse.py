"""sources.py and parse.py: reading pages and cutting them into posts."""

from __future__ import annotations

import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pprnet_kg.errors import SourceError
from pprnet_kg.model import Page
from pprnet_kg.parse import is_citation, month_of, parse_page
from pprnet_kg.sources import html_to_lines, page_from_text, read_page, read_pages


def test_real_page_has_six_posts_with_months_titles_and_lines(real_page):
    parsed = parse_page(read_page(real_page))
    got = [(p.month, p.title, p.line) for p in parsed.posts]
    assert got == [
        ("2020-12", "Psychotherapy for Those Who Do Not Respond to Treatment", 46),
        ("2020-12", "How Does Therapy Harm?", 51),
        ("2020-11", "Therapist and Client Emotional Expression: A Meta-Analysis", 57),
        ("2020-09", "The Reciprocal Relationship Between the Alliance and Outcomes", 63),
        ("2020-08", "Why Does Where a Patient Lives Affect Their Outcomes in Psychotherapy?", 69),
        ("2020-07", "Is the Therapeutic Alliance Diminished by Videoconferencing Psychotherapy?", 75),
    ]
    assert [p.citation is not None for p in parsed.posts] == [True] * 5 + [False]
    assert all(p.summary and p.implications for p in parsed.posts)
    assert parsed.posts[0].citation.line == 47
    assert parsed.posts[0].implications[0].text.startswith("The findings of this meta-analysis")


def test_real_page_topic_list_is_the_36_topic_scheme(real_page):
    topics = parse_page(read_page(real_page)).topics
    assert len(topics) == 36
    assert topics[0] == "Adherance" and topics[-1] == "Treatment Length and Frequency"
    assert not any(t.lower().startswith("all topics") for t in topics)


def test_missing_citation_is_a_problem_not_an_invention(real_page):
    parsed = parse_page(read_page(real_page))
    assert [(p.line, p.message) for p in parsed.problems] == [(75, "post has no citation line")]


def test_boilerplate_is_skipped(real_page):
    parsed = parse_page(read_page(real_page))
    titles = {p.title for p in parsed.posts}
    assert not titles & {"Blog", "This month...", "Type of Research", "Topics"}


def test_title_printed_twice_is_one_post():
    page = page_from_text(
        "May 2021\nA Title\nA Title\nDoe, J. (2020). Study. Journal, 1(1), 1-2.\nSummary.\n"
        "Practice Implications\nDo this.\n", "x.txt")
    parsed = parse_page(page)
    assert len(parsed.posts) == 1 and parsed.posts[0].citation is not None
    assert parsed.posts[0].summary_text == "Summary."


def test_post_without_implications_heading_is_kept_and_reported():
    page = page_from_text(
        "May 2021\nFirst\nDoe, J. (2020). One. Journal, 1(1), 1-2.\nSummary one.\nPractice Implications\n"
        "Implications one.\nSecond\nRoe, K. (2019). Two. Journal, 2(1), 3-4.\nSummary two.\n", "x.txt")
    parsed = parse_page(page)
    assert [p.title for p in parsed.posts] == ["First", "Second"]
    assert parsed.posts[0].implications_text == "Implications one."
    assert any("no 'Practice Implications'" in p.message for p in parsed.problems)


def test_html_page_gives_the_same_posts_as_text(real_page):
    lines = real_page.read_text(encoding="utf-8").splitlines()
    body = "".join(
        f"<li>{html.escape(line[2:])}</li>" if line.startswith("- ") else f"<p>{html.escape(line)}</p>"
        for line in lines if line.strip()
    )
    markup = f"<!DOCTYPE html><html><head><script>var x='<p>no</p>';</script></head><body><ul>{body}</ul></body></html>"
    from_html = parse_page(page_from_text(markup, "page.html"))
    from_text = parse_page(read_page(real_page))
    assert [(p.month, p.title, p.citation and p.citation.text, p.summary_text) for p in from_html.posts] == \
        [(p.month, p.title, p.citation and p.citation.text, p.summary_text) for p in from_text.posts]
    assert from_html.topics == from_text.topics


def test_html_to_lines_breaks_blocks_and_marks_list_items():
    assert html_to_lines("<div>A<br>B</div><ul><li>C &amp; D</li></ul><style>x{}</style>") == ["A", "B", "- C & D"]


_DOC = "<html><head><style>p{}</style></head><body><h1>May 2021</h1><ul><li>A &amp; B</li></ul></body></html>"
_DOC_LINES = ["May 2021", "- A & B"]


@pytest.mark.parametrize("name, data", [
    ("doctype.txt", ("<!doctype html>\n" + _DOC).encode()),
    ("comment.txt", ("<!-- saved from the blog -->\n" + _DOC).encode()),
    ("bom.txt", b"\xef\xbb\xbf\n\n  \t\r\n" + ("<!DOCTYPE HTML>" + _DOC).encode()),
    ("upper.txt", ("\n<HTML>" + _DOC[6:]).encode()),
    ("page.HTM", ("<p>Title</p>" + _DOC).encode()),
    ("page.Html", _DOC.encode()),
])
def test_html_is_recognised_by_content_or_suffix(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    lines = read_page(tmp_path / name).lines
    assert not any("<" in line or ">" in line for line in lines), lines
    assert [line for line in lines if line != "Title"] == _DOC_LINES


def test_text_that_mentions_html_later_stays_text(tmp_path):
    text = "May 2021\nA post about <html> and <!DOCTYPE html> in a title\n<body>\n"
    for name in ("page.txt", "page"):
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert read_page(tmp_path / name).lines == tuple(text.split("\n"))
    assert page_from_text("<body><p>x</p></body>", "x.txt").lines == ("<body><p>x</p></body>",)
    assert page_from_text("<p>x</p>", "x.htm").lines == ("x",)

def test_month_and_citation_detection():
    assert month_of("December 2020") == "2020-12" and month_of("december 2020") == "2020-12"
    assert month_of("December 2020 was cold") is None
    assert month_of("  May 2019 \n") == "2019-05" and month_of("May \u0662\u0660\u0661\u0669") is not None
    assert month_of("") is None and month_of("2019") is None and month_of("Mayo 2019") is None
    assert is_citation("Safran , J. D., & Muran, J. C. (2000). Title. Journal, 1, 2-3.")
    assert is_citation("Doe, J. (2020, March 26). Title. Journal.")
    assert not is_citation("In this meta-analysis (2020) the authors found nothing.")


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing.txt", "no such file"),
    (lambda p: p, "is a directory"),
])
def test_unreadable_sources_raise_one_line_errors(tmp_path, make, message):
    with pytest.raises(SourceError, match=message):
        read_page(make(tmp_path))


def test_binary_and_non_utf8_files_are_rejected(tmp_path):
    (tmp_path / "bin.txt").write_bytes(b"abc\x00def")
    (tmp_path / "latin.txt").write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(SourceError, match="binary"):
        read_page(tmp_path / "bin.txt")
    with pytest.raises(SourceError, match="not UTF-8"):
        read_page(tmp_path / "latin.txt")


def test_a_directory_source_reads_its_pages_in_order(tmp_path):
    (tmp_path / "b.txt").write_text("x", encoding="utf-8")
    (tmp_path / "a.html").write_text("<p>y</p>", encoding="utf-8")
    (tmp_path / "c.csv").write_text("z", encoding="utf-8")
    (tmp_path / "d.HTM").write_text("<li>w</li>", encoding="utf-8")
    (tmp_path / "e.TXT").write_text("<!-- c --><p>v</p>", encoding="utf-8")
    (tmp_path / "f.txt.bak").write_text("u", encoding="utf-8")
    (tmp_path / "g.html").mkdir()
    pages = read_pages([tmp_path])
    assert [p.source for p in pages] == ["a.html", "b.txt", "d.HTM", "e.TXT"]
    assert [p.lines for p in pages] == [("y",), ("x",), ("- w",), ("v",)]
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="no .txt or .html pages"):
        read_pages([tmp_path / "empty"])


_page_lines = st.lists(
    st.one_of(
        st.sampled_from(["December 2020", "Practice Implications", "Topics", "- Alliance", "Title",
                         "Doe, J. (2020). T. J, 1, 2.", ""]),
        st.text(max_size=80),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(_page_lines)
def test_any_text_never_crashes_the_parser(lines):
    parsed = parse_page(Page("fuzz.txt", tuple(lines)))
    for post in parsed.posts:
        assert post.title and post.line >= 1
    for problem in parsed.problems:
        assert problem.line >= 1 and problem.message
