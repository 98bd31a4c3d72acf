"""Qualifiers of a finding read from its clause: whom it is about (population), when it was measured
(timepoint and months after treatment), and what the estimate was adjusted for. Part of pico.py's
rules; each records the words that decided it.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..model import Finding
from .caseless import Caseless, has_any
from .findings import NUMBER_WORDS, number_value

SEP = r"[\s\-\u2010\u2011]+"
# whole words; a hyphen may follow ("two-year follow-up") unless it joins a compound ("twenty-four")
_NUMWORD = rf"(?<![\w\-])(?:{NUMBER_WORDS})(?!\w|-(?:one|two|three|four|five|six|seven|eight|nine)\b)"
_AMOUNT = rf"(?<![\w.,])\d+(?:\.\d+)?|{_NUMWORD}"  # "6", "1.5", "six", "twenty-four" (whole words)
_UNIT = r"months?|weeks?|years?"
_FOLLOW_RE = Caseless(
    rf"\bfollow{SEP}?ups?\b|(?P<n>{_AMOUNT})\s*(?:-|\s)?(?P<unit>{_UNIT})\s+"
    r"(?:(?:after|following|post)(?:\s+the\s+end\s+of)?\s+(?:the\s+)?|post-?)(?:treatment|therapy|intervention)")
_FOLLOW_MONTHS_RE = Caseless(
    rf"(?P<n>{_AMOUNT})[\s\-]*(?P<unit>{_UNIT})[\s\-]*follow{SEP}?ups?\b|"
    rf"\bfollow{SEP}?ups?\s+(?:of|at)\s+(?P<n2>{_AMOUNT})\s+(?P<unit2>{_UNIT})")
_SESSION_RE = Caseless(
    r"\b(?:following|next|subsequent|previous|preceding|same)\s+(?:week|session)s?\b|\bin\s+one\s+(?:week|session)\b|"
    r"\b(?:at|in|during|after)\s+(?:the\s+(?:start|end|beginning)\s+of\s+)?(?:a|each|every|one|the)\s+session\b|"
    r"\bweek[\s\-]to[\s\-]week\b|\bsession[\s\-](?:by|to)[\s\-]session\b|\bbetween-sessions?\b|\bbetween\s+sessions\b|"
    r"\bpost[\s\-]session\b|\bsession[\s\-]level\b")
_POST_RE = Caseless(
    r"\bpost[\s\-]?treatment\b|\b(?:at|after)\s+the\s+end\s+of\s+(?:treatment|therapy)\b|\bend\s+of\s+treatment\b|"
    # "after treatment ended" is any time after it: not the end of treatment
    r"\bafter\s+(?:treatment|therapy)\b(?!\s+(?:had\s+)?(?:ended|finished|was\s+over|stopped))|\bat\s+termination\b|"
    r"\bposttreatment\b")
_FOLLOW_DATA_RE = Caseless(
    rf"\b(?:reported|reporting|with|had|having|included|including|provided|providing|without)\s+(?:\w+\s+)?"
    rf"follow{SEP}?ups?(?:\s+(?:data|assessments?|measures?|information|outcomes?))?\b|"
    rf"\bfollow{SEP}?ups?\s+(?:data|periods?|lengths?|durations?|studies|information|rates?)\b")
_ADJUST_RE = Caseless(
    # "controlled for", "to control for"; not "randomized controlled trials for" or "a waitlist control for"
    r"\b(?:adjust\w*|correct\w*|controll(?:ed|ing)|(?<=to\s)control)\s+"
    r"(?:(?!(?:trials?|studies|study|rcts?|groups?|conditions?|designs?|arms?|samples?|comparisons?)\b)\w+\s+){0,4}?"
    r"for\s+(?P<what>[\w\s\-’']{3,50}?)"
    r"(?=\s*[,.;()\u2013\u2014]|\s+-\s|\s+(?:and|or|but|the|they|it|was|were|remained|using|via|through)\b|$)")
# the rest of a list after the first thing adjusted for ("age", then ", sex and baseline severity"):
# taken only when it ends with "and"/"or" and each item is a short phrase that starts no clause
_ITEM = (r"(?!(?:the|a|an|this|that|which|who|it|its|they|there|these|those|was|were|is|are|remained|"
         r"but|while|when|with|after|before)\b)[a-z][\w\-’']*"
         r"(?:\s+(?!(?:and|or|the|was|were|is|are|remained|which|but)\b)[\w\-’']+){0,4}?")
_ADJUST_MORE_RE = re.compile(rf"(?P<mid>(?:\s*,\s*{_ITEM})+)\s*,?\s+(?:and|or)\s+(?P<last>{_ITEM})(?=\s*[,.;()]|$)",
                             re.IGNORECASE)
_TRIM_FILL_RE = Caseless(r"\btrim[\s\-]and[\s\-]fill\b")
_ANAPHORIC_ADJUST_RE = Caseless(r"\b(?:that|this|the|such|these)\s+(?:\w+\s+)?adjustments?\b")
_ADJUSTED_LABEL_RE = Caseless(r"\b(?:adjusted|unadjusted)\b")
_POPULATION_RES = (
    (Caseless(r"\b(?:after|following)\s+(?:a\s+)?(?:previous|prior|initial|first)?\s*(?:treatment\s+)?"
                r"non-?response\b|\bnon-?responders\b|\bnot\s+(?:been\s+)?responsive\s+to\b|"
                r"\bhad\s+not\s+(?:improved|responded)\b|\bdid\s+not\s+respond\b"),
     "treatment non-responders"),
)
_EARLY_BEFORE_RE = Caseless(r"(?:\bearly[\s\-]+|\bthan\s+(?:\w+\s+){0,3})$")
_EARLY_AFTER_RE = Caseless(r"\s+(?:early|(?:by|at|after|in)\s+(?:the\s+)?(?:session|week|\w+\s+(?:sessions?|weeks?)|"
                           r"first|second|third|fourth|\d))")
_WHO_RE = Caseless(
    r"\b(?:for|among|in|with)\s+(?P<p>(?:older\s+|young\s+)?(?:adults|children|adolescents|youths?|veterans|women|men|"
    r"students|couples|families|inpatients|outpatients)\b"
    # "with postpartum depression", "who self-harm": a few words, ending where the clause goes on (a verb, a new
    # subject, a treatment): not "adults with depression the effect was larger"
    r"(?:\s+(?:with|who)(?:\s+(?!(?:the|this|these|those|it|they|there|was|were|is|are|had|has|have|did|does|"
    r"showed|improved|reduced|benefit\w*|responded|outperformed|psychotherapy|therapy|therapies|treatments?|"
    r"interventions?|cbt|ipt|dbt|emdr|but|than|compared)\b)[\w'’\-]+){1,6})?)"
    # "in couples therapy", "for adult services" name a treatment or a setting, not whom
    r"(?!\s+(?:therapy|therapies|treatments?|interventions?|programmes?|programs?|sessions?|formats?|settings?|"
    r"services?|clinics?|groups?))")



_BOTH_GROUPS_RE = Caseless(r"\s*(?:,\s*)?(?:and|or|as\s+well\s+as)\s+(?:(?:older|young|younger)\s+)?(?:adults|children|"
                          r"adolescents|youths?|veterans|women|men|students|couples|families|inpatients|outpatients)\b")


_THAN_AFTER_RE = Caseless(r"\s+than\b")
_COMPARED_BEFORE_RE = Caseless(r"(?:\bcompared|\brelative|\bthan|\bversus|\bvs\.?)\s*$")


def population(body: str, fields: dict, matched: list) -> None:
    for rx, label in _POPULATION_RES:
        m = rx.search(body)
        if m and (_EARLY_BEFORE_RE.search(body[max(0, m.start() - 40): m.start()])
                  or _EARLY_AFTER_RE.match(body, m.end())):
            # "early non-responders", "than those who had not improved", "had not improved by session 4":
            # a group compared with, or change early in this treatment, not patients a treatment failed before
            m = None
        if m:
            fields["population"] = label
            matched.append(("population", m.group(0)))
            return
    m = _WHO_RE.search(body)
    if m and _BOTH_GROUPS_RE.match(body, m.end()):
        return  # "in men and women", "for children or adolescents": no narrower population
    if m and (_THAN_AFTER_RE.match(body, m.end())
              or _COMPARED_BEFORE_RE.search(body[max(0, m.start() - 30): m.start()])):
        return  # "more effective for women than for men", "compared with adults, ...": groups compared, not whom
    if m and not re.search(r"\bwho\s+(?:received|got|were\s+given|were\s+assigned)\b", m.group("p"), re.IGNORECASE):
        fields["population"] = " ".join(m.group("p").split())
        matched.append(("population", m.group(0)))


def _months(n: str, unit: str) -> Decimal:
    value = number_value(n)
    unit = unit.lower()
    if unit.startswith("year"):
        return value * 12
    if unit.startswith("week"):
        return (value * 12 / 52).quantize(Decimal("0.1"))
    return value


def timepoint(clause: str, fields: dict, matched: list) -> None:
    low = clause.lower()
    if "follow" in low and _FOLLOW_DATA_RE.search(clause):
        clause = _FOLLOW_DATA_RE.sub(" ", clause)  # "studies that reported follow-up data" say no time
        low = clause.lower()
    follow = _FOLLOW_RE.search(clause) if ("follow" in low or "after" in low or " post" in low) else None
    months = _FOLLOW_MONTHS_RE.search(clause) if "follow" in low else None
    if (follow or months) and has_any(low, ("post", "end of", "after", "termination")):
        # both times named ("smaller at follow-up than at post-treatment"): the clause does not say which
        post = [m.span() for m in _POST_RE.finditer(clause)]
        spans = [m.span() for m in (follow, months) if m]
        if any(not any(a <= p0 and p1 <= b for a, b in spans) for p0, p1 in post):
            # the part after the last comma may name one ("Post-treatment effects were moderate, and at
            # 24 months follow-up CBT still exceeded usual care")
            cut = max(clause.rfind(","), clause.rfind(";"))
            if cut > 0:
                timepoint(clause[cut + 1:], fields, matched)
            return
    if follow or months:
        fields["timepoint"] = "follow-up"
        matched.append(("timepoint", (follow or months).group(0)))
        if follow and follow.group("n"):
            fields["timepoint_months"] = _months(follow.group("n"), follow.group("unit"))
        elif months:
            fields["timepoint_months"] = _months(months.group("n") or months.group("n2"),
                                                 months.group("unit") or months.group("unit2"))
        return
    for rx, name, words in ((_SESSION_RE, "session-level", ("session", "week")),
                            (_POST_RE, "post-treatment", ("post", "end of", "after", "termination"))):
        m = rx.search(clause) if has_any(low, words) else None
        if m and low[: m.start()].rstrip().endswith(" than"):
            # "larger in the first session than at termination": the time compared with, not the finding's
            return
        if m:
            fields["timepoint"] = name
            matched.append(("timepoint", m.group(0)))
            return


def adjusted(f: Finding, clause: str, summary: str, fields: dict, matched: list) -> None:
    found: list[str] = []
    low = clause.lower()
    for m in _ADJUST_RE.finditer(clause) if "adjust" in low or "correct" in low or "control" in low else ():
        found.append(" ".join(m.group("what").lower().split()))
        more = _ADJUST_MORE_RE.match(clause, m.end()) if clause[m.end():m.end() + 3].lstrip()[:1] == "," else None
        if more:
            found += [" ".join(item.lower().split()) for item in (*more.group("mid").split(",")[1:], more.group("last"))]
        matched.append(("adjusted", m.group(0) + (more.group(0) if more else "")))
    if "trim" in low and _TRIM_FILL_RE.search(clause):
        found.append("publication bias (trim and fill)")
        matched.append(("adjusted", "trim and fill"))
    if not found and "adjustment" in low and (ref := _ANAPHORIC_ADJUST_RE.search(clause)):
        earlier = summary[: summary.find(f.sentence)] if f.sentence in summary else ""
        hits = list(_ADJUST_RE.finditer(earlier))
        if hits:
            found.append(" ".join(hits[-1].group("what").lower().split()))
            matched.append(("adjusted", f"{ref.group(0)} -> {hits[-1].group(0)}"))
    if not found and f.label and _ADJUSTED_LABEL_RE.search(f.label) and "unadjusted" not in f.label.lower():
        found.append("unspecified")
        matched.append(("adjusted", f.label))
    if found:
        fields["adjusted"] = tuple(dict.fromkeys(found))
