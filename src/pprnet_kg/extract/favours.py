"""Which side of a comparison did better, only when words say so ("an advantage for", "in favour
of", "did better than", "was outperformed by"), in the finding's sentence or in a sentence of the
post's implications that quotes the same statistic; never from a sign, never when the advantage is
denied ("no advantage for X"). Part of pico.py's rules.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..model import Finding
from .caseless import Caseless, has_any, word_spans
from .firstchar import compile_guarded

_MORE = ("more effective", "more efficacious", "more helpful", "more beneficial")
_LESS = ("less effective", "less efficacious", "less helpful", "less beneficial", "worse than")
# (pattern, words without which it cannot match, whether x is the side that did worse, whether the
# words after the match must name the other side)
_FAVOURS_RES = (
    (Caseless(r"\b(?:an?\s+)?(?:\w+\s+)?(?:advantage|benefit)\s+(?:for|of|to)\s+(?P<x>[^,.;()]{2,60})"),
     ("advantage", "benefit"), False, False),
    (Caseless(r"\bin\s+favou?r\s+of\s+(?P<x>[^,.;()]{2,60})"), ("favour", "favor"), False, False),
    (Caseless(r"\bfavou?r(?:ed|ing|s)\s+(?P<x>[^,.;()]{2,60})"), ("favour", "favor"), False, False),
    (Caseless(r"\b(?:was|were|is|are|remained|remains|remain)\s+(?:\w+\s+)?outperformed\s+by\s+(?P<x>[^,.;()]{2,60})"), ("outperformed by",),
     False, False),
    (Caseless(r"(?P<x>[^,.;()]{2,60}?)\s+(?:did\s+better\s+than|outperformed(?!\s+by)|outperforms|beat|"
              r"(?:was|were|remained|remains)\s+(?:\w+\s+)?superior\s+to)\b"), ("better than", "outperform", "beat", "superior"), False, False),
    # "CBT was more effective than waitlist", "waitlist was less effective than CBT": the words after
    # 'than' name the finding's other side ("medication was more effective than placebo, but ..." is about
    # other arms)
    (Caseless(r"(?P<x>[^,.;()]{2,60}?)\s+(?:was|were|is|are|remained|remains|remain)\s+(?:\w+\s+)?(?:better|more\s+(?:effective|efficacious|"
              r"helpful|beneficial))\s+than\b"), ("better than", *_MORE), False, True),
    (Caseless(r"(?P<x>[^,.;()]{2,60}?)\s+(?:was|were|is|are|remained|remains|remain)\s+(?:\w+\s+)?(?:worse|less\s+(?:effective|efficacious|"
              r"helpful|beneficial))\s+than\b"), _LESS, True, True),
    # "CBT was inferior to medication" (not "non-inferior": no side did better)
    (Caseless(r"(?P<x>[^,.;()]{2,60}?)\s+(?:was|were|is|are|remained|remains|remain)\s+(?:\w+\s+)?inferior\s+to\b"), ("inferior to",), True, True),
)
# the other side's words after 'than': up to a clause's end ("than waitlist but worse than medication")
_OTHER_WORDS_RE = Caseless(r"[^,.;()]{1,60}?(?=\s+(?:but|and|whereas|while|although|though|yet)\b|[,.;()]|$)")
_CUES = ("advantage", "benefit", "favour", "favor", "better than", "outperform", "superior", "beat", "inferior to", *_MORE,
         *_LESS)
# words that deny a cue, or make it a question ("whether CBT outperformed waitlist")
_NEGATED_RE = Caseless(r"\b(?:no|not|nor|neither|never|without|lack(?:ed|s)?|little|hardly|any|whether)\b")
_OTHER_SIDE_RE = Caseless(r"\s+(?:over|than|compared|relative|versus|vs\.?|against|when\s+compared)\b")


def _before(rx: Caseless, text: str) -> str:
    """The text up to the first match of rx."""
    m = rx.search(text)
    return text[: m.start()] if m else text


_SENTENCE_END_RE = compile_guarded(r"(?<=[.!?])\s+")


@lru_cache(maxsize=256)
def _sentences_of(text: str) -> tuple[str, ...]:
    return tuple(_SENTENCE_END_RE.split(text))


def favours(f: Finding, body: str, implications: str, fields: dict, matched: list) -> None:
    if (fields.get("comparator") or "").casefold() == (fields.get("intervention") or "").casefold() != "":
        return  # the same words on both sides ("less effective than CBT ... an advantage for CBT"): no side to name
    value = format(f.value, "f").lstrip("-").lstrip("0")
    # the same statistic: its number whole ('0.30', '.30', not the '.30' of '2.30') and its measure a word
    # (not the 'g' of 'large')
    quoting = [s for s in _sentences_of(implications) if value and value in s and _quotes(s, value, f)]
    for text in [body, *quoting]:
        low = text.lower()
        if not has_any(low, _CUES):
            continue
        for rx, words, worse, other_after in _FAVOURS_RES:
            m = rx.search(text) if has_any(low, words) else None
            if not m or _NEGATED_RE.search(text[max(0, m.start() - 30): m.start("x")]) \
                    or _NEGATED_RE.search(m.group("x")) or _NEGATED_RE.search(text[m.end("x"): m.end()]):
                continue  # "no advantage for CBT", "CBT did not do better than", "CBT was not more effective than"
            words = _before(_OTHER_SIDE_RE, m.group("x"))  # "of antidepressants over placebo"
            side = _side(words, fields)
            if side and other_after:
                other = _OTHER_WORDS_RE.match(text, m.end())
                if other is None or _side(other.group(0), fields) != ("comparator" if side == "intervention"
                                                                        else "intervention"):
                    continue
                if _turns_before_statistic(text, m.end(), value):
                    continue  # "CBT was more effective than medication at 6 months, but ... at 24 months (g = -0.10)"
            if side and worse:
                side = "comparator" if side == "intervention" else "intervention"
            if side:
                fields["favours"] = side
                matched.append(("favours", m.group(0).strip()))
                return


_TURN_RE = Caseless(r";|\b(?:but|whereas|however|although|though|yet|while|not|never|cannot)\b|n't\b")


def _turns_before_statistic(text: str, start: int, value: str) -> bool:
    """Whether a clause that may say otherwise ('but', ';', 'could not confirm') begins between `start` and
    the statistic (its number, `value`, next after `start`; the end of `text`, a clause whose
    statistic was cut off, where it is not there)."""
    at = _number_re(value).search(text, start) if value else None
    return _TURN_RE.search(text[start: at.start() if at is not None else len(text)]) is not None


@lru_cache(maxsize=256)
def _number_re(value: str) -> re.Pattern:
    """The statistic's number whole ('0.30', '.30' as '0.30' too; not the '.30' of '2.30')."""
    number = re.escape(value) if not value.startswith(".") else "0?" + re.escape(value)
    return re.compile(rf"(?<![\d.]){number}(?!\d)")


def _quotes(sentence: str, value: str, f: Finding) -> bool:
    if not _number_re(value).search(sentence):
        return False
    names = {f.measure, f.label} - {None, ""}
    return any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", sentence, re.IGNORECASE if len(name) > 2 else 0)
               for name in names)


def _side(words: str, fields: dict) -> str | None:
    words = words.lower()
    comparator = (fields.get("comparator") or "").lower()
    intervention = (fields.get("intervention") or "").lower()
    # whole words: 'guided iCBT' is not inside 'unguided iCBT'
    parts = intervention.split(", ") if intervention else []
    # every treatment of the intervention ("behavioral activation, medication" in "behavioral activation plus
    # medication")
    whole_intervention = bool(parts) and all(_inside(part, words) for part in parts)
    comparator_named = bool(comparator) and _inside(comparator, words)
    if comparator_named or comparator and _inside(words.strip(), comparator):
        if whole_intervention and comparator_named and len(parts) > 1 \
                and any(_inside(comparator, part) for part in parts):
            return "intervention"  # "CBT plus medication over medication": the comparator is one part of it
        if whole_intervention and not comparator_named:
            return None  # "favoured medication over CBT plus medication": the words name both sides
        return "comparator"
    if whole_intervention:
        return "intervention"
    # shared words only when they point at one side: 'therapist-guided internet CBT' shares 'internet CBT'
    # with 'unguided internet CBT' as much as with 'internet CBT'
    to_comparator = bool(comparator) and _overlap(words, comparator)
    to_intervention = bool(intervention) and _overlap(words, intervention)
    if to_comparator != to_intervention:
        return "comparator" if to_comparator else "intervention"
    return None


def _inside(part: str, whole: str) -> bool:
    return bool(word_spans(part, whole))


def _overlap(a: str, b: str) -> bool:
    stop = {"the", "a", "an", "of", "for", "to", "and", "therapy", "treatment", "when", "it", "comes"}
    wa = {w for w in re.findall(r"\w+", a) if w not in stop}
    wb = {w for w in re.findall(r"\w+", b) if w not in stop}
    return bool(wa) and bool(wb) and len(wa & wb) >= max(1, min(len(wb), 2))
