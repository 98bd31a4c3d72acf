"""Caseless patterns (case-insensitive regexes run on lower-cased text) answer exactly what
re.IGNORECASE answers: the same spans and groups, on any text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pprnet_kg.extract import caseless, comparators, favours, findings, pico, qualifiers, relations, study
from pprnet_kg.extract.caseless import Caseless, has_digit, lowered, word_spans, words


def _patterns() -> list[tuple[str, Caseless]]:
    found = []
    for module in (pico, comparators, relations, favours, qualifiers, study, findings, caseless):
        for name, value in sorted(vars(module).items()):
            values = value if isinstance(value, tuple) else (value,)
            for i, item in enumerate(values):
                if isinstance(item, tuple):  # (pattern, label) pairs
                    item = item[0]
                if isinstance(item, Caseless):
                    found.append((f"{module.__name__}.{name}[{i}]", item))
    return found


PATTERNS = _patterns()
# letters that fold in unusual ways, typography that is not a letter, and ASCII
ODD = ["é", "É", "İ", "ı", "ſ", "\u212a", "ß", "Σ", "τ", "Τ", "²", "’", "“", "–", "−", "≤", " ", "\n"]


def _words_of(pattern: str) -> list[str]:
    return sorted(set(re.findall(r"[a-z]{2,}", re.sub(r"\\.", " ", pattern)))) or ["x"]


def _texts(pattern: str):
    words = _words_of(pattern)
    word = st.sampled_from(words).flatmap(
        lambda w: st.sampled_from([w, w.upper(), w.capitalize(), w[:1].upper() + w[1:]]))
    piece = st.one_of(word, st.sampled_from(ODD), st.sampled_from([" ", ", ", "; ", "(", ")", ". ", "-", "="]),
                      st.from_regex(r"\d{1,3}(\.\d{1,2})?", fullmatch=True), st.sampled_from(["k = 4", "N = 120"]))
    return st.lists(piece, max_size=30).map(" ".join)


def _same(fast, slow):
    assert (fast is None) == (slow is None)
    if slow is None:
        return
    groups = list(range(slow.re.groups + 1))
    assert fast.span() == slow.span()
    assert [fast.group(g) for g in groups] == [slow.group(g) for g in groups]
    assert [fast.span(g) for g in groups] == [slow.span(g) for g in groups]
    assert fast.groupdict() == slow.groupdict()


def test_every_extractor_pattern_is_collected():
    assert len(PATTERNS) >= 40


@pytest.mark.parametrize("name,rx", PATTERNS, ids=[n for n, _ in PATTERNS])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_caseless_answers_what_ignorecase_answers(name, rx, data):
    text = data.draw(_texts(rx.pattern))
    pos = data.draw(st.integers(0, max(0, len(text))))
    _same(rx.search(text), rx.slow.search(text))
    _same(rx.search(text, pos), rx.slow.search(text, pos))
    _same(rx.match(text), rx.slow.match(text))
    _same(rx.fullmatch(text), rx.slow.fullmatch(text))
    fast_all, slow_all = list(rx.finditer(text)), list(rx.slow.finditer(text))
    assert len(fast_all) == len(slow_all)
    for a, b in zip(fast_all, slow_all):
        _same(a, b)
    assert rx.sub("", text) == rx.slow.sub("", text)
    assert rx.sub("#", text, 1) == rx.slow.sub("#", text, 1)


def test_a_text_with_a_letter_outside_ascii_is_searched_the_slow_way():
    assert lowered("Compared with CBT") == "compared with cbt"
    assert lowered("Compared with CBT – a “test”") == "compared with cbt – a “test”"  # typography is not a letter
    for odd in ("é", "İ", "ſ", "\u212a"):
        assert lowered(f"Compared with CBT {odd}") is None
    # the Kelvin sign folds onto k under IGNORECASE: the answer is still IGNORECASE's
    rx = Caseless(r"\bk\s*=\s*(?P<v>\d+)")
    assert rx.search("\u212a = 4").group("v") == "4"


def test_the_ignorecase_pattern_is_compiled_only_for_a_text_that_needs_it():
    rx = Caseless(r"\bcompared\s+with\b")
    assert rx.search("Compared with CBT").group(0) == "Compared with"
    assert rx._slow is None
    assert rx.search("Compared with CBT é").group(0) == "Compared with"
    assert rx._slow is not None and rx._slow.flags & re.IGNORECASE


def test_an_upper_case_letter_in_a_pattern_is_refused():
    with pytest.raises(ValueError):
        Caseless(r"\bCBT\b")
    Caseless(r"(?P<Name>\S+)\s+\W")  # escapes and group names are not letters to match


def test_sub_takes_plain_replacements_only():
    with pytest.raises(ValueError):
        Caseless("a").sub(r"\1", "a")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab _-é1(", max_size=6), st.text(alphabet="ab _-é1(", max_size=30))
def test_word_spans_are_the_whole_word_regex_matches(needle, hay):
    expected = [m.span() for m in re.finditer(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", hay)] if needle else []
    assert word_spans(needle, hay) == expected


_ANY_TEXT = st.text(alphabet=st.one_of(st.characters(max_codepoint=0x7f), st.sampled_from(ODD + ["٣", "_", "\x1c"])),
                    max_size=40)


@settings(max_examples=500, deadline=None)
@given(_ANY_TEXT)
def test_words_are_the_word_regex_matches(text):
    assert words(text) == re.findall(r"\w+", text)


@settings(max_examples=500, deadline=None)
@given(_ANY_TEXT)
def test_has_digit_is_the_digit_regex(text):
    assert has_digit(text) is (re.search(r"\d", text) is not None)
