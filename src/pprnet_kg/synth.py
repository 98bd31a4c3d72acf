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
_OUTCOMES = ["symptoms", "quality of life", "working alliance", "dropout", "relapse", "functioning"]
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
    doi: str
    design: str
    k: int | None
    n: int
    condition: str  # lexicon key
    intervention: str  # lexicon key
    stats: list[Stat] = field(default_factory=list)
    stat_texts: list[str] = field(default_factory=list)

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


def _stat(rng: random.Random, form: int) -> tuple[Stat, str]:
    """A statistic and its text in one of the blog's formats."""
    ratio = form in (4, 5)
    if ratio:
        value = Decimal(rng.randint(50, 300)) / 100
        lo = (value - Decimal(rng.randint(5, 40)) / 100).max(Decimal("0.05"))
        hi = value + Decimal(rng.randint(5, 60)) / 100
    else:
        value = Decimal(rng.randint(-60, 80)) / 100
        lo = value - Decimal(rng.randint(5, 40)) / 100
        hi = value + Decimal(rng.randint(5, 40)) / 100
    minus = rng.choice(["-", "\u2212"])

    def n(x, lz=True):
        return _num(x, leading_zero=lz, minus=minus)

    p = Decimal(rng.choice(["0.001", "0.01", "0.03", "0.12", "0.40"]))
    if form == 0:
        return Stat("SMD", value, lo, hi), f"(SMD = {n(value)}; 95% CI: {n(lo)}, {n(hi)})"
    if form == 1:
        v, lo, hi = (x.copy_abs() / 2 for x in (value, lo, hi))  # a correlation between 0 and 1
        lo, hi = min(lo, v), max(hi, v)
        v, lo, hi = (x.quantize(Decimal("0.01")) for x in (v, lo, hi))
        return Stat("r", v, lo, hi), f"r = {n(v, False)} (95% CI: {n(lo, False)}, {n(hi, False)})"
    if form == 2:
        return (Stat("B", value, lo, hi, "<", Decimal("0.001")),
                f"(B adjusted = {n(value, False)} (95% CI [{n(lo, False)}, {n(hi, False)}]; p < .001))")
    if form == 3:
        return Stat("g", value, lo, hi), f"Hedges' g = {n(value)}, 95% CI {n(lo)} to {n(hi)}"
    if form == 4:
        return Stat("OR", value, lo, hi), f"OR = {n(value)}, 95% CI: {n(lo)}\u2013{n(hi)}"
    if form == 5:
        return Stat("RR", value, lo, hi), f"risk ratio {n(value)}; 95% CI {n(lo)} to {n(hi)}"
    if form == 6:
        return Stat("d", value, lo, hi), f"d = {n(value)} [{n(lo)}, {n(hi)}]"
    return (Stat("beta", value, None, None, "=", p),
            f"\u03b2 = {n(value, False)}, p = {str(p)[1:]}")


def _groups(rng: random.Random, count: int) -> list[list[tuple[str, str]]]:
    return [[_name(rng) for _ in range(rng.randint(3, 7))] for _ in range(count)]


def generate(posts: int, rules: Rules, *, seed: int = 7) -> list[SynthPost]:
    """`posts` synthetic posts, the same for the same seed."""
    rng = random.Random(seed)
    groups = _groups(rng, max(3, posts // 8))
    journals = [f"Synthetic {a} {b} Review" for a in _JOURNAL_WORDS for b in _JOURNAL_WORDS if a != b]
    conditions = [e.key for e in rules.disorders if e.terms]
    interventions = [e.key for e in rules.interventions if e.terms]
    out = []
    for i in range(posts):
        group = groups[min(int(rng.paretovariate(1.2)) - 1, len(groups) - 1) if rng.random() < 0.5
                       else rng.randrange(len(groups))]
        authors = rng.sample(group, rng.randint(2, min(5, len(group))))
        design = _DESIGNS[rng.randrange(len(_DESIGNS))]
        k = rng.randint(3, 120) if "{k}" in design[2] else None
        n = rng.randint(40, 20000)
        drawn = [_stat(random.Random(f"{seed}-{i}-{f}"), f) for f in rng.sample(range(8), rng.randint(1, 3))]
        year = 2000 + (i * 7 + seed) % 25
        month = f"{2013 + (posts - 1 - i) // 24 % 12}-{12 - i % 12:02d}"
        out.append(SynthPost(
            month=month,
            title=f"Synthetic Post {i + 1}: {rng.choice(_OUTCOMES).title()} and Therapy",
            authors=authors,
            year=year,
            article_title=f"A synthetic study number {i + 1} of psychotherapy outcomes",
            journal=journals[min(int(rng.paretovariate(1.5)) - 1, len(journals) - 1)],
            volume=rng.randint(1, 90),
            issue=rng.randint(1, 12),
            pages=f"{(p0 := rng.randint(1, 900))}-{p0 + rng.randint(5, 30)}",
            doi=f"10.5555/synth.{seed}.{i + 1:07d}",
            design=design[0],
            k=k,
            n=n,
            condition=rng.choice(conditions),
            intervention=rng.choice(interventions),
            stats=[stat for stat, _ in drawn],
            stat_texts=[text for _, text in drawn],
        ))
    return out


def _citation(post: SynthPost) -> str:
    names = [f"{family}, {given}" for family, given in post.authors]
    authors = ", ".join(names[:-1]) + (", & " if len(names) > 1 else "") + names[-1]
    return (f"{authors} ({post.year}). {post.article_title}. {post.journal}, {post.volume}({post.issue}), "
            f"{post.pages}. https://doi.org/{post.doi}")


def _phrase(rules: Rules, kind: str, key: str) -> str:
    entries = rules.disorders if kind == "disorder" else rules.interventions
    entry = next(e for e in entries if e.key == key)
    return entry.terms[0].phrase


def post_text(post: SynthPost, rules: Rules, *, seed: int = 7) -> list[str]:
    """The lines of one post in the blog's layout."""
    rng = random.Random(f"{seed}-{post.doi}")
    _, design_phrase, method = next(d for d in _DESIGNS if d[0] == post.design)
    lead = post.authors[0][0]
    method = method.format(k=post.k, n=f"{post.n:,}")
    sentences = [
        "This synthetic summary was generated for testing and describes no real study.",
        f"In this {design_phrase}, {lead} and colleagues {method}, all with {_phrase(rules, 'disorder', post.condition)}.",
        f"They examined {_phrase(rules, 'intervention', post.intervention)} against usual care.",
    ]
    for text in post.stat_texts:
        sentences.append(f"For {rng.choice(_OUTCOMES)}, the result was {text}.")
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
            lines += post_text(post, rules, seed=seed)
        path = directory / f"synth-{page_no // POSTS_PER_PAGE + 1:06d}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def write_synthetic(posts: int, output: str | Path, *, seed: int) -> list[Path]:
    """Generate a corpus and write its pages and ground truth into a folder."""
    from .errors import ConfigError
    from .extract import load_rules

    rules = load_rules()
    try:
        return write_corpus(generate(posts, rules, seed=seed), rules, Path(output), seed=seed)
    except OSError as exc:
        raise ConfigError(f"{output}: cannot write the corpus: {exc.strerror or exc}") from None
