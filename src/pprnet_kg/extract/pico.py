"""What each finding is evidence of: kind, intervention, comparator, exposure, population,
conditions, outcome, timepoint, adjustment and direction — from the finding's own words and the
post around it. Rule-based and transparent: every decision records the words that made it
(`Finding.matched`), and a field stays None when the text does not say.

Rules, in short:
- kind: pre-post wording -> within-group; a relation verb (related to, associated with,
  predicted, correlated, went with, effect of X on Y) or a coefficient (r, B, beta) ->
  association; a comparison cue (compared to, versus, than, relative to, against, adding X,
  did not differ) or a named intervention -> comparison; otherwise None.
- comparator: the words after the cue, matched to data/comparators.toml;
  intervention: the interventions (data/lexicon.toml) named before the cue, never one named
  as the treatment that had failed before ("adding X for patients who had not improved with Y").
- exposure and outcome of an association: the two sides of the relation verb.
- a finding whose sentence names neither intervention nor exposure continues the previous
  finding of the post ("The positive effects remained significant at follow up ...").
- favours: only from words saying which side did better ("an advantage for", "in favour of",
  "did better than"), in the finding's sentence or in a sentence of the post that quotes the
  same statistic; never from a sign.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..model import Finding, evolve
from .caseless import Caseless
from .entities import find_entries
from .findings import outcome_in
from .qualifiers import adjusted, population, timepoint


_WITHIN_RE = Caseless(
    r"\bpre[\s\-\u2013]*(?:to[\s\-]*)?post\b|\bpre-?treatment to post-?treatment\b|\bfrom baseline\b|"
    r"\bwithin[\s\-]group\b|\bbefore and after (?:treatment|therapy)\b|\bpre[\s\-]post\b|"
    # the comparison is with the same people earlier: "compared with baseline", "relative to admission"
    r"\b(?:compared\s+(?:to|with)|relative\s+to|than\s+(?:at|before)?)\s*(?:the\s+|their\s+)?(?:baseline|intake|"
    r"admission|pre-?treatment|pre-?therapy|the\s+start\s+of\s+(?:treatment|therapy))\b")
_WITHIN_WORDS = ("pre", "baseline", "within", "before", "intake", "admission", "start of")
_ASSOC_RE = Caseless(
    r"\b(?:related|associated|linked|correlated|tied|connected|associations?|correlations?|links?)\s+(?:to|with|between)\b|"
    r"\b(?:was|were|is|are)\s+followed\s+by\b|"
    r"\bpredict(?:ed|s|ive of)?\b|\bwent\s+(?:along\s+)?with\b|\brelationship\s+between\b|"
    r"\beffects?\s+of\b.+?\bon\b|\bcorrelated\b")
_ASSOCIATION_MEASURES = frozenset({"r", "B", "beta"})
_CUE_RE = Caseless(
    r"\b(?:compared\s+(?:to|with)|in\s+comparison\s+(?:to|with)|versus|vs\.?|relative\s+to|"
    r"(?:better|worse|more|less|greater|smaller|larger|higher|lower|superior|inferior)\s+(?:\w+\s+){0,2}?(?:than|to)|"
    r"outperformed|outperforms|exceeded|beat|than|against|over|differ(?:ed|ent)?\s+(?:\w+\s+)?from)\s+")
_ADDING_RE = Caseless(
    r"\badd(?:ing|ed|ition of)\s+(?P<x>[\w\s\-’']{2,60}?)\s+(?:to|for|after|in)\s+"
    r"(?P<rest>[^,;()]{0,80}?(?:non-?respon\w*|(?:who|that|had|have|has|were|was|being|patients|clients|people|those)"
    r"\s+(?:\w+\s+)?not\s+(?:respond\w*|improv\w*|responsive|benefit\w*))[^,;()]{0,40})")
_NOT_DIFFER_RE = Caseless(r"\bdid\s+not\s+differ\b|\bno\s+(?:significant\s+)?differences?\b|\bwere\s+comparable\b|"
                            r"\bsimilar\s+(?:levels|outcomes|effects)\b")
_PRIOR_RE = Caseless(
    r"(?:not\s+(?:respond\w*|improv\w*|responsive|benefit\w*)|non-?respon\w*|failed)\s+(?:\w+\s+){0,2}?"
    r"(?:to|with|from|on)\s+(?:an?\s+|the\s+|their\s+)?(?:previous|prior|initial|first)?\s*(?P<y>[\w\s\-]{3,40}?)"
    r"(?=[,.;()]|\s+(?:and|but|were|was|had|in)\b|$)")
_STAT_TAIL_RE = Caseless(
    r"(?:[\s,;(]*(?:and\s+)?(?:it|this|which|that)?\s*(?:was|were|is|are|had|has|have|found|showed|yielded|produced|"
    r"gave|resulted\s+in|with)?\s*(?:an?|the)?\s*(?:(?:mean|average|overall|pooled|combined|summary)\s+)*"
    r"(?:effect\s+sizes?|effects?|correlations?|associations?|estimates?|coefficients?)?\s*(?:of|was|were|=|:)?\s*"
    r"(?:\(|\[)?\s*(?:[nk]\s*=\s*\d+\s*[;,]\s*)*)$")
# The tail is made of these words only (and digits), each a whole word: it starts after the last
# word that is something else, never inside it (the 'are' of 'usual care', the 'in' of 'pain').
_TAIL_WORDS = (
    r"(?:and|it|this|which|that|was|were|is|are|had|has|have|found|showed|yielded|produced|gave|resulted|in|with|"
    r"an|a|the|mean|average|overall|pooled|combined|summary|effects?|sizes?|correlations?|associations?|"
    r"estimates?|coefficients?|of|[nk]|\d)+")
_LAST_OTHER_WORD_RE = Caseless(rf".*\b(?!{_TAIL_WORDS}\b)(\w+)", re.DOTALL)


def _strip_stat_tail(text: str) -> str:
    """`text` without the words that introduce its statistic ('... was associated with an effect of (k = 4;')."""
    last = _LAST_OTHER_WORD_RE.match(text)
    start = last.end(1) if last else 0
    return text[:start] + _STAT_TAIL_RE.sub("", text[start:])


_LEAD_RE = Caseless(r"^[\s)\],;.]*(?:and|but|while|whereas)?\s*")
_BOUNDARY_RE = Caseless(
    r"(?:\bfound\s+that\b|\bshowed\s+that\b|\brevealed\s+that\b|\bindicated\s+that\b|\bsuggests?\s+that\b|"
    r"\bthat\s+looked\s+at\b|\blooked\s+at\b|\bexamined\b|\bevaluated\b|\bfound\b|\bthat\b|:|,)\s*")


def _after_boundary(text: str) -> str:
    """The words after the last clause boundary ('found that', 'that', a comma...)."""
    end = 0
    for m in _BOUNDARY_RE.finditer(text):
        end = m.end()
    return text[end:]
_RELATION_RES = (
    Caseless(r"\beffects?\s+of\s+(?P<x>.+?)\s+on\s+(?P<y>.+)$", re.DOTALL),
    Caseless(r"\brelationship\s+between\s+(?P<x>.+?)\s+and\s+(?P<y>.+)$", re.DOTALL),
    Caseless(r"(?P<x>.+?)\s+and\s+how\s+(?:it|they|this)\s+(?:was\s+|were\s+)?related\s+to\s+(?P<y>.+)$",
               re.DOTALL),
    Caseless(r"(?P<x>.+?)\s+(?:(?:was|were|is|are)\s+)?(?:not\s+)?(?:(?:more|less|most|least)\s+)?(?:\w+ly\s+){0,2}"
               r"(?:related|associated|linked|"
               r"correlated|tied|connected)\s+(?:to|with)\s+(?P<y>.+)$", re.DOTALL),
    Caseless(r"(?P<x>.+?)\s+(?:showed|had|has|have)\s+(?:an?\s+|the\s+)?(?:\w+\s+){0,3}?(?:link|association|"
               r"relationship|correlation|relation)\s+(?:with|to)\s+(?P<y>.+)$", re.DOTALL),
    Caseless(r"(?P<x>.+?)\s+(?:was|were|is|are)\s+followed\s+by\s+(?P<y>.+)$", re.DOTALL),
    # the passive names the outcome first: "outcome was predicted by empathy"
    Caseless(r"(?P<y>.+?)\s+(?:was|were|is|are)\s+(?:(?:also|not|\w+ly)\s+){0,2}predicted\s+by\s+"
               r"(?P<x>[^,;()]+?)(?=\s*[,;(]|\s+(?:than|but|whereas|while|and\s+(?:not|less|more))\b|$)", re.DOTALL),
    Caseless(r"(?P<x>.+?)\s+(?:significantly\s+)?(?:predict(?:ed|s)|(?:did|does|do)\s+not\s+predict|"
             r"(?:was|were|is|are)\s+(?:\w+ly\s+)?predictive\s+of)\s+"
             r"(?P<y>.+)$", re.DOTALL),
    Caseless(r"(?P<x>.+?)\s+went\s+(?:along\s+)?with\s+(?P<y>.+)$", re.DOTALL),
)
_FAVOURS_RES = (
    Caseless(r"\b(?:an?\s+)?(?:\w+\s+)?(?:advantage|benefit)\s+(?:for|of|to)\s+(?P<x>[^,.;()]{2,60})"),
    Caseless(r"\bin\s+favou?r\s+of\s+(?P<x>[^,.;()]{2,60})"),
    Caseless(r"\bfavou?r(?:ed|ing|s)\s+(?P<x>[^,.;()]{2,60})"),
    Caseless(r"\b(?:was|were|is|are)\s+(?:\w+\s+)?outperformed\s+by\s+(?P<x>[^,.;()]{2,60})"),
    Caseless(r"(?P<x>[^,.;()]{2,60}?)\s+(?:did\s+better\s+than|outperformed(?!\s+by)|outperforms|beat|"
             r"(?:was|were)\s+superior\s+to)\b"),
)
_NEGATED_RE = Caseless(r"\b(?:no|not|nor|neither|never|without|lack(?:ed|s)?|little|hardly|any)\b")
_OTHER_SIDE_RE = Caseless(r"\s+(?:over|than|compared|relative|versus|vs\.?|against|when\s+compared)\b")
_STUDY_COMPARISON_RE = Caseless(
    r"\bcompar\w*\s+(?P<x>[^,.;()]{2,60}?)\s+(?:with|to|versus|vs\.?|against)\s+(?P<y>[^,.;()]{2,60})")
_STUDY_SCOPE_RE = Caseless(r"\s+(?:in|among|across|for)\s+(?=\d|(?:a|an|the|two|three|four|five|six|\w+ty)\b)")
_COMPARATIVE_RE = Caseless(
    r"\b(?:more|less|better|worse|greater|smaller|larger|higher|lower|superior|inferior|differ\w*|advantage|benefit|"
    r"outperform\w*|equivalent|comparable|similar|equally|favou?r\w*|than|versus|vs|compared|relative)\b")
_BOTH_RE = Caseless(r"\b(?:both|the\s+two)\s+(?:formats|groups|conditions|arms|treatments|modes)\b|"
                      r"\babout\s+the\s+same\b|\bdid\s+not\s+differ\b")


def _before(rx: Caseless, text: str) -> str:
    """The text up to the first match of rx."""
    m = rx.search(text)
    return text[: m.start()] if m else text


def study_comparison(summary: str, rules) -> dict:
    """What the summarised study compared, when the post says it in so many words: an add-on
    ('adding X after non-response') or 'comparing X with Y'. Findings that name that intervention,
    or that speak of 'both formats', inherit it."""
    adding = _ADDING_RE.search(summary)
    if adding:
        ids = tuple(m.key for m in find_entries(adding.group("x"), rules.finding_interventions))
        text = " ".join(f"adding {adding.group('x')} {_between(summary, adding)}".split())
        study = {"intervention": text, "intervention_ids": ids, "matched": adding.group(0)}
        found: dict = {}
        population(adding.group(0), found, [])
        return {**study, **found}
    m = _STUDY_COMPARISON_RE.search(summary)
    if m:
        ids = tuple(x.key for x in find_entries(m.group("x"), rules.finding_interventions))
        comparator = _before(_STUDY_SCOPE_RE, " ".join(m.group("y").split()))
        found = find_entries(comparator, rules.comparators)
        if ids and found:
            return {"intervention": _as_written(find_entries(m.group("x"), rules.finding_interventions)[0].terms[0],
                                                m.group("x")),
                    "intervention_ids": ids, "comparator": comparator, "comparator_id": found[0].key,
                    "matched": m.group(0)}
    return {}


def annotate(findings: list[Finding], *, summary: str, implications: str, rules, post_conditions: tuple[str, ...]
             ) -> list[Finding]:
    """The findings of one post with their PICO fields filled in where the text says them."""
    out: list[Finding] = []
    if not findings:
        return out
    study = study_comparison(summary, rules)
    # treatments the post names as having failed before: never a finding's intervention
    prior = frozenset(m.key for m in find_entries(" ".join(p.group("y") for p in _PRIOR_RE.finditer(summary)),
                                                  rules.finding_interventions))
    conditions: dict[str, tuple[str, ...]] = {}
    for f in findings:
        if f.sentence not in conditions:
            conditions[f.sentence] = tuple(m.key for m in find_entries(f.sentence, rules.disorders))
        g = _one(f, summary=summary, implications=implications, rules=rules,
                 conditions=conditions[f.sentence] or tuple(post_conditions), prior=prior)
        if study and g.kind in {None, "comparison"} and g.intervention is None and g.exposure is None:
            g = _from_study(g, study, rules)
        if out and out[-1].kind is not None and g.intervention is None and g.exposure is None and g.kind is None \
                and not find_entries(g.clause, rules.finding_interventions) \
                and not find_entries(g.clause, rules.comparators) and _continues(g, out[-1]):
            g = _continue(g, out[-1])
        out.append(g)
    return out


def _one(f: Finding, *, summary: str, implications: str, rules, conditions: tuple[str, ...],
         prior: frozenset) -> Finding:
    clause = _LEAD_RE.sub("", f.clause)
    body = _strip_stat_tail(clause).strip()
    low = clause.lower()
    matched: list[tuple[str, str]] = []
    fields: dict = {}

    within = _WITHIN_RE.search(clause) if any(w in low for w in _WITHIN_WORDS) else None
    assoc = _ASSOC_RE.search(body)
    cue = _comparison_cue(body, rules)
    adding = _ADDING_RE.search(body) if "add" in low else None
    # a cue followed by a comparator of the scheme ("than usual care") makes a comparison even in
    # words of change from baseline or of association ("associated with larger gains than waitlist")
    following = (_comparator_text(body[cue.end():]) or "") if cue is not None else ""
    strong = bool(following) and bool(find_entries(following, rules.comparators)
                                       or f.measure not in _ASSOCIATION_MEASURES
                                       and find_entries(following, rules.finding_interventions))
    if within and not strong:
        fields["kind"] = "within-group"
        matched.append(("kind", within.group(0)))
    elif assoc and not adding and not (cue and assoc.start() <= cue.start() < assoc.end()) \
            and not (strong and f.measure not in _ASSOCIATION_MEASURES):
        fields["kind"] = "association"
        matched.append(("kind", assoc.group(0)))
    elif f.measure in _ASSOCIATION_MEASURES and not (cue or adding):
        fields["kind"] = "association"
        matched.append(("kind", f.label or f.measure))

    if fields.get("kind") == "association":
        relation = _relation(body)
        # "the effect of psychotherapy on depression (g = ...)": a treatment's effect, not an association
        treated = find_entries(relation[0], rules.finding_interventions) \
            if relation and f.measure not in _ASSOCIATION_MEASURES else ()
        if relation is None or treated:  # an association with no stated exposure: the text is unclear about it
            del fields["kind"]
            matched.pop()
            if treated:
                fields["intervention"] = ", ".join(_as_written(m.terms[0], relation[0]) for m in treated)
                fields["intervention_ids"] = tuple(m.key for m in treated)
                matched.append(("intervention", relation[0]))
        else:
            x, y = relation
            fields["exposure"] = x
            matched.append(("exposure", x))
            outcome = outcome_in(y, rules.outcomes)
            # the outcome is what the exposure is related to ("deterioration was predicted by early
            # symptom increase" is not about symptoms)
            fields["outcome"], fields["outcome_id"] = (outcome.label, outcome.key) if outcome else (None, None)
            if outcome:
                matched.append(("outcome", y))
    elif fields.get("kind") != "within-group":
        if adding:
            text = " ".join(f"adding {adding.group('x')} {_between(body, adding)}".split())
            fields["intervention"] = text
            ids = [m.key for m in find_entries(adding.group("x"), rules.finding_interventions)]
            fields["intervention_ids"] = tuple(ids)
            fields["kind"] = "comparison"
            matched += [("kind", f"adding {adding.group('x')}"), ("intervention", text)]
        elif cue or _NOT_DIFFER_RE.search(body):
            before = body[: cue.start()] if cue else body
            named = find_entries(_after_boundary(before) or before, rules.finding_interventions)
            if cue and not named and find_entries(cue.group(0), rules.finding_interventions):
                before = cue.group(0)  # "reduced more by DBT than by usual care"
                named = find_entries(before, rules.finding_interventions)
            if cue and not named:  # "Relative to waitlist controls, CBT led to ...": the comparator comes first
                tail = body[cue.end():]
                comma = tail.find(",")
                before = tail[comma + 1:] if comma >= 0 else ""
                named = find_entries(before, rules.finding_interventions)
            named = [m for m in named if m.key not in prior] or list(named)
            named = _outermost(named, before, rules)
            if not cue and len(named) >= 2:  # "X and Y did not differ": Y is what X was compared with
                named = _in_order(named, before)
                other = _as_written(max(named[1].terms, key=len), before)
                fields["comparator"] = other
                found = _rightmost(other, rules.comparators)
                if found:
                    fields["comparator_id"] = found[0]
                    matched.append(("comparator", found[1]))
                named = named[:1]
            if cue:
                fields["kind"] = "comparison"
                matched.append(("kind", cue.group(0).strip()))
                comparator = _comparator_text(body[cue.end():])
                found = _rightmost(comparator, rules.comparators) if comparator else None
                if comparator and not named and not found:
                    # "Patients in usual care relapsed more than those who received CBT": the treatment
                    # named after the cue is the intervention when a comparator is named before it
                    subject = _after_boundary(body[: cue.start()])
                    other = _rightmost(subject, rules.comparators)
                    treated = find_entries(comparator, rules.finding_interventions)
                    if other and treated:
                        named, before = list(treated), comparator
                        comparator, found = other[1], other
                        matched.append(("intervention", "named after the cue; the comparator before it"))
                if comparator:
                    fields["comparator"] = comparator
                    if found:
                        fields["comparator_id"] = found[0]
                        matched.append(("comparator", found[1]))
            elif named:
                fields["kind"] = "comparison"
                matched.append(("kind", _NOT_DIFFER_RE.search(body).group(0)))
            if named:
                fields["intervention"] = ", ".join(_as_written(m.terms[0], before) for m in named)
                fields["intervention_ids"] = tuple(m.key for m in named)
                matched.append(("intervention", fields["intervention"]))
        if fields.get("kind") == "comparison" and fields.get("intervention_ids"):
            fields["intervention_ids"] = tuple(k for k in fields["intervention_ids"] if k not in prior) \
                or fields["intervention_ids"]
            if fields.get("comparator_id") == "attention-placebo" and "medication" in fields["intervention_ids"] \
                    and (fields.get("comparator") or "").lower() in {"placebo", "placebos", "a placebo"}:
                fields["comparator_id"] = "pill-placebo"  # a bare placebo against a drug is a pill
                matched.append(("comparator", "placebo against medication"))

    population(body, fields, matched)
    fields["conditions"] = conditions
    timepoint(clause, fields, matched)
    adjusted(f, clause, summary, fields, matched)
    _favours(f, body, implications, fields, matched)
    return evolve(f, matched=tuple(f.matched) + tuple(matched), **fields)


def _spans(term: str, lowered: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"(?<!\w)" + re.escape(term) + r"(?!\w)", lowered)]


def _outermost(named: list, text: str, rules) -> list:
    """The named entries without a generic one ('psychotherapy', finding_only in the lexicon) whose
    every match lies inside another's: 'short-term psychodynamic psychotherapy' is one intervention.
    A specific one inside another stays ('group CBT' is group therapy and CBT)."""
    if len(named) < 2:
        return list(named)
    generic = {e.key for e in rules.finding_interventions if e.finding_only}
    if not any(m.key in generic for m in named):
        return list(named)
    lowered = text.lower()
    spans = {m.key: [sp for t in m.terms for sp in _spans(t, lowered)] for m in named}

    def inside(a, b):
        return b[0] <= a[0] and a[1] <= b[1] and a != b

    return [m for m in named if m.key not in generic or not spans[m.key] or not all(
        any(inside(a, b) for n in named if n.key != m.key for b in spans[n.key]) for a in spans[m.key])]


def _in_order(named: list, text: str) -> list:
    """The named entries in the order the text first names them."""
    lowered = text.lower()

    def first(m):
        return min((sp[0] for t in m.terms for sp in _spans(t, lowered)), default=len(lowered))

    return sorted(named, key=first)


def _from_study(f: Finding, study: dict, rules) -> Finding:
    """A finding that names the study's intervention (or 'both formats') and no comparison of its
    own takes the comparison the post says the study made."""
    named = {m.key for m in find_entries(f.clause, rules.finding_interventions)}
    if not (named & set(study["intervention_ids"]) and _COMPARATIVE_RE.search(f.clause) or _BOTH_RE.search(f.clause)):
        return f  # "CBT clients improved substantially" is a change within one arm, not the comparison
    if f.intervention_ids and not set(f.intervention_ids) <= set(study["intervention_ids"]):
        return f
    fields = {k: v for k, v in study.items() if k != "matched"}
    return evolve(f, kind="comparison", matched=f.matched + (("study comparison", study["matched"]),), **fields)


_ANAPHORA_RE = Caseless(
    r"\b(?:this|that|the|these|those|such|both)\s+(?:\w+\s+){0,2}?(?:associations?|correlations?|relationships?|"
    r"relations?|links?|effects?|estimates?|coefficients?)\b|\b(?:it|they|remained|held|persisted|maintained|"
    r"stayed|adjust\w*|correct\w*|controll\w*)\b|\bfollow[\s\-]?ups?\b")


_OWN_OUTCOME_RE = Caseless(
    r"\b(?:effects?|impacts?|improvements?|reductions?|changes?|gains?|differences?|benefits?)\s+(?:\w+\s+)?(?:on|in)\s+"
    r"(?!(?:the\s+)?(?:same|this|that|these|those|both)\b)\w|\bin\s+terms\s+of\b")


def _continues(f: Finding, previous: Finding) -> bool:
    """Whether a finding that names neither intervention nor exposure is the previous one again.
    Not when its clause states a relation of its own ("and so did lower education" aside), when a
    correlation would continue a comparison ("expectations also mattered (r = .19)"), or when an
    association would continue without words pointing back at it ("the association", "it",
    "remained", "at follow-up")."""
    clause = _LEAD_RE.sub("", f.clause)
    if _ASSOC_RE.search(clause):
        return False
    if previous.kind == "association":
        return bool(_ANAPHORA_RE.search(clause))
    return f.measure not in _ASSOCIATION_MEASURES


def _continue(f: Finding, previous: Finding) -> Finding:
    """A finding that names neither intervention nor exposure continues the one before it."""
    keep = {name: getattr(previous, name) for name in (
        "kind", "intervention", "intervention_ids", "comparator", "comparator_id", "exposure")}
    if f.population is None:  # "Effects were larger for adolescents" keeps its own
        keep["population"] = previous.population
    if f.outcome is None and not _OWN_OUTCOME_RE.search(f.clause):  # "and small effects on depression"
        keep.update(outcome=previous.outcome, outcome_id=previous.outcome_id)
    return evolve(f, matched=f.matched + (("continues", "the previous finding of the post"),), **keep)


def _rightmost(text: str, entries) -> tuple[str, str] | None:
    """(key, words) of the entry whose phrase ends last in the text, the longest on a tie:
    'medication on its own' is the same treatment alone, not medication. Unspecified controls
    only when nothing more specific is named ('usual care controls' are usual care)."""
    best = None
    found = find_entries(text, entries)
    if len(found) > 1:
        found = [m for m in found if m.key != "control-unspecified"]
    for match in found:
        entry = next(e for e in entries if e.key == match.key)
        for term in entry.terms:
            for hit in term.pattern.finditer(text):
                key = (hit.end(), hit.end() - hit.start())
                if best is None or key > best[0]:
                    best = (key, match.key, hit.group(0))
    return (best[1], best[2]) if best else None


def _as_written(term: str, text: str) -> str:
    """A matched phrase (lower case) in the case the text writes it."""
    m = re.search(r"(?<!\w)" + re.escape(term).replace(r"\ ", r"[\s\-]+") + r"(?!\w)", text, re.IGNORECASE)
    return m.group(0) if m else term


_OVER_TIME_RE = re.compile(
    r"(?:the\s+|a\s+|an\s+)?(?:course|time|period|years?|months?|weeks?|sessions?|first|next|last|following|"
    r"long(?:er)?[\s\-]term|\d|(?:one|two|three|four|five|six|eight|ten|twelve)\b)", re.IGNORECASE)


_PEOPLE_RE = Caseless(
    r"(?:men|women|males|females|boys|girls|adults|children|adolescents|youths?|older|younger|those|studies|trials|"
    r"samples|patients\s+with|clients\s+with|people\s+with|participants\s+with)\b")


def _comparison_cue(body: str, rules):
    """The last comparison cue of the clause; a bare 'over', 'than' or 'against' counts only when
    a comparator or an intervention follows it ('over usual care', not 'over 5000 patients')."""
    for m in reversed(list(_CUE_RE.finditer(body))):
        word = m.group(0).split()[0].lower()
        if word == "over" and _OVER_TIME_RE.match(body, m.end()):
            continue  # "over the course of CBT", "over 60 weeks": a time, not a comparator
        if word in {"over", "than", "against", "beat", "exceeded"} or m.group(0).strip().lower().endswith(("than", "to")) and \
                word not in {"compared", "relative", "in"}:
            following = _comparator_text(body[m.end():]) or ""
            if not (find_entries(following, rules.comparators) or find_entries(following, rules.finding_interventions)) \
                    or _PEOPLE_RE.match(following):
                continue  # "women improved more than men in group therapy": people, not a comparator
        return m
    return None


def _between(body: str, adding) -> str:
    """The words of an add-on that say for whom: 'after previous treatment non-response'."""
    rest = adding.group("rest")
    key = re.search(r"non-?respon\w*|not\s+(?:respond\w*|improv\w*|responsive)", rest, re.IGNORECASE)
    after = key.end() if key else 0
    cut = re.search(r"\s+(?:resulted|led|was|were|had|produced|showed|improved|reduced|to\s+test|in\s+terms)\b|,",
                    rest[after:])
    cut_at = after + cut.start() if cut else None
    connector = body[adding.end("x"): adding.start("rest")].strip()
    return f"{connector} {rest[:cut_at] if cut_at is not None else rest}".strip()


_COMPARATOR_LEAD = (r"\s*(?:(?:for|by|in)\s+)?(?:(?:those|the\s+ones)\s+(?:who\s+(?:had\s+)?(?:received|got|had)|in|on|"
                    r"receiving|given|assigned\s+to|treated\s+with)\s+|(?:the\s+)?(?:patients|people|clients|participants)\s+"
                    r"(?:who\s+(?:had\s+)?(?:received|got|had)|in|on|receiving|given|assigned\s+to|treated\s+with)\s+)?")
_COMPARATOR_STOP = (r"\s*[,;()]|\s+(?:but|whereas|in\s+terms|on(?!\s+(?:its|their)\s+own)|for|at|when|after|while|"
                    r"led|improved|reduced|showed|produced|resulted|yielded|gave|had|has|found|revealed|demonstrated|"
                    r"was|were|fell|dropped|declined|decreased|increased|rose|remained|similarly|equally|significantly|"
                    r"in\s+\w+ing|"
                    r"substantially|considerably|slightly|markedly|in\s+(?:both|men|women|adults|children|"
                    r"adolescents|patients|clients|people|participants|studies|trials|\d))\b|$")
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


def _comparator_text(after: str) -> str | None:
    words = _comparator_words(after)
    if words is None:
        return None
    text = _ARTICLE_RE.sub("", " ".join(words.split()))
    return text[:80] or None


_RELATION_WORDS = ("effect", "relationship", "related", "associated", "linked", "correlated", "tied", "connected",
                   "predict", "went", "showed", "had", "has", "have", "followed")  # "predict" covers "predictive of"


_TRAILING_ADVERBS_RE = re.compile(
    r"(?:\s+(?:still|also|only|further|again|even|not|then|too|both|all|each|was|were|is|are|"
    r"significantly|strongly|positively|negatively|"
    r"consistently|reliably|independently|uniquely|directly|moderately|weakly|modestly|substantially))+$", re.IGNORECASE)
_CONTRAST_RE = re.compile(r"(?:,\s*|\s+)(?:but|whereas|while)\s+|;\s*", re.IGNORECASE)
_ASIDE_RE = Caseless(r",\s*(?:however|moreover|furthermore|in\s+turn|in\s+contrast|by\s+contrast|also|too|though|"
                     r"similarly|likewise|in\s+addition|on\s+the\s+other\s+hand|in\s+particular)\s*,")


def _relation(body: str) -> tuple[str, str] | None:
    low = body.lower()
    if not any(w in low for w in _RELATION_WORDS):
        return None
    if "," in body:  # "Early change, however, predicted outcome": the aside is no clause boundary
        body = _ASIDE_RE.sub("", body)
    # two relations in one clause ("A predicted B, but B did not predict A"): the statistic follows
    # the last one
    parts = _CONTRAST_RE.split(body)
    if len(parts) > 1 and _ASSOC_RE.search(parts[-1]):
        body = parts[-1]
    for rx in _RELATION_RES:
        # patterns that start with a side are anchored at the start (a search would retry every position)
        leading = rx.pattern[:6]
        m = rx.match(body) if leading in {"(?P<x>", "(?P<y>"} else rx.search(body)
        if m:
            x = _after_boundary(m.group("x")) if leading == "(?P<x>" else m.group("x")
            x = re.sub(r"^(?:the|a|an|that|whether|if|how)\s+", "", " ".join(x.split()), flags=re.IGNORECASE)
            x = _TRAILING_ADVERBS_RE.sub("", x)  # "alliance still predicted outcome"
            y = _after_boundary(m.group("y")) if leading == "(?P<y>" else m.group("y")
            y = " ".join(y.split()).rstrip(" (")
            if x and y and len(x.split()) <= 14:
                return x, y
    return None


_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+")


@lru_cache(maxsize=256)
def _sentences_of(text: str) -> tuple[str, ...]:
    return tuple(_SENTENCE_END_RE.split(text))


def _favours(f: Finding, body: str, implications: str, fields: dict, matched: list) -> None:
    value = format(f.value, "f").lstrip("-").lstrip("0")
    quoting = [s for s in _sentences_of(implications) if value and value in s and f.measure in s]
    for text in [body, *quoting]:
        low = text.lower()
        if not any(w in low for w in ("advantage", "benefit", "favour", "favor", "better than", "outperform", "superior",
                                      "beat")):
            continue
        for rx in _FAVOURS_RES:
            m = rx.search(text)
            if not m or _NEGATED_RE.search(text[max(0, m.start() - 30): m.start("x")]) \
                    or _NEGATED_RE.search(m.group("x")):
                continue  # "no advantage for CBT", "CBT did not do better than"
            words = _before(_OTHER_SIDE_RE, m.group("x"))  # "of antidepressants over placebo"
            side = _side(words, fields)
            if side:
                fields["favours"] = side
                matched.append(("favours", m.group(0).strip()))
                return


def _side(words: str, fields: dict) -> str | None:
    words = words.lower()
    comparator = (fields.get("comparator") or "").lower()
    intervention = (fields.get("intervention") or "").lower()
    # whole words: 'guided iCBT' is not inside 'unguided iCBT'
    if comparator and (_inside(comparator, words) or _inside(words.strip(), comparator) or _overlap(words, comparator)):
        return "comparator"
    if intervention and (_inside(intervention, words) or _overlap(words, intervention)):
        return "intervention"
    return None


def _inside(part: str, whole: str) -> bool:
    return bool(part) and re.search(r"(?<!\w)" + re.escape(part) + r"(?!\w)", whole) is not None


def _overlap(a: str, b: str) -> bool:
    stop = {"the", "a", "an", "of", "for", "to", "and", "therapy", "treatment", "when", "it", "comes"}
    wa = {w for w in re.findall(r"\w+", a) if w not in stop}
    wb = {w for w in re.findall(r"\w+", b) if w not in stop}
    return bool(wa) and bool(wb) and len(wa & wb) >= max(1, min(len(wb), 2))
