"""Extraction: a RawPost -> a Post with citation, study facts, entities, topics, findings.

Pure functions over the records from parse.py and the rules from data/. Problems are
collected on the post; nothing here raises on page content.
"""

from __future__ import annotations

from ..errors import CitationError
from ..model import Post, Problem, RawPost
from .citation import parse_citation
from .entities import assign_topics, find_entries, note_words
from .findings import extract_findings
from .pico import annotate
from .rules import Rules, load_rules
from .sentences import split_sentences
from .study import study_facts

__all__ = ["extract_post", "load_rules", "Rules"]


def extract_post(raw: RawPost, rules: Rules) -> Post:
    problems: list[Problem] = []
    citation = None
    truncated = False
    in_order = None
    if raw.citation is not None:
        try:
            result = parse_citation(raw.citation.text)
        except CitationError as exc:
            problems.append(Problem(raw.source, raw.citation.line, "citation", str(exc), raw.id))
        else:
            citation = result.item
            truncated = result.authors_truncated
            in_order = result.authors_in_order
            problems.extend(
                Problem(raw.source, raw.citation.line, "citation", w, raw.id) for w in result.warnings
            )
    cited_title = str(citation.get("title", "")) if citation else ""
    summary = raw.summary_text
    body = f"{summary} {raw.implications_text}"
    # the texts below are made of the summary's sentences: their words are found once
    for line in raw.summary:
        note_words(line.text, split_sentences(line.text))
    note_words(summary, [line.text for line in raw.summary], " ")
    note_words(body, (summary, raw.implications_text), " ")
    study = study_facts(cited_title, f"{raw.title}. {summary}", summary, rules.designs,
                        citation.get("type") if citation else None)
    findings, finding_problems = extract_findings(
        raw.summary, source=raw.source, post_id=raw.id, outcomes=rules.outcomes, study_k=study.k_studies
    )
    problems.extend(finding_problems)
    about = f"{raw.title}. {cited_title}. {summary}"
    note_words(about, (raw.title, cited_title, summary), ". ")
    # the article's own title names what it studied; the summary also names outcomes and comorbidities
    # ("CBT for depression ... effects on anxiety (g = ...)"), so it is read only when the title names none
    conditions = (find_entries(cited_title, rules.disorders) if cited_title else ()) or find_entries(about, rules.disorders)
    findings = annotate(findings, summary=summary, implications=raw.implications_text, rules=rules,
                        post_conditions=tuple(m.key for m in conditions))
    return Post(
        raw=raw,
        citation=citation,
        authors_truncated=truncated,
        study=study,
        conditions=conditions,
        interventions=find_entries(about, rules.interventions),
        topics=assign_topics(f"{raw.title}. {cited_title}", body, rules.topics, min_hits=rules.topic_min_hits),
        findings=tuple(findings),
        problems=tuple(problems),
        authors_in_order=in_order,
    )
