"""RDF graph -> networkx views: which nodes and edges a picture of the evidence shows.

The overview view links articles to their topics, journal, disorders and interventions.
Node attributes carry plain text only (label, type, details); escaping is the renderer's job.
"""

from __future__ import annotations

import networkx as nx
from rdflib import Graph

from .namespaces import sparql_prologue

NODE_TYPES = ("topic", "article", "disorder", "intervention", "journal")

_ARTICLES = """
SELECT ?article ?title ?year ?doi ?design ?k ?n ?journal ?journalTitle ?citation ?postTitle ?month WHERE {
  ?post a schema:BlogPosting ; schema:about ?article ; dcterms:title ?postTitle .
  OPTIONAL { ?post dcterms:date ?month }
  OPTIONAL { ?post ppr:citationText ?citation }
  OPTIONAL { ?article dcterms:title ?title }
  OPTIONAL { ?article dcterms:issued ?year }
  OPTIONAL { ?article bibo:doi ?doi }
  OPTIONAL { ?article ppr:studyDesign/skos:prefLabel ?design }
  OPTIONAL { ?article ppr:numberOfStudies ?k }
  OPTIONAL { ?article ppr:sampleSize ?n }
  OPTIONAL { ?article dcterms:isPartOf ?journal . ?journal dcterms:title ?journalTitle }
}
"""
_LINKS = """
SELECT ?article ?target ?label ?kind WHERE {
  {
    ?post schema:about ?article ; dcterms:subject ?target . ?target skos:prefLabel ?label . BIND("topic" AS ?kind)
  } UNION {
    ?article ppr:studiesCondition ?target . ?target skos:prefLabel ?label . BIND("disorder" AS ?kind)
  } UNION {
    ?article ppr:evaluatesIntervention ?target . ?target skos:prefLabel ?label . BIND("intervention" AS ?kind)
  }
}
"""


def _short(text: str, n: int = 48) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def overview(graph: Graph) -> nx.Graph:
    """Articles with their topics, journals, disorders and interventions."""
    g = nx.Graph()
    prologue = sparql_prologue()
    for row in sorted(graph.query(prologue + _ARTICLES), key=lambda r: str(r.article)):
        aid = str(row.article)
        title = str(row.title) if row.title else str(row.postTitle)
        details = [title]
        if row.citation:
            details.append(str(row.citation))
        facts = [("Year", row.year), ("Design", row.design), ("k studies", row.k), ("N participants", row.n),
                 ("Blog post", row.postTitle), ("Month", row.month)]
        details += [f"{name}: {value}" for name, value in facts if value is not None]
        g.add_node(aid, label=_short(title), type="article", details="\n".join(details),
                   doi=str(row.doi) if row.doi else "")
        if row.journal:
            jid = str(row.journal)
            g.add_node(jid, label=_short(str(row.journalTitle)), type="journal",
                       details=f"Journal: {row.journalTitle}", doi="")
            g.add_edge(aid, jid)
    for row in sorted(graph.query(prologue + _LINKS), key=lambda r: (str(r.article), str(r.target))):
        tid = str(row.target)
        g.add_node(tid, label=_short(str(row.label)), type=str(row.kind), details=f"{row.kind.title()}: {row.label}", doi="")
        g.add_edge(str(row.article), tid)
    return g
