"""Small text helpers shared by the parser, the extractors and IRI minting."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Characters the blog uses for hyphens.
HYPHENS = "\u2010\u2011"

_FOLD = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d", "ı": "i"})


def ascii_fold(text: str) -> str:
    """Drop diacritics: Flückiger -> Fluckiger, Řiháček -> Rihacek, Rønnestad -> Ronnestad."""
    if text.isascii():
        return text
    text = text.translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=65536)  # the same names, journals and topics are minted again and again
def slugify(text: str, max_len: int = 80) -> str:
    """Readable, stable IRI segment: ascii, lowercase, words joined by '-'."""
    folded = ascii_fold(text).lower().replace("&", " and ")
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0] or slug[:max_len]
    return slug or "untitled"


def squash(text: str) -> str:
    """Collapse runs of whitespace (including no-break spaces) into one space."""
    return " ".join(text.split())
