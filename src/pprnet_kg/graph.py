"""Records -> triples under the ontology (IRIs as rdflib URIRefs, literals already in N-Triples
syntax, see ntriples.lit), and their N-Triples text. No I/O, no store:
whoever holds the graph loads what the builder made.

Entity resolution happens here: people, journals, topics, designs, disorders and
interventions are keyed (see iris.py) so that a repeated entity is one node; when two posts
spell the same person differently, the fullest spelling wins, deterministically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from rdflib import RDF, RDFS, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, SDO, SKOS, XSD

from .extract.rules import Entry, Rules
from .graph_findings import FindingTriples
from .iris import Minter
from .model import Page, Post
from .namespaces import BIBO, MESH, PPR, WD, cached
from .ntriples import Lit, en, escape, lit, term

RDF, RDFS, DCTERMS, FOAF, PROV, SDO, SKOS, XSD, BIBO, PPR = map(
    cached, (RDF, RDFS, DCTERMS, FOAF, PROV, SDO, SKOS, XSD, BIBO, PPR))

CSL_CLASS = {"article-journal": BIBO.AcademicArticle, "chapter": BIBO.Chapter, "book": BIBO.Book}


def _issued(citation: dict) -> Lit | None:
    parts = (citation.get("issued", {}).get("date-parts") or [[]])[0]
    if not parts:
        return None
    if len(parts) == 1:
        return lit(f"{parts[0]:04d}", datatype=XSD.gYear)
    if len(parts) == 2:
        return lit(f"{parts[0]:04d}-{parts[1]:02d}", datatype=XSD.gYearMonth)
    return lit(f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}", datatype=XSD.date)


def _display_name(name: dict[str, str]) -> str:
    if "literal" in name:
        return name["literal"]
    return f"{name['given']} {name['family']}".strip() if name.get("given") else name["family"]


def _fullness(name: dict[str, str]) -> tuple[int, str, str]:
    """How full a spelling of a name is: the longest given name, then by text (deterministic)."""
    return len(name.get("given", "")), name.get("given", ""), name.get("family", "")


@dataclass
class Facts:
    """What the dataset-level triples (people, the topic and research-type schemes) and the build
    report's counts need from posts. Gathered post by post, in any process, and merged in post
    order: a build in chunks or in parallel sees what one pass over the posts would."""

    people: dict[URIRef, dict[str, str]] = field(default_factory=dict)  # person -> fullest spelling so far
    labels: set[str] = field(default_factory=set)  # topic labels: the pages' lists, the rules', the blog's
    research_types: set[str] = field(default_factory=set)  # the blog's types of research
    filed: bool = False  # some post carries the blog's own filing
    articles: set[URIRef] = field(default_factory=set)
    journals: set[URIRef] = field(default_factory=set)
    topics: set[URIRef] = field(default_factory=set)  # topics assigned to some post
    findings: int = 0

    def person(self, iri: URIRef, name: dict[str, str]) -> None:
        """Note a spelling of a person: the fullest wins, the first of equally full ones."""
        known = self.people.get(iri)
        # the same spelling again (most often) is no fuller: a dict comparison in C settles it
        if known is None or (name != known and _fullness(name) > _fullness(known)):
            self.people[iri] = name

    def merge(self, later: "Facts") -> None:
        """Add the facts of posts that come after these ones."""
        for iri, name in later.people.items():
            self.person(iri, name)
        self.labels |= later.labels
        self.research_types |= later.research_types
        self.filed = self.filed or later.filed
        self.articles |= later.articles
        self.journals |= later.journals
        self.topics |= later.topics
        self.findings += later.findings

    def counts(self) -> dict[str, int]:
        return {"articles": len(self.articles), "authors": len(self.people), "journals": len(self.journals),
                "topics": len(self.topics), "findings": self.findings}


class GraphBuilder(FindingTriples):
    """Makes N-Triples lines: `post` for each post (noting its facts), then `dataset` once for
    what depends on all of them. Lines may repeat; the canonical form drops repeats."""

    def __init__(self, rules: Rules, *, base: str, facts: Facts | None = None) -> None:
        self.iri = Minter(base)
        self.rules = rules
        self.lexicon = {e.key: e for e in (*rules.disorders, *rules.finding_interventions)}
        self.comparators = {e.key: e for e in rules.comparators}
        self.outcomes = {e.key: e for e in rules.outcome_scheme}
        self.lines: list[str] = []  # N-Triples lines, repeats included
        self.facts = facts if facts is not None else Facts()
        self._concepts: set[tuple] = set()

    def add(self, s: URIRef, p: URIRef, o) -> None:
        """One triple: subject and predicate IRIs, the object a Lit or an IRI. Written with
        str.join: formatting or comparing rdflib terms runs Python code for each one."""
        kind = type(o)
        if kind is Lit:
            self.lines.append("".join(("<", s, "> <", p, "> ", o, " .\n")))
        elif kind is URIRef:
            self.lines.append("".join(("<", s, "> <", p, "> <", o, "> .\n")))
        else:
            self.lines.append(f"{term(s)} {term(p)} {term(o)} .\n")

    def add_text(self, s: URIRef, p: URIRef, text: str) -> None:
        """add(s, p, lit(text)) in one join: a simple literal is the commonest object, and lit's
        checks of its value and the Lit made in between cost as much as the line itself."""
        self.lines.append("".join(("<", s, "> <", p, '> "', escape(text), '" .\n')))

    def build(self, posts: list[Post], topics: list[str], sources: list[str],
              snapshots: dict[str, Page] | None = None, on_post=None) -> list[str]:
        """Every line of the graph of `posts` (read from `sources`, whose pages list `topics`)."""
        for post in posts:
            self.post(post)
            if on_post is not None:
                on_post(1)
        self.facts.labels.update(topics)
        self.dataset(sources, snapshots)
        return self.lines

    def post(self, post: Post) -> None:
        """The lines of one post, its article and findings; its people, labels and counts noted."""
        facts = self.facts
        for role in ("author", "editor"):
            for name in (post.citation or {}).get(role, []):
                facts.person(self.iri.person(name), name)
        facts.labels.update(m.label for m in post.topics)
        facts.labels.update(label for label, _ in post.blog_topics)
        if post.blog_topics or post.blog_types:
            facts.filed = True
            facts.research_types.update(label for label, _ in post.blog_types)
        facts.findings += len(post.findings)
        self._post(post)

    def dataset(self, sources: Iterable[str], snapshots: dict[str, Page] | None = None, *,
                people: dict[URIRef, dict[str, str]] | None = None) -> None:
        """The lines that depend on every post: people (each under their fullest spelling; only
        `people` when given), the topic scheme, the source pages, and the blog's own schemes when
        posts carry its filing."""
        for iri, name in sorted((self.facts.people if people is None else people).items()):
            self._person(iri, name)
        self._topics(sorted(self.facts.labels))
        for source in sorted(set(sources)):
            page = self.iri.page(source)
            self.add(page, RDF.type, PPR.SourcePage)
            self.add(page, RDF.type, PROV.Entity)
            self.add(page, RDFS.label, lit(source))
            self.add(page, DCTERMS.identifier, lit(source))
            if source in (snapshots or {}):
                self._snapshot(page, snapshots[source])
        if self.facts.filed:
            self._blog_filing_schemes(sorted(self.facts.research_types))

    def _snapshot(self, node: URIRef, page: Page) -> None:
        """A page read from the snapshot cache: which response of which URL, fetched when."""
        if page.url:
            self.add(node, DCTERMS.source, URIRef(page.url))
        self.add(node, SDO.sha256, lit(page.sha256))
        if page.retrieved:
            self.add(node, PROV.generatedAtTime, lit(page.retrieved, datatype=XSD.dateTime))

    def _blog_filing_schemes(self, labels: list[str]) -> None:
        blog = self.iri.blog()
        self.add(blog, RDF.type, PROV.Agent)
        self.add(blog, RDF.type, SDO.Blog)
        self.add(blog, RDFS.label, en("PPRNet blog"))
        if not labels:
            return
        scheme = self.iri.scheme("research-types")
        self.add(scheme, RDF.type, SKOS.ConceptScheme)
        self.add(scheme, SKOS.prefLabel, en("PPRNet blog types of research"))
        self.add(scheme, PROV.wasAttributedTo, blog)
        self._top_concepts(scheme, labels, self.iri.research_type)

    def _blog_filing(self, node: URIRef, post: Post) -> None:
        """The blog's own filing of a post: topics with an assignment attributed to the blog (no
        matched terms: no rule made it), and the type of research (dcterms:type, in the blog's scheme)."""
        for label, filter_url in post.blog_topics:
            topic = self.iri.topic(label)
            self.facts.topics.add(topic)
            self.add(node, DCTERMS.subject, topic)
            assignment = self.iri.blog_topic_assignment(post.id, label)
            self.add(node, PPR.topicAssignment, assignment)
            self.add(assignment, RDF.type, PPR.TopicAssignment)
            self.add(assignment, PPR.topic, topic)
            self.add(assignment, PROV.wasAttributedTo, self.iri.blog())
            if filter_url:
                self.add(assignment, DCTERMS.source, URIRef(filter_url))
        for label, _ in post.blog_types:
            self.add(node, DCTERMS.type, self.iri.research_type(label))

    def _person(self, iri: URIRef, name: dict[str, str]) -> None:
        self.add(iri, RDF.type, FOAF.Person)
        self.add(iri, FOAF.name, lit(_display_name(name)))
        if "family" in name:
            self.add(iri, FOAF.familyName, lit(name["family"]))
        if name.get("given"):
            self.add(iri, FOAF.givenName, lit(name["given"]))

    def _topics(self, labels: list[str]) -> None:
        scheme = self.iri.scheme("topics")
        self.add(scheme, RDF.type, SKOS.ConceptScheme)
        self.add(scheme, SKOS.prefLabel, en("PPRNet blog topics"))
        self._top_concepts(scheme, labels, self.iri.topic)

    def _top_concepts(self, scheme: URIRef, labels: list[str], mint) -> None:
        """A flat SKOS scheme: every label a top concept of it."""
        for label in labels:
            concept = mint(label)
            self.add(concept, RDF.type, SKOS.Concept)
            self.add(concept, SKOS.prefLabel, en(label))
            self.add(concept, SKOS.inScheme, scheme)
            self.add(concept, SKOS.topConceptOf, scheme)
            self.add(scheme, SKOS.hasTopConcept, concept)

    def _post(self, post: Post) -> None:
        raw = post.raw
        node = self.iri.post(raw.id)
        article = self.iri.article(post.citation, raw.id)
        self.add(node, RDF.type, SDO.BlogPosting)
        self.add_text(node, DCTERMS.title, raw.title)
        if raw.month:
            self.add(node, DCTERMS.date, lit(raw.month, datatype=XSD.gYearMonth))
        self.add(node, SDO.about, article)
        self.add(node, PROV.wasDerivedFrom, self.iri.page(raw.source))
        self.add(node, PPR.sourceLine, lit(raw.line))
        if raw.summary:
            self.add(node, PPR.summary, en(raw.summary_text))
        if raw.implications:
            self.add(node, PPR.practiceImplications, en(raw.implications_text))
        if raw.citation:
            self.add_text(node, PPR.citationText, raw.citation.text)
        self.facts.articles.add(article)
        for match in post.topics:
            topic = self.iri.topic(match.label)
            self.facts.topics.add(topic)
            self.add(node, DCTERMS.subject, topic)
            assignment = self.iri.topic_assignment(raw.id, match.label)
            self.add(node, PPR.topicAssignment, assignment)
            self.add(assignment, RDF.type, PPR.TopicAssignment)
            self.add(assignment, PPR.topic, topic)
            for term in match.terms:
                self.add_text(assignment, PPR.matchedTerm, term)
        self._blog_filing(node, post)
        self._article(article, post)

    def _article(self, article: URIRef, post: Post) -> None:
        c = post.citation
        if c is None:
            self.add(article, RDF.type, BIBO.Document)
            self.add(article, RDFS.comment, en("Study summarised by a post that gives no citation for it."))
        else:
            self._citation(article, c, post.authors_truncated, post.authors_in_order)
        study = post.study
        if study.design:
            design = self.iri.design(study.design)
            self.add(article, PPR.studyDesign, design)
            self.add(design, RDF.type, PPR.StudyDesign)
            self.add(design, SKOS.prefLabel, en(study.design))
            self.add(design, SKOS.inScheme, self.iri.scheme("designs"))
        if study.k_studies is not None:
            self.add(article, PPR.numberOfStudies, lit(study.k_studies))
        if study.n_participants is not None:
            self.add(article, PPR.sampleSize, lit(study.n_participants))
            if study.n_qualifier:
                self.add(article, PPR.sampleSizeQualifier, lit(study.n_qualifier))
        lexicon = self.lexicon
        for match in post.conditions:
            iri = self.iri.disorder(match.key)
            self.add(article, PPR.studiesCondition, iri)
            self._concept(iri, PPR.Disorder, lexicon[match.key], "disorders")
        for match in post.interventions:
            iri = self.iri.intervention(match.key)
            self.add(article, PPR.evaluatesIntervention, iri)
            self._concept(iri, PPR.Intervention, lexicon[match.key], "interventions")
        for i, finding in enumerate(post.findings, start=1):
            self._finding(article, post, i, finding)

    def _citation(self, article: URIRef, c: dict, truncated: bool, in_order: int | None) -> None:
        self.add(article, RDF.type, CSL_CLASS.get(c["type"], BIBO.AcademicArticle))
        self.add(article, DCTERMS.title, lit(c["title"]))
        issued = _issued(c)
        if issued is not None:
            self.add(article, DCTERMS.issued, issued)
        if c.get("DOI"):
            self.add(article, BIBO.doi, lit(c["DOI"]))
        for key, prop in (("volume", BIBO.volume), ("issue", BIBO.issue), ("number", BIBO.number),
                          ("edition", BIBO.edition), ("status", PPR.publicationStatus)):
            if c.get(key):
                self.add(article, prop, lit(c[key]))
        if c.get("page"):
            self.add(article, BIBO.pages, lit(c["page"]))
            start, _, end = c["page"].partition("-")
            self.add(article, BIBO.pageStart, lit(start))
            if end:
                self.add(article, BIBO.pageEnd, lit(end))
        if c.get("container-title"):
            if c["type"] == "chapter":
                container = self.iri.book(c["container-title"])
                self.add(container, RDF.type, BIBO.Book)
            else:
                container = self.iri.journal(c["container-title"])
                self.facts.journals.add(container)
                self.add(container, RDF.type, BIBO.Journal)
            self.add(container, DCTERMS.title, lit(c["container-title"]))
            self.add(article, DCTERMS.isPartOf, container)
        if c.get("publisher"):
            publisher = self.iri.publisher(c["publisher"])
            self.add(publisher, RDF.type, FOAF.Organization)
            self.add(publisher, FOAF.name, lit(c["publisher"]))
            self.add(article, DCTERMS.publisher, publisher)
        self.add(article, PPR.authorsTruncated, lit(truncated))
        self._name_list(article, c.get("author", []), DCTERMS.creator, BIBO.authorList,
                        self.iri.author_list(article), in_order)
        self._name_list(article, c.get("editor", []), BIBO.editor, BIBO.editorList, self.iri.editor_list(article))

    def _name_list(self, article, names, link, list_prop, list_iri, in_order: int | None = None) -> None:
        """Everyone is linked; only names whose position is known go into the ordered rdf:Seq."""
        if not names:
            return
        numbered = names if in_order is None else names[:in_order]
        if numbered:
            self.add(article, list_prop, list_iri)
            self.add(list_iri, RDF.type, RDF.Seq)
        for i, name in enumerate(names, start=1):
            person = self.iri.person(name)
            self.add(article, link, person)
            if i <= len(numbered):
                self.add(list_iri, RDF[f"_{i}"], person)

    def _concept(self, iri: URIRef, cls: URIRef, entry: Entry, scheme: str) -> None:
        key = (str(iri), cls, scheme)  # iri as a plain str: a new URIRef would be compared with rdflib's __eq__
        if key in self._concepts:
            return  # its triples are made once, not for every post that names it
        self._concepts.add(key)
        self.add(iri, RDF.type, cls)
        self.add(iri, SKOS.prefLabel, en(entry.pref or entry.label))
        self.add(iri, SKOS.inScheme, self.iri.scheme(scheme))
        for mesh in entry.mesh:
            self.add(iri, SKOS.exactMatch, MESH[mesh])
        for qid in entry.wikidata:
            self.add(iri, SKOS.exactMatch, WD[qid])
        for prop, refs in ((SKOS.exactMatch, entry.exact), (SKOS.closeMatch, entry.close)):
            for ref in refs:
                prefix, _, local = ref.partition(":")
                self.add(iri, prop, (MESH if prefix == "mesh" else WD)[local])


@dataclass(frozen=True)
class BuiltGraph:
    ntriples: str  # canonical: sorted, duplicate-free N-Triples
    counts: dict[str, int]  # articles, authors, journals, topics, findings (for the build report)


def build_graph(posts: list[Post], topics: list[str], sources: list[str], rules: Rules, *,
                base: str, snapshots: dict[str, Page] | None = None, progress=None) -> BuiltGraph:
    """The knowledge graph of some extracted posts as canonical N-Triples text, in memory (a
    build of many posts streams instead: see stream.py); `snapshots` maps sources read from the
    snapshot cache to their Page (URL, time, SHA-256); `progress` (see progress.py) is told of
    each post done."""
    from .perf import no_cyclic_gc
    from .progress import QUIET

    builder = GraphBuilder(rules, base=base)
    with no_cyclic_gc(), (progress or QUIET)("making triples", len(posts)) as bar:
        builder.build(posts, topics, sources, snapshots, on_post=bar.update)
    unique = set(builder.lines)
    builder.lines.clear()
    return BuiltGraph("".join(sorted(unique)), builder.facts.counts())
