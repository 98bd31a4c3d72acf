"""Summary text -> sentences."""

from __future__ import annotations

import re
from functools import lru_cache

_ABBREVIATIONS = {
    "e.g", "i.e", "al", "vs", "cf", "dr", "prof", "approx", "ca", "etc", "no", "fig", "st",
    "mr", "mrs", "ms", "jr", "sr", "u.s", "u.k", "resp",
}
_CANDIDATE = re.compile(r"[.!?][\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9\u00C0-\u024F])")


@lru_cache(maxsize=4096)
def split_sentences(text: str) -> tuple[str, ...]:
    """Split prose into sentences without breaking on decimals, initials or 'e.g.'. (Cached: a
    post's summary is split by several extractors.)"""
    sentences: list[str] = []
    start = 0
    for m in _CANDIDATE.finditer(text):
        if text[m.start()] == ".":
            before = text[start: m.start()].removesuffix("\n")
            token = before.rsplit(None, 1)[-1].lower().strip("([\"“") if before[-1:].strip() else ""
            if token in _ABBREVIATIONS or len(token) == 1 and "a" <= token <= "z":  # an initial
                continue
        sentences.append(text[start: m.end()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return tuple(sentences)

