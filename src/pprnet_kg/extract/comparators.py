"""Comparison cues and the comparator's words: the last cue of a clause ("compared with",
"versus", "than", "over" ...; a bare "over", "than" or "against" only when a comparator or an
intervention follows it), the words after it that name what the intervention was compared with,
and which entry of data/comparators.toml they name. Part of pico.py's rules.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .caseless import Caseless, lowered
from .entities import find_entries
from .rules import PhraseSet

_CUE_RE = Caseless(
    r"\b(?:compared\s+(?:to|with)|in\s+comparison\s+(?:to|with)|versus|vs\.?|relative\s+to|"
    r"(?:better|worse|more|less|greater|smaller|larger|higher|lower|superior|inferior)\s+(?:\w+\s+){0,2}?than|"
    # "superior to", not "responded less to CBT" or "more sensitive to change"
    r"(?:superior|inferior)\s+to|"
    r"outperform(?:ed|s)?|exceeded|beat|than|against|over|differ(?:ed|ent)?\s+(?:\w+\s+)?from)\s+")
_OVER_TIME_RE = re.compile(
    r"(?:the\s+|a\s+|an\s+)?(?:course|time|period|years?|months?|weeks?|sessions?|first|next|last|following|"
    r"long(?:er)?[\s\-]term|\d|(?:one|two|three|four|five|six|eight|ten|twelve)\b)", re.IGNORECASE)
_PEOPLE_RE = Caseless(
    r"(?:men|women|males|females|boys|girls|adults|children|adolescents|youths?|older|younger|those|studies|trials|"
    r"samples|patients\s+with|clients\s+with|people\s+with|participants\s+with)\b")


def comparison_cue(body: str, rules):
    """The last comparison cue of the clause; a bare 'over', 'than' or 'against' counts only when
    a comparator or an intervention follows it ('over usual care', not 'over 5000 patients')."""
    for m in reversed(list(_CUE_RE.finditer(body))):
        word = m.group(0).split()[0].lower()
        if word == "over" and _OVER_TIME_RE.match(body, m.end()):
            continue  # "over the course of CBT", "over 60 weeks": a time, not a comparator
        if word in {"over", "than", "against", "beat", "exceeded"} or m.group(0).strip().lower().endswith(("than", "to")) and \
                word not in {"compared", "relative", "in"}:
            following = comparator_text(body[m.end():]) or ""
            if not (find_entries(following, rules.comparators) or find_entries(following, rules.finding_interventions)) \
                    or _PEOPLE_RE.match(following):
                continue  # "women improved more than men in group therapy": people, not a comparator
        elif _PEOPLE_RE.match(comparator_text(body[m.end():]) or ""):
            continue  # "Compared to men, women benefited more from CBT": people compared, not treatments
        return m
    return None


def rightmost(text: str, entries) -> tuple[str, str] | None:
    """(key, words) of the entry whose phrase ends last in the text, the longest on a tie:
    'medication on its own' is the same treatment alone, not medication. Unspecified controls
    only when nothing more specific is named ('usual care controls' are usual care)."""
    best = None
    found = find_entries(text, entries)
    if len(found) > 1:
        found = [m for m in found if m.key != "control-unspecified"]
    spans: list[tuple[int, int, str]] = []
    by_key = entries.by_key if isinstance(entries, PhraseSet) else None
    low = lowered(text)
    for match in found:
        entry = by_key[match.key] if by_key is not None else next(e for e in entries if e.key == match.key)
        for term in entry.terms:
            # Term.spans: the spans of term.pattern.finditer(text), found from where the phrase's
            # first word stands (most of an entry's phrases are not in the text at all)
            for start, end in term.spans(text, low):
                spans.append((start, end, match.key))
                key = (end, end - start)
                if best is None or key > best[0]:
                    best = (key, match.key, text[start:end])
    if len(found) > 1 and (_listed(spans, text) or _combined(spans, text)):
        return None  # "waitlist or usual care", "usual care plus medication": a mix, none of them the comparator
    if best and _STOPPED_RE.match(text, best[0][0]):
        return None  # "medication discontinuation": stopping the treatment, not the treatment
    return (best[1], best[2]) if best else None


_STOPPED_RE = re.compile(r"\s+(?:discontinuation|discontinued|withdrawal|withdrawn|taper(?:ing|ed)?|cessation|"
                         r"stopped|ending)\b", re.IGNORECASE)
_COMBINED_RE = re.compile(r"\s*(?:\+|plus|combined\s+with|together\s+with|added\s+to)\s*", re.IGNORECASE)


def _combined(spans: list[tuple[int, int, str]], text: str) -> bool:
    """Whether two entries are named as one combined condition ("usual care plus medication")."""
    spans = sorted(spans)
    return any(a[2] != b[2] and a[1] <= b[0] and _COMBINED_RE.fullmatch(text, a[1], b[0])
               for a, b in zip(spans, spans[1:]))


_LIST_GAP_RE = re.compile(r"[\s,/]*(?:(?:and/or|or|and)\s+)?(?:the\s+|a\s+|an\s+)?", re.IGNORECASE)


def _listed(spans: list[tuple[int, int, str]], text: str) -> bool:
    """Whether two different entries (not one inside the other's words, not 'alone') are named as a
    list: 'waitlist or usual care', 'no treatment, waitlist and TAU'."""
    outer = sorted((a, b, k) for a, b, k in spans if k != "same-treatment-alone"
                   and not any(a2 <= a and b <= b2 and (a2, b2) != (a, b) for a2, b2, _ in spans))
    for (_, end, key), (start, _, other) in zip(outer, outer[1:]):
        if key != other and start >= end and _LIST_GAP_RE.fullmatch(text, end, start):
            return True
    return False


_COMPARATOR_LEAD = (r"\s*(?:(?:for|by|in|after|with)\s+)?(?:(?:those|the\s+ones)\s+(?:who\s+(?:had\s+)?(?:received|got|had)|in|on|"
                    r"receiving|given|assigned\s+to|treated\s+with)\s+|(?:the\s+)?(?:patients|people|clients|participants)\s+"
                    r"(?:who\s+(?:had\s+)?(?:received|got|had)|in|on|receiving|given|assigned\s+to|treated\s+with)\s+)?")
# words about an effect's size after 'with' ("than waitlist with significantly larger effects")
_SIZE = (r"large|small|moderate|medium|significant|greater|larger|smaller|similar|no|lasting|durable|robust|"
         r"sizeable|modest|strong|weak|clear|significantly|substantially|much|clearly|considerably|slightly")
_COMPARATOR_STOP = (r"\s*[,;()]|\s+(?:but|whereas|in\s+terms|on(?!\s+(?:its|their)\s+own)|for|at|when|after|while|"
                    r"led|improved|reduced|showed|produced|resulted|yielded|gave|had|has|found|revealed|demonstrated|"
                    r"was|were|fell|dropped|declined|decreased|increased|rose|remained|similarly|equally|significantly|among|"
                    r"shrank|shrunk|grew|narrowed|widened|faded|waned|diminished|disappeared|vanished|persisted|"
                    r"could|would|might|did|does|cannot|"
                    # a new clause's subject: "compared with other therapies the difference was small"
                    r"the\s+(?:differences?|effects?|advantages?|benefits?|gains?|results?|estimates?|pooled|overall)|"
                    r"it|they|there|this|these|"
                    r"in\s+\w+ing|"
                    r"substantially|considerably|slightly|markedly|in\s+(?:both|men|women|adults|children|"
                    r"adolescents|patients|clients|people|participants|studies|trials|\d)|"
                    # "than usual care with respect to anxiety", "than waitlist with large effects", "than waitlist with (g = ..."
                    r"with\s+(?:respect|regard|reference)\s+to|with\s+(?:(?:a|an|and|but|to|" + _SIZE + r")\s+)*"
                    r"(?:effects?|differences?|benefits?|advantages?|gains?|improvements?))\b|"
                    # "than waitlist with moderate" where the words cut before the statistic's own ("effect sizes (g = ...")
                    r"\s+with(?:\s+(?:a|an|and|but|to|" + _SIZE + r"))*\s*$|\s+by\s*$|$")  # "than waitlist by (d = ..."
# the comparator is the shortest run of words after the cue that a stop follows
_COMPARATOR_RE = Caseless(rf"{_COMPARATOR_LEAD}(?P<y>[^,;()]+?)(?={_COMPARATOR_STOP})")
_COMPARATOR_LEAD_RE = Caseless(_COMPARATOR_LEAD)
_COMPARATOR_STOP_RE = Caseless(_COMPARATOR_STOP)
_ARTICLE_RE = Caseless(r"^(?:the|a|an)\s+")


def _comparator_words(after: str) -> str | None:
    """What _COMPARATOR_RE's y matches, found faster: the lazy group tries the stop at every
    character; here one search finds the first place a stop matches."""
    start = _COMPARATOR_LEAD_RE.match(after).end()
    if start >= len(after) or after[start] in ",;()" or start and after[start - 1] not in " \t\n\r\f\v":
        m = _COMPARATOR_RE.match(after)  # the optional lead may have to give way: the regex decides
        return m.group("y") if m else None
    stop = _COMPARATOR_STOP_RE.search(after, start + 1)
    return after[start: stop.start()]


@lru_cache(maxsize=256)
def comparator_text(after: str) -> str | None:
    """The comparator's words at the start of `after` (the words after a cue); asked several
    times about the same clause."""
    words = _comparator_words(after)
    if words is None:
        return None
    text = _ARTICLE_RE.sub("", " ".join(words.split()))
    return text[:80] or None


_LIST_MORE_RE = Caseless(r"\s*,\s*(?:(?:and|or)\s+)?(?:the\s+|an?\s+)?")


def comparator_list(after: str, rules) -> str | None:
    """The comparator's words when they are a list that goes on after a comma ('than no treatment, waitlist,
    and pill placebo'): the whole list, or None when the words after the comparator are no list of
    comparators."""
    words = _comparator_words(after)
    if not words:
        return None
    end = after.find(words) + len(words)
    items = [words]
    joined = False  # a list ends with 'and' or 'or' ("Relative to waitlist, medication led to ..." is none)
    while (more := _LIST_MORE_RE.match(after, end)) is not None:
        item = _comparator_words(after[more.end():])
        if not item or not any(item.lower().startswith(t) for m in find_entries(item, rules.comparators)
                               for t in m.terms):
            break
        items.append(item)
        joined = joined or bool(more.group(0).strip(" ,"))
        end = more.end() + after[more.end():].find(item) + len(item)
    if len(items) < 2 or not joined:
        return None
    return " ".join(after[after.find(words): end].split())

