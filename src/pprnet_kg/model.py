"""Records that flow through the pipeline: frozen dataclasses, no behaviour beyond (de)serialising."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Problem:
    """A data problem found while reading a page; collected, never raised."""

    source: str
    line: int
    stage: str  # parse | citation | findings | entities | topics | graph
    message: str
    post_id: str | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}"
        post = f" [{self.post_id}]" if self.post_id else ""
        return f"{where}:{post} {self.stage}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "line": self.line,
            "stage": self.stage,
            "post": self.post_id,
            "message": self.message,
        }


@dataclass(frozen=True)
class Page:
    """One input page, already reduced to block-per-line text."""

    source: str  # the file name we report in problems and provenance
    lines: tuple[str, ...]
    # a page read from the snapshot cache (pprnet-kg fetch): which response it is
    url: str = ""
    retrieved: str = ""  # when it was fetched, ISO 8601 UTC
    sha256: str = ""  # of the response body as stored


@dataclass(frozen=True)
class TextLine:
    """A line of a page with its 1-based line number."""

    line: int
    text: str


@dataclass(frozen=True)
class RawPost:
    """A post as cut out of a page, before any extraction."""

    id: str
    source: str
    line: int  # line of the title
    month: str  # YYYY-MM
    title: str
    citation: TextLine | None
    summary: tuple[TextLine, ...]
    implications: tuple[TextLine, ...]

    @property
    def summary_text(self) -> str:
        return " ".join(t.text for t in self.summary)

    @property
    def implications_text(self) -> str:
        return " ".join(t.text for t in self.implications)


@dataclass(frozen=True)
class ParsedPage:
    """The result of parsing a page: the topic scheme, the posts, and what went wrong."""

    source: str
    topics: tuple[str, ...]
    posts: tuple[RawPost, ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Finding:
    """One effect statistic reported for the summarised study."""

    measure: str  # SMD d g r OR RR HR B beta NNT
    value: Decimal
    sentence: str
    line: int
    label: str = ""  # the measure as printed, e.g. "B adjusted"
    ci_lower: Decimal | None = None
    ci_upper: Decimal | None = None
    ci_level: Decimal | None = None
    p_value: Decimal | None = None
    p_comparator: str | None = None
    k: int | None = None
    n: int | None = None
    se: Decimal | None = None
    i2: Decimal | None = None
    tau2: Decimal | None = None
    outcome: str | None = None
    caveat: str | None = None  # words in the text saying the finding did not hold
    # what the finding is evidence of (extract/pico.py); None when the text does not say
    outcome_id: str | None = None
    kind: str | None = None  # comparison | association | within-group
    intervention: str | None = None  # as written
    intervention_ids: tuple[str, ...] = ()
    comparator: str | None = None
    comparator_id: str | None = None
    exposure: str | None = None  # associations: the predictor or process variable
    population: str | None = None
    conditions: tuple[str, ...] = ()  # lexicon keys
    timepoint: str | None = None  # post-treatment | follow-up | session-level
    timepoint_months: Decimal | None = None
    adjusted: tuple[str, ...] = ()
    favours: str | None = None  # intervention | comparator, only when the text says so
    matched: tuple[tuple[str, str], ...] = ()  # (field, the words that decided it)
    clause: str = field(default="", compare=False, repr=False)  # the words before the statistic

    def to_json(self) -> dict[str, Any]:
        def num(x: Decimal | None) -> float | None:
            return None if x is None else float(x)

        return {
            "measure": self.measure,
            "label": self.label,
            "value": num(self.value),
            "ci_lower": num(self.ci_lower),
            "ci_upper": num(self.ci_upper),
            "ci_level": num(self.ci_level),
            "p_value": num(self.p_value),
            "p_comparator": self.p_comparator,
            "k": self.k,
            "n": self.n,
            "se": num(self.se),
            "i2": num(self.i2),
            "tau2": num(self.tau2),
            "outcome": self.outcome,
            "outcome_id": self.outcome_id,
            "kind": self.kind,
            "intervention": self.intervention,
            "intervention_ids": list(self.intervention_ids),
            "comparator": self.comparator,
            "comparator_id": self.comparator_id,
            "exposure": self.exposure,
            "population": self.population,
            "conditions": list(self.conditions),
            "timepoint": self.timepoint,
            "timepoint_months": num(self.timepoint_months),
            "adjusted": list(self.adjusted),
            "favours": self.favours,
            "matched": {name: words for name, words in self.matched},
            "smd_equivalent": smd_json(self),
            "caveat": self.caveat,
            "sentence": self.sentence,
            "line": self.line,
        }


@dataclass(frozen=True)
class Match:
    """A lexicon entry found in a post, with the words that matched."""

    key: str
    label: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class StudyFacts:
    design: str | None
    design_terms: tuple[str, ...]
    k_studies: int | None
    n_participants: int | None
    n_qualifier: str | None  # "over", "about", ... when the number is not exact


@dataclass(frozen=True)
class Post:
    """A post with everything extracted from it."""

    raw: RawPost
    citation: dict[str, Any] | None
    authors_truncated: bool
    study: StudyFacts
    conditions: tuple[Match, ...]
    interventions: tuple[Match, ...]
    topics: tuple[Match, ...]
    findings: tuple[Finding, ...]
    problems: tuple[Problem, ...] = field(default=())
    authors_in_order: int | None = None  # authors after an ellipsis have no known position
    # how the blog itself files the post (its filter links; only for pages fetched from the blog):
    # (label, URL of the filter's first page)
    blog_topics: tuple[tuple[str, str], ...] = ()
    blog_types: tuple[tuple[str, str], ...] = ()  # type of research

    @property
    def id(self) -> str:
        return self.raw.id

    def to_json(self) -> dict[str, Any]:
        raw = self.raw
        return {
            "id": raw.id,
            "source": raw.source,
            "line": raw.line,
            "month": raw.month,
            "title": raw.title,
            "citation": self.citation,
            "citation_raw": raw.citation.text if raw.citation else None,
            "authors_truncated": self.authors_truncated,
            "summary": raw.summary_text,
            "practice_implications": raw.implications_text,
            "design": self.study.design,
            "k_studies": self.study.k_studies,
            "n_participants": self.study.n_participants,
            "n_participants_qualifier": self.study.n_qualifier,
            "conditions": [m.label for m in self.conditions],
            "interventions": [m.label for m in self.interventions],
            "topics": [m.label for m in self.topics],
            "topic_terms": {m.label: list(m.terms) for m in self.topics},
            **({"blog_topics": [label for label, _ in self.blog_topics]} if self.blog_topics else {}),
            **({"blog_types": [label for label, _ in self.blog_types]} if self.blog_types else {}),
            "findings": [f.to_json() for f in self.findings],
            "problems": [p.to_json() for p in self.problems],
        }


def smd_json(f: "Finding") -> dict[str, Any] | None:
    from .effectsize import smd_equivalent

    eq = smd_equivalent(f)
    if eq is None:
        return None
    return {"value": float(eq.value), "ci_lower": None if eq.lower is None else float(eq.lower),
            "ci_upper": None if eq.upper is None else float(eq.upper), "method": eq.method}


_FIELD_NAMES: dict[type, frozenset[str]] = {}


def evolve(record, **changes):
    """dataclasses.replace for our frozen records, without re-running __init__ field by field
    (the finding annotator makes tens of thousands of these): a copy with `changes` applied.
    Unknown field names are an error, as with replace."""
    kind = type(record)
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = frozenset(f.name for f in fields(kind))
    if not changes.keys() <= names:
        raise TypeError(f"{kind.__name__} has no field(s) {', '.join(sorted(changes.keys() - names))}")
    copy = object.__new__(kind)
    copy.__dict__.update(record.__dict__)
    copy.__dict__.update(changes)
    return copy
