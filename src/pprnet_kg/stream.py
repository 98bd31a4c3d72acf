"""The build as a stream: pages -> posts -> sorted runs of N-Triples -> one canonical file.

Pages are read and parsed one at a time, in order (post ids made unique across pages). Their
posts go in chunks to `jobs` processes, each of which extracts a chunk's posts, makes their
triples and writes them, sorted, as a run on disk; it sends back only the chunk's facts
(people, topic labels, counts) and problems. The parent merges the facts in post order, makes
the triples that depend on every post (people under their fullest spelling, the schemes, the
source pages) as a last run, and merges the runs into one canonical file. Memory holds a few
chunks, the facts and the post ids, whatever the number of posts; the output does not depend
on `jobs` or on the chunk size.
"""

from __future__ import annotations

from collections import deque
from contextlib import ExitStack, closing
from itertools import chain, islice
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator

from .extract import Rules, extract_post
from .forked import can_fork, forked_map
from .graph import Facts, GraphBuilder
from .model import Page, Post, Problem, RawPost, evolve
from .ntsort import NTriplesFile, Runs, Scratch, canonical_file, write_run
from .perf import no_cyclic_gc
from .progress import QUIET, Progress

CHUNK = 2_000  # posts a process extracts and writes as one run


@dataclass
class Streamed:
    """The posts of some pages made into triples: runs on disk, and what the parent gathered."""

    runs: Runs
    scratch: Scratch  # a temporary directory: the runs and, once merged, the canonical file
    facts: Facts
    pages: int
    posts: int
    topics: list[str]  # the pages' topic lists, merged in order
    sources: list[str]  # the pages whose posts were read, in order
    snapshots: dict[str, Page]  # source -> its page without lines, for pages read from a snapshot cache
    page_problems: list[Problem]  # problems of pages that belong to none of their posts
    post_problems: list[Problem]  # each post's problems, in post order
    posts_kept: list[Post] | None  # every post, when asked to keep them

    @property
    def problems(self) -> list[Problem]:
        return self.page_problems + self.post_problems

    def finish(self, builder: GraphBuilder | None = None, progress: Progress = QUIET) -> NTriplesFile:
        """Add the lines `builder` made (dataset-level ones) as a last run, and merge every run
        into the canonical file, which lives as long as the returned object."""
        self._last_run(builder)
        with progress("sorting triples", self.runs.lines, "triple") as bar:
            return canonical_file(self.runs, self.scratch.path / "graph.nt", scratch=self.scratch, on_read=bar.update)

    def finish_into(self, out, builder: GraphBuilder | None = None, progress: Progress = QUIET) -> int:
        """finish, the canonical N-Triples going into the binary stream `out` instead of a file;
        returns how many triples."""
        self._last_run(builder)
        with progress("sorting triples", self.runs.lines, "triple") as bar:
            return self.runs.merge_into(out, bar.update)

    def _last_run(self, builder: GraphBuilder | None) -> None:
        if builder is not None and builder.lines:
            path = self.runs.new_path()
            self.runs.add(path, write_run(builder.lines, path))
            builder.lines.clear()


# What a forked process inherits (nothing is sent to it but a chunk of raw posts): rules, base,
# whether posts go back to the parent.
_CONTEXT: tuple | None = None


def _chunk(raws: list[RawPost], filings: list[dict | None], path: str) -> tuple[int, Facts, list[tuple], list[Post]]:
    """Extract a chunk's posts and write their triples as a run at `path`; returns the run's
    lines, the chunk's facts, each post's extraction problems, and the posts (without their raw
    post, which the parent has) when they are kept."""
    from .pipeline import with_filing

    rules, base, keep = _CONTEXT
    builder = GraphBuilder(rules, base=base)
    problems, kept = [], []
    for raw, filing in zip(raws, filings, strict=True):
        post = extract_post(raw, rules)
        if filing is not None:
            post = with_filing(post, filing)
        builder.post(post)
        problems.append(post.problems)
        if keep:
            kept.append(evolve(post, raw=None))
    return write_run(builder.lines, path), builder.facts, problems, kept


@dataclass
class _Task:
    raws: list[RawPost]
    own: list[tuple[Problem, ...]]  # each post's problems found while parsing
    filings: list[dict | None]  # each post's filing by the blog, when read from a snapshot cache
    path: str  # where its run goes

    def run(self):
        return _chunk(self.raws, self.filings, self.path)


def _chunk_args(args: tuple) -> tuple:
    return _chunk(*args)


def _run_chunks(tasks: Iterator[_Task], jobs: int) -> Iterator[tuple[_Task, tuple]]:
    """Each task with its answer, in task order: run in this process, or in `jobs` forked ones
    with a few chunks in flight (the parent reads ahead no further)."""
    ahead = list(islice(tasks, 2))  # one chunk only: no processes to start
    tasks = chain(ahead, tasks)  # never *tasks: that would read every page before the first chunk runs
    if jobs <= 1 or len(ahead) < 2 or not can_fork():
        for task in tasks:
            yield task, task.run()
        return
    sent: deque = deque()  # the tasks whose answers come next, in order

    def send() -> Iterator[_Task]:
        for task in tasks:
            sent.append(task)
            yield task

    chunks = ((task.raws, task.filings, task.path) for task in send())
    for answer in forked_map(_chunk_args, chunks, jobs, doing="extracting posts and making their triples"):
        yield sent.popleft(), answer


def stream_posts(pages: Iterable[Page], cached: dict, filed: dict, rules: Rules, *, base: str, jobs: int = 1,
                 seen=None, chunk: int | None = None, keep_posts: bool = False,
                 progress: Progress = QUIET, on_run=None) -> Streamed:
    """The posts of `pages` made into sorted runs of N-Triples (see the module's docstring);
    `cached` and `filed` as in pipeline.walk_pages and pipeline.blog_filing; `seen`: post ids
    taken already (a set, or anything with `in` and `add`); `on_run(path)` is told of each run
    as it is written (the last one, the dataset's, included)."""
    global _CONTEXT
    from .pipeline import page_level, walk_pages
    from .sources import post_key

    chunk = chunk or CHUNK
    scratch = Scratch()
    out = Streamed(Runs(scratch.path / "runs", on_add=on_run), scratch, Facts(), 0, 0, [], [], {}, [], [],
                   [] if keep_posts else None)

    def counted(pages: Iterable[Page]) -> Iterator[Page]:
        for page in pages:
            out.pages += 1
            if page.sha256:
                out.snapshots[page.source] = replace(page, lines=())
            yield page

    def task(raws: list[RawPost], own: list) -> _Task:
        filings = [filed.get(post_key(r.month, r.title), {}) if filed else None for r in raws]
        return _Task(raws, own, filings, str(out.runs.new_path()))

    def tasks() -> Iterator[_Task]:
        raws: list[RawPost] = []
        own: list[tuple[Problem, ...]] = []
        for parsed, problems in walk_pages(counted(pages), cached, set() if seen is None else seen):
            out.sources.append(parsed.source)
            out.topics += [t for t in parsed.topics if t not in out.topics]
            out.page_problems.extend(page_level(parsed, problems))
            for raw in parsed.posts:
                raws.append(raw)
                own.append(tuple(p for p in problems if p.post_id == raw.id))
                if len(raws) >= chunk:
                    yield task(raws, own)
                    raws, own = [], []
        if raws:
            yield task(raws, own)

    _CONTEXT = (rules, base, keep_posts)
    try:
        with no_cyclic_gc(), progress("extracting and making triples", None) as bar:
            for done, (lines, facts, problems, kept) in _run_chunks(tasks(), jobs):
                out.runs.add(done.path, lines)
                out.facts.merge(facts)
                for mine, extracted in zip(done.own, problems, strict=True):
                    out.post_problems.extend(mine + extracted)
                if keep_posts:
                    out.posts_kept += [Post(**{**post.__dict__, "raw": raw, "problems": mine + post.problems})
                                       for post, raw, mine in zip(kept, done.raws, done.own, strict=True)]
                out.posts += len(done.raws)
                bar.update(len(done.raws))
    except BaseException:
        scratch.remove()
        raise
    finally:
        _CONTEXT = None
    out.facts.labels.update(out.topics)
    return out


# What a forked process making runs of posts already extracted inherits: (posts, rules, base).
_POSTS: tuple | None = None


def _posts_run(span: tuple[int, int, str]) -> tuple[int, Facts]:
    """The triples of posts[start:stop] written as a sorted run at `path`; the run's lines and
    the posts' facts."""
    posts, rules, base = _POSTS
    start, stop, path = span
    builder = GraphBuilder(rules, base=base)
    for post in posts[start:stop]:
        builder.post(post)
    return write_run(builder.lines, path), builder.facts


def _posts_runs(posts: list[Post], topics: list[str], sources: list[str], rules: Rules, *, base: str,
                snapshots: dict[str, Page] | None, chunk: int | None, jobs: int) -> tuple[Streamed, GraphBuilder]:
    """Runs of `chunk` posts each, made in `jobs` forked processes (in this one for one job or
    one chunk), their facts merged in post order; and the builder of the dataset-level lines."""
    global _POSTS
    if chunk is None:  # with several processes, chunks small enough for each to get a few
        chunk = CHUNK if jobs <= 1 else max(100, min(CHUNK, -(-len(posts) // (4 * jobs))))
    scratch = Scratch()
    out = Streamed(Runs(scratch.path / "runs"), scratch, Facts(), 0, len(posts), list(topics), list(sources),
                   dict(snapshots or {}), [], [], None)
    spans = [(start, min(start + chunk, len(posts)), str(out.runs.new_path())) for start in range(0, len(posts), chunk)]
    _POSTS = (posts, rules, base)
    try:
        with no_cyclic_gc(), ExitStack() as stack:
            answers: Iterable = map(_posts_run, spans)
            if jobs > 1 and len(spans) > 1 and can_fork():
                answers = stack.enter_context(closing(forked_map(_posts_run, spans, min(jobs, len(spans)),
                                                                 ahead=len(spans), doing="making triples")))
            for span, (lines, facts) in zip(spans, answers):
                out.runs.add(span[2], lines)
                out.facts.merge(facts)
    except BaseException:
        scratch.remove()
        raise
    finally:
        _POSTS = None
    out.facts.labels.update(topics)
    builder = GraphBuilder(rules, base=base, facts=out.facts)
    builder.dataset(out.sources, out.snapshots)
    return out, builder


def posts_to_file(posts: list[Post], topics: list[str], sources: list[str], rules: Rules, *, base: str,
                  snapshots: dict[str, Page] | None = None, chunk: int | None = None, jobs: int = 1) -> NTriplesFile:
    """The canonical N-Triples of posts already extracted, made the way a build makes them (runs
    of `chunk` posts, in `jobs` processes, merged on disk); for benchmarks and tests, which time
    the triples apart from extraction. The file does not depend on `chunk` or `jobs`."""
    out, builder = _posts_runs(posts, topics, sources, rules, base=base, snapshots=snapshots, chunk=chunk, jobs=jobs)
    with no_cyclic_gc():
        return out.finish(builder)


def posts_to_graph_file(posts: list[Post], topics: list[str], sources: list[str], rules: Rules,
                        destination: str | Path, fmt: str | None = None, *, base: str,
                        snapshots: dict[str, Page] | None = None, chunk: int | None = None, jobs: int = 1) -> int:
    """posts_to_file, the graph going to `destination` as `fmt` (from its suffix by default) the
    way `build -o` writes it: N-Triples, Turtle and TriG as the runs are merged, with no canonical
    file between (export.graph_sink); other formats from the canonical file. Returns the triples."""
    from .export import format_for_path, graph_sink, write_graph_file

    fmt = fmt or format_for_path(destination)
    out, builder = _posts_runs(posts, topics, sources, rules, base=base, snapshots=snapshots, chunk=chunk, jobs=jobs)
    with no_cyclic_gc():
        sink = graph_sink(destination, fmt, base=base)
        if sink is not None:
            with sink as stream:
                return out.finish_into(stream, builder)
        file = out.finish(builder)
        write_graph_file(file.path, destination, fmt, base=base)
        return file.triples
