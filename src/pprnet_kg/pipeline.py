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
from typing import Iterable, Iterator

from rdflib import Graph

from .errors import GraphError
from .export import graph_sink, write_graph_file
from .extract import Rules, extract_post, load_rules
from .graph import GraphBuilder
from .iris import repeated_post_id
from .model import Page, ParsedPage, Post, Problem, evolve
from .namespaces import DEFAULT_BASE, bind_prefixes
from .parse import parse_page
from .ntsort import NTriplesFile
from .perf import no_cyclic_gc
from .progress import QUIET, Progress
from .resources import sample_dir
from .stream import stream_posts
from .sources import CachedPage, expand_sources, is_furniture, is_snapshot_cache, iter_pages, post_key, read_cache
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
    file: NTriplesFile | None  # the canonical N-Triples (sorted, one line per triple) on disk, unless not kept
    report: BuildReport
    base: str
    sources: tuple[str, ...]  # the pages whose posts are in the graph, in the order read
    extraction: Extraction | None = None  # every extracted post, when the build was asked to keep them
    written: Path | None = None  # the graph file the build wrote, if asked to

    @cached_property
    def ntriples(self) -> str:
        """The canonical N-Triples as text (read from the file when first asked for)."""
        if self.file is None:
            raise GraphError(f"the build wrote its graph to {self.written} and kept no N-Triples")
        return self.file.text()

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
    from .forked import can_fork, forked_map

    out: list[Post] = []
    with progress("extracting", len(raws)) as bar:
        if jobs <= 1 or len(raws) < 200 or not can_fork():
            for raw in raws:
                out.append(extract_post(raw, rules))
                bar.update(1)
            return out
        _WORKER_RULES, _WORKER_RAWS = rules, raws
        size = max(16, min(256, len(raws) // (jobs * 8)))
        spans = [(i, min(i + size, len(raws))) for i in range(0, len(raws), size)]
        try:
            answers = forked_map(_extract_range, spans, jobs, doing="extracting posts")
            for (start, stop), posts in zip(spans, answers):
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
    used: list[str] = []
    filed = blog_filing(pages, cached)
    kept = []  # (parsed page, its page-level problems), in page order
    for parsed, page_problems in walk_pages(pages, cached, set()):
        used.append(parsed.source)
        topics += [t for t in parsed.topics if t not in topics]
        kept.append((parsed, page_problems))
    extracted = iter(_extract_all([raw for parsed, _ in kept for raw in parsed.posts], rules, jobs, progress))
    for parsed, page_problems in kept:
        for raw in parsed.posts:
            own = [p for p in page_problems if p.post_id == raw.id]
            post = next(extracted)
            posts.append(evolve(post, problems=tuple(own) + post.problems) if own else post)
        problems += page_level(parsed, page_problems)
    if filed:
        posts = [with_filing(post, filed.get(post_key(post.raw.month, post.raw.title), {})) for post in posts]
    blog_topics = tuple(dict.fromkeys(c.label for c in cached.values() if c.facet == "topic"))
    return Extraction(tuple(topics), tuple(posts), tuple(problems), tuple(used), blog_topics)


def walk_pages(pages: Iterable[Page], cached: dict, seen) -> Iterator[tuple[ParsedPage, list[Problem]]]:
    """The pages parsed, in order, each with its problems (a page with no posts is one): a post
    already shown on an earlier page of the snapshot cache is dropped (a page left with none is
    skipped), and a post id already `seen` (a set, or anything with `in` and `add`) gets a suffix."""
    shown: set[tuple[str, str]] = set()  # posts of cached pages already taken (month, title)
    for page in pages:
        parsed = parse_page(page)
        if page.source in cached:
            had_posts = bool(parsed.posts)
            parsed = _first_showing(parsed, shown)
            if had_posts and not parsed.posts:
                continue  # every post of this page was read from an earlier page
        parsed = _unique_ids(parsed, seen)
        page_problems = list(parsed.problems)
        if not parsed.posts:
            page_problems.append(Problem(page.source, 1, "parse", "no posts found on this page (a post is a month "
                                         "header, a title, a summary and its practice implications)"))
        yield parsed, page_problems


def page_level(parsed: ParsedPage, page_problems: list[Problem]) -> list[Problem]:
    """The problems of a page that belong to none of its posts."""
    ids = {q.id for q in parsed.posts}
    return [p for p in page_problems if p.post_id is None or p.post_id not in ids]


def blog_filing(pages: Iterable[Page], cached: dict) -> dict[tuple[str, str], dict[str, dict[str, str]]]:
    """How the blog files its posts, from the filter pages of a snapshot cache (`cached`, source ->
    CachedPage) among `pages`: post (month, title) -> facet -> label -> the filter's URL (the
    first page listing it wins)."""
    filed: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
    for page in pages:
        item = cached.get(page.source)
        if item is None or item.role != "filter":
            continue
        for raw in parse_page(page).posts:
            if not is_furniture(raw):
                key = post_key(raw.month, raw.title)
                filed.setdefault(key, {}).setdefault(item.facet, {}).setdefault(item.label, item.filter_url)
    return filed


def _first_showing(parsed, shown: set):
    """The posts of a cached page not already read from an earlier page (the same post is on many
    listing and filter pages)."""
    keep, dropped = [], set()
    for raw in parsed.posts:
        key = post_key(raw.month, raw.title)
        if is_furniture(raw) or key in shown:
            dropped.add(raw.id)
        else:
            shown.add(key)
            keep.append(raw)
    problems = tuple(p for p in parsed.problems if p.post_id not in dropped)
    return replace(parsed, posts=tuple(keep), problems=problems)


def with_filing(post: Post, filing: dict[str, dict[str, str]]) -> Post:
    """The post with the blog's own filing of it (its entry in blog_filing's map)."""
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


@dataclass
class Sources:
    """Pages of files, folders and snapshot caches in the order given, read one at a time as
    `pages()` is iterated (files are listed, and caches read, when this is made)."""

    groups: list  # lists of file paths, or lists of CachedPage (a cache, read whole)
    cached: dict  # source -> CachedPage, for the pages read from a cache
    read: int = 0  # pages read so far

    @classmethod
    def of(cls, paths: list[str | Path]) -> "Sources":
        groups: list = []
        cached: dict = {}
        files: list[str | Path] = []
        for path in [*paths, None]:
            if path is not None and not is_snapshot_cache(path):
                files.append(path)
                continue
            if files:
                groups.append(expand_sources(files))
                files = []
            if path is not None:
                items = read_cache(path)
                groups.append(items)
                for item in items:
                    cached[item.page.source] = item
        return cls(groups, cached)

    @property
    def cached_pages(self) -> list[Page]:
        """The pages read from caches, in order."""
        return [item.page for group in self.groups for item in group if isinstance(item, CachedPage)]

    def pages(self) -> Iterator[Page]:
        for group in self.groups:
            if group and isinstance(group[0], CachedPage):
                found = (item.page for item in group)
            else:
                found = iter_pages(group)
            for page in found:
                self.read += 1
                yield page


def read_sources(paths: list[str | Path]) -> tuple[list[Page], dict]:
    """Pages of files, folders and snapshot caches, in the order given; and for the pages read
    from a cache, source -> CachedPage (where the blog showed them)."""
    sources = Sources.of(paths)
    return list(sources.pages()), sources.cached


def extract_sources(sources: list[str | Path] | None = None, rules: Rules | None = None, *,
                    jobs: int = 1, progress: Progress = QUIET) -> tuple[list[Page], Extraction]:
    """Read and extract pages, folders or snapshot caches (the bundled sample when none are given)."""
    pages, cached = read_sources(list(sources) if sources else default_sources())
    return pages, extract_pages(pages, rules or load_rules(), cached=cached, jobs=jobs, progress=progress)


def build(sources: list[str | Path] | None = None, *, base: str = DEFAULT_BASE,
          rules: Rules | None = None, jobs: int = 1, progress: Progress = QUIET, keep_posts: bool = True,
          chunk: int | None = None, on_run=None, graph_file: tuple[Path, str] | None = None,
          keep_file: bool = True) -> BuildResult:
    """Read pages (the bundled sample when none are given), extract their posts (in `jobs`
    processes) and make the graph's canonical N-Triples, streaming (see stream.py): only
    `chunk` posts (default stream.CHUNK) at a time per process are held, unless `keep_posts`
    asks for every extracted post in the result (`result.extraction`). The output depends on
    neither `jobs` nor `chunk`. `on_run(path)` is told of each sorted run of N-Triples as it is
    written, so that a store can load them while the build goes on.

    `graph_file` (path, format) is written as the runs are merged: N-Triples straight into it (it
    is then the result's canonical file), Turtle and TriG through pyoxigraph, with no canonical
    file on disk unless `keep_file` asks for one (a graph of a million posts is 20 GB of
    N-Triples); other formats from the canonical file once it is made."""
    rules = rules or load_rules()
    found = Sources.of(list(sources) if sources else default_sources())
    filed = blog_filing(found.cached_pages, found.cached)
    streamed = stream_posts(found.pages(), found.cached, filed, rules, base=base, jobs=jobs, chunk=chunk,
                            keep_posts=keep_posts, progress=progress, on_run=on_run)
    builder = GraphBuilder(rules, base=base, facts=streamed.facts)
    builder.dataset(streamed.sources, streamed.snapshots)
    file = written = None
    sink = None
    if graph_file is not None and (graph_file[1] == "nt" or not keep_file):
        sink = graph_sink(graph_file[0], graph_file[1], base=base)
    if sink is not None:
        with sink as out:
            triples = streamed.finish_into(out, builder, progress)
        written = Path(graph_file[0])
        file = NTriplesFile(written, triples) if graph_file[1] == "nt" else None
    else:
        file = streamed.finish(builder, progress)
        triples = file.triples
        if graph_file is not None:
            written = write_graph_file(file.path, graph_file[0], graph_file[1], base=base)
    problems = streamed.problems
    report = BuildReport(
        pages=streamed.pages,
        posts=streamed.posts,
        **streamed.facts.counts(),
        statistics_rejected=sum(1 for p in problems if p.stage == "findings"),
        triples=triples,
        problems=tuple(problems),
    )
    extraction = None
    if keep_posts:
        blog_topics = tuple(dict.fromkeys(c.label for c in found.cached.values() if c.facet == "topic"))
        extraction = Extraction(tuple(streamed.topics), tuple(streamed.posts_kept), tuple(streamed.page_problems),
                                tuple(streamed.sources), blog_topics)
    return BuildResult(file, report, base, tuple(streamed.sources), extraction, written)


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
