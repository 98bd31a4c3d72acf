"""Study facts of a post: design, number of studies, number of participants."""

from __future__ import annotations

from ..model import StudyFacts
from .caseless import Caseless, has_any, has_digit, lowered
from .findings import _K_PROSE_RE, NOT_NNT, NOT_RATE, count_value, is_rate
from .entities import _words
from .rules import Entry, PhraseSet
from .sentences import split_sentences

# A sentence speaks about the summarised study when it has one of these cues; background
# figures ("over 1 million Canadians use psychotherapy") have none of them.
_STUDY_CUE_RE = Caseless(
    r"\bthis\s+(?:[\w-]+\s+){0,2}?(?:meta-analysis|study|review|trial|meta-synthesis|analysis)\b|"
    r"\bcolleagues\b|\bthe\s+authors\b|\bthey\s+(?:found|included|collected|identified|located|analy[sz]ed)\b|"
    r"\bstudies\b",
)
# "over 5,000 patients": the count and the people (searched from the digits, which is fast), then
# the qualifier right before the count (the same matches as one pattern with an optional qualifier
# in front, which is tried at every character; tests/test_extract.py checks they agree)
_N_COUNT = (r"(?P<count>\d[\d,]*)" + NOT_RATE + r"\s+(?:[\w-]+\s+){0,2}?(?:participants|patients|clients|individuals|adults|"
            r"children|adolescents|youths?|subjects|veterans|people)\b" + NOT_NNT)
_N_QUALIFIERS = r"over|more\s+than|almost|nearly|about|approximately|around|roughly|under|fewer\s+than"
_N_RE = Caseless(_N_COUNT)
_N_QUALIFIER_RE = Caseless(rf"(?P<qual>{_N_QUALIFIERS})\s*\Z")


_N_AFTER_STUDIES_RE = Caseless(r"\s*[(\[]\s*(?:k\s*=\s*\d+\s*[,;]\s*)?n\s*=\s*(?P<n>\d[\d,]*)(?![\d.,]*\d)")


def n_counts(sentence: str):
    """(count, qualifier or None) for each 'N people' of the sentence, in order."""
    last = 0
    for m in _N_RE.finditer(sentence):
        qual = _N_QUALIFIER_RE.search(sentence[last: m.start()])
        last = m.end()
        if is_rate(sentence, m.start()):
            continue
        yield int(m.group("count").replace(",", "")), (" ".join(qual.group("qual").lower().split()) if qual else None)


# The design of a post is what the summarised study is. A summary sentence names it when it points
# at the study ("In this meta-analysis, Rivera and colleagues ..."); background sentences
# ("Meta-analyses indicate that ...") and other people's work ("a previous meta-analysis", designs in
# the plural) do not.
_POINTS_AT_STUDY_RE = Caseless(
    r"\bthis\b|\bcolleagues\b|\bthe\s+(?:authors|researchers|investigators)\b|\bthey\b")
_THIS_BEFORE_RE = Caseless(r"\b(?:this|the\s+present|the\s+current)\s+(?:[\w-]+\s+){0,5}$")
_OTHER_BEFORE_RE = Caseless(
    r"\b(?:previous|prior|earlier|past|other|many|several|existing)\s+(?:[\w-]+\s+){0,2}$")
_PLURAL_RE = Caseless(r"(?:analyses|syntheses|trials|reviews|studies|rcts)$")


def study_design(cited_title: str, post_text: str, designs: tuple[Entry, ...], csl_type: str | None, *,
                 summary: str | None = None):
    """(design label, matched phrases), from the first of: the cited title; a summary sentence
    naming the study ('In this meta-analysis, ...'); the post's title; a summary sentence about
    the study ('Rivera and colleagues conducted a systematic review')."""
    if csl_type in {"book", "chapter"}:
        return "book or chapter", (csl_type,)
    title, body = "", post_text
    if summary and post_text.endswith(summary):
        title, body = post_text[: len(post_text) - len(summary)], summary
    found = _mentions(cited_title, designs)
    if found:
        return _best(found, designs)
    about_study = []
    for sentence in split_sentences(body):  # 'In this meta-analysis, ...'
        if not _POINTS_AT_STUDY_RE.search(sentence):
            continue
        about_study.append(mentions := _mentions(sentence, designs))
        named = [m for m in mentions if m[2]]
        if named:
            return _best(named, designs)
    for found in (_mentions(title, designs), *about_study):
        if found:
            return _best(found, designs)
    return None, ()


def _mentions(text: str, designs) -> list[tuple[int, str, bool]]:
    """(design index, matched words, named as 'this ...') for each singular mention of a design
    that is not someone else's ('previous', 'other', 'several')."""
    found = []
    words = _words(text)[1]  # a summary sentence's words are known already (entities.note_words)
    designs = designs if isinstance(designs, PhraseSet) else PhraseSet(designs)
    index = designs.index
    # the phrases with one of the text's words (an index), in designs.toml order
    for i, term in sorted((pair for w in words & designs.index_words for pair in index[w]), key=lambda pair: pair[0]):
        if not term.words <= words:
            continue  # a phrase can only match where all its words occur
        # Term.spans: the spans of term.pattern.finditer(text), found from where the phrase's first
        # word stands instead of trying the regex at every character
        # (caseless.lowered keeps its recent answers: asked once per phrase, it lowers the text once)
        for start, end in term.spans(text, lowered(text)):
            before = text[max(0, start - 80): start]
            words_matched = text[start:end]
            if _PLURAL_RE.search(words_matched) or _OTHER_BEFORE_RE.search(before):
                continue
            found.append((i, words_matched.lower(), bool(_THIS_BEFORE_RE.search(before))))
    return found


def _best(found: list[tuple[int, str, bool]], designs) -> tuple[str, tuple[str, ...]]:
    """The first design in designs.toml order among the mentions, with the words that named it."""
    i = min(f[0] for f in found)
    return designs[i].label, tuple(sorted({f[1] for f in found if f[0] == i}))


def study_counts(summary: str) -> tuple[int | None, int | None, str | None]:
    """k studies and N participants when the summary states exactly one of each."""
    ks: set[int] = set()
    ns: dict[int, str | None] = {}
    for sentence in split_sentences(summary):
        lowered = _words(sentence)[0]  # (the lower case entities.note_words already made)
        digits = has_digit(sentence)
        could_count_studies = has_any(lowered, ("stud", "trial", "rct", "sample"))
        if not (digits or could_count_studies) or not _STUDY_CUE_RE.search(sentence):
            continue  # cheap tests first: most sentences name no count at all
        if could_count_studies:
            for m in _K_PROSE_RE.finditer(sentence):
                k = count_value(m.group("count"))
                ks.add(k)
                # "54 studies (N = 3,946)": the people of those studies (an n equal to k counts the studies)
                if (people := _N_AFTER_STUDIES_RE.match(sentence, m.end())) is not None:
                    n = count_value(people.group("n"))
                    if n != k:
                        ns.setdefault(n, None)
        for count, qual in n_counts(sentence) if digits else ():
            ns.setdefault(count, qual)
    k = ks.pop() if len(ks) == 1 else None
    if len(ns) == 1:
        (n, qual), = ns.items()
        return k, n, qual
    return k, None, None


def study_facts(cited_title: str, post_text: str, summary: str, designs, csl_type) -> StudyFacts:
    design, terms = study_design(cited_title, post_text, designs, csl_type, summary=summary)
    k, n, qual = study_counts(summary)
    return StudyFacts(design=design, design_terms=terms, k_studies=k, n_participants=n, n_qualifier=qual)
