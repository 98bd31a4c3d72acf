"""A deterministic generator of synthetic blog-like corpora, for benchmarks and accuracy tests.

Pages are written in the blog's layout (month headers, title, APA citation, summary with
effect statistics in the blog's many formats, "Practice Implications"), so the whole
pipeline is exercised. Every post's ground truth (citation fields, statistics, counts,
entities) is returned alongside, so tests can check extraction against it. Authors come
from research groups (a few productive people each) to give realistic co-authorship;
journals and topics follow skewed popularity. All text is made up and says so; DOIs use
the 10.5555 prefix reserved for examples.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .extract.rules import Rules
from .parse import MONTHS
from .iris import post_id

POSTS_PER_PAGE = 10
_SYLLABLES = "ba be bo ka ke ki lo lu ma me mi na no ra re ri sa se so ta te to va ve vi za zo".split()
_GIVEN = "A B C D E F G H J K L M N P R S T V W".split()
_JOURNAL_WORDS = ["Clinical", "Counseling", "Psychotherapy", "Mental Health", "Behavioral", "Affective",
                  "Psychiatric", "Practice", "Outcome", "Process"]
_DESIGNS = [
    ("meta-analysis", "meta-analysis", "pooled {k} studies with {n} participants"),
    ("network meta-analysis", "network meta-analysis", "compared treatments across {k} studies with {n} participants"),
    ("randomized trial", "randomized controlled trial", "randomly assigned {n} participants"),
    ("systematic review", "systematic review", "reviewed {k} studies with {n} participants"),
    ("naturalistic / practice-based study", "naturalistic study", "followed {n} patients in routine care"),
]


@dataclass(frozen=True)
class Stat:
    measure: str
    value: Decimal
    ci_lower: Decimal | None
    ci_upper: Decimal | None
    p_comparator: str | None = None
    p_value: Decimal | None = None


@dataclass(frozen=True)
class SynthFinding:
    """The ground truth of one finding: its statistic and what it is evidence of."""

    stat: Stat
    kind: str  # comparison | association | within-group
    intervention: str | None  # lexicon key
    comparator: str | None  # comparator key
    exposure: str | None
    outcome: str  # outcome key
    timepoint: str | None
    months: int | None
    favours: str | None
    sentence: str

    def to_json(self) -> dict:
        s = self.stat
        return {"measure": s.measure, "value": str(s.value),
                "ci_lower": None if s.ci_lower is None else str(s.ci_lower),
                "ci_upper": None if s.ci_upper is None else str(s.ci_upper),
                "kind": self.kind, "intervention": self.intervention, "comparator": self.comparator,
                "exposure": self.exposure, "outcome": self.outcome, "timepoint": self.timepoint,
                "timepoint_months": self.months, "favours": self.favours, "sentence": self.sentence}


@dataclass
class SynthPost:
    month: str
    title: str
    authors: list[tuple[str, str]]
    year: int
    article_title: str
    journal: str
    volume: int
    issue: int
    pages: str
    doi: str | None  # about one in seven synthetic articles has none, as on the blog
    design: str
    k: int | None
    n: int
    condition: str  # lexicon key
    intervention: str  # lexicon key
    topic: str = ""  # the topic whose phrase the title carries
    findings: list[SynthFinding] = field(default_factory=list)

    @property
    def stats(self) -> list[Stat]:
        return [f.stat for f in self.findings]

    @property
    def id(self) -> str:
        return post_id(self.month, self.title)


def _name(rng: random.Random) -> tuple[str, str]:
    family = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    given = ". ".join(rng.sample(_GIVEN, rng.randint(1, 2))) + "."
    return family, given


def _num(x: Decimal, *, leading_zero: bool, minus: str) -> str:
    text = f"{abs(x):.2f}"
    if not leading_zero and text.startswith("0."):
        text = text[1:]
    return (minus if x < 0 else "") + text


_EXPOSURES = ["therapist empathy", "client motivation", "homework compliance", "therapist adherence",
              "session attendance", "client expectations", "therapist self-disclosure", "early rapport"]
_COMPARISON = [
    ("Relative to {c}, {i} led to better {o} {s}.", None, None, None),
    ("{I} versus {c} showed a difference in {o} {s}.", None, None, None),
    ("{I} did better than {c} on {o} {s}.", None, None, "intervention"),
    ("Compared with {c}, {i} improved {o} {s}.", None, None, None),
    ("{I} was compared to {c} for {o}, {s}.", None, None, None),
    ("At follow-up, {i} compared with {c} still changed {o} {s}.", "follow-up", None, None),
    ("{N} months after treatment ended, {i} over {c} improved {o} {s}.", "follow-up", "months", None),
    ("At the end of treatment, {i} outperformed {c} on {o} {s}.", "post-treatment", None, "intervention"),
]
_ASSOCIATION = [
    ("{E} was related to {o} {s}.", None),
    ("{E} predicted {o} {s}.", None),
    ("{E} correlated with {o} {s}.", None),
    ("The effect of {e} on {o} was {s}.", None),
    ("{E} in one session went with {o} in the following session {s}.", "session-level"),
    ("{E} at one session was followed by {o} at the next session {s}.", "session-level"),
]
_WITHIN = [("From pre to post treatment, clients who received {i} improved on {o} {s}.", "post-treatment"),
           ("Pre-post change in {o} among clients receiving {i} was {s}.", None)]
_NUMBER_WORDS = ["three", "six", "nine", "twelve", "eighteen", "twenty-four"]
_MONTHS = {"three": 3, "six": 6, "nine": 9, "twelve": 12, "eighteen": 18, "twenty-four": 24}


def _finding(rng: random.Random, rules: Rules, intervention: str, stat_seed: str) -> SynthFinding:
    """One finding sentence with its truth, in one of many phrasings."""
    from .statwords import draw

    srng = random.Random(stat_seed)
    outcome = rng.choice(list(rules.outcome_scheme))
    o = outcome.terms[0].phrase
    i_phrase = _phrase(rules, "intervention", intervention)
    roll = rng.random()
    if roll < 0.6:
        comparator = rng.choice([c for c in rules.comparators if c.key != intervention])
        c = comparator.terms[0].phrase
        if comparator.key == "same-treatment-alone":  # an add-on design: "X plus medication against X on its own"
            c = f"{i_phrase} on its own"
            i_phrase = f"{i_phrase} plus medication" if intervention != "medication" else f"{i_phrase} plus CBT"
        template, timepoint, months_kind, favours = rng.choice(_COMPARISON)
        n_word = rng.choice(_NUMBER_WORDS)
        written = draw(srng, srng.choice(["SMD", "g", "d", "OR", "RR", "HR", "NNT"]))
        text = template.format(i=i_phrase, I=i_phrase[0].upper() + i_phrase[1:], c=c, o=o, s=written.text,
                               N=n_word.capitalize())
        return SynthFinding(_as_stat(written), "comparison", intervention, comparator.key, None, outcome.key,
                            timepoint, _MONTHS[n_word] if months_kind else None, favours, text)
    if roll < 0.85:
        exposure = rng.choice(_EXPOSURES)
        template, timepoint = rng.choice(_ASSOCIATION)
        written = draw(srng, srng.choice(["r", "B", "beta"]))
        text = template.format(e=exposure, E=exposure[0].upper() + exposure[1:], o=o, s=written.text)
        if timepoint == "session-level":  # the exposure is what it is at its session
            exposure = text[: text.index(" went with" if " went with" in text else " was followed")].lower()
        return SynthFinding(_as_stat(written), "association", None, None, exposure, outcome.key, timepoint, None,
                            None, text)
    written = draw(srng, srng.choice(["d", "g", "SMD"]))
    template, timepoint = rng.choice(_WITHIN)
    text = template.format(i=i_phrase, o=o, s=written.text)
    return SynthFinding(_as_stat(written), "within-group", None, None, None, outcome.key, timepoint, None, None, text)


def _as_stat(written) -> Stat:
    return Stat(written.measure, written.value, written.ci_lower, written.ci_upper)


def _groups(rng: random.Random, count: int) -> list[list[tuple[str, str]]]:
    return [[_name(rng) for _ in range(rng.randint(3, 7))] for _ in range(count)]


def generate(posts: int, rules: Rules, *, seed: int = 7) -> list[SynthPost]:
    """`posts` synthetic posts, the same for the same seed."""
    rng = random.Random(seed)
    groups = _groups(rng, max(3, posts // 8))
    journals = [f"Synthetic {a} {b} Review" for a in _JOURNAL_WORDS for b in _JOURNAL_WORDS if a != b]
    conditions = [e.key for e in rules.disorders if e.terms]
    interventions = [e.key for e in rules.interventions if e.terms]
    # every topic of the scheme in turn, titled by one of its phrases (or its label if it has none)
    topics = [(t.label, t.terms[0].phrase if t.terms else t.label) for t in rules.topics]
    out = []
    for i in range(posts):
        group = groups[min(int(rng.paretovariate(1.2)) - 1, len(groups) - 1) if rng.random() < 0.5
                       else rng.randrange(len(groups))]
        authors = rng.sample(group, rng.randint(2, min(5, len(group))))
        design = _DESIGNS[rng.randrange(len(_DESIGNS))]
        k = rng.randint(3, 120) if "{k}" in design[2] else None
        n = rng.randint(40, 20000)
        intervention = rng.choice(interventions)
        findings = [_finding(rng, rules, intervention, f"{seed}-{i}-{f}") for f in range(rng.randint(1, 3))]
        topic = topics[i % len(topics)]
        year = 2000 + (i * 7 + seed) % 25
        month = f"{2013 + (posts - 1 - i) // 24 % 12}-{12 - i % 12:02d}"
        out.append(SynthPost(
            month=month,
            title=f"Synthetic Post {i + 1}: {topic[1]} in Practice",
            authors=authors,
            year=year,
            article_title=f"A synthetic study number {i + 1} of psychotherapy outcomes",
            journal=journals[min(int(rng.paretovariate(1.5)) - 1, len(journals) - 1)],
            volume=rng.randint(1, 90),
            issue=rng.randint(1, 12),
            pages=f"{(p0 := rng.randint(1, 900))}-{p0 + rng.randint(5, 30)}",
            doi=f"10.5555/synth.{seed}.{i + 1:07d}" if rng.random() >= 0.15 else None,
            design=design[0],
            k=k,
            n=n,
            condition=rng.choice(conditions),
            intervention=intervention,
            topic=topic[0],
            findings=findings,
        ))
    return out


def _citation(post: SynthPost) -> str:
    names = [f"{family}, {given}" for family, given in post.authors]
    authors = ", ".join(names[:-1]) + (", & " if len(names) > 1 else "") + names[-1]
    doi = f" https://doi.org/{post.doi}" if post.doi else ""
    return (f"{authors} ({post.year}). {post.article_title}. {post.journal}, {post.volume}({post.issue}), "
            f"{post.pages}.{doi}")


def _phrase(rules: Rules, kind: str, key: str) -> str:
    entries = rules.disorders if kind == "disorder" else rules.interventions
    entry = next(e for e in entries if e.key == key)
    return entry.terms[0].phrase


def post_text(post: SynthPost, rules: Rules) -> list[str]:
    """The lines of one post in the blog's layout (its wording was drawn by generate())."""
    _, design_phrase, method = next(d for d in _DESIGNS if d[0] == post.design)
    lead = post.authors[0][0]
    method = method.format(k=post.k, n=f"{post.n:,}")
    sentences = [
        "This synthetic summary was generated for testing and describes no real study.",
        f"In this {design_phrase}, {lead} and colleagues {method}, all with {_phrase(rules, 'disorder', post.condition)}.",
        f"The review looked closely at {_phrase(rules, 'intervention', post.intervention)}.",
    ]
    sentences += [f.sentence for f in post.findings]
    sentences.append("Effects varied across settings, and the authors call for replication.")
    implications = ("Clinicians may weigh these synthetic results against their own experience; "
                    "no decision should rest on generated data.")
    return [post.title, _citation(post), " ".join(sentences), "Practice Implications", implications]


def write_corpus(posts: list[SynthPost], rules: Rules, directory: Path, *, seed: int = 7) -> list[Path]:
    """Pages of POSTS_PER_PAGE posts each, with the blog's header and topic list."""
    directory.mkdir(parents=True, exist_ok=True)
    topics = [t.label for t in rules.topics]
    paths = []
    for page_no in range(0, len(posts), POSTS_PER_PAGE):
        lines = ["Blog", "A synthetic listing page generated by pprnet-kg synth for benchmarks and tests.",
                 "Topics", "- ALL Topics (clear)"] + [f"- {t}" for t in topics]
        last_month = None
        for post in posts[page_no: page_no + POSTS_PER_PAGE]:
            if post.month != last_month:
                year, month = post.month.split("-")
                lines.append(f"{MONTHS[int(month) - 1].title()} {year}")
                last_month = post.month
            lines += post_text(post, rules)
        path = directory / f"synth-{page_no // POSTS_PER_PAGE + 1:06d}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    truth = directory / "truth.jsonl"  # not a page: build reads .txt and .html only
    truth.write_text("".join(json.dumps(truth_of(p), ensure_ascii=False, sort_keys=True) + "\n" for p in posts),
                     encoding="utf-8")
    return paths


def truth_of(post: SynthPost) -> dict:
    """The ground truth of a post, as written next to the pages (truth.jsonl)."""
    return {"id": post.id, "title": post.title, "topic": post.topic, "doi": post.doi, "design": post.design,
            "k": post.k, "n": post.n, "condition": post.condition, "intervention": post.intervention,
            "findings": [f.to_json() for f in post.findings]}


def write_synthetic(posts: int, output: str | Path, *, seed: int) -> list[Path]:
    """Generate a corpus and write its pages and ground truth into a folder."""
    from .errors import ConfigError
    from .extract import load_rules

    rules = load_rules()
    try:
        return write_corpus(generate(posts, rules, seed=seed), rules, Path(output), seed=seed)
    except OSError as exc:
        raise ConfigError(f"{output}: cannot write the corpus: {exc.strerror or exc}") from None
