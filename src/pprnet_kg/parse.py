"""Page -> posts. Pure: no I/O, never raises on page content.

A listing page holds boilerplate (introduction, teaser, filter headings), the topic filter
list (kept: it defines the topic scheme), then posts under month headers. Each post is a
title (sometimes printed twice), an optional citation line, summary lines, the heading
"Practice Implications" and the implications. Anything odd becomes a Problem; the rest of
the page is still read.

The old edition of the site (2013-2017) shows one month per page: the month is in a header line
('PPRNet Blog - March 2015') or only in the page's name ('pprnet_blog_march2015.html'), and a post
that reviews a book chapter can carry a series note (a heading naming the book, then a line saying
one chapter is reviewed each month) between its title and the title printed again.
"""

from __future__ import annotations

import re

from .iris import post_id
from .model import Page, ParsedPage, Problem, RawPost, TextLine
from .textnorm import squash

MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)
MONTH_RE = re.compile(r"^(" + "|".join(MONTHS) + r")\s+(\d{4})$", re.IGNORECASE)
IMPLICATIONS_RE = re.compile(r"^practice\s+implications\s*:?$", re.IGNORECASE)
TOPICS_HEADING_RE = re.compile(r"^topics\s*:?$", re.IGNORECASE)
TOPIC_ITEM_RE = re.compile(r"^[-*\u2022]\s*(.+)$")
ALL_TOPICS_RE = re.compile(r"^all\s+topics\b", re.IGNORECASE)
# "Surname, I." ... "(2020)." / "(2020, March 26)." / "(n.d.)." / "(in press)."
CITATION_RE = re.compile(
    r"^[^\s,()][^()]{0,600}?,\s*[A-Z\u00C0-\u024F][^()]*?"
    r"\(\s*(?:\d{4}[a-z]?|n\.\s?d\.|in press)\s*(?:,[^)]*)?\)\s*[.,]?",
    re.IGNORECASE,
)


# A line that starts like an author list ("Surname, I.") is the citation even when it is
# malformed (no year): the citation parser then reports what is wrong with it.
AUTHOR_START_RE = re.compile(r"^[^\W\d_][\w'’\u2010 .-]{0,40}?\s*,\s*[^\W\d_]{1,2}\.")
# Authors given name first: "Maria Lopez & Tom Berg (2016). Title ..."
_YEAR_AFTER_NAMES_RE = re.compile(r"\(\s*(?:\d{4}[a-z]?|n\.\s?d\.|in press)\s*(?:,[^)]*)?\)\s*[.,]", re.IGNORECASE)
_NAME_WORD_RE = re.compile(r"[^\W\d_][\w'’.\u2010-]*")
_NAME_LINKS = {"and", "et", "al", "al.", "van", "von", "de", "der", "den", "del", "da", "di", "du", "le", "la",
               "ten", "ter"}
# The old edition's series note: "Each month, one chapter of this handbook is reviewed."
SERIES_NOTE_RE = re.compile(
    r"\b(?:each|every)\s+month\b.*\bchapters?\b|\bchapters?\b.*\b(?:each|every)\s+month\b|\bmonthly\b.*\bchapters?\b",
    re.IGNORECASE,
)
_SERIES_WORD_RE = re.compile(r"\b(?:series|handbook|book|volume|edition)\b", re.IGNORECASE)
_MONTH_IN_LINE_RE = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(\d{4})\b", re.IGNORECASE)
_MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sept", "sep", "oct", "nov", "dec")
_MONTH_IN_NAME_RE = re.compile(
    r"(?<![a-z])(" + "|".join(MONTHS + _MONTH_ABBREVIATIONS) + r")[-_ ]?((?:19|20)\d{2})(?!\d)", re.IGNORECASE)


def month_of(line: str) -> str | None:
    """'December 2020' -> '2020-12'."""
    text = line.strip()
    if not text[-1:].isdecimal():
        return None  # MONTH_RE ends with \d{4}$: most lines are refused by their last character
    m = MONTH_RE.match(text)
    if not m:
        return None
    return f"{m.group(2)}-{MONTHS.index(m.group(1).lower()) + 1:02d}"


def month_from_name(source: str) -> str | None:
    """'pprnet_blog_march2015.html' -> '2015-03' (the old edition names a page by its month)."""
    m = _MONTH_IN_NAME_RE.search(source.rsplit("/", 1)[-1])
    if not m:
        return None
    month = m.group(1).lower()
    return f"{m.group(2)}-{next(i for i, name in enumerate(MONTHS) if name.startswith(month[:3])) + 1:02d}"


def is_citation(line: str) -> bool:
    text = line.strip()
    if CITATION_RE.match(text):
        return True
    year = _YEAR_AFTER_NAMES_RE.search(text, 0, 600)
    if year is None:
        return False
    names = text[: year.start()]
    words = _NAME_WORD_RE.findall(names)
    return (2 <= len(words) <= 40 and not re.search(r"[^\w\s.,&'’\u2010\u2026-]", names)
            and all(w[0].isupper() or w.lower() in _NAME_LINKS for w in words))


def is_series_note(line: str) -> bool:
    return len(line.split()) <= 60 and bool(SERIES_NOTE_RE.search(line))


def is_title_like(line: str) -> bool:
    text = line.strip()
    return (
        0 < len(text) <= 200
        and len(text.split()) <= 25
        and not text.endswith((".", ",", ";", ":"))
        and month_of(text) is None
        and not IMPLICATIONS_RE.match(text)
    )


def parse_page(page: Page) -> ParsedPage:
    """Cut a page into its topic list and its posts."""
    lines = [TextLine(i + 1, squash(text)) for i, text in enumerate(page.lines)]
    lines = [t for t in lines if t.text]
    problems: list[Problem] = []
    topics, topics_end = _topic_list(lines)

    first_month = next((i for i, t in enumerate(lines) if month_of(t.text)), None)
    current_month: str | None = None
    if first_month is not None:
        body = lines[first_month:]
    else:
        header = _header_month(lines, topics_end)
        body = lines[header[0] + 1:] if header else lines[topics_end:]
        current_month = header[1] if header else month_from_name(page.source)
        if current_month is None and any(IMPLICATIONS_RE.match(t.text) for t in body):
            problems.append(Problem(page.source, body[0].line if body else 1, "parse",
                                    "no month header (e.g. 'December 2020') before the first post"))

    heads, implications = _split_posts(body, page.source, problems)
    posts: list[RawPost] = []
    seen: dict[str, int] = {}
    for head, impl in zip(heads, implications):
        post, current_month = _make_post(head, impl, current_month, page.source, problems)
        if post is None:
            continue
        n = seen.get(post.id, 0) + 1
        seen[post.id] = n
        if n > 1:
            post = RawPost(**{**post.__dict__, "id": f"{post.id}-{n}"})
        posts.append(post)
    return ParsedPage(page.source, tuple(topics), tuple(posts), tuple(problems))


def _topic_list(lines: list[TextLine]) -> tuple[list[str], int]:
    """The labels listed under the 'Topics' heading, and where the list ends."""
    for i, t in enumerate(lines):
        if TOPICS_HEADING_RE.match(t.text):
            labels: list[str] = []
            j = i + 1
            while j < len(lines) and (m := TOPIC_ITEM_RE.match(lines[j].text)):
                label = m.group(1).strip()
                if not ALL_TOPICS_RE.match(label) and label not in labels:
                    labels.append(label)
                j += 1
            return labels, j
    return [], 0


def _header_month(lines: list[TextLine], start: int) -> tuple[int, str] | None:
    """A short header line naming the page's month ('PPRNet Blog - March 2015') before the first post."""
    for i in range(start, len(lines)):
        text = lines[i].text
        if is_citation(text) or IMPLICATIONS_RE.match(text):
            return None
        nxt = lines[i + 1].text if i + 1 < len(lines) else ""
        m = _MONTH_IN_LINE_RE.search(text)
        if m and len(text.split()) <= 12 and not text.endswith(".") and not (is_citation(nxt) or nxt == text):
            return i, f"{m.group(2)}-{MONTHS.index(m.group(1).lower()) + 1:02d}"  # not a post's title
    return None


def _split_posts(body: list[TextLine], source: str, problems: list[Problem]):
    """Split the body into post heads (month?, title, citation?, summary) and implications."""
    markers = [i for i, t in enumerate(body) if IMPLICATIONS_RE.match(t.text)]
    heads: list[list[TextLine]] = []
    impls: list[list[TextLine]] = []
    start = 0
    for n, m in enumerate(markers):
        head = body[start:m]
        heads.append(head)
        nxt = markers[n + 1] if n + 1 < len(markers) else None
        segment = body[m + 1: nxt if nxt is not None else len(body)]
        cut = _head_start(segment, has_next=nxt is not None)
        if nxt is not None and cut >= len(segment):
            problems.append(Problem(source, body[m].line, "parse",
                                    "cannot tell where the next post starts after these implications"))
        impls.append(segment[:cut])
        # A post with no 'Practice Implications' heading of its own can sit in the tail.
        if nxt is None and cut < len(segment):
            heads.append(segment[cut:])
            impls.append([])
        start = m + 1 + cut
    if not markers:
        rest = [t for t in body if month_of(t.text) is None]
        if rest:
            heads.append(body)
            impls.append([])
    return heads, impls


def _head_start(segment: list[TextLine], *, has_next: bool) -> int:
    """Index in a segment after 'Practice Implications' where the next post begins."""
    texts = [t.text for t in segment]
    for j, text in enumerate(texts):
        if month_of(text):
            return j
    for j in range(1, len(texts) - 1):
        if is_title_like(texts[j]) and (
            is_citation(texts[j + 1]) or texts[j + 1] == texts[j] or is_series_note(texts[j + 1])
            or (j + 2 < len(texts) and is_title_like(texts[j + 1]) and is_series_note(texts[j + 2]))
        ):
            return j
    if not has_next:
        return len(texts)
    for j in range(1, len(texts)):
        if is_title_like(texts[j]):
            return j
    return len(texts)


def _make_post(head, impl, month, source, problems):
    head = list(head)
    while head and (m := month_of(head[0].text)):
        month = m
        head.pop(0)
    head = _without_series_note(head)
    head = head[_title_index(head):]
    if not head:
        if impl:
            problems.append(Problem(source, impl[0].line, "parse", "implications with no post title before them"))
        return None, month
    title = head.pop(0)
    if head and head[0].text == title.text:
        head.pop(0)  # the title printed twice
    post_problems_line = title.line
    citation = None
    if head and (is_citation(head[0].text) or (len(head) > 1 and AUTHOR_START_RE.match(head[0].text))):
        citation = head.pop(0)
    summary = tuple(head)
    if month is None:
        problems.append(Problem(source, post_problems_line, "parse", f"post '{title.text}' has no month header"))
    pid = post_id(month, title.text)
    if citation is None:
        problems.append(Problem(source, post_problems_line, "parse", "post has no citation line", pid))
    if not summary:
        problems.append(Problem(source, post_problems_line, "parse", "post has no summary", pid))
    if not impl:
        problems.append(Problem(source, post_problems_line, "parse", "post has no 'Practice Implications'", pid))
    post = RawPost(
        id=pid,
        source=source,
        line=title.line,
        month=month or "",
        title=title.text,
        citation=citation,
        summary=summary,
        implications=tuple(impl),
    )
    return post, month


def _without_series_note(head: list[TextLine]) -> list[TextLine]:
    """Drop the old edition's series note (a heading naming a book, then 'one chapter each month')
    from the lines before the citation."""
    limit = next((i for i, t in enumerate(head) if is_citation(t.text)), min(len(head), 6))
    drop: set[int] = set()
    for i in range(limit):
        if not is_series_note(head[i].text):
            continue
        drop.add(i)
        before = head[i - 1].text if i > 0 else ""
        title_follows = i + 1 < len(head) and is_title_like(head[i + 1].text)
        if before and is_title_like(before) and (title_follows or (i > 1 and _SERIES_WORD_RE.search(before))):
            drop.add(i - 1)
    return [t for i, t in enumerate(head) if i not in drop]


def _title_index(head: list[TextLine]) -> int:
    """Where the title is: after any page furniture, the title-like line before the citation
    (or before the title printed again); the first line when no such line is near."""
    for j in range(min(len(head) - 1, 6)):
        text, nxt = head[j].text, head[j + 1].text
        if is_title_like(text) and (is_citation(nxt) or nxt == text):
            return j
    return 0
