"""APA-style citation line -> CSL-JSON item (the format of Zotero, Pandoc and citeproc).

Pure and defensive: `parse_citation` raises CitationError when a line cannot be a citation
(no authors, no year, no title) and otherwise returns the item plus warnings for the parts
it had to leave out. It never invents a field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import CitationError
from ..parse import MONTHS
from ..textnorm import HYPHENS, squash

_TRUNCATION_RE = re.compile(r"\bet\s+al\.?|\.\s*\.\s*\.|\u2026")
_DATE_RE = re.compile(
    r"\(\s*(?:(?P<year>\d{4})(?P<suffix>[a-z])?|(?P<nd>n\.\s?d\.)|(?P<press>in\s+press))"
    r"\s*(?:,\s*(?P<rest>[^)]*?))?\s*\)\s*[.,]?",
    re.IGNORECASE,
)
_DOI_RE = re.compile(
    r"(?:https?://(?:dx\.)?doi\.org/|doi\s*:\s*|\bDOI\s*:?\s*)?\b(?P<doi>10\.\d{4,9}/\S+)",
    re.IGNORECASE,
)
_URL_RE = re.compile(r"(?:Retrieved from\s+)?(?P<url>https?://\S+)", re.IGNORECASE)
_ADVANCE_RE = re.compile(r"\s*Advance online publication\.?", re.IGNORECASE)
_LETTER = r"[^\W\d_]"
_GIVEN_RE = re.compile(rf"^(?:{_LETTER}[\w'’.-]*\.?\s*)+$")
_INITIALS_ONLY_RE = re.compile(rf"^(?:{_LETTER}{{1,2}}\.?\s*-?\s*)+$")
_FAMILY_RE = re.compile(rf"^(?:{_LETTER}|['’])[\w'’ .-]*$")
_PARTICLES = {"van", "von", "de", "der", "den", "del", "della", "da", "di", "du", "le", "la", "ten", "ter"}
_PUBLISHER_HINT_RE = re.compile(
    r"\b(press|publish\w*|books|wiley|routledge|guilford|springer|sage|elsevier|norton|"
    r"academic|association|karnac|erlbaum|jossey|taylor|macmillan|penguin|harper|basic)\b",
    re.IGNORECASE,
)
_EDITION_RE = re.compile(r"(\d+)(?:st|nd|rd|th)\s+ed\.?|(rev(?:ised)?\.?)\s+ed\.?", re.IGNORECASE)
_PAGES_IN_PAREN_RE = re.compile(r"\bpp?\.\s*(\w+(?:\s*[-\u2012-\u2015\u2212]\s*\w+)?)")

_CHAPTER_RE = re.compile(
    r"^(?P<title>.+?[.?!])\s+In\s+(?:(?P<eds>[^()]+?)\s*\((?P<edtag>Eds?\.?|Ed\.?\s*s?)\)\s*,\s*)?"
    r"(?P<book>.+?)\s*(?:\((?P<paren>[^()]*)\))?\s*\.\s*(?P<pub>[^.]*?)\.?\s*$"
)
_JOURNAL_RE = re.compile(
    r"^(?P<title>.+?[.?!])\s+(?P<journal>[^.?!]*?[^\W\d_)][^.?!]*?)"
    r"(?:,\s*(?P<vol>\d+[A-Za-z]?)(?:\s*\((?P<issue>[^)]+)\)|\s*:\s*(?P<colon>\d+))?)?"
    r"(?:\s*[,:]\s*(?P<pages>(?:(?:Article|Art\.)\s*(?:No\.?\s*)?)?e?\d+(?:\s*[-\u2012-\u2015\u2212]\s*e?\d+)?))?"
    r"\s*[.,]?\s*$"
)
_BOOK_RE = re.compile(
    r"^(?P<title>.+?)\s*(?:\((?P<paren>[^()]*\bed\.?[^()]*)\))?\s*[.?!]\s+(?P<pub>[^.]+?)\.?\s*$"
)


@dataclass(frozen=True)
class CitationResult:
    item: dict[str, Any]
    authors_truncated: bool
    warnings: tuple[str, ...] = field(default=())
    authors_in_order: int | None = None  # how many leading authors have a known position


def parse_citation(text: str) -> CitationResult:
    """Parse one citation line; raises CitationError when it is not a citation."""
    s = squash(text.translate({ord(c): "-" for c in HYPHENS}))
    if not s:
        raise CitationError("citation is empty")
    date = _DATE_RE.search(s)
    if date is None or not s[: date.start()].strip():
        raise CitationError("citation has no year in parentheses after the authors")
    warnings: list[str] = []
    authors, truncated = parse_authors(s[: date.start()], warnings)
    in_order = len(authors)
    gap = _TRUNCATION_RE.search(s[: date.start()])
    if gap is not None:  # "Ferrari, G., ... & Karekla, M.": Karekla's position is unknown
        in_order = len(parse_authors(s[: gap.start()], [])[0])
    if not authors:
        raise CitationError("citation has no authors before the year")
    issued = _issued(date, warnings)
    rest = s[date.end():].strip()

    doi, rest = _take_doi(rest)
    url = None
    if doi is None:
        url_match = _URL_RE.search(rest)
        if url_match:
            url = url_match.group("url").rstrip(".,;")
            rest = (rest[: url_match.start()] + rest[url_match.end():]).strip()
    advance = bool(_ADVANCE_RE.search(rest))
    rest = _ADVANCE_RE.sub("", rest).strip().rstrip(",;").strip()
    if not rest:
        raise CitationError("citation has no title after the year")

    item: dict[str, Any] = {"type": "article-journal", "author": authors, "issued": issued}
    if (m := _CHAPTER_RE.match(rest)) is not None:
        _chapter(item, m, warnings)
    elif _looks_like_book(rest):
        _book(item, rest, warnings)
    elif (m := _JOURNAL_RE.match(rest)) is not None:
        _article(item, m)
    else:
        item["title"] = _clean_title(rest)
        warnings.append("cannot tell the journal or publisher apart from the title; kept the whole rest as title")
    if advance:
        item["status"] = "advance online publication"
    if doi:
        item["DOI"] = doi
    if url:
        item["URL"] = url
    return CitationResult(_ordered(item), truncated, tuple(warnings), in_order)


def parse_authors(text: str, warnings: list[str] | None = None) -> tuple[list[dict[str, str]], bool]:
    """'Gloster, A. T., Rinner, M. T., ... & Karekla, M.' -> CSL names, truncated flag."""
    warnings = warnings if warnings is not None else []
    text = text.translate({ord(c): "-" for c in HYPHENS})
    truncated = bool(_TRUNCATION_RE.search(text))
    s = _TRUNCATION_RE.sub(",", text)
    s = re.sub(r"\s*&\s*|,\s*and\s+", ",", s)
    tokens = [t.strip() for t in s.split(",")]
    tokens = [t for t in tokens if t and t not in {".", "and"}]
    names: list[dict[str, str]] = []
    i = 0
    while i < len(tokens):
        family = tokens[i]
        given = tokens[i + 1] if i + 1 < len(tokens) else None
        if given is not None and _GIVEN_RE.match(given) and _is_given(given) and _FAMILY_RE.match(family):
            names.append({"family": family.strip(), "given": _clean_given(given)})
            i += 2
            continue
        split = _split_family_initials(family)
        if split is not None:
            names.append(split)
            i += 1
            continue
        if len(tokens) == 1 and _FAMILY_RE.match(family):
            names.append({"literal": family.rstrip(".")})
            i += 1
            continue
        warnings.append(f"author name '{family}' is not 'Family, G.'; left out")
        i += 1
    return names, truncated


def parse_given_first(text: str) -> list[dict[str, str]]:
    """'M. Barkham, W. Lutz, & L. G. Castonguay' (editors) -> CSL names."""
    s = re.sub(r"\s*&\s*|,?\s+and\s+", ",", text)
    names = []
    for part in (p.strip() for p in s.split(",")):
        words = part.split()
        if not words:
            continue
        cut = len(words) - 1
        while cut > 0 and words[cut - 1].lower() in _PARTICLES:
            cut -= 1
        family = " ".join(words[cut:])
        given = " ".join(words[:cut])
        names.append({"family": family, "given": given} if given else {"literal": family})
    return names


def _is_given(token: str) -> bool:
    """Given names are initials ('A. T.', 'A-M.') or capitalised words ('John', 'Mary Ann')."""
    words = token.replace(".", ". ").split()
    return all(w[:1].isupper() for w in words) and len(words) <= 4


def _clean_given(given: str) -> str:
    return re.sub(r"\.(?=[^\W\d_])", ". ", given.strip()).replace(". -", ".-")


def _split_family_initials(token: str) -> dict[str, str] | None:
    """'Smith J. A.' (no comma before the initials)."""
    m = re.match(rf"^(?P<family>{_LETTER}[\w'’ -]*?)\s+(?P<given>(?:{_LETTER}\.\s*-?)+)$", token)
    if m and m.group("family")[:1].isupper():
        return {"family": m.group("family"), "given": _clean_given(m.group("given"))}
    return None


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


def _take_doi(rest: str) -> tuple[str | None, str]:
    m = None
    for candidate in _DOI_RE.finditer(rest):
        m = candidate
    if m is None:
        return None, rest
    doi = m.group("doi").rstrip(".,;)")
    before = rest[: m.start()].rstrip().rstrip(",").rstrip()
    after = rest[m.end():].strip().lstrip(".").strip()
    return doi, (before + (" " + after if after else "")).strip()


def _looks_like_book(rest: str) -> bool:
    m = _BOOK_RE.match(rest)
    if not m:
        return False
    if m.group("paren"):
        return True
    pub = m.group("pub")
    if re.search(r"\d", pub):
        return False
    return bool(re.match(r"^[^,:]+:\s*\S", pub)) or bool(_PUBLISHER_HINT_RE.search(pub))


def _book(item: dict[str, Any], rest: str, warnings: list[str]) -> None:
    m = _BOOK_RE.match(rest)
    assert m is not None
    item["type"] = "book"
    item["title"] = _clean_title(m.group("title"))
    _edition(item, m.group("paren"))
    _publisher(item, m.group("pub"))


def _chapter(item: dict[str, Any], m: re.Match, warnings: list[str]) -> None:
    item["type"] = "chapter"
    item["title"] = _clean_title(m.group("title"))
    if m.group("eds"):
        item["editor"] = parse_given_first(m.group("eds"))
    item["container-title"] = _clean_title(m.group("book"))
    paren = m.group("paren") or ""
    _edition(item, paren)
    pages = _PAGES_IN_PAREN_RE.search(paren)
    if pages:
        item["page"] = _pages(pages.group(1))
    if m.group("pub"):
        _publisher(item, m.group("pub"))
    else:
        warnings.append("chapter has no publisher")


def _article(item: dict[str, Any], m: re.Match) -> None:
    item["title"] = _clean_title(m.group("title"))
    item["container-title"] = m.group("journal").strip()
    if m.group("vol"):
        item["volume"] = m.group("vol")
    issue = m.group("issue")
    colon = m.group("colon")
    pages = m.group("pages")
    if colon and pages:
        issue = colon  # 41:8, 603-623  -> volume 41, issue 8
    elif colon:
        pages = f"Article {colon}"  # 10:347 -> article number 347
    if issue:
        item["issue"] = issue.strip()
    if pages:
        number = re.match(r"^(?:Article|Art\.)\s*(?:No\.?\s*)?(\S+)$", pages)
        if number:
            item["number"] = number.group(1)
        else:
            item["page"] = _pages(pages)


def _edition(item: dict[str, Any], paren: str | None) -> None:
    if not paren:
        return
    e = _EDITION_RE.search(paren)
    if e:
        item["edition"] = e.group(1) or "revised"


def _publisher(item: dict[str, Any], pub: str) -> None:
    pub = pub.strip().rstrip(".")
    if ":" in pub:
        place, name = (x.strip() for x in pub.split(":", 1))
        item["publisher-place"] = place
        item["publisher"] = name
    elif pub:
        item["publisher"] = pub


def _pages(pages: str) -> str:
    return re.sub(r"\s*[-\u2012\u2013\u2014\u2212]\s*", "-", pages.strip())


def _clean_title(title: str) -> str:
    title = title.strip()
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1]
    return title.strip()


_ORDER = (
    "type", "author", "editor", "issued", "title", "container-title", "volume", "issue",
    "page", "number", "edition", "publisher", "publisher-place", "DOI", "URL", "status",
)


def _ordered(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in _ORDER if k in item}
