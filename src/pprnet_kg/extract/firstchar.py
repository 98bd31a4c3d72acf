"""Cheap tests before a regex: its possible first characters, and words every match contains.

Python's `re` scans a text for a pattern that starts with a literal or a character class in a
fast inner loop; a pattern that starts with `\\b`, a lookbehind or a group of alternatives is
instead tried at every position, alternative by alternative. Most of the extractors' patterns
start that way and most positions of a sentence cannot start a match: `guarded` puts a
lookahead for the characters a match can start with at the front, so those positions fail at
the first test. A match never starts elsewhere, so the guarded pattern finds exactly what the
pattern finds (tests/test_firstchar.py checks that on every extractor pattern).

The first characters are read from the parsed pattern (`re._parser`); a pattern whose first
character could be anything (`.`, a negated class, `\\w`, a pattern that may match nothing) is
left as it is. `needed_words` reads, the same way, a few strings one of which every match
contains ('compar' for "\\bcompar\\w*\\s+..."): caseless.Caseless refuses a text without any of
them before running the regex.
"""

from __future__ import annotations

import re
from re import _constants as C  # noqa: N812 - the names of the parser's opcodes
from re import _parser

_GLOBAL_FLAGS_RE = re.compile(r"\(\?[aiLmsux]+\)")
_NARROW = {C.CATEGORY_DIGIT: r"\d", C.CATEGORY_SPACE: r"\s"}  # classes narrow enough to be worth a guard (\w is not)


class _Unknown(Exception):
    """The first character cannot be told (or could be anything)."""


# An end anchor met before any character ('$' as an alternative: "\\s*[,;]|$"): a match may also
# start where the anchor holds, which the same anchor in the guard tests (with the flag it was
# parsed with, whatever the guard's own flags)
# ('$' is parsed as AT_END and made a line end by the MULTILINE flag in force, which _first follows)
_END_ANCHORS = {(C.AT_END, False): "(?-m:$)", (C.AT_END, True): "(?m:$)", (C.AT_END_STRING, False): r"\Z",
                (C.AT_END_STRING, True): r"\Z"}
_ANCHOR_GUARDS = frozenset(_END_ANCHORS.values())


def _item(code: int) -> str:
    return f"\\U{code:08x}"


def _first(seq, icase: bool, cs: set[str], ci: set[str], multiline: bool = False) -> bool:
    """Add the class items a match of `seq` can start with to cs (case-sensitive) or ci
    (case-insensitive); True when `seq` can match the empty string."""
    for op, av in seq:
        into = ci if icase else cs
        if op is C.LITERAL:
            into.add(_item(av))
            return False
        if op is C.IN:
            for kind, value in av:
                if kind is C.LITERAL:
                    into.add(_item(value))
                elif kind is C.RANGE:
                    into.add(f"{_item(value[0])}-{_item(value[1])}")
                elif kind is C.CATEGORY and value in _NARROW:
                    into.add(_NARROW[value])
                else:
                    raise _Unknown(kind)
            return False
        if op is C.AT and (av, multiline) in _END_ANCHORS:
            # nothing consumed yet and the match must stand at the end: the guard's own anchor
            # holds at exactly the positions where this one does
            cs.add(_END_ANCHORS[av, multiline])
            return False
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue  # takes no character
        if op is C.BRANCH:
            if not any([_first(alt, icase, cs, ci, multiline) for alt in av[1]]):
                return False
            continue
        if op is C.SUBPATTERN:
            _group, add, drop, inner = av
            inner_icase = (icase or bool(add & C.SRE_FLAG_IGNORECASE)) and not drop & C.SRE_FLAG_IGNORECASE
            inner_multiline = (multiline or bool(add & C.SRE_FLAG_MULTILINE)) and not drop & C.SRE_FLAG_MULTILINE
            if not _first(inner, inner_icase, cs, ci, inner_multiline):
                return False
            continue
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            low, _high, inner = av
            if not _first(inner, icase, cs, ci, multiline) and low > 0:
                return False
            continue
        if op is C.ATOMIC_GROUP:
            if not _first(av, icase, cs, ci, multiline):
                return False
            continue
        raise _Unknown(op)
    return True


def first_chars(pattern: str, flags: int = 0) -> str | None:
    """A lookahead that accepts every character a match of the pattern can start with, or None
    when that cannot be told or would not narrow the search."""
    try:
        parsed = _parser.parse(pattern, flags)
        cs: set[str] = set()
        ci: set[str] = set()
        if _first(parsed, bool(parsed.state.flags & re.IGNORECASE), cs, ci, bool(parsed.state.flags & re.MULTILINE)):
            return None  # the pattern can match nothing at all: any position may be a match
    except (_Unknown, re.error):
        return None
    anchors = sorted(cs & _ANCHOR_GUARDS)
    cs -= _ANCHOR_GUARDS
    alternatives = [f"[{''.join(sorted(cs))}]"] if cs else []
    if ci:
        alternatives.append(f"(?i:[{''.join(sorted(ci))}])")
    alternatives += anchors
    return f"(?={'|'.join(alternatives)})"


def _starts_plainly(seq) -> bool:
    """Whether `re` already scans for the pattern's first character itself (it starts with a
    literal, a class, or alternatives that each start with a literal) or tries one position only."""
    while seq:
        op, av = seq[0]
        if op is C.SUBPATTERN:
            seq = av[3]
            continue
        if op in (C.LITERAL, C.IN):
            return True
        if op is C.AT and av in (C.AT_BEGINNING, C.AT_BEGINNING_STRING):
            return True  # anchored at the start: tried at one position only
        if op is C.BRANCH:
            return all(alt and alt[0][0] is C.LITERAL for alt in av[1])
        return False
    return False


def guarded(pattern: str, flags: int = 0) -> str:
    """The pattern with a lookahead for its first characters in front (after any global flags),
    or the pattern itself when there is nothing to gain."""
    try:
        parsed = _parser.parse(pattern, flags)
    except re.error:
        return pattern
    if _starts_plainly(parsed) or parsed.state.flags & re.VERBOSE:
        return pattern  # (in a verbose pattern a final comment would swallow the group's closing parenthesis)
    guard = first_chars(pattern, flags)
    if guard is None:
        return pattern
    lead = _GLOBAL_FLAGS_RE.match(pattern)
    at = lead.end() if lead else 0
    return f"{pattern[:at]}{guard}(?:{pattern[at:]})"  # the group: a guard before `a|b` would guard a only


UNGUARDED: dict[str, str] = {}  # compile_guarded's patterns -> the patterns as written (for the tests)


def compile_guarded(pattern: str, flags: int = 0) -> re.Pattern:
    """`re.compile` of the guarded pattern: the same matches, found faster."""
    rx = re.compile(guarded(pattern, flags), flags)
    UNGUARDED[rx.pattern] = pattern
    return rx


# words in most sentences: a test for them would rule out too few texts to pay
_COMMON = frozenset("the and for not one has had have than with was were that from".split())


def _needs(seq, icase: bool) -> frozenset[str] | None:
    """Strings one of which every match of `seq` contains (a literal run of it, or what a group
    of it needs), or None when there is no such set worth testing."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def flush():
        if run:
            candidates.append(frozenset(["".join(run)]))
            run.clear()

    for op, av in seq:
        if op is C.LITERAL and not icase:
            run.append(chr(av))
            continue
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue  # takes no character: the literals around it stand side by side in the match
        flush()
        if op is C.SUBPATTERN:
            _group, add, drop, inner = av
            found = _needs(inner, (icase or bool(add & C.SRE_FLAG_IGNORECASE)) and not drop & C.SRE_FLAG_IGNORECASE)
        elif op is C.BRANCH:
            alternatives = [_needs(alt, icase) for alt in av[1]]
            found = frozenset().union(*alternatives) if all(alternatives) else None
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[0] > 0:
            found = _needs(av[2], icase)
        elif op is C.ATOMIC_GROUP:
            found = _needs(av, icase)
        else:
            found = None
        if found:
            candidates.append(found)
    flush()
    if not candidates:
        return None
    # strings that are not common words, of 3 characters or more; the fewest, then the longest
    return max(candidates, key=lambda words: (not words & _COMMON, min(map(len, words)) >= 3, -len(words),
                                              min(map(len, words))))


def needed_words(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """A few strings (each of 3 characters or more) one of which every match contains, when the
    pattern has them: a text with none of them cannot match (str `in` tests are cheaper than
    the regex's search). None for a pattern without such strings."""
    try:
        parsed = _parser.parse(pattern, flags)
    except re.error:
        return None
    words = _needs(parsed, bool(parsed.state.flags & re.IGNORECASE))
    if not words:
        return None
    words = frozenset(w for w in words if not any(v in w for v in words if v != w))  # 'respon' covers 'respond'
    if len(words) > 12 or min(map(len, words)) < 3 or words & _COMMON:
        return None
    return words
