"""Reading input pages: the only module that touches input files, including the pages that
`pprnet-kg fetch` stored in a snapshot cache (`read_cache`: decoded as they declare, offline).

A page is text with one block per line (the layout of the blog listing). HTML pages are
reduced to the same layout: every block element starts a new line and list items get a
leading "- ", so the parser sees one format. A page is HTML when its name ends in .html or
.htm (any case), or when it starts (after a BOM and blank space) with <!DOCTYPE, <html or
an HTML comment; anything else is plain text.
"""

from __future__ import annotations

import codecs
import html
import re
from collections import Counter
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator

from .errors import SourceError
from .model import Page

PAGE_SUFFIXES = (".txt", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
_HTML_STARTS = ("<!doctype", "<html", "<!--")

_BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "main", "aside", "nav",
    "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "br", "tr", "table",
    "blockquote", "dt", "dd", "figure", "figcaption", "hr", "title", "body",
}
_SKIP = {"script", "style", "noscript", "template", "svg", "head"}


class _BlockText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skipping = 0

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.lines.append(text)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCKS:
            self._flush()
            if tag == "li":
                self.current.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.current.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def html_to_lines(markup: str) -> list[str]:
    """Reduce an HTML page to block-per-line text."""
    parser = _BlockText()
    parser.feed(markup)
    parser.close()
    return [html.unescape(line) for line in parser.lines]


def looks_like_html(text: str, name: str = "") -> bool:
    """HTML by name (.html/.htm, any case) or by how the text starts: <!DOCTYPE, <html or <!--
    (any case) after an optional BOM and blank space. Markup later in a text page does not count."""
    if name.lower().endswith(HTML_SUFFIXES):
        return True
    head = text.lstrip("\ufeff").lstrip()[:9].lower()
    return head.startswith(_HTML_STARTS)


def page_from_text(text: str, source: str) -> Page:
    """Make a Page from text or HTML already in memory; `source` is the page's file name."""
    text = text.lstrip("\ufeff")
    if looks_like_html(text, source):
        lines = html_to_lines(text)
    else:
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Page(source=source, lines=tuple(lines))


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# What browsers do: a page that says Latin-1 or ASCII is read as Windows-1252 (a superset).
_AS_WINDOWS_1252 = {"iso8859-1", "latin-1", "ascii"}


def declared_charset(data: bytes, content_type: str | None = None) -> str | None:
    """The character encoding a fetched page declares: a byte-order mark, else the charset of its
    Content-Type header, else a <meta> charset in its first 4 KB; None when it declares none or
    names one Python does not know."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return name
    found = _HEADER_CHARSET.search(content_type or "")
    label = found.group(1) if found else None
    if label is None and (meta := _META_CHARSET.search(data[:4096])):
        label = meta.group(1).decode("ascii")
    if label is None:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "cp1252" if name in _AS_WINDOWS_1252 else name


def decode_page(data: bytes, content_type: str | None = None) -> str:
    """Bytes of a fetched page as text: in the encoding it declares (bad bytes replaced), else
    UTF-8, else Windows-1252, the usual encoding of older pages that declare nothing."""
    name = declared_charset(data, content_type)
    if name is not None:
        return data.decode(name, errors="replace").lstrip("\ufeff")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def page_from_bytes(data: bytes, source: str, *, content_type: str | None = None, url: str = "",
                    retrieved: str = "", sha256: str = "") -> Page:
    """A Page from the bytes of a fetched response (decoded as `decode_page` says), reduced by the
    same rules as a page read from a file; `url`, `retrieved` and `sha256` say which snapshot it is."""
    text = decode_page(data, content_type)
    if "html" in (content_type or "").lower() and not looks_like_html(text, source):
        lines = html_to_lines(text)
        page = Page(source=source, lines=tuple(lines))
    else:
        page = page_from_text(text, source)
    return replace(page, url=url, retrieved=retrieved, sha256=sha256)


def read_page(path: str | Path) -> Page:
    """Read one page from a file; raises SourceError with a one-line reason."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{p}: is a directory") from None
    except OSError as exc:
        raise SourceError(f"{p}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{p}: not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise SourceError(f"{p}: binary file, not a page")
    return page_from_text(text, p.name)


def expand_sources(paths: list[str | Path]) -> list[Path]:
    """Files named, plus the pages inside directories named, in a stable order."""
    files: list[Path] = []
    for path in paths:
        p = Path(path)
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix.lower() in PAGE_SUFFIXES and f.is_file())
            if not found:
                raise SourceError(f"{p}: directory holds no .txt or .html pages")
            files.extend(found)
        else:
            files.append(p)
    return files


def iter_pages(paths: list[str | Path]) -> Iterator[Page]:
    """Pages named by file name (by their path when two files share a name: a/x.txt, b/x.txt),
    read one at a time; a missing file is reported before any page is read."""
    files = expand_sources(paths)
    for f in files:
        if not f.exists():
            raise SourceError(f"{f}: no such file")
    shared = {name for name, n in Counter(f.name for f in files).items() if n > 1}
    for f in files:
        page = read_page(f)
        if f.name in shared:
            page = Page(source=f.as_posix(), lines=page.lines)
        yield page


def read_pages(paths: list[str | Path]) -> list[Page]:
    """Pages named by file name; by their path when two files share a name (a/x.txt, b/x.txt)."""
    return list(iter_pages(paths))


# ---------------------------------------------------------------------- pages fetched from the blog


@dataclass(frozen=True)
class CachedPage:
    """A blog page read back from a snapshot cache (`pprnet-kg fetch`), with where the blog showed it."""

    page: Page  # its source is the URL
    role: str  # listing | old | filter
    facet: str = ""  # filter pages: "topic" or "research type"
    label: str = ""  # filter pages: the filter's label as the blog prints it
    filter_url: str = ""  # filter pages: the filter's first page
    number: int = 1  # page number within its listing


def post_key(month: str, title: str) -> tuple[str, str]:
    """How one post is recognised across the blog's pages and filters: month and title (case and
    spacing ignored)."""
    return (month, " ".join(title.split()).casefold())


def is_furniture(raw) -> bool:
    """A "post" the parser made of page furniture (a pager, the page of an empty filter): no
    citation and no practice implications. Pages fetched from the blog are read without them."""
    return raw.citation is None and not raw.implications


def is_snapshot_cache(path: str | Path) -> bool:
    from .snapshots import INDEX

    return (Path(path) / INDEX).is_file()


def read_cache(root: str | Path) -> list[CachedPage]:
    """The newest stored body of every blog page in a snapshot cache, as Pages, offline: the
    listing in page order first, then the old edition's month pages, then the filter pages."""
    from .snapshots import PAGE_ROLES, SnapshotCache

    cache = SnapshotCache(root)
    newest: dict[str, tuple[int, object]] = {}
    for order, s in enumerate(cache.entries):
        if s.status == 200 and s.role in PAGE_ROLES:
            newest[s.url] = (order, s)
    if not newest:
        raise SourceError(f"{root}: the snapshot cache holds no blog pages (run `pprnet-kg fetch --cache {root}`)")
    first_of: dict[str, int] = {}
    for order, s in sorted(newest.values(), key=lambda item: item[0]):
        first_of.setdefault(s.meta.get("seq", s.url), order)

    def position(item):
        order, s = item
        return (PAGE_ROLES.index(s.role), first_of[s.meta.get("seq", s.url)], int(s.meta.get("page", 1)), order)

    pages = []
    for _, s in sorted(newest.values(), key=position):
        page = page_from_bytes(cache.body(s), s.url, content_type=s.headers.get("content-type"), url=s.url,
                               retrieved=s.retrieved, sha256=s.sha256)
        pages.append(CachedPage(page, s.role, facet=s.meta.get("facet", ""), label=s.meta.get("label", ""),
                                filter_url=s.meta.get("filter_url", ""), number=int(s.meta.get("page", 1))))
    return pages
