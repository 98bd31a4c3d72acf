"""APA-style citation line -> CSL-JSON item (the format of Zotero, Pandoc and citeproc).

Pure and defensive: `parse_citation` raises CitationError when a line cannot be a citation
(no authors, no year, no title) and otherwise returns the item plus warnings for the parts
it had to leave out. It never invents a field: a line cut off mid-way keeps the parts that are
whole, and a DOI is kept only when it is complete and well formed.

The stages: authors, the date in parentheses, DOI / URL / "Advance online
publication", then the rest as a chapter ("Title. In Eds (Eds.), Book (pp.). Publisher."), a
journal article ("Title. Journal, 55(4), 461-472.") or a book ("Title (2nd ed.). Place: Publisher.").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import CitationError
from ..parse import MONTHS
from ..textnorm import HYPHENS, squash
from .caseless import lowered
from .firstchar import compile_guarded
from .journals import Journals, is_title_case, load_journals
from .names import Names, parse_authors, parse_names  # noqa: F401 - parse_authors is part of this module's interface
from .sentences import split_sentences

__all__ = ["CitationResult", "Names", "parse_authors", "parse_citation", "parse_names"]

_LETTER = r"[^\W\d_]"
_HYPHENS_TO_MINUS = {ord(c): "-" for c in HYPHENS}
_DASH = r"[-\u2012-\u2015\u2212]"
_DATE_RE = compile_guarded(
    r"\(\s*(?:(?P<year>\d{4})(?P<suffix>[a-z])?|(?P<nd>n\.\s?d\.)|(?P<press>in\s+press))"
    r"\s*(?:,\s*(?P<rest>[^)]*?))?\s*\)\s*[.,]?",
    re.IGNORECASE,
)
# A DOI with its label or resolver, complete or not: what follows the label is checked later.
_DOI_SPAN_RE = compile_guarded(
    r"(?:https?://(?:dx\.)?doi\.org/?|\b[Dd][Oo][Ii]\s*:|\bDOI\b)\s*(?P<doi>10\.\S*)?|\b(?P<bare>10\.\d{4,9}/\S+)"
)
_RESOLVERS = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/")
_URL_RE = compile_guarded(r"(?:Retrieved from\s+)?(?P<url>https?://\S+)", re.IGNORECASE)
_LINK_STUB_RE = compile_guarded(r"(?:^|[\s,.])(?:h|ht|htt|https?:?/{0,2}|doi|DOI|Retrieved(?: from)?)$")
_STUB_ENDS = frozenset("htps:/iIdm")  # the last letters of the stubs ('htt', 'doi', 'Retrieved from')
_ENDS_ON_INITIAL_RE = compile_guarded(r"(?:^|[\s.,(])[A-Z]\.$")
_ADVANCE_RE = compile_guarded(r"\s*Advance online publication\.?", re.IGNORECASE)
_CUT_MARK_RE = compile_guarded(r"\s*(?:\[(?:\u2026|\.\.\.)\]|\u2026|\.{3,})\.?$")
# what a text that _CUT_MARK_RE matches ends with ($ also matches before a final newline)
_CUT_MARK_ENDS = tuple(end + newline for end in ("]", "\u2026", ".") for newline in ("", "\n"))
_TAIL_RE = compile_guarded(
    rf"(?P<sep>,\s*|(?<=[^\W\d_]))(?P<vol>\d+[A-Za-z]?)(?:\s*\((?P<issue>[^()]{{1,20}})\))?"
    rf"(?:\s*:\s*(?P<colon>\d+))?"
    rf"(?:\s*[,:]\s*(?:pp?\.\s*)?"
    rf"(?P<pages>(?:(?:Article|Art\.)\s*(?:No\.?\s*)?)?[A-Za-z]?\d+(?:\s*{_DASH}\s*[A-Za-z]?\d+)?))?"
    rf"\s*[.,;]*$"
)
_ARTICLE_ONLY_RE = compile_guarded(r",\s*(?:Article|Art\.)\s*(?:No\.?\s*)?(?P<number>\w+)\s*\.?$")
_IN_RE = compile_guarded(r"(?<=[.?!])\s+In\s+(?=\S)")
_EDS_RE = compile_guarded(r"\s*\((?:Eds?|eds?)\.?\s*\)\s*[.,]?\s*")
_BOOK_PAREN_RE = compile_guarded(r"\s*\((?P<paren>[^()]*\b(?:pp?\.|ed\.|[Vv]ol\.)[^()]*)\)")
_EDITION_PAREN_RE = compile_guarded(r"\s*\((?P<paren>[^()]*\bed\.?[^()]*)\)\s*\.?$")
_EDITION_RE = compile_guarded(r"(\d+)(?:st|nd|rd|th)\s+ed\.?|(rev(?:ised)?\.?)\s+ed\.?", re.IGNORECASE)
_VOLUME_RE = compile_guarded(r"\b[Vv]ol\.\s*(\w+)")
_PAGES_IN_PAREN_RE = compile_guarded(rf"\bpp?\.\s*(\w+(?:\s*{_DASH}\s*\w+)?)")
_PLACE_PUBLISHER_RE = compile_guarded(r"^[^\W\d_][^:,]*(?:,\s*[A-Z][A-Za-z.]{1,5})?\s*:\s*[^:,]+$")
_JOURNAL_WORD_RE = compile_guarded(
    r"\b(?:journal|review|research|psycholog\w*|psychotherap\w*|therapy|quarterly|bulletin|science|psychiatry)\b",
    re.IGNORECASE)
_PUBLISHER_HINT_RE = compile_guarded(
    r"\b(press|publish\w*|books|wiley|routledge|guilford|springer|sage|elsevier|norton|"
    r"academic|association|karnac|erlbaum|jossey|taylor|macmillan|penguin|harper|basic)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CitationResult:
    item: dict[str, Any]
    authors_truncated: bool
    warnings: tuple[str, ...] = field(default=())
    authors_in_order: int | None = None  # how many leading authors have a known position


def parse_citation(text: str, *, journals: Journals | None = None) -> CitationResult:
    """Parse one citation line; raises CitationError when it is not a citation."""
    s = squash(text.translate(_HYPHENS_TO_MINUS))
    if not s:
        raise CitationError("citation is empty")
    date = _DATE_RE.search(s)
    if date is None or not s[: date.start()].strip():
        raise CitationError("citation has no year in parentheses after the authors")
    warnings: list[str] = []
    if _EDS_RE.search(s[: date.start()]):
        raise CitationError("an edited book (editors where the authors go) is not handled")
    names = parse_names(s[: date.start()], warnings)
    if not names.names:
        raise CitationError("citation has no authors before the year")
    item: dict[str, Any] = {"type": "article-journal", "author": names.names, "issued": _issued(date, warnings)}
    _rest(s[date.end():].strip(), item, warnings, journals or load_journals())
    return CitationResult(_ordered(item), names.truncated, tuple(warnings), names.in_order)


def _rest(rest: str, item: dict[str, Any], warnings: list[str], journals: Journals) -> None:
    """Everything after the date: links first, then chapter, article or book."""
    if rest.endswith(_CUT_MARK_ENDS):  # the pattern ends with $: only such a text can have a cut mark
        rest, marked_cut = _CUT_MARK_RE.sub("", rest), bool(_CUT_MARK_RE.search(rest))
    else:
        marked_cut = False
    rest, linked = _take_links(rest, item, warnings, journals)
    if ((low := lowered(rest)) is None or "advance online" in low) and _ADVANCE_RE.search(rest):
        item["status"] = "advance online publication"
        rest, linked = _ADVANCE_RE.sub("", rest), True
    rest = rest.strip()
    # A line that stops without a closing mark, or on an initial ('In M. J.'), was cut off.
    cut = marked_cut or not (linked or rest[-1:] in (".", "?", "!", ")") or rest[-1:].isdigit())
    # (rest is stripped: no final newline; the pattern ends with a capital and a full stop)
    cut = cut or rest.endswith(".") and "A" <= rest[-2:-1] <= "Z" and bool(_ENDS_ON_INITIAL_RE.search(rest))
    rest, open_paren = _drop_open_paren(rest.rstrip(" ,;:-").strip())
    rest, cut = rest.rstrip(" ,;:-").strip(), cut or open_paren
    if not rest:
        raise CitationError("citation has no title after the year")
    if cut:
        warnings.append("citation seems cut off; kept only its whole parts")
    chapter = next((m for m in (_IN_RE.finditer(rest) if "In" in rest else ())
                    if _EDS_RE.search(rest, m.end()) or _BOOK_PAREN_RE.search(rest, m.end())), None)
    if chapter is not None:
        _chapter(item, rest[: chapter.start()], rest[chapter.end():], cut, open_paren, warnings)
        return
    tail = _TAIL_RE.search(rest)
    if tail is not None and not tail.group("sep") and not (tail.group("issue") or open_paren):
        tail = None  # a number glued to a word is a volume only when an issue follows: 'Psychology71(4)'
    if tail is not None:
        title, journal = journals.split(rest[: tail.start()])
        _set_title(item, title)
        if journal:
            item["container-title"] = journal
        _volume_issue_pages(item, tail)
        return
    if (m := _ARTICLE_ONLY_RE.search(rest)) is not None:
        title, journal = journals.split(rest[: m.start()])
        _set_title(item, title)
        if journal:
            item["container-title"] = journal
        item["number"] = m.group("number")
        return
    if cut or rest[-1].isdigit():  # no volume yet a number at the end: 'Journal of Psychology7'
        rest, cut = _drop_unfinished(rest, journals), True
    _article_or_book(item, rest, journals, trust_capitals=not cut, warnings=warnings)


def _article_or_book(item, rest: str, journals: Journals, *, trust_capitals: bool, warnings: list[str]) -> None:
    """A rest with no volume: 'Title. Known Journal.', a book, or a title alone."""
    if (known := journals.known_tail(rest)) is not None:
        _set_title(item, known[0])
        item["container-title"] = known[1].rstrip(".")
        return
    sentences = split_sentences(rest)
    last = sentences[-1] if len(sentences) > 1 else ""
    head = rest[: len(rest) - len(last)].strip() if last else rest
    if (paren := _EDITION_PAREN_RE.search(head)) is not None or (last and _is_publisher(last)):
        item["type"] = "book"
        if paren is not None:
            head = head[: paren.start()]
            _edition(item, paren.group("paren"))
        _set_title(item, head)
        if last:
            _publisher(item, last)
        return
    journal_like = trust_capitals and is_title_case(last) and len(last.split()) > 1 and not last.startswith("In ")
    if last and (item.get("status") or journal_like):
        _set_title(item, head)
        item["container-title"] = last.rstrip(".").strip()
        return
    _set_title(item, rest)
    if len(sentences) > 1 and trust_capitals:
        warnings.append("cannot tell the journal or publisher apart from the title; kept the whole rest as title")


def _chapter(item: dict[str, Any], title: str, after: str, cut: bool, paren_cut: bool, warnings: list[str]) -> None:
    """'Title.' + 'Eds (Eds.), Book (6th ed., pp. 1-9). Place: Publisher.' (after 'In'). A cut-off
    line loses its unfinished last part; one cut inside '(6th ed., pp.' keeps the book's title."""
    item["type"] = "chapter"
    _set_title(item, title)
    eds = _EDS_RE.search(after)
    if eds is not None:
        editors = parse_names(after[: eds.start()], warnings, role="editor").names
        if editors:
            item["editor"] = editors
        after = after[eds.end():]
    paren = _BOOK_PAREN_RE.search(after)
    if paren is not None:
        book, publisher = after[: paren.start()], after[paren.end():].lstrip(" .,")
        _edition(item, paren.group("paren"))
        if (pages := _PAGES_IN_PAREN_RE.search(paren.group("paren"))) is not None:
            item["page"] = _pages(pages.group(1))
        if (volume := _VOLUME_RE.search(paren.group("paren"))) is not None:
            item["volume"] = volume.group(1)
    else:
        sentences = split_sentences(after)
        publisher = sentences[-1] if len(sentences) > 1 else ""
        book = after[: len(after) - len(publisher)] if publisher else after
    if cut and publisher:
        publisher = ""
    elif cut and paren is None and not paren_cut:
        book = ""
    if book.strip(" .,"):
        item["container-title"] = _clean_title(book)
    if publisher.strip(" ."):
        _publisher(item, publisher)
    elif not cut:
        warnings.append("chapter has no publisher")


def _take_links(rest: str, item: dict[str, Any], warnings: list[str], journals: Journals) -> tuple[str, bool]:
    """Take the DOI (only when complete) and any other URL out of the rest."""
    linked = False
    # the last DOI, or a DOI label or resolver with nothing after it (a line cut right after it)
    spans = [m for m in _DOI_SPAN_RE.finditer(rest) if m.group("doi") or m.group("bare") or m.end() == len(rest)]
    if spans:
        m = spans[-1]
        doi = (m.group("doi") or m.group("bare") or "").rstrip(".,;")
        if doi.endswith(")") and doi.count(")") > doi.count("("):
            doi = doi[:-1]
        if doi and journals.doi_is_complete(doi):
            item["DOI"] = doi
        else:
            warnings.append(f"DOI '{doi or m.group(0).strip()}' is incomplete or malformed; left out")
        rest, linked = _cut_out(rest, m.start(), m.end()), True
    if "http" in rest.lower() and (url := _URL_RE.search(rest)) is not None:
        address = url.group("url").rstrip(".,;")
        host = address.split("/")[2].rstrip(".-") if address.count("/") >= 2 else ""
        if not host or any(r.split("/")[2].startswith(host) or address.startswith(r) for r in _RESOLVERS):
            warnings.append(f"DOI link '{address}' is incomplete; left out")
        else:
            item["URL"] = address
        rest, linked = _cut_out(rest, url.start(), url.end()), True
    if rest.rstrip("\n")[-1:] in _STUB_ENDS and (stub := _LINK_STUB_RE.search(rest)) is not None and stub.start() > 0:
        rest = rest[: stub.start()]
    return rest, linked


def _cut_out(text: str, start: int, end: int) -> str:
    before = text[:start].rstrip()
    after = text[end:].strip().lstrip(".").strip()
    return (before + (" " + after if after else "")).strip()


_PAREN_RE = compile_guarded(r"[()]")
# (patterns used once per citation are compiled once, here)
_ARTICLE_NUMBER_RE = re.compile(r"^(?:Article|Art\.)\s*(?:No\.?\s*)?(\S+)$")
_PAGE_DASH_RE = re.compile(rf"\s*{_DASH}\s*")
_LETTER_OR_DIGIT_RE = re.compile(r"[^\W_]")


def _drop_open_paren(text: str) -> tuple[str, bool]:
    """'Journal, 31(' / 'Book (6th ed., pp. 2' -> the text before the unclosed parenthesis."""
    opened: list[int] = []
    for m in _PAREN_RE.finditer(text):
        if m.group() == "(":
            opened.append(m.start())
        elif opened:
            opened.pop()
    if opened:
        return text[: opened[0]].rstrip(), True
    return text, False


def _drop_unfinished(rest: str, journals: Journals) -> str:
    """A cut-off line: leave out its last, unfinished part (after the last sentence or comma)."""
    sentences = split_sentences(rest)
    if journals.is_known(sentences[-1]):
        return rest
    if len(sentences) > 1:
        return rest[: len(rest) - len(sentences[-1])].strip()
    comma = None
    for m in re.finditer(r",\s+(?=[^\W\d_])", rest):
        if rest[m.end()].isupper():
            comma = m
    return rest[: comma.start()] if comma is not None else rest


def _volume_issue_pages(item: dict[str, Any], m: re.Match) -> None:
    item["volume"] = m.group("vol")
    issue, colon, pages = m.group("issue"), m.group("colon"), m.group("pages")
    if colon and pages:
        issue = colon  # 41:8, 603-623 -> volume 41, issue 8
    elif colon:
        pages = f"Article {colon}"  # 10:347 -> article number 347
    if issue:
        item["issue"] = issue.strip()
    if pages:
        number = _ARTICLE_NUMBER_RE.match(pages)
        if number:
            item["number"] = number.group(1)
        else:
            item["page"] = _pages(pages)


def _issued(date: re.Match, warnings: list[str]) -> dict[str, Any]:
    if date.group("nd"):
        return {"literal": "n.d."}
    if date.group("press"):
        return {"literal": "in press"}
    parts = [int(date.group("year"))]
    rest = (date.group("rest") or "").strip()
    if rest:
        m = re.match(r"^([A-Za-z]+)\.?(?:\s+(\d{1,2}))?", rest)
        month = m.group(1).lower() if m else ""
        names = [n for n in MONTHS if n.startswith(month)] if len(month) >= 3 else []
        if len(names) == 1:
            parts.append(MONTHS.index(names[0]) + 1)
            if m.group(2):
                parts.append(int(m.group(2)))
        else:
            warnings.append(f"date detail '{rest}' not understood; kept the year only")
    return {"date-parts": [parts]}


def _is_publisher(text: str) -> bool:
    text = text.strip().rstrip(".")
    if re.search(r"\d", text):
        return False
    place = text.split(":", 1)[0]
    if _PLACE_PUBLISHER_RE.match(text) and len(place.split()) <= 4 and not _JOURNAL_WORD_RE.search(place):
        return True  # 'New York, NY: Guilford Press', not 'Journal of Things: Research and Practice'
    return bool(_PUBLISHER_HINT_RE.search(text))


def _edition(item: dict[str, Any], paren: str | None) -> None:
    if paren and (e := _EDITION_RE.search(paren)):
        item["edition"] = e.group(1) or "revised"


def _publisher(item: dict[str, Any], pub: str) -> None:
    pub = pub.strip().rstrip(".").strip()
    if ":" in pub:
        place, name = (x.strip() for x in pub.split(":", 1))
        if place:
            item["publisher-place"] = place
        if name:
            item["publisher"] = name
    elif pub:
        item["publisher"] = pub


def _pages(pages: str) -> str:
    return _PAGE_DASH_RE.sub("-", pages.strip())


def _set_title(item: dict[str, Any], title: str) -> None:
    title = _clean_title(title)
    if not _LETTER_OR_DIGIT_RE.search(title):
        raise CitationError("citation has no title after the year")
    item["title"] = title


def _clean_title(title: str) -> str:
    title = title.strip().rstrip(",;:").strip()
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1]
    return title.strip()


_ORDER = (
    "type", "author", "editor", "issued", "title", "container-title", "volume", "issue",
    "page", "number", "edition", "publisher", "publisher-place", "DOI", "URL", "status",
)


def _ordered(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in _ORDER if k in item}
