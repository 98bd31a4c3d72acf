"""The curated journal list (data/journals.toml): where a journal's name starts, and whole DOIs.

`load_journals()` reads the list once; `Journals.split(text)` finds where an article's title ends
and its journal begins, using the list first and punctuation and capitals after it;
`Journals.doi_is_complete(doi)` checks a DOI against its publisher's suffix shape when the list
has one.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..errors import ConfigError
from ..resources import data_file
from .firstchar import compile_guarded
from .sentences import split_sentences

_WELL_FORMED_DOI_RE = compile_guarded(r"^10\.\d{4,9}/[-._;()/:<>\[\]\w]*[\w)]$")
# A boundary a journal's name can follow: the end of the title (. ? !) or a comma.
_BOUNDARY_RE = compile_guarded(r"[.?!,][\"”’)]*\s+")
_WORD_RE = compile_guarded(r"[^\W\d_][\w'’]*")
# Words a title-case name may leave in lower case.
_SMALL_WORDS = frozenset("a an and as at by de for from in into of on or the to with und".split())


def normalise_journal(name: str) -> str:
    """'The Lancet  Psychiatry.' -> 'lancet psychiatry'; '&' and 'and' are the same."""
    s = " ".join(name.replace("&", " and ").lower().split()).strip(" .,;:")
    return s[4:] if s.startswith("the ") else s


def is_title_case(text: str) -> bool:
    """Journal names capitalise their words; article titles are mostly in sentence case."""
    words = _WORD_RE.findall(text)
    return bool(words) and words[0][0].isupper() and all(w[0].isupper() or w.lower() in _SMALL_WORDS for w in words)


@dataclass(frozen=True)
class Journals:
    names: frozenset[str]  # normalised (normalise_journal)
    doi_suffix: tuple[tuple[str, re.Pattern], ...] = ()  # (DOI prefix, complete suffix pattern)

    def is_known(self, name: str) -> bool:
        return normalise_journal(name) in self.names

    def doi_is_complete(self, doi: str) -> bool:
        """Well formed, and of its publisher's shape when the list knows the publisher."""
        if not _WELL_FORMED_DOI_RE.match(doi) or doi.count("(") != doi.count(")"):
            return False
        prefix, _, suffix = doi.partition("/")
        for known, pattern in self.doi_suffix:
            if prefix == known:
                return pattern.fullmatch(suffix) is not None
        return True

    def known_tail(self, text: str) -> tuple[str, str] | None:
        """(title, journal) when the text ends with a listed journal after . ? ! or a comma."""
        for m in _BOUNDARY_RE.finditer(text):
            if self.is_known(text[m.end():]):
                return text[: m.start() + 1], text[m.end():].strip()
        return None

    def split(self, text: str) -> tuple[str, str | None]:
        """'Title. Journal' / 'Title? More title. Journal' / 'Title, Journal' -> (title, journal or None)."""
        text = text.strip().rstrip(",;:").strip()
        if (known := self.known_tail(text)) is not None:
            return known
        sentences = split_sentences(text)
        if len(sentences) > 1:
            journal = sentences[-1].rstrip(".").strip()
            title = text[: len(text) - len(sentences[-1])].strip()
            if not is_title_case(journal) and (part := _title_case_after_comma(journal)) is not None:
                return f"{title} {journal[: -len(part)]}".strip().rstrip(",").strip(), part
            return title, journal
        part = _title_case_after_comma(text)
        if part is not None:
            return text[: -len(part)].strip().rstrip(",").strip(), part
        return text, None


def _title_case_after_comma(text: str) -> str | None:
    """The longest title-case run after a comma: 'a naturalistic study, Nordic Therapy Review'."""
    for m in re.finditer(r",\s+", text):
        tail = text[m.end():].rstrip(".").strip()
        if is_title_case(tail):
            return tail
    return None


@cache
def load_journals(path: Path | None = None) -> Journals:
    """The journal list and DOI shapes from data/journals.toml (or another file of that form)."""
    path = path or data_file("journals.toml")
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: journal list missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    names = data.get("journals", [])
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise ConfigError(f"{path}: 'journals' must be a list of journal titles")
    shapes = []
    for prefix, pattern in data.get("doi_suffix", {}).items():
        try:
            shapes.append((prefix, re.compile(pattern)))
        except (re.error, TypeError) as exc:
            raise ConfigError(f"{path}: DOI suffix pattern for {prefix} is not a regular expression: {exc}") from None
    return Journals(frozenset(normalise_journal(n) for n in names), tuple(shapes))
