"""The whole job: sources -> parse -> extract -> triples, with a BuildReport of counts and problems.

`build()` is the entry point for notebooks and the CLI alike; it never sees a store (the KG
handle in kg.py loads what it made). Counts balance: every post
found is either in the graph or reported, and every statistic matched is either a finding
or a reported problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from rdflib import RDF, Graph
from rdflib.namespace import FOAF, SDO

from .extract import Rules, extract_post, load_rules
from .graph import build_triples, to_ntriples
from .iris import repeated_post_id
from .model import Page, Post, Problem
from .namespaces import BIBO, DEFAULT_BASE, PPR, bind_prefixes
from .parse import parse_page
from .perf import no_cyclic_gc
from .resources import sample_dir
from .sources import read_pages


@dataclass(frozen=True)
class Extraction:
    topics: tuple[str, ...]
    posts: tuple[Post, ...]
    problems: tuple[Problem, ...]  # page-level problems; post problems live on the posts
    sources: tuple[str, ...]

    @property
    def all_problems(self) -> list[Problem]:
        return list(self.problems) + [p for post in self.posts for p in post.problems]

    def to_json(self) -> dict:
        return {
            "topics": list(self.topics),
            "posts": [p.to_json() for p in self.posts],
            "problems": [p.to_json() for p in self.all_problems],
        }


@dataclass(frozen=True)
class BuildReport:
    pages: int
    posts: int
    articles: int
    authors: int
    journals: int
    topics: int
    findings: int
    statistics_rejected: int
    triples: int
    problems: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    def rows(self) -> list[tuple[str, int]]:
        return [
            ("pages", self.pages), ("posts", self.posts), ("articles", self.articles),
            ("authors", self.authors), ("journals", self.journals), ("topics", self.topics),
            ("findings", self.findings), ("statistics rejected", self.statistics_rejected),
            ("triples", self.triples), ("problems", len(self.problems)),
        ]

    def to_json(self) -> dict:
        data = {name.replace(" ", "_"): value for name, value in self.rows()}
        data["problems"] = [p.to_json() for p in self.problems]
        return data


@dataclass(frozen=True)
class BuildResult:
    ntriples: str  # canonical: sorted, one line per triple
    extraction: Extraction
    report: BuildReport
    base: str

    @cached_property
    def graph(self) -> Graph:
        """The graph as an rdflib Graph in memory (made when first asked for)."""
        return bind_prefixes(Graph(), self.base).parse(data=self.ntriples, format="nt")


def extract_pages(pages: list[Page], rules: Rules | None = None) -> Extraction:
    rules = rules or load_rules()
    with no_cyclic_gc():
        return _extract_pages(pages, rules)


def _extract_pages(pages: list[Page], rules: Rules) -> Extraction:
    topics: list[str] = []
    posts: list[Post] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for page in pages:
        parsed = parse_page(page)
        parsed = _unique_ids(parsed, seen)
        topics += [t for t in parsed.topics if t not in topics]
        page_problems = list(parsed.problems)
        if not parsed.posts:
            page_problems.append(Problem(page.source, 1, "parse", "no posts found on this page (a post is a month "
                                         "header, a title, a summary and its practice implications)"))
        for raw in parsed.posts:
            own = [p for p in page_problems if p.post_id == raw.id]
            post = extract_post(raw, rules)
            posts.append(Post(**{**post.__dict__, "problems": tuple(own) + post.problems}))
        problems += [p for p in page_problems if p.post_id is None or p.post_id not in {q.id for q in parsed.posts}]
    return Extraction(tuple(topics), tuple(posts), tuple(problems), tuple(p.source for p in pages))


def _unique_ids(parsed, seen: set[str]):
    """The same post on two pages stays two posts in the graph: later copies get a suffix and a problem."""
    posts, problems = [], list(parsed.problems)
    for raw in parsed.posts:
        pid, n = raw.id, 1
        while pid in seen:
            n += 1
            pid = repeated_post_id(raw.id, n)
        if pid != raw.id:
            problems = [replace(p, post_id=pid) if p.post_id == raw.id else p for p in problems]
            problems.append(Problem(raw.source, raw.line, "parse",
                                    f"post '{raw.id}' was already read from another page; kept as '{pid}'", pid))
            raw = replace(raw, id=pid)
        seen.add(pid)
        posts.append(raw)
    return replace(parsed, posts=tuple(posts), problems=tuple(problems))


def default_sources() -> list[Path]:
    return [sample_dir()]


def build(sources: list[str | Path] | None = None, *, base: str = DEFAULT_BASE,
          rules: Rules | None = None) -> BuildResult:
    """Read pages (the bundled sample when none are given), extract, and make the graph's triples."""
    pages = read_pages(list(sources) if sources else default_sources())
    rules = rules or load_rules()
    extraction = extract_pages(pages, rules)
    triples = build_triples(list(extraction.posts), list(extraction.topics), list(extraction.sources), rules,
                            base=base)
    ntriples = to_ntriples(triples)
    problems = extraction.all_problems
    typed: dict = {}
    for s, p, o in triples:
        if p == RDF.type:
            typed.setdefault(o, set()).add(s)
    report = BuildReport(
        pages=len(pages),
        posts=len(extraction.posts),
        articles=len({o for _, p, o in triples if p == SDO.about}),
        authors=len(typed.get(FOAF.Person, ())),
        journals=len(typed.get(BIBO.Journal, ())),
        topics=len({o for _, p, o in triples if p == PPR.topic}),
        findings=len(typed.get(PPR.Finding, ())),
        statistics_rejected=sum(1 for p in problems if p.stage == "findings"),
        triples=ntriples.count("\n"),
        problems=tuple(problems),
    )
    return BuildResult(ntriples, extraction, report, base)
