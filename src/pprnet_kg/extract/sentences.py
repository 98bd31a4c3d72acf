"""Summary text -> sentences, each with the page line it sits on."""

from __future__ import annotations

import re

from ..model import TextLine

_ABBREVIATIONS = {
    "e.g", "i.e", "al", "vs", "cf", "dr", "prof", "approx", "ca", "etc", "no", "fig", "st",
    "mr", "mrs", "ms", "jr", "sr", "u.s", "u.k", "resp",
}
_CANDIDATE = re.compile(r"[.!?][\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9\u00C0-\u024F])")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences without breaking on decimals, initials or 'e.g.'."""
    sentences: list[str] = []
    start = 0
    for m in _CANDIDATE.finditer(text):
        before = text[start: m.start() + 1]
        word = re.search(r"(\S+)$", before[:-1] if before.endswith(".") else before)
        token = word.group(1).lower().strip("([\"“") if word else ""
        if text[m.start()] == "." and (token in _ABBREVIATIONS or re.fullmatch(r"[a-z]", token)):
            continue
        sentences.append(text[start: m.end()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def sentences_with_lines(lines: tuple[TextLine, ...]) -> list[TextLine]:
    return [TextLine(t.line, s) for t in lines for s in split_sentences(t.text)]
