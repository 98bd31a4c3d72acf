"""Reading input pages: the only module that touches input files.

A page is text with one block per line (the layout of the blog listing). HTML pages are
reduced to the same layout: every block element starts a new line and list items get a
leading "- ", so the parser sees one format. A page is HTML when its name ends in .html or
.htm (any case), or when it starts (after a BOM and blank space) with <!DOCTYPE, <html or
an HTML comment; anything else is plain text.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser
from pathlib import Path

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


def read_pages(paths: list[str | Path]) -> list[Page]:
    """Pages named by file name; by their path when two files share a name (a/x.txt, b/x.txt)."""
    files = expand_sources(paths)
    names = [f.name for f in files]
    pages = []
    for f in files:
        page = read_page(f)
        if names.count(f.name) > 1:
            page = Page(source=f.as_posix(), lines=page.lines)
        pages.append(page)
    return pages
