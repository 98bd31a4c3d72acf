"""Shortcuts the extractors take for speed give what the plain regexes give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pprnet_kg.extract import pico

_CLAUSE_PIECES = st.sampled_from([
    " ", "  ", ",", ";", "(", ")", "[", ".", "and", "but", "whereas", "the", "effect", "sizes", "of", "was", "n",
    "k", "=", "12", "CBT", "usual care", "é", "\u2013", "\n", "pooled", "mean", "it", "which", "pain",
])
_CLAUSES = st.lists(_CLAUSE_PIECES, max_size=14).map("".join)


def _strip_stat_tail_plain(text: str) -> str:
    last = pico._LAST_OTHER_WORD_RE.match(text)
    start = last.end(1) if last else 0
    return text[:start] + pico._STAT_TAIL_RE.sub("", text[start:])


@settings(max_examples=500, deadline=None)
@given(_CLAUSES)
def test_the_statistic_tail_is_stripped_as_the_regex_strips_it(text):
    assert pico._strip_stat_tail(text) == _strip_stat_tail_plain(text)


@settings(max_examples=500, deadline=None)
@given(_CLAUSES)
def test_the_lead_of_a_clause_is_cut_as_the_regex_cuts_it(text):
    assert pico._without_lead(text) == pico._LEAD_RE.sub("", text)


_RULES = None


def _outcome_terms():
    global _RULES
    if _RULES is None:
        from pprnet_kg.extract import load_rules

        _RULES = load_rules()
    return _RULES.outcomes


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_an_outcome_phrase_is_found_where_its_regex_finds_it(data):
    from pprnet_kg.extract.caseless import lowered
    from pprnet_kg.extract.findings import _spans

    terms = _outcome_terms()
    term = data.draw(st.sampled_from(terms))
    words = term.term.phrase.split() + ["the", "of", "-", "outcome", "é", "Σ", "\u212a"]
    piece = st.sampled_from(words).flatmap(lambda w: st.sampled_from([w, w.upper(), w.capitalize()]))
    clause = data.draw(st.lists(st.one_of(piece, st.sampled_from([" ", "-", ", ", "\u2010"])), max_size=12).map("".join))
    assert _spans(term, clause, lowered(clause)) == [m.span() for m in term.pattern.finditer(clause)]


_MEASURE_WORDS = ["Hedges' g", "Cohen's d", "SMD", "standardized mean difference", "odds ratio", "OR", "RR",
                  "risk ratio", "relative risk", "HR", "hazard ratio", "NNT", "number needed to treat", "β", "beta",
                  "Pearson r", "correlation", "B", "b", "r", "d", "g", "B adjusted", "for relapse", "of", "was", "is",
                  "=", ":", ",", " ", "\n", "\t", "0.45", "−.23", "12", "-1.2", "%", ".", "é", "’", "betas", "Beta-blockers",
                  "rd", "dg", "Bb"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_MEASURE_WORDS), max_size=12).map(" ".join))
def test_the_measure_lookahead_keeps_every_match(text):
    import re

    from pprnet_kg.extract import findings as F

    plain = re.compile(
        r"(?<![\w.’'])(?:"
        r"(?:" + "|".join(f"(?P<m{i}>{p})" for i, (p, _) in enumerate(F.NAMED)) + r")" + F._ABOUT + F._LINK_NAMED +
        r"|(?:" + "|".join(f"(?P<m{len(F.NAMED) + i}>{p})" for i, (p, _) in enumerate(F.SINGLE)) + r")"
        + F._LINK_SINGLE + r")(?P<value>" + F.NUM + r")(?![\d%])")
    spans = [[m.span(g) for g in range(plain.groups + 1)] for m in plain.finditer(text)]
    assert [[m.span(g) for g in range(plain.groups + 1)] for m in F._MEASURE_RE.finditer(text)] == spans


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.text(alphabet="aAΣσςΑΩİIıK\u212a.'’\u0301\u00ad: -x1", max_size=6), min_size=1, max_size=4),
       st.sampled_from([" ", ". "]))
def test_the_lower_case_of_joined_parts_is_their_lower_case_joined(parts, sep):
    from pprnet_kg.extract.entities import _JOINS, _words, note_words

    assert sep in _JOINS
    assert sep.join(p.lower() for p in parts) == sep.join(parts).lower()
    text = sep.join(parts) + "\u2063"  # a text of its own, not one already noted
    note_words(text, [*parts[:-1], parts[-1] + "\u2063"], sep)
    assert _words(text)[0] == text.lower()


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_MEASURE_WORDS + ["(", ")", "'", ".", "’", "x", "-", "é"]), max_size=14).map(
    lambda parts: "".join(p + (" " if i % 3 else "") for i, p in enumerate(parts))))
def test_the_measures_are_found_where_the_regex_finds_them(text):
    from pprnet_kg.extract import findings as F

    def spans(m, start):
        return [start] + [m.span(g) for g in range(1, m.re.groups + 1)] + [m.end()]

    assert [spans(m, start) for start, m in F.measure_matches(text)] == \
        [spans(m, m.start()) for m in F._MEASURE_RE.finditer(text)]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["ranged", "Range", "ranges", "rangıng", "RANGING", "from", "FROM", "between", "Between",
                                 "effects", "x", "ſ", " ", "\n", "\t", "(", "d = 0.3", ",", "-"]), max_size=8).map("".join))
def test_a_range_is_told_as_the_regex_tells_it(before):
    from pprnet_kg.extract import findings as F

    # every clause the regex takes passes the cheap tests in front of it in _range_of
    worded = F._RANGE_BEFORE_RE.search(before) is not None
    last = before.rstrip()[-7:]
    assert worded == bool(before[-1:].isspace() and (not last.isascii() or last.lower().endswith(F._RANGE_WORDS))
                          and worded)

