"""Adding pages to a built store: the store ends with the graph that a full build of all its pages
(the ones it was built from first, then the new ones) would make.

Most triples only accumulate. A new post's id is new (an id the store already holds gets a
suffix, as a full build gives a post read again from another page), and so are its findings and
topic assignments; its article, people, journal and concepts may be in the store already, and
adding a triple the store holds changes nothing. What depends on every post is handled apart:

- a person's name triples come from the fullest spelling across all posts: when a new post spells
  someone more fully than the store does, the old name triples go and the new ones come;
- the topic scheme and the source pages: the triples of the new labels and pages are added;
- the store's record of itself (triples, sources, time) changes in the same transaction.

What cannot be kept right this way is refused with a one-line reason before anything is
written: pages from a snapshot cache (their filter pages file posts that may be in the store
already, and a post the blog shows on many pages is one post), a store built from one, and a page
whose name is already a source of the store (a full build would tell the two apart by their paths).
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import RDF, URIRef
from rdflib.namespace import FOAF, SDO

from .backends import Backend
from .errors import ConfigError, GraphError
from .extract import Rules, load_rules
from .graph import GraphBuilder, _fullness
from .iris import Minter
from .namespaces import PPR
from .ntriples import term
from .ntsort import NTriplesFile
from .pipeline import BuildReport, Sources
from .progress import QUIET, Progress
from .stream import stream_posts

NAME_PREDICATES = (FOAF.name, FOAF.familyName, FOAF.givenName)
ADD_CHUNK = 256  # posts per process: a month is a few hundred posts, which should still use every core


@dataclass(frozen=True)
class AddResult:
    file: NTriplesFile  # the canonical N-Triples of what the new pages brought (before the store's own)
    report: BuildReport  # counts of the pages added; `triples` is the graph's size afterwards
    added: int  # how many triples the graph gained
    renamed: int  # people whose name triples changed (a fuller spelling came)
    sources: tuple[str, ...]


class _TakenIds:
    """Post ids in use: those read in this run, and those of the posts in the store."""

    def __init__(self, backend: Backend, iri: Minter) -> None:
        self.backend, self.iri, self.local = backend, iri, set()

    def __contains__(self, post_id: str) -> bool:
        return post_id in self.local or self.backend.contains(self.iri.post(post_id), RDF.type, SDO.BlogPosting)

    def add(self, post_id: str) -> None:
        self.local.add(post_id)


def add_pages(backend: Backend, sources: list, *, base: str, metadata, rules: Rules | None = None,
              jobs: int = 1, progress: Progress = QUIET, chunk: int | None = None) -> AddResult:
    """Add the posts of `sources` (files and folders) to the graph in `backend`, which was built
    with `base`, and record `metadata(the sources whose posts were added)` with it (and the new
    triple count) in the same transaction."""
    rules = rules or load_rules()
    iri = Minter(base)
    found = Sources.of(list(sources))
    if found.cached:
        raise ConfigError("pages from a snapshot cache cannot be added to a store (its filter pages file posts that "
                          "may be in the store already): rebuild with `pprnet-kg build`")
    if backend.query("ASK { ?page <https://schema.org/sha256> ?sha }", {}).boolean:
        raise ConfigError(f"{backend.spec} was built from a snapshot cache: pages cannot be added to it (rebuild with "
                          "`pprnet-kg build`)")
    taken = _TakenIds(backend, iri)
    streamed = stream_posts(_new_pages(found, backend, iri), {}, {}, rules, base=base, jobs=jobs, seen=taken,
                            chunk=chunk or ADD_CHUNK, progress=progress)
    builder = GraphBuilder(rules, base=base, facts=streamed.facts)
    people, remove = _people(backend, builder)
    builder.dataset(streamed.sources, people=people)
    file = streamed.finish(builder, progress)
    before = recorded_triples(backend)
    with progress(f"adding to {backend.spec}", None, "store"):
        added = _gain(backend, file, taken.local, iri) - len(remove)
        record = metadata(streamed.sources)
        backend.update_ntriples(file.path, remove, {**record, "triples": str(before + added)})
    problems = streamed.problems
    report = BuildReport(pages=streamed.pages, posts=streamed.posts, **streamed.facts.counts(),
                         statistics_rejected=sum(1 for p in problems if p.stage == "findings"),
                         triples=before + added, problems=tuple(problems))
    return AddResult(file, report, added, len({line.split(" ", 1)[0] for line in remove}), tuple(streamed.sources))


def _gain(backend: Backend, file: NTriplesFile, new_posts: set[str], iri: Minter) -> int:
    """How many lines of `file` the store does not hold. A line about one of the new posts (the
    post, its findings, its topic assignments...) is new: those ids were not in the store; the
    others (articles, people, journals, concepts, schemes, pages) are looked up."""
    fresh, others = 0, []
    with open(file.path, encoding="utf-8") as lines:
        for line in lines:
            if iri.post_of(line[1: line.index(">")] if line.startswith("<") else "") in new_posts:
                fresh += 1
            else:
                others.append(line)
    return fresh + len(others) - backend.held(others)


def recorded_triples(backend: Backend) -> int:
    """The triple count the store recorded (counted when it recorded none)."""
    recorded = backend.metadata().get("triples", "")
    return int(recorded) if recorded.isdigit() else backend.count()


def _new_pages(found: Sources, backend: Backend, iri: Minter):
    for page in found.pages():
        node = iri.page(page.source)
        if backend.contains(node, RDF.type, PPR.SourcePage):
            raise ConfigError(f"{page.source}: a page of this name is already in {backend.spec} (a full build would "
                              "name both by their paths): rename it, or rebuild with `pprnet-kg build`")
        yield page


def _people(backend: Backend, builder: GraphBuilder) -> tuple[dict, list[str]]:
    """The people of the new posts whose name triples are to be added, and the stored name triples
    to remove. A person the store holds keeps the fuller spelling of the store's and the new
    posts' (the store's when they are equally full: it came first); when the new one wins, the
    old name triples go."""
    people: dict[URIRef, dict[str, str]] = {}
    remove: list[str] = []
    for person, name in builder.facts.people.items():
        stored = [(p, o) for p, o in backend.about(person) if p in NAME_PREDICATES]
        if not stored:
            people[person] = name  # someone new: all of their triples
            continue
        family = [str(o) for p, o in stored if p == FOAF.familyName]
        given = [str(o) for p, o in stored if p == FOAF.givenName]
        if len(family) > 1 or len(given) > 1 or sum(1 for p, _ in stored if p == FOAF.name) != 1:
            raise GraphError(f"{backend.spec}: {person} has more than one name; rebuild with `pprnet-kg build`")
        known = {"family": family[0] if family else "", "given": given[0] if given else ""}
        if _fullness(name) <= _fullness(known):
            continue
        people[person] = name
        mine = GraphBuilder(builder.rules, base=builder.iri.base)
        mine._person(person, name)
        remove += [line for line in (f"{term(person)} {term(p)} {term(o)} .\n" for p, o in stored)
                   if line not in mine.lines]
    return people, remove
