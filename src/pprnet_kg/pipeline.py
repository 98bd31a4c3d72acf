"""The whole job: sources -> parse -> extract -> triples, with a BuildReport of counts and problems.

`build()` is the entry point for notebooks and the CLI alike; it never sees a store (the KG
handle in kg.py loads what it made). Counts balance: every post
found is either in the graph or reported, and every statistic matched is either a finding
or a reported problem.

A snapshot cache made by `pprnet-kg fetch` is a source like a folder: its pages are read
offline, a post the blog shows on many pages (listing pages, filters) is one post (by month
and title), and the filters it was listed under become the blog's own topics and types.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from rdflib import Graph

from .extract import Rules, extract_post, load_rules
from .graph import build_graph
from .iris import repeated_post_id
from .model import Page, Post, Problem, evolve
from .namespaces import DEFAULT_BASE, bind_prefixes
from .parse import parse_page
from .perf import no_cyclic_gc
from .progress import QUIET, Progress
from .resources import sample_dir
from .sources import is_furniture, is_snapshot_cache, post_key, read_cache, read_pages
from .textnorm import slugify


@dataclass(frozen=True)
class Extraction:
    topics: tuple[str, ...]
    posts: tuple[Post, ...]
    problems: tuple[Problem, ...]  # page-level problems; post problems live on the posts
    sources: tuple[str, ...]
    blog_topics: tuple[str, ...] = ()  # labels of the blog's topic filters read from a snapshot cache

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


def extract_pages(pages: list[Page], rules: Rules | None = None, *, cached: dict | None = None,
                  jobs: int = 1, progress: Progress = QUIET) -> Extraction:
    """Posts of pages; `cached` (source -> CachedPage) marks pages read from a snapshot cache.
    With `jobs` > 1 the posts are extracted in that many processes; the result is the same, in the
    same order (pages are parsed and ids made unique first, in one process)."""
    rules = rules or load_rules()
    with no_cyclic_gc():
        return _extract_pages(pages, rules, cached or {}, jobs, progress)


_WORKER_RULES: Rules | None = None  # what a forked extraction worker inherits (nothing is sent to it
_WORKER_RAWS: list = []  # but a range of indices into these)


def _extract_range(span: tuple[int, int]) -> list[Post]:
    """The posts of raws[start:stop], each without its raw post (the parent has it: sending it back
    would double the cost of the answer)."""
    return [evolve(extract_post(raw, _WORKER_RULES), raw=None) for raw in _WORKER_RAWS[span[0]: span[1]]]


def _extract_all(raws: list, rules: Rules, jobs: int, progress: Progress = QUIET) -> list[Post]:
    """extract_post for every raw post, in order; in `jobs` forked processes when it pays."""
    global _WORKER_RULES, _WORKER_RAWS
    import multiprocessing
    import os

    out: list[Post] = []
    with progress("extracting", len(raws)) as bar:
        if jobs <= 1 or len(raws) < 200 or not hasattr(os, "fork"):
            for raw in raws:
                out.append(extract_post(raw, rules))
                bar.update(1)
            return out
        _WORKER_RULES, _WORKER_RAWS = rules, raws
        size = max(16, min(256, len(raws) // (jobs * 8)))
        spans = [(i, min(i + size, len(raws))) for i in range(0, len(raws), size)]
        try:
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                for (start, stop), posts in zip(spans, pool.imap(_extract_range, spans)):
                    out += [evolve(post, raw=raw) for post, raw in zip(posts, raws[start:stop], strict=True)]
                    bar.update(len(posts))
        finally:
            _WORKER_RULES, _WORKER_RAWS = None, []
    return out


def _extract_pages(pages: list[Page], rules: Rules, cached: dict, jobs: int = 1,
                   progress: Progress = QUIET) -> Extraction:
    topics: list[str] = []
    posts: list[Post] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    shown: set[tuple[str, str]] = set()  # posts of cached pages already taken (month, title)
    filed: dict[tuple[str, str], dict[str, dict[str, str]]] = {}  # post -> facet -> label -> filter URL
    used: list[str] = []
    kept = []  # (parsed page, its page-level problems), in page order
    for page in pages:
        parsed = parse_page(page)
        if page.source in cached:
            had_posts = bool(parsed.posts)
            parsed = _first_showing(parsed, cached[page.source], shown, filed)
            if had_posts and not parsed.posts:
                continue  # every post of this page was read from an earlier page
        used.append(page.source)
        parsed = _unique_ids(parsed, seen)
        topics += [t for t in parsed.topics if t not in topics]
        page_problems = list(parsed.problems)
        if not parsed.posts:
            page_problems.append(Problem(page.source, 1, "parse", "no posts found on this page (a post is a month "
                                         "header, a title, a summary and its practice implications)"))
        kept.append((parsed, page_problems))
    extracted = iter(_extract_all([raw for parsed, _ in kept for raw in parsed.posts], rules, jobs, progress))
    for parsed, page_problems in kept:
        for raw in parsed.posts:
            own = [p for p in page_problems if p.post_id == raw.id]
            post = next(extracted)
            posts.append(Post(**{**post.__dict__, "problems": tuple(own) + post.problems}))
        problems += [p for p in page_problems if p.post_id is None or p.post_id not in {q.id for q in parsed.posts}]
    if filed:
        posts = [_with_filing(post, filed.get(post_key(post.raw.month, post.raw.title), {})) for post in posts]
    blog_topics = tuple(dict.fromkeys(c.label for c in cached.values() if c.facet == "topic"))
    return Extraction(tuple(topics), tuple(posts), tuple(problems), tuple(used), blog_topics)


def _first_showing(parsed, page, shown: set, filed: dict):
    """The posts of a cached page not already read from an earlier page (the same post is on many
    listing and filter pages); what a filter page lists is recorded as the blog's filing."""
    keep, dropped = [], set()
    for raw in parsed.posts:
        key = post_key(raw.month, raw.title)
        if is_furniture(raw):
            dropped.add(raw.id)
            continue
        if page.role == "filter":
            filed.setdefault(key, {}).setdefault(page.facet, {}).setdefault(page.label, page.filter_url)
        if key in shown:
            dropped.add(raw.id)
        else:
            shown.add(key)
            keep.append(raw)
    problems = tuple(p for p in parsed.problems if p.post_id not in dropped)
    return replace(parsed, posts=tuple(keep), problems=problems)


def _with_filing(post: Post, filing: dict[str, dict[str, str]]) -> Post:
    return replace(post, blog_topics=tuple(sorted(filing.get("topic", {}).items())),
                   blog_types=tuple(sorted(filing.get("research type", {}).items())))


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


def read_sources(paths: list[str | Path]) -> tuple[list[Page], dict]:
    """Pages of files, folders and snapshot caches, in the order given; and for the pages read
    from a cache, source -> CachedPage (where the blog showed them)."""
    pages: list[Page] = []
    cached: dict = {}
    files: list[str | Path] = []
    for path in [*paths, None]:
        if path is not None and not is_snapshot_cache(path):
            files.append(path)
            continue
        if files:
            pages += read_pages(files)
            files = []
        if path is not None:
            for item in read_cache(path):
                pages.append(item.page)
                cached[item.page.source] = item
    return pages, cached


def extract_sources(sources: list[str | Path] | None = None, rules: Rules | None = None, *,
                    jobs: int = 1, progress: Progress = QUIET) -> tuple[list[Page], Extraction]:
    """Read and extract pages, folders or snapshot caches (the bundled sample when none are given)."""
    pages, cached = read_sources(list(sources) if sources else default_sources())
    return pages, extract_pages(pages, rules or load_rules(), cached=cached, jobs=jobs, progress=progress)


def build(sources: list[str | Path] | None = None, *, base: str = DEFAULT_BASE,
          rules: Rules | None = None, jobs: int = 1, progress: Progress = QUIET) -> BuildResult:
    """Read pages (the bundled sample when none are given), extract (in `jobs` processes), and
    make the graph's triples; the output does not depend on `jobs`."""
    rules = rules or load_rules()
    pages, extraction = extract_sources(sources, rules, jobs=jobs, progress=progress)
    snapshots = {p.source: p for p in pages if p.sha256}
    built = build_graph(list(extraction.posts), list(extraction.topics), list(extraction.sources), rules,
                        base=base, snapshots=snapshots, progress=progress)
    ntriples = built.ntriples
    problems = extraction.all_problems
    report = BuildReport(
        pages=len(pages),
        posts=len(extraction.posts),
        **built.counts,
        statistics_rejected=sum(1 for p in problems if p.stage == "findings"),
        triples=ntriples.count("\n"),
        problems=tuple(problems),
    )
    return BuildResult(ntriples, extraction, report, base)


@dataclass(frozen=True)
class TopicScore:
    """The rule-based topic assignments of one topic against the blog's own filing."""

    topic: str
    blog: int  # posts the blog files under the topic
    rules: int  # posts the rules gave the topic
    both: int

    @property
    def precision(self) -> float | None:
        return self.both / self.rules if self.rules else None

    @property
    def recall(self) -> float | None:
        return self.both / self.blog if self.blog else None


def evaluate_topics(extraction: Extraction) -> list[TopicScore]:
    """Per blog topic (every topic filter read from the cache): how many posts the blog files under
    it, how many the rules assign it, and how many both; then a last row summing them ("all topics")."""
    rows = []
    for label in extraction.blog_topics:
        slug = slugify(label)
        blog = {p.id for p in extraction.posts if any(slugify(t) == slug for t, _ in p.blog_topics)}
        ruled = {p.id for p in extraction.posts if any(slugify(m.label) == slug for m in p.topics)}
        rows.append(TopicScore(label, len(blog), len(ruled), len(blog & ruled)))
    rows.sort(key=lambda r: r.topic.casefold())
    if rows:
        rows.append(TopicScore("all topics", sum(r.blog for r in rows), sum(r.rules for r in rows),
                               sum(r.both for r in rows)))
    return rows
