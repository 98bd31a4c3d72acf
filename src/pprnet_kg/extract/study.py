"""Study facts of a post: design, number of studies, number of participants."""

from __future__ import annotations

import re

from ..model import StudyFacts
from .findings import _K_PROSE_RE, count_value
from .entities import find_entries
from .rules import Entry
from .sentences import split_sentences

# A sentence speaks about the summarised study when it has one of these cues; background
# figures ("over 1 million Canadians use psychotherapy") have none of them.
_STUDY_CUE_RE = re.compile(
    r"\bthis\s+(?:[\w-]+\s+){0,2}?(?:meta-analysis|study|review|trial|meta-synthesis|analysis)\b|"
    r"\bcolleagues\b|\bthe\s+authors\b|\bthey\s+(?:found|included|collected|identified|located|analy[sz]ed)\b|"
    r"\bstudies\b",
    re.IGNORECASE,
)
_DIGIT_RE = re.compile(r"\d")
_N_RE = re.compile(
    r"(?P<qual>over|more\s+than|almost|nearly|about|approximately|around|roughly|under|fewer\s+than)?\s*"
    r"(?P<count>\d[\d,]*)\s+(?:[\w-]+\s+){0,2}?(?:participants|patients|clients|individuals|adults|"
    r"children|adolescents|youths?|subjects|veterans|people)\b",
    re.IGNORECASE,
)


def study_design(cited_title: str, post_text: str, designs: tuple[Entry, ...], csl_type: str | None):
    """(design label, matched phrases); the cited title outranks the post's own text."""
    if csl_type in {"book", "chapter"}:
        return "book or chapter", (csl_type,)
    for text in (cited_title, post_text):
        found = find_entries(text, designs)
        if found:
            return found[0].label, found[0].terms
    return None, ()


def study_counts(summary: str) -> tuple[int | None, int | None, str | None]:
    """k studies and N participants when the summary states exactly one of each."""
    ks: set[int] = set()
    ns: dict[int, str | None] = {}
    for sentence in split_sentences(summary):
        lowered = sentence.lower()
        has_digit = _DIGIT_RE.search(sentence) is not None
        could_count_studies = any(w in lowered for w in ("stud", "trial", "rct", "sample"))
        if not (has_digit or could_count_studies) or not _STUDY_CUE_RE.search(sentence):
            continue  # cheap tests first: most sentences name no count at all
        if could_count_studies:
            for m in _K_PROSE_RE.finditer(sentence):
                ks.add(count_value(m.group("count")))
        for m in _N_RE.finditer(sentence) if has_digit else ():
            qual = " ".join(m.group("qual").lower().split()) if m.group("qual") else None
            ns.setdefault(int(m.group("count").replace(",", "")), qual)
    k = ks.pop() if len(ks) == 1 else None
    if len(ns) == 1:
        (n, qual), = ns.items()
        return k, n, qual
    return k, None, None


def study_facts(cited_title: str, post_text: str, summary: str, designs, csl_type) -> StudyFacts:
    design, terms = study_design(cited_title, post_text, designs, csl_type)
    k, n, qual = study_counts(summary)
    return StudyFacts(design=design, design_terms=terms, k_studies=k, n_participants=n, n_qualifier=qual)
