"""Page -> posts. Pure: no I/O, never raises on page content.

A listing page holds boilerplate (introduction, teaser, filter headings), the topic filter
list (kept: it defines the topic scheme), then posts under month headers. Each post is a
title (sometimes printed twice), an optional citation line, summary lines, the heading
"Practice Implications" and the implications. Anything odd becomes a Problem; the rest of
the page is still read.
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


def month_of(line: str) -> str | None:
    """'December 2020' -> '2020-12'."""
    m = MONTH_RE.match(line.strip())
    if not m:
        return None
    return f"{m.group(2)}-{MONTHS.index(m.group(1).lower()) + 1:02d}"


def is_citation(line: str) -> bool:
    return bool(CITATION_RE.match(line.strip()))


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
    if first_month is not None:
        body = lines[first_month:]
    else:
        body = lines[topics_end:]
        if any(IMPLICATIONS_RE.match(t.text) for t in body):
            problems.append(Problem(page.source, body[0].line if body else 1, "parse",
                                    "no month header (e.g. 'December 2020') before the first post"))

    heads, implications = _split_posts(body, page.source, problems)
    posts: list[RawPost] = []
    seen: dict[str, int] = {}
    current_month: str | None = None
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
        if is_title_like(texts[j]) and (is_citation(texts[j + 1]) or texts[j + 1] == texts[j]):
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
