"""Namespaces: our ontology terms as a closed DefinedNamespace, BIBO likewise, and the prefix map.

A misspelt term raises at import time of the caller (`_fail = True`), and a test checks that
every PPR term is declared with a label in ontology/pprnet.ttl.
"""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SDO, SH, SKOS, VOID, XSD, DefinedNamespace
from rdflib.term import URIRef

DEFAULT_BASE = "https://w3id.org/pprnet/id/"


class _Cached:
    """A namespace whose terms, once looked up, are plain attributes: rdflib's DefinedNamespace
    checks a name on every lookup, and the graph builder looks up millions of them. Terms looked
    up by item (RDF["_3"], OBO[code]) are kept too: rdflib makes a new URIRef each time."""

    def __init__(self, namespace) -> None:
        self._namespace = namespace
        self._items: dict[str, object] = {}

    def __getattr__(self, name: str):
        value = getattr(self._namespace, name)
        setattr(self, name, value)
        return value

    def __getitem__(self, name: str):
        value = self._items.get(name)
        if value is None:
            value = self._items[name] = self._namespace[name]
        return value


def cached(namespace) -> _Cached:
    """`namespace` with its terms kept once looked up (misspelt ones still raise)."""
    return _Cached(namespace)


class PPR(DefinedNamespace):
    """pprnet-kg ontology terms (ontology/pprnet.ttl)."""

    _fail = True
    _NS = Namespace("https://w3id.org/pprnet/ontology#")

    # classes
    Finding: URIRef
    ComparativeFinding: URIRef
    AssociationFinding: URIRef
    WithinGroupFinding: URIRef
    SmdEquivalent: URIRef
    Comparator: URIRef
    OutcomeConcept: URIRef
    Disorder: URIRef
    Intervention: URIRef
    StudyDesign: URIRef
    TopicAssignment: URIRef
    SourcePage: URIRef
    # article / post properties
    reportsFinding: URIRef
    studyDesign: URIRef
    studiesCondition: URIRef
    evaluatesIntervention: URIRef
    numberOfStudies: URIRef
    sampleSize: URIRef
    sampleSizeQualifier: URIRef
    authorsTruncated: URIRef
    publicationStatus: URIRef
    summary: URIRef
    practiceImplications: URIRef
    citationText: URIRef
    sourceLine: URIRef
    topicAssignment: URIRef
    topic: URIRef
    matchedTerm: URIRef
    # finding properties
    measure: URIRef
    measureCode: URIRef
    measureLabel: URIRef
    value: URIRef
    ciLower: URIRef
    ciUpper: URIRef
    ciLevel: URIRef
    pValue: URIRef
    pComparator: URIRef
    standardError: URIRef
    iSquared: URIRef
    tauSquared: URIRef
    outcome: URIRef
    caveat: URIRef
    evidenceText: URIRef
    nullValue: URIRef
    excludesNull: URIRef
    # what a finding is evidence of
    intervention: URIRef
    interventionText: URIRef
    comparator: URIRef
    comparatorText: URIRef
    exposure: URIRef
    population: URIRef
    condition: URIRef
    outcomeConcept: URIRef
    timepoint: URIRef
    followUpMonths: URIRef
    adjustedFor: URIRef
    favours: URIRef
    # comparable effect sizes
    hasSmdEquivalent: URIRef
    smdEquivalent: URIRef
    smdEquivalentCiLower: URIRef
    smdEquivalentCiUpper: URIRef
    conversionMethod: URIRef


class BIBO(DefinedNamespace):
    """The Bibliographic Ontology terms we use."""

    _fail = True
    _NS = Namespace("http://purl.org/ontology/bibo/")

    AcademicArticle: URIRef
    Chapter: URIRef
    Book: URIRef
    Journal: URIRef
    Document: URIRef
    doi: URIRef
    volume: URIRef
    issue: URIRef
    pageStart: URIRef
    pageEnd: URIRef
    pages: URIRef
    number: URIRef
    edition: URIRef
    authorList: URIRef
    editorList: URIRef
    editor: URIRef


OBO = Namespace("http://purl.obolibrary.org/obo/")
MESH = Namespace("http://id.nlm.nih.gov/mesh/")
WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES: dict[str, Namespace | str] = {
    "ppr": PPR._NS,
    "bibo": BIBO._NS,
    "dcterms": DCTERMS,
    "foaf": FOAF,
    "skos": SKOS,
    "prov": PROV,
    "schema": SDO,
    "obo": OBO,
    "mesh": MESH,
    "wd": WD,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "sh": SH,
    "void": VOID,
}


def bind_prefixes(graph: Graph, base: str) -> Graph:
    graph.bind("id", Namespace(base), override=True, replace=True)
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    return graph
