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

import _sre
import re
from re import _constants as C  # noqa: N812 - the names of the parser's opcodes
from re import _compiler, _parser

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


# A guard still leaves `re` trying the pattern at every position of the text (each try costs more
# than a test of one character in its scan). A pattern whose every match starts with a literal is
# scanned for that literal instead: `\\bthan\\s` is the same as `than(?<!\\wthan)\\s` (a word
# boundary before a word character is no word character before it, which a lookbehind that takes
# the literal too can test after it), and `(?:a|b)c` is `ac|bc`. `literal_led` rewrites a parsed
# pattern that way: leading word boundaries and lookbehinds move behind the literals that follow
# them, and groups of alternatives at the front are spread into one alternative each.

_MAX_LEADS = 40  # alternatives at most: spreading nested groups multiplies them


def _with_behind(op, body: list, lead: list, state) -> tuple:
    """A lookbehind (op: ASSERT or ASSERT_NOT) that tests `body` before the literals `lead`, put after them."""
    return op, (-1, _parser.SubPattern(state, list(body) + list(lead)))


def _has_group(items) -> bool:
    """Whether the parsed items open a capturing group (copies of one in two alternatives are not risked)."""
    for op, av in items:
        if op is C.SUBPATTERN and (av[0] is not None or _has_group(av[3].data)):
            return True
        if op is C.BRANCH and any(_has_group(alt.data) for alt in av[1]):
            return True
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and _has_group(av[2].data):
            return True
        if op in (C.ASSERT, C.ASSERT_NOT) and _has_group(av[1].data):
            return True
        if op is C.ATOMIC_GROUP and _has_group(av.data):
            return True
    return False


def _behind_lead(op, av, alt: list, state) -> list:
    """The alternative `alt` (led by literals) with the zero-width test (op, av) that stood before it
    moved behind its leading literals."""
    n = next((i for i, (o, _) in enumerate(alt) if o is not C.LITERAL), len(alt))
    lead, after = alt[:n], alt[n:]
    if op is C.AT:  # \b before a word character: none before it; before another character: one
        word = chr(lead[0][1]).isalnum() or lead[0][1] == ord("_")
        behind = _with_behind(C.ASSERT_NOT if word else C.ASSERT, [(C.IN, [(C.CATEGORY, C.CATEGORY_WORD)])],
                              lead, state)
    else:
        behind = _with_behind(op, av[1].data, lead, state)
    return lead + [behind] + after


def _is_behind(op, av) -> bool:
    """A word boundary or a lookbehind: a test of what stands before the position."""
    return op is C.AT and av is C.AT_BOUNDARY or op in (C.ASSERT, C.ASSERT_NOT) and av[0] == -1


def _leads(items: list, state) -> list[list] | None:
    """Alternatives, tried in this order, that match what `items` matches, each starting with a
    literal; None when the pattern does not allow it (a part that would be copied into several
    alternatives opens a capturing group, or a match may start otherwise)."""
    if not items:
        return None  # the empty pattern starts with no literal
    op, av = items[0]
    rest = items[1:]
    if op is C.LITERAL:
        return [items]
    if op is C.SUBPATTERN:
        group, add, drop, inner = av
        return None if group is not None or add or drop else _leads(list(inner.data) + rest, state)
    if op is C.BRANCH:
        if len(av[1]) > 1 and _has_group(rest):
            return None
        out: list[list] = []
        for alt in av[1]:
            led = _leads(list(alt.data) + rest, state)
            if led is None:
                return None
            out += led
        return out if len(out) <= _MAX_LEADS else None
    if op is C.IN and 1 < len(av) <= 8 and all(kind is C.LITERAL for kind, _ in av) and not _has_group(rest):
        # a class of a few characters ('(?:a|b)' is parsed as [ab]): one alternative each (one
        # character matches at most one of them, so their order does not matter)
        return [[(C.LITERAL, code)] + rest for _, code in av]
    if op is C.MAX_REPEAT and av[:2] == (0, 1) and not _has_group(av[2].data) and not _has_group(rest):
        # an optional part: first with it, then without it (the order a greedy '?' tries)
        with_it, without = _leads(list(av[2].data) + rest, state), _leads(rest, state)
        return None if with_it is None or without is None else with_it + without
    if _is_behind(op, av):
        led = _leads(rest, state)
        return None if led is None else [_behind_lead(op, av, alt, state) for alt in led]
    return None


def _branch(alternatives: list[list], state) -> tuple:
    """One BRANCH item of alternatives led by literals, those with the same first character put in a
    group under it: `re` tries a BRANCH's alternatives one by one, and alternatives that start
    with different characters never match at the same place (so grouping them keeps the order
    that decides which one matches)."""
    groups: dict[int, list[list]] = {}
    for alt in alternatives:
        groups.setdefault(alt[0][1], []).append(alt)
    out = []
    for first, alts in groups.items():
        if len(alts) == 1:
            out.append(_parser.SubPattern(state, alts[0]))
        else:
            inner = _parser.SubPattern(state, [(C.BRANCH, (None, [_parser.SubPattern(state, a[1:]) for a in alts]))])
            out.append(_parser.SubPattern(state, [alts[0][0], (C.SUBPATTERN, (None, 0, 0, inner))]))
    return C.BRANCH, (None, out)


def _led_front(items: list, state) -> list | None:
    """`items` rewritten so that `re` can scan for the first characters of its matches: one group
    of alternatives each led by a literal, then the rest; None when that cannot be done."""
    led = _leads(items, state)
    if led is not None:
        return [_branch(led, state)] if len(led) > 1 else led[0]
    # a group at the front (after a word boundary or lookbehind), followed by a capturing group:
    # its alternatives are led by literals, the rest stays after it as it is
    op, av = items[0]
    behind = _is_behind(op, av)
    at = 1 if behind else 0
    if at >= len(items) or items[at][0] not in (C.SUBPATTERN, C.BRANCH, C.IN):
        return None
    group = items[at]
    if group[0] is C.SUBPATTERN and (group[1][0] is not None or group[1][1] or group[1][2]):
        return None
    led = _leads([group], state)
    if led is None:
        return None
    if behind:
        led = [_behind_lead(op, av, alt, state) for alt in led]
    return [_branch(led, state)] + items[at + 1:]


def literal_led(pattern: str, flags: int = 0) -> re.Pattern | None:
    """The pattern compiled so that every match starts with a literal `re` scans for (see above),
    or None when it cannot be: a case-insensitive, ASCII or verbose pattern, a match that may start
    with a class, a repeat or a capturing group. Its matches and groups are the pattern's."""
    try:
        parsed = _parser.parse(pattern, flags)
        state = parsed.state
        if state.flags & (re.IGNORECASE | re.ASCII | re.LOCALE | re.VERBOSE):
            return None
        if _starts_plainly(parsed):
            return None  # re scans for its first character already: nothing to gain
        front = _led_front(list(parsed.data), state)
        return None if front is None else _compile_tree(pattern, _parser.SubPattern(state, front), flags)
    except (re.error, RecursionError, TypeError):
        return None


def _compile_tree(pattern: str, tree, flags: int) -> re.Pattern:
    """What `re._compiler.compile` makes of a parsed pattern, keeping `pattern` as its text (it
    leaves a parsed pattern without one)."""
    state = tree.state
    indexgroup = [None] * state.groups
    for name, i in state.groupdict.items():
        indexgroup[i] = name
    return _sre.compile(pattern, flags | state.flags, _compiler._code(tree, flags), state.groups - 1,
                        state.groupdict, tuple(indexgroup))


UNGUARDED: dict[str, str] = {}  # compile_guarded's patterns -> the patterns as written (for the tests)


def compile_guarded(pattern: str, flags: int = 0) -> re.Pattern:
    """`re.compile` of the pattern led by a literal, or of the guarded pattern: the same matches,
    found faster."""
    rx = literal_led(pattern, flags) or re.compile(guarded(pattern, flags), flags)
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
