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
Comparison cues and comparator words are read in comparators.py, the sides of an association in
relations.py, favours in favours.py, population, timepoint and adjustment in qualifiers.py.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..model import Finding, evolve
from .caseless import Caseless, has_any, word_spans
from .comparators import _PEOPLE_RE, comparator_list, comparator_text, comparison_cue, rightmost
from .entities import find_entries
from .favours import favours
from .findings import outcome_in
from .qualifiers import adjusted, population, timepoint
from .relations import after_boundary, relation_cue, relation_sides


_WITHIN_RE = Caseless(
    r"\bpre[\s\-\u2013]*(?:to[\s\-]*)?post\b|\bpre-?treatment to post-?treatment\b|\bfrom baseline\b|"
    r"\bwithin[\s\-]group\b|\bbefore and after (?:treatment|therapy)\b|\bpre[\s\-]post\b")
# the comparison is with the same people earlier: "compared with baseline", "relative to admission"
_BASELINE_RE = Caseless(
    r"\b(?:compared\s+(?:to|with)|relative\s+to|than\s+(?:at|before)?)\s*(?:the\s+|their\s+)?(?:baseline|intake|"
    r"admission|pre-?treatment|pre-?therapy|the\s+start\s+of\s+(?:treatment|therapy))\b")
_DESIGN_AFTER_RE = Caseless(r"[\s\-]*(?:\w+[\s\-]+)?(?:studies|study|designs?|trials?|samples?|data)\b")
_BASELINE_WORDS = ("baseline", "intake", "admission", "pretreatment", "pre-treatment", "pretherapy", "pre-therapy",
                   "start of")
_ASSOCIATION_MEASURES = frozenset({"r", "B", "beta"})
_OF_SOMETHING_RE = Caseless(r"\b(?:in|during|with|of|to|for|within|among|at|by)\s")
# who benefits more, said with a coefficient: a moderator's effect, not the difference between two arms
# ("patients in CBT improved more than those on waitlist" is a comparison: the subgroup must be named)
_MODERATOR_RE = Caseless(r"\bmoderat\w*|\binteractions?\b|"
                         r"\b(?:with|who\s+had)\s+(?:higher|lower|more|less|greater|larger|smaller|worse|better)\b"
                         r"[^,;]*?\b(?:benefit(?:ed|ted|s)?|gained|improved)\s+more\b|"
                         r"\bthe\s+(?:more|higher|greater|larger|lower)\b[^,;]*?,?\s+the\s+"
                         r"(?:more|larger|greater|better|less|smaller)\b|"
                         # "the effect of CBT relative to control was larger in studies with higher severity"
                         r"\b(?:larger|smaller|stronger|weaker|greater|bigger)\s+(?:in|for|among)\s+(?:the\s+)?"
                         r"(?:studies|trials|samples|patients|clients|participants|people|those)\s+"
                         r"(?:with|who|that|where|using|of)\b")
_ADDING_RE = Caseless(
    r"\badd(?:ing|ed|ition of)\s+(?P<x>[\w\s\-’']{2,60}?)\s+(?:to|for|after|in)\s+"
    r"(?P<rest>[^,;()]{0,80}?(?:non-?respon\w*|(?:who|that|had|have|has|were|was|being|patients|clients|people|those)"
    r"\s+(?:\w+\s+)?not\s+(?:respond\w*|improv\w*|responsive|benefit\w*))[^,;()]{0,40})")
_NOT_DIFFER_RE = Caseless(r"\bdid\s+not\s+differ\b|\bno\s+(?:significant\s+)?differences?\b|\bwere\s+comparable\b|"
                            r"\bsimilar\s+(?:levels|outcomes|effects)\b|\bequally\s+(?:effective|efficacious|helpful)\b|"
                            r"\bas\s+(?:effective|efficacious|helpful)\s+as\b|\bwere\s+equivalent\b")
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
    tail = text[start:]
    if not tail.replace(",", "").replace(";", "").replace("(", "").strip():
        return text[:start]  # spaces, commas, semicolons and '(' only: _STAT_TAIL_RE takes all of it
    return text[:start] + _STAT_TAIL_RE.sub("", tail)


_LEAD_RE = Caseless(r"^[\s)\],;.]*(?:and|but|while|whereas)?\s*")


def _without_lead(clause: str) -> str:
    """`_LEAD_RE.sub("", clause)`: the pattern is anchored at the start, so it matches once."""
    return clause[_LEAD_RE.match(clause).end():]
_STUDY_COMPARISON_RE = Caseless(
    r"\bcompar\w*\s+(?P<x>[^,.;()]{2,60}?)\s+(?:with|to|versus|vs\.?|against)\s+(?P<y>[^,.;()]{2,60})")
_STUDY_SCOPE_RE = Caseless(r"\s+(?:in|among|across|for)\s+(?=\d|(?:a|an|the|two|three|four|five|six|\w+ty)\b)")
_COMPARATIVE_RE = Caseless(
    r"\b(?:more|less|better|worse|greater|smaller|larger|higher|lower|superior|inferior|differ\w*|advantage|benefit|"
    r"outperform\w*|equivalent|comparable|similar|equally|favou?r\w*|than|versus|vs|compared|relative)\b")
_BOTH_RE = Caseless(r"\b(?:both|the\s+two)\s+(?:formats|groups|conditions|arms|treatments|modes)\b|"
                      r"\babout\s+the\s+same\b|\bdid\s+not\s+differ\b")


_THIS_STUDY_RE = Caseless(
    r"\b(?:this|the\s+(?:authors|researchers|investigators|present|current)|colleagues|they|we)\b")
_OTHER_STUDIES_RE = Caseless(r"\b(?:previous|prior|past|earlier|other|many|several|most|some)\b")


def _about_this_study(summary: str, m) -> bool:
    """Whether the sentence of a 'compared X with Y' points at the summarised study ('The authors compared
    ...', 'In this trial ...'), not at earlier work ('Past trials compared CBT with medication')."""
    start = max(summary.rfind(". ", 0, m.start()), summary.rfind("? ", 0, m.start()), summary.rfind("! ", 0, m.start()))
    sentence = summary[start + 1: m.end()]
    return bool(_THIS_STUDY_RE.search(sentence)) and not _OTHER_STUDIES_RE.search(sentence)


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
    m = next((m for m in _STUDY_COMPARISON_RE.finditer(summary) if _about_this_study(summary, m)), None) \
        if "compar" in summary.lower() else None
    if m:
        ids = tuple(x.key for x in find_entries(m.group("x"), rules.finding_interventions))
        comparator = " ".join(m.group("y").split())
        scope = _STUDY_SCOPE_RE.search(comparator)  # "a waitlist in 223 adults"
        comparator = comparator[: scope.start()] if scope else comparator
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
        if g.kind == "association" and (g.exposure or "").lower() in _PRONOUNS:
            # "It also predicted dropout": the exposure of the association before, or none
            before = out[-1] if out and out[-1].kind == "association" and out[-1].exposure else None
            g = evolve(g, exposure=before.exposure if before else None, kind="association" if before else None,
                       matched=g.matched + (("exposure", "the previous finding's" if before else "a pronoun"),))
        if study and g.kind in {None, "comparison"} and g.intervention is None and g.exposure is None:
            g = _from_study(g, study, rules)
        if out and out[-1].kind is not None and g.intervention is None and g.exposure is None and g.kind is None \
                and not find_entries(g.clause, rules.finding_interventions) \
                and not find_entries(g.clause, rules.comparators) and _continues(g, out[-1]):
            g = _continue(g, out[-1], rules)
        elif out and g.kind == "comparison" and not g.intervention_ids and g.comparator_id and out[-1].kind == "comparison" \
                and out[-1].sentence == g.sentence and out[-1].intervention_ids and out[-1].comparator_id \
                and out[-1].comparator_id != g.comparator_id and not find_entries(g.clause, rules.finding_interventions):
            # "CBT had a large effect compared with no treatment (g = ...) but a small one compared with
            # placebo (g = ...)": the same intervention against the comparator the clause names
            g = evolve(g, intervention=out[-1].intervention, intervention_ids=out[-1].intervention_ids,
                       matched=g.matched + (("intervention", "the previous finding of the sentence"),))
        out.append(g)
    if "respectively" in summary:
        out = _respectively(out, rules)
    return out


def _respectively(findings: list[Finding], rules) -> list[Finding]:
    """'CBT and IPT outperformed usual care (g = 0.50 and g = 0.40, respectively)': the statistics of
    one sentence take the named treatments (or comparators) in order; when the counts do not match,
    no finding of the sentence keeps a list that belongs to all of them."""
    out = list(findings)
    i = 0
    while i < len(out):
        j = i
        while j < len(out) and out[j].sentence == out[i].sentence:
            j += 1
        group = out[i:j]
        if len(group) > 1 and "respectively" in group[0].sentence:
            sentence = group[0].sentence.lower()
            ids = [tuple(g.intervention_ids) for g in group]
            if len(ids[0]) > 1 and all(x == ids[0] for x in ids):
                names = group[0].intervention.split(", ")
                # every treatment the clause names ("CBT, IPT and DBT": more than the words after a comma)
                spread = len(names) == len(ids[0]) == len(group) == len(
                    _outermost(find_entries(group[0].clause, rules.finding_interventions), group[0].clause, rules))
                order = sorted(zip((sentence.find(n.lower()) for n in names), names, ids[0]))
                for k, g in enumerate(group):
                    one = dict(intervention=order[k][1], intervention_ids=(order[k][2],)) if spread \
                        else dict(intervention=None, intervention_ids=())
                    out[i + k] = evolve(g, matched=g.matched + (("intervention", "respectively"),), **one)
            comparators = find_entries(group[0].comparator or "", rules.comparators)
            if len(comparators) > 1 and all(g.comparator == group[0].comparator for g in group):
                text = (group[0].comparator or "").lower()
                placed = sorted((min(text.find(t) for t in m.terms), m.key, m.terms[0]) for m in comparators)
                spread = len(placed) == len(group)
                for k, g in enumerate(out[i:j]):
                    one = dict(comparator=placed[k][2], comparator_id=placed[k][1]) if spread \
                        else dict(comparator=None, comparator_id=None)
                    out[i + k] = evolve(g, matched=g.matched + (("comparator", "respectively"),), **one)
        i = j
    return out


def _one(f: Finding, *, summary: str, implications: str, rules, conditions: tuple[str, ...],
         prior: frozenset) -> Finding:
    clause = _without_lead(f.clause)
    body = _strip_stat_tail(clause).strip()
    low = clause.lower()
    matched: list[tuple[str, str]] = []
    fields: dict = {}

    within = _WITHIN_RE.search(clause) if ("pre" in low or "baseline" in low or "within" in low or "before" in low) \
        else None
    if within is not None and _DESIGN_AFTER_RE.match(clause, within.end()):
        within = None  # "across 40 pre-post studies": a kind of study, not a change within one group
    if within is None and has_any(low, _BASELINE_WORDS):
        within = _BASELINE_RE.search(clause)
    assoc = relation_cue(body)
    cue = comparison_cue(body, rules)
    adding = _ADDING_RE.search(body) if "add" in low else None
    # a cue followed by a comparator of the scheme ("than usual care") makes a comparison even in
    # words of change from baseline or of association ("associated with larger gains than waitlist")
    following = (comparator_text(body[cue.end():]) or "") if cue is not None and (within or assoc) else ""
    strong = bool(following) and bool(find_entries(following, rules.comparators)
                                       or f.measure not in _ASSOCIATION_MEASURES
                                       and find_entries(following, rules.finding_interventions))
    if within and not strong and not (assoc and f.measure in _ASSOCIATION_MEASURES):
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
        relation = relation_sides(body)
        # "the effect of psychotherapy on depression (g = ...)": a treatment's effect, not an association
        # (but "homework compliance in CBT" is a process variable)
        treated = find_entries(relation[0], rules.finding_interventions) \
            if relation and f.measure not in _ASSOCIATION_MEASURES and not _OF_SOMETHING_RE.search(relation[0]) else ()
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
            named = find_entries(after_boundary(before) or before, rules.finding_interventions)
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
                found = rightmost(other, rules.comparators)
                if found:
                    fields["comparator_id"] = found[0]
                    matched.append(("comparator", found[1]))
                named = named[:1]
            elif not cue and len(named) == 1 and (pair := _AND_OTHER_RE.search(before)):
                # "no differences between CBT and waitlist": a comparator of the scheme after "and"
                other = comparator_text(pair.group("y")) or ""
                found = rightmost(other, rules.comparators)
                if found and not find_entries(other, rules.finding_interventions):
                    fields["comparator"], fields["comparator_id"] = other, found[0]
                    matched.append(("comparator", found[1]))
            if cue:
                fields["kind"] = "comparison"
                matched.append(("kind", cue.group(0).strip()))
                comparator = comparator_text(body[cue.end():])
                found = rightmost(comparator, rules.comparators) if comparator else None
                if comparator and not found and (not named or all(
                        rules.finding_interventions.by_key[m.key].finding_only for m in named)
                        and rightmost(after_boundary(body[: cue.start()]), rules.comparators)):
                    # "Patients in usual care relapsed more than those who received CBT": the treatment
                    # named after the cue is the intervention when a comparator is named before it (and
                    # "individual psychotherapy" before the cue is that comparator, not psychotherapy)
                    subject = after_boundary(body[: cue.start()])
                    other = rightmost(subject, rules.comparators)
                    treated = find_entries(comparator, rules.finding_interventions)
                    if other and treated:
                        named, before = _outermost(list(treated), comparator, rules), comparator
                        comparator, found = other[1], other
                        matched.append(("intervention", "named after the cue; the comparator before it"))
                elif comparator and not named and found \
                        and (other := rightmost(after_boundary(body[: cue.start()]), rules.comparators)) \
                        and other[0] != found[0]:
                    # "Waitlist controls did worse than active treatment": arms of the comparator scheme on both
                    # sides of the cue; which one the effect is measured against is not said
                    comparator, found = None, None
                    matched.append(("comparator", "comparators named on both sides of the cue"))
                elif comparator and named and not found \
                        and {m.key for m in find_entries(comparator, rules.finding_interventions)} == {m.key for m in named}:
                    # "Usual care was less effective than CBT, with an advantage for CBT": the words after the
                    # cue are the intervention itself (named again after the comma), not what it was compared
                    # with; the comparator is the one named before the cue, if any
                    other = rightmost(after_boundary(body[: cue.start()]), rules.comparators)
                    comparator, found = (other[1], other) if other else (None, None)
                    matched.append(("comparator", "the words after the cue name the intervention"))
                if comparator and found and "," in body[cue.end():] \
                        and (listed := comparator_list(body[cue.end():], rules)):
                    # "than no treatment, waitlist, and pill placebo": a mix of comparators, none of them
                    comparator, found = listed, None
                    matched.append(("comparator", "a list of comparators"))
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
            if fields.get("comparator_id") == "same-treatment-alone":
                alone = {m.key for m in find_entries(fields["comparator"], rules.finding_interventions)}
                if alone and not alone & set(fields["intervention_ids"]) and not (cue and alone & {
                        m.key for m in find_entries(body[: cue.start()], rules.finding_interventions)}):
                    # "CBT was less effective than medication alone": another treatment on its own, not the
                    # intervention without an add-on ("adding CBT to fluoxetine ... compared to fluoxetine alone"
                    # names it before the cue: the add-on's base on its own)
                    other = [m.key for m in find_entries(fields["comparator"], rules.comparators)
                             if m.key != "same-treatment-alone"]
                    fields["comparator_id"] = other[0] if len(other) == 1 else None
                    matched.append(("comparator", "alone names another treatment than the intervention"))

    if fields.get("kind") == "comparison" and f.measure in _ASSOCIATION_MEASURES \
            and (moderator := _MODERATOR_RE.search(body)):
        # "those with higher severity benefited more from CBT than from supportive therapy (B = .35)":
        # the coefficient says for whom the difference is larger, not how large it is
        for key in ("kind", "intervention", "intervention_ids", "comparator", "comparator_id"):
            fields.pop(key, None)
        matched.append(("moderator, not a comparison", moderator.group(0)))
    population(body, fields, matched)
    fields["conditions"] = conditions
    timepoint(clause, fields, matched)
    adjusted(f, clause, summary, fields, matched)
    favours(f, body, implications, fields, matched)
    return evolve(f, matched=tuple(f.matched) + tuple(matched), **fields)


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
    spans = {m.key: [sp for t in m.terms for sp in word_spans(t, lowered)] for m in named}

    def inside(a, b):
        return b[0] <= a[0] and a[1] <= b[1] and a != b

    return [m for m in named if m.key not in generic or not spans[m.key] or not all(
        any(inside(a, b) for n in named if n.key != m.key for b in spans[n.key]) for a in spans[m.key])]


def _in_order(named: list, text: str) -> list:
    """The named entries in the order the text first names them."""
    lowered = text.lower()

    def first(m):
        return min((sp[0] for t in m.terms for sp in word_spans(t, lowered)), default=len(lowered))

    return sorted(named, key=first)


def _from_study(f: Finding, study: dict, rules) -> Finding:
    """A finding that names the study's intervention (or 'both formats') and no comparison of its
    own takes the comparison the post says the study made."""
    named = {m.key for m in find_entries(f.clause, rules.finding_interventions)}
    if not (named & set(study["intervention_ids"]) and _COMPARATIVE_RE.search(f.clause) or _BOTH_RE.search(f.clause)):
        return f  # "CBT clients improved substantially" is a change within one arm, not the comparison
    if "than" in f.clause.lower() and _THAN_PEOPLE_RE.search(f.clause):
        return f  # "CBT was more effective for women than for men": people compared within an arm
    if f.intervention_ids and not set(f.intervention_ids) <= set(study["intervention_ids"]):
        return f
    fields = {k: v for k, v in study.items() if k != "matched"}
    return evolve(f, kind="comparison", matched=f.matched + (("study comparison", study["matched"]),), **fields)


_PRONOUNS = frozenset({"it", "they", "this", "these", "that", "those", "which", "both"})
_THAN_PEOPLE_RE = Caseless(r"\bthan\s+(?:(?:for|in|among|with)\s+)?(?:the\s+)?" + _PEOPLE_RE.pattern)
_ANAPHORA_RE = Caseless(
    r"\b(?:this|that|the|these|those|such|both)\s+(?:\w+\s+){0,2}?(?:associations?|correlations?|relationships?|"
    r"relations?|links?|effects?|estimates?|coefficients?)\b|\b(?:it|they|remained|held|persisted|maintained|"
    r"stayed|adjust\w*|correct\w*|controll\w*)\b|\bfollow[\s\-]?ups?\b")


_OWN_OUTCOME_RE = Caseless(
    r"\b(?:effects?|impacts?|improvements?|reductions?|changes?|gains?|differences?|benefits?)\s+(?:\w+\s+)?(?:on|in)\s+"
    r"(?!(?:the\s+)?(?:same|this|that|these|those|both)\b)\w|\bin\s+terms\s+of\b")


_GROUP_RE = Caseless(r"\b(?:adults|children|adolescents|youths?|veterans|women|men|students|couples|families|"
                     r"inpatients|outpatients|girls|boys|elderly)\b")


def _continues(f: Finding, previous: Finding) -> bool:
    """Whether a finding that names neither intervention nor exposure is the previous one again.
    Not when its clause states a relation of its own ("and so did lower education" aside), when a
    correlation would continue a comparison ("expectations also mattered (r = .19)"), or when an
    association would continue without words pointing back at it ("the association", "it",
    "remained", "at follow-up")."""
    clause = _without_lead(f.clause)
    if relation_cue(clause):
        return False
    if previous.kind == "association":
        return bool(_ANAPHORA_RE.search(clause))
    return f.measure not in _ASSOCIATION_MEASURES


def _continue(f: Finding, previous: Finding, rules) -> Finding:
    """A finding that names neither intervention nor exposure continues the one before it."""
    keep = {name: getattr(previous, name) for name in (
        "kind", "intervention", "intervention_ids", "comparator", "comparator_id", "exposure")}
    if f.population is None and not _GROUP_RE.search(f.clause):
        # "Effects were larger for adolescents" keeps its own; "(d = 0.60) than for children (d = 0.30)"
        # names another group, which is not the previous finding's
        keep["population"] = previous.population
    if f.outcome is None and not _OWN_OUTCOME_RE.search(f.clause):  # "and small effects on depression"
        keep.update(outcome=previous.outcome, outcome_id=previous.outcome_id)
    elif f.outcome_id and previous.kind == "association" and previous.exposure and f.outcome_id != previous.outcome_id \
            and (named := outcome_in(previous.exposure, rules.outcomes)) and named.key == f.outcome_id:
        # "Early alliance was associated with outcome (r = .19). The association was stronger for parent-rated
        # alliance (r = .25)": the words name the exposure again, not what it is related to
        keep.update(outcome=previous.outcome, outcome_id=previous.outcome_id)
    return evolve(f, matched=f.matched + (("continues", "the previous finding of the post"),), **keep)


def _as_written(term: str, text: str) -> str:
    """A matched phrase (lower case) in the case the text writes it."""
    m = _written_re(term).search(text)
    return m.group(0) if m else term


@lru_cache(maxsize=1024)
def _written_re(term: str):
    """The phrase's case-insensitive whole-word regex, compiled once per phrase (the lexicon's
    phrases recur in every post). An ASCII phrase in lower case is a Caseless pattern: the same
    matches as re.IGNORECASE (caseless.py), with a guard for its first letter instead of trying
    the lookbehind at every character."""
    pattern = r"(?<!\w)" + re.escape(term).replace(r"\ ", r"[\s\-]+") + r"(?!\w)"
    if term.isascii() and not any(c.isupper() for c in term):
        return Caseless(pattern)
    return re.compile(pattern, re.IGNORECASE)


_AND_OTHER_RE = Caseless(r"\b(?:between|for|of|in)\s+[^,;()]+?\s+and\s+(?:the\s+|those\s+in\s+(?:the\s+)?)?"
                         r"(?P<y>[^,;()]+)")
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
