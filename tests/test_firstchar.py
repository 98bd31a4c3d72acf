"""A guarded pattern (a lookahead for its first characters in front) finds exactly what the
pattern finds: on every extractor pattern, on texts made of the pattern's own words, case
variants, odd letters and numbers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pprnet_kg.extract import (caseless, citation, comparators, favours, findings, journals, names, pico, qualifiers,
                               relations, study)
from pprnet_kg.extract.caseless import Caseless
from pprnet_kg.extract.firstchar import UNGUARDED, first_chars, guarded, literal_led, needed_words


def _extractor_patterns():
    """(name, Caseless or None, pattern, flags) of every Caseless pattern of the extractors and of every
    pattern compiled by compile_guarded (its pattern as written)."""
    for module in (pico, comparators, relations, favours, qualifiers, study, findings, citation, names, journals,
                   caseless):
        for name, value in sorted(vars(module).items()):
            for i, item in enumerate(value if isinstance(value, tuple) else (value,)):
                if isinstance(item, Caseless):
                    yield f"{module.__name__}.{name}[{i}]", item, item.pattern, item.flags
                elif isinstance(item, re.Pattern) and item.pattern in UNGUARDED:  # made by compile_guarded
                    yield f"{module.__name__}.{name}[{i}]", None, UNGUARDED[item.pattern], item.flags & ~re.UNICODE


def _patterns() -> list[tuple[str, str, int]]:
    """(name, pattern, flags) of every extractor pattern that gets a guard."""
    found = []
    for name, item, pattern, flags in _extractor_patterns():
        if item is None:
            found.append((name, pattern, flags))
        else:
            found += [(f"{name}/{f}", pattern, f) for f in (flags, flags | re.IGNORECASE)]
    return [(n, p, f) for n, p, f in found if guarded(p, f) != p]


PATTERNS = _patterns()
ODD = ["é", "É", "İ", "ı", "ſ", "\u212a", "ß", "Σ", "β", "τ", "²", "’", "“", "–", "−", "≤", " ", "\n", "\t"]


def _texts(pattern: str):
    words = sorted(set(re.findall(r"[A-Za-z]{1,}", re.sub(r"\\.", " ", pattern)))) or ["x"]
    word = st.sampled_from(words).flatmap(lambda w: st.sampled_from([w, w.upper(), w.lower(), w.capitalize()]))
    piece = st.one_of(word, st.sampled_from(ODD), st.sampled_from([" ", ", ", "; ", "(", ")", ". ", "-", "=", ":"]),
                      st.from_regex(r"[-−]?\d{1,3}(\.\d{1,2})?", fullmatch=True))
    return st.lists(piece, max_size=30).map(lambda parts: "".join(p if p in ODD else f"{p} " for p in parts))


def _spans(m) -> list | None:
    return None if m is None else [m.span(g) for g in range(m.re.groups + 1)]


def test_the_extractors_have_guarded_patterns():
    names = {n.split("[")[0] for n, _, _ in PATTERNS}
    assert {"pprnet_kg.extract.findings._MEASURE_RE", "pprnet_kg.extract.relations.ASSOC_RE",
            "pprnet_kg.extract.comparators._CUE_RE"} <= names


@pytest.mark.parametrize("name,pattern,flags", PATTERNS, ids=[n for n, _, _ in PATTERNS])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_guarded_pattern_finds_what_the_pattern_finds(name, pattern, flags, data):
    plain, fast = re.compile(pattern, flags), re.compile(guarded(pattern, flags), flags)
    assert fast.groupindex == plain.groupindex and fast.groups == plain.groups
    text = data.draw(_texts(pattern))
    pos = data.draw(st.integers(0, len(text)))
    assert [_spans(m) for m in fast.finditer(text)] == [_spans(m) for m in plain.finditer(text)]
    assert _spans(fast.search(text, pos)) == _spans(plain.search(text, pos))
    assert _spans(fast.match(text, pos)) == _spans(plain.match(text, pos))
    assert fast.sub("#", text) == plain.sub("#", text)


@pytest.mark.parametrize("pattern,flags,starts,not_starts", [
    (r"\bfoo|\bbar", 0, "fb", "FBx"),
    (r"(?<!\w)(?:(?P<a>x+)|(?i:y))z", 0, "xyY", "Xz"),
    (r"(?:a?b)*c", 0, "abc", "d"),
    (r"(?:k\s*=\s*)?\d", 0, "k5", "x"),
    (r"(?i)\bsmd", 0, "sSſ", "m"),
])
def test_first_chars_accept_every_start_and_refuse_others(pattern, flags, starts, not_starts):
    guard = first_chars(pattern, flags)
    if guard is None:
        return
    rx = re.compile(guard, flags)
    assert all(rx.match(c) for c in starts)
    assert not any(rx.match(c) for c in not_starts)


@pytest.mark.parametrize("pattern", [r"a*", r"(?:x|)", r".foo", r"[^a]b", r"\w+", r"\W*x", r"(?P<a>a?)(?P=a)b"])
def test_no_guard_when_any_character_may_start_a_match(pattern):
    assert first_chars(pattern) is None


@pytest.mark.parametrize("pattern", [r"^(?:the|a)\s", r"abc", r"[xy]z", r"(?:ab|cd)"])
def test_patterns_re_already_scans_fast_stay_as_they_are(pattern):
    assert guarded(pattern) == pattern


def test_the_guard_covers_every_alternative_and_keeps_global_flags():
    g = guarded(r"(?s)\bab|\bcd")
    assert g.startswith("(?s)(?=")
    rx = re.compile(g)
    assert [m.group(0) for m in rx.finditer("ab cd")] == ["ab", "cd"]


def test_guarded_patterns_find_the_same_on_every_line_of_the_sample_corpus():
    from pprnet_kg.resources import sample_dir

    lines = [line for path in sorted(sample_dir().glob("*.txt")) for line in path.read_text("utf-8").splitlines()]
    lines += [line.lower() for line in lines]
    for name, pattern, flags in PATTERNS:
        plain, fast = re.compile(pattern, flags), re.compile(guarded(pattern, flags), flags)
        for line in lines:
            assert [_spans(m) for m in fast.finditer(line)] == [_spans(m) for m in plain.finditer(line)], name


@pytest.mark.parametrize("pattern,words", [
    (r"\bcompar\w*\s+(?P<x>\w+)", {"compar"}),
    (r"\b(?:adjust\w*|correct\w*|controll?\w*)\s+for\b", {"adjust", "correct", "control"}),
    (r"\bthe\s+authors\b|\bthey\s+(?:found|said)\b", {"authors", "found", "said"}),  # 'the' is too common
    (r"(?:respond|responsive|respon)\w*", {"respon"}),  # a word inside another covers it
])
def test_needed_words_are_what_every_match_contains(pattern, words):
    assert needed_words(pattern) == words


@pytest.mark.parametrize("pattern", [r"\w+", r"a|bc", r"(?:foo)?bar?", r"\bthe\s+and\b", r"(?i:foo)", r"x{0,3}yz"])
def test_no_needed_words_when_a_match_may_lack_them_or_they_are_too_common(pattern):
    assert needed_words(pattern) is None


_NEEDING = [(n, p, f) for n, p, f in PATTERNS if not f & re.IGNORECASE and needed_words(p, f)]


def test_caseless_patterns_have_needed_words():
    assert {n.split("[")[0] for n, _, _ in _NEEDING} >= {"pprnet_kg.extract.study._STUDY_CUE_RE",
                                                          "pprnet_kg.extract.pico._STUDY_COMPARISON_RE"}


@pytest.mark.parametrize("name,pattern,flags", _NEEDING, ids=[n for n, _, _ in _NEEDING])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_match_contains_a_needed_word(name, pattern, flags, data):
    text = data.draw(_texts(pattern))
    words = needed_words(pattern, flags)
    for m in re.finditer(pattern, text, flags):
        assert any(w in m.group(0) for w in words)


def test_a_verbose_pattern_is_left_as_it_is():
    assert guarded(r"\bab  # a comment", re.VERBOSE) == r"\bab  # a comment"
    assert guarded(r"(?x)\bab  # a comment") == r"(?x)\bab  # a comment"


@pytest.mark.parametrize("pattern,flags", [(r"\s*[,;]|$", 0), (r"\s+with\s*$|$", 0), (r"(?m)x|$", 0), (r"x|$", re.M),
                                           (r"(?:a?\Z|b)c?", 0), (r"\s*,|(?m:$)", 0)])
def test_a_pattern_that_may_match_at_the_end_is_guarded_by_its_own_anchor(pattern, flags):
    g = guarded(pattern, flags)
    assert g != pattern
    plain, fast = re.compile(pattern, flags), re.compile(g, flags)
    for text in ["", "\n", "a\n", "a\nb\n", "x ,y", "aa with \n", " with", "b\nc", "ac", "xx\n\n"]:
        for pos in range(len(text) + 1):
            assert _spans(fast.search(text, pos)) == _spans(plain.search(text, pos)), (text, pos)
        assert [_spans(m) for m in fast.finditer(text)] == [_spans(m) for m in plain.finditer(text)]
        assert fast.sub("#", text) == plain.sub("#", text)


def _led_patterns() -> list[tuple[str, str, int]]:
    """(name, pattern, flags) of every extractor pattern compiled led by a literal."""
    return [(n, p, f) for n, _, p, f in _extractor_patterns() if literal_led(p, f) is not None]


LED = _led_patterns()
GLUED = ["_", "x", "7", "é", "ß", "\n", "'"]  # characters that decide a word boundary, put against a word


def test_the_busiest_patterns_are_led_by_literals():
    names = {n.split("[")[0] for n, _, _ in LED}
    assert {"pprnet_kg.extract.comparators._CUE_RE", "pprnet_kg.extract.relations._BOUNDARY_RE",
            "pprnet_kg.extract.study._STUDY_CUE_RE", "pprnet_kg.extract.pico._STUDY_COMPARISON_RE",
            "pprnet_kg.extract.relations.ASSOC_RE"} <= names


@pytest.mark.parametrize("name,pattern,flags", LED, ids=[n for n, _, _ in LED])
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_a_pattern_led_by_literals_finds_what_the_pattern_finds(name, pattern, flags, data):
    plain, led = re.compile(pattern, flags), literal_led(pattern, flags)
    assert led.groupindex == plain.groupindex and led.groups == plain.groups and led.pattern == pattern
    words = data.draw(_texts(pattern))
    glue = data.draw(st.lists(st.tuples(st.integers(0, len(words)), st.sampled_from(GLUED)), max_size=4))
    text = words
    for at, c in sorted(glue, reverse=True):
        text = text[:at] + c + text[at:]
    text = data.draw(st.sampled_from([text, text.lower(), text.replace(" ", "")]))
    pos = data.draw(st.integers(0, len(text)))
    assert [_spans(m) for m in led.finditer(text)] == [_spans(m) for m in plain.finditer(text)]
    assert _spans(led.search(text, pos)) == _spans(plain.search(text, pos))
    assert _spans(led.match(text, pos)) == _spans(plain.match(text, pos))
    assert led.sub("#", text) == plain.sub("#", text)


def test_patterns_led_by_literals_find_the_same_on_every_line_of_the_sample_corpus():
    from pprnet_kg.resources import sample_dir

    lines = [line for path in sorted(sample_dir().glob("*.txt")) for line in path.read_text("utf-8").splitlines()]
    lines += [line.lower() for line in lines]
    for name, pattern, flags in LED:
        plain, led = re.compile(pattern, flags), literal_led(pattern, flags)
        for line in lines:
            assert [_spans(m) for m in led.finditer(line)] == [_spans(m) for m in plain.finditer(line)], name


@pytest.mark.parametrize("pattern,texts", [
    (r"\bthan\s", ["than x", "xthan x", "_than x", "9than x", "étthan x", "than", "a than b than c"]),
    (r"\b(?:over|than)\b", ["over", "overt", "clover", "than.", "(than)", "é over é"]),
    (r"(?<![\w.])k\s*=", ["k = 3", ".k=3", "xk=3", "k=", " k =k="]),
    (r"\b(?:(?:un)?related|linked)\s+to", ["unrelated to", "related to", "un related to", "xrelated to"]),
    (r"\b(?:a|b)\s+(?P<x>\w+)", ["a cat", "b dog", "ab cat", " a  b c"]),
    (r"\b:x", ["a:x", " :x", ":x"]),  # a boundary before a character that is not a word character
    (r"(?:a|b)?c", ["ac", "bc", "c", "abc", "xc"]),  # an optional part: with it first
])
def test_literal_led_keeps_boundaries_lookbehinds_and_groups(pattern, texts):
    plain, led = re.compile(pattern), literal_led(pattern)
    assert led is not None
    for text in texts:
        for pos in range(len(text) + 1):
            assert _spans(led.search(text, pos)) == _spans(plain.search(text, pos)), (text, pos)
        assert [_spans(m) for m in led.finditer(text)] == [_spans(m) for m in plain.finditer(text)], text


@pytest.mark.parametrize("pattern,flags", [(r"abc", 0), (r"[xy]z", 0), (r"\bfoo", re.IGNORECASE), (r"(?P<a>x)y", 0),
                                           (r"\w+x", 0), (r"\bfoo", re.ASCII)])
def test_no_literal_led_pattern_where_nothing_is_gained_or_it_would_differ(pattern, flags):
    assert literal_led(pattern, flags) is None


def test_the_phrases_of_the_rules_find_what_their_regexes_find_on_the_sample_corpus():
    from pprnet_kg.extract import load_rules
    from pprnet_kg.extract.rules import phrase_pattern
    from pprnet_kg.resources import sample_dir

    rules = load_rules()
    lines = [line for path in sorted(sample_dir().glob("*.txt")) for line in path.read_text("utf-8").splitlines()]
    lines += [line.lower() for line in lines] + [line.replace(" ", "_") for line in lines]
    terms = {t for kind in (rules.disorders, rules.finding_interventions, rules.designs, rules.topics,
                            rules.comparators, rules.outcome_scheme) for entry in kind for t in entry.terms}
    for term in sorted(terms, key=lambda t: t.phrase):
        rx = phrase_pattern(term.phrase if term.case_sensitive else term.phrase.lower(), case_sensitive=True)
        plain = re.compile(UNGUARDED[rx.pattern], rx.flags & ~re.UNICODE)
        for line in lines:
            if term.start in line:
                assert [_spans(m) for m in rx.finditer(line)] == [_spans(m) for m in plain.finditer(line)], term
