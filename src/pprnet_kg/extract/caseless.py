"""Case-insensitive regular expressions, run as case-sensitive ones on lower-cased text.

Python's `re.IGNORECASE` folds the case of every character it compares, which makes the
extractors' searches several times slower than the same search without it. On a text whose
letters are all ASCII, a case-insensitive match is exactly a case-sensitive match of a
lower-case pattern on `text.lower()`, at the same positions (lower-casing such a text keeps
its length, and no other character folds onto an ASCII letter). `Caseless` does that and
answers with the original text's characters; a text with any other letter ('é', 'İ', the
Kelvin sign) is searched the slow way, so the answers are always those of `re.IGNORECASE`.

The lowered text also allows a cheap test first: when every match contains one of a few words
(firstchar.needed_words), a lowered text with none of them is answered without the regex.

A `Caseless` pattern is written in lower case (escapes such as `\\S` aside): the constructor
refuses an upper-case letter, which would never match the lowered text.
"""

from __future__ import annotations

import re

from .firstchar import guarded, literal_led, needed_words

_NON_ASCII_LETTER_RE = re.compile(r"[^\W\d_\x00-\x7f]")  # a word character that is neither an ASCII one nor a digit
_NOT_LETTERS_RE = re.compile(r"\\.|\(\?P<\w+>|\(\?P=\w+\)")  # escapes and group names: not letters to match
_MISSING = object()
_LOWER: dict[str, str | None] = {}  # recent texts -> their lower case, or None for the slow way


def lowered(text: str) -> str | None:
    """`text.lower()` when a case-sensitive match on it stands for a case-insensitive one on
    `text` (every letter is ASCII); None otherwise. The same clause is searched by many patterns:
    recent answers are kept."""
    known = _LOWER.get(text, _MISSING)
    if known is _MISSING:
        if len(_LOWER) >= 2048:
            _LOWER.clear()
        # str.isascii() is a flag test: most texts need no search for another letter
        known = _LOWER[text] = text.lower() if text.isascii() or not _NON_ASCII_LETTER_RE.search(text) else None
    return known


def has_any(text: str, words: tuple[str, ...]) -> bool:
    """`any(w in text for w in words)`: a plain loop, without the generator's frame and resumptions
    (a third cheaper; the extractors make tens of these tests per post)."""
    for word in words:
        if word in text:
            return True
    return False



class Found:
    """A match on the lowered text, answering with the original text's characters."""

    __slots__ = ("_m", "_text")

    def __init__(self, m: re.Match, text: str):
        self._m, self._text = m, text

    def _slice(self, group):
        start, end = self._m.span(group)
        return None if start < 0 else self._text[start:end]

    def group(self, *groups):
        if len(groups) <= 1:
            return self._slice(groups[0] if groups else 0)
        return tuple(self._slice(g) for g in groups)

    def __getitem__(self, group):
        return self._slice(group)

    def groupdict(self, default=None) -> dict:
        return {name: (default if (value := self._slice(name)) is None else value)
                for name in self._m.re.groupindex}

    def start(self, group=0) -> int:
        return self._m.start(group)

    def end(self, group=0) -> int:
        return self._m.end(group)

    def span(self, group=0) -> tuple[int, int]:
        return self._m.span(group)

    def __repr__(self) -> str:
        return f"<caseless match span={self.span()} {self.group(0)!r}>"


class Caseless:
    """A pattern matched case-insensitively (see the module's docstring); the methods the
    extractors use: search, match, fullmatch, finditer, sub."""

    __slots__ = ("pattern", "fast", "flags", "_slow", "needs")

    def __init__(self, pattern: str, flags: int = 0):
        if any(c.isupper() for c in _NOT_LETTERS_RE.sub("", pattern)):
            raise ValueError(f"a Caseless pattern is written in lower case: {pattern!r}")
        self.pattern, self.flags = pattern, flags
        self.fast = literal_led(pattern, flags) or re.compile(guarded(pattern, flags), flags)
        self._slow = None
        # strings one of which every match contains: a lowered text with none of them cannot match
        self.needs = tuple(sorted(needed_words(pattern, flags) or ()))

    @property
    def slow(self) -> re.Pattern:
        """The IGNORECASE pattern, for texts with other letters: compiled when first needed
        (most runs never need it, and compiling every pattern twice slowed each command's start)."""
        if self._slow is None:
            self._slow = re.compile(guarded(self.pattern, self.flags | re.IGNORECASE), self.flags | re.IGNORECASE)
        return self._slow

    # search, match and fullmatch each written out: they run tens of times per post, and a shared
    # helper that looked the method up by name cost a call and a getattr each time
    def search(self, text: str, pos: int = 0):
        low = _LOWER.get(text, _MISSING)
        if low is _MISSING:
            low = lowered(text)
        if low is None:
            return self.slow.search(text, pos)
        if self.needs and not has_any(low, self.needs):
            return None
        m = self.fast.search(low, pos)
        return None if m is None else Found(m, text)

    def match(self, text: str, pos: int = 0):
        low = _LOWER.get(text, _MISSING)
        if low is _MISSING:
            low = lowered(text)
        if low is None:
            return self.slow.match(text, pos)
        if self.needs and not has_any(low, self.needs):
            return None
        m = self.fast.match(low, pos)
        return None if m is None else Found(m, text)

    def fullmatch(self, text: str, pos: int = 0):
        low = _LOWER.get(text, _MISSING)
        if low is _MISSING:
            low = lowered(text)
        if low is None:
            return self.slow.fullmatch(text, pos)
        if self.needs and not has_any(low, self.needs):
            return None
        m = self.fast.fullmatch(low, pos)
        return None if m is None else Found(m, text)

    def finditer(self, text: str):
        low = lowered(text)
        if low is None:
            return self.slow.finditer(text)
        if self.needs and not has_any(low, self.needs):
            return iter(())
        return (Found(m, text) for m in self.fast.finditer(low))

    def sub(self, repl: str, text: str, count: int = 0) -> str:
        """`re.sub` with a plain replacement (no group references)."""
        if "\\" in repl:
            raise ValueError("Caseless.sub takes a plain replacement")
        low = lowered(text)
        if low is None:
            return self.slow.sub(repl, text, count)
        if self.needs and not has_any(low, self.needs):
            return text
        pieces, last = [], 0
        for n, m in enumerate(self.fast.finditer(low), 1):
            pieces += [text[last: m.start()], repl]
            last = m.end()
            if n == count:
                break
        if not pieces:
            return text
        pieces.append(text[last:])
        return "".join(pieces)


_WORD_CHAR = re.compile(r"\w")


def word_spans(needle: str, hay: str) -> list[tuple[int, int]]:
    """Where `needle` occurs in `hay` as whole words (no word character just before or after):
    what `re.finditer(r"(?<!\\w)" + re.escape(needle) + r"(?!\\w)", hay)` finds, without compiling
    a pattern for each needle."""
    spans: list[tuple[int, int]] = []
    if not needle:
        return spans
    start = hay.find(needle)
    while start >= 0:
        end = start + len(needle)
        if not (start and _WORD_CHAR.match(hay, start - 1)) and not (end < len(hay) and _WORD_CHAR.match(hay, end)):
            spans.append((start, end))
            start = hay.find(needle, end)
        else:
            start = hay.find(needle, start + 1)
    return spans


_WORDS_RE = re.compile(r"\w+")
# every ASCII character that is not a word character (\w) -> a space, as a bytes.translate table
_NON_WORD_TO_SPACE = bytes(c if c > 127 or _WORD_CHAR.match(chr(c)) else 32 for c in range(256))


def words(text: str) -> list[str]:
    """`re.findall(r"\\w+", text)`: on an ASCII text, the runs left by turning every other
    character into a space (bytes.translate is a table lookup per byte, three times as fast as
    the regex or str.translate)."""
    if text.isascii():
        return text.encode("ascii").translate(_NON_WORD_TO_SPACE).decode("ascii").split()
    return _WORDS_RE.findall(text)


_DIGIT_RE = re.compile(r"\d")


def has_digit(text: str) -> bool:
    """Whether `re.search(r"\\d", text)` finds a digit; on an ASCII text, ten substring tests
    (each a memchr) instead of the regex engine."""
    if text.isascii():
        return ("0" in text or "1" in text or "2" in text or "3" in text or "4" in text or "5" in text
                or "6" in text or "7" in text or "8" in text or "9" in text)
    return _DIGIT_RE.search(text) is not None
