"""RDF graph -> networkx views: which nodes and edges a picture of the evidence shows.

Every view is a networkx Graph whose nodes carry plain text only (label, type, details,
doi) and whose edges carry a weight and a plain-text title; escaping is the renderer's job.

- overview: articles with their topics, journals, disorders and interventions;
- topics: topics and their articles, plus topic co-occurrence weighted by shared posts;
- evidence: disorders and interventions, an edge per pair that comparative findings link
  (never pairs an article merely mentions), weighted by findings, with a verdict from their CIs;
- authors: co-authorship weighted by joint articles, with Louvain communities;
- ego: the neighbourhood of any node of the overview;
- query: a SELECT with ?source ?target columns (or a CONSTRUCT) drawn as a graph.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import networkx as nx
from rdflib import Literal, URIRef

from .errors import ConfigError, QueryError

VIEWS = ("overview", "topics", "evidence", "authors", "ego", "query")

def _short(text: str, n: int = 48) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _rows(kg, name: str, key=None):
    """The rows of an internal query (queries/views/NAME.rq), sorted."""
    rows = kg.select(name)
    return sorted(rows, key=key) if key else rows


@dataclass(frozen=True)
class ArticleInfo:
    iri: str
    title: str
    details: str
    doi: str
    year: str
    design: str
    k: str
    n: str
    post_title: str
    implications: str


def articles(kg) -> dict[str, ArticleInfo]:
    """What a reader wants to see about each article, as plain text."""
    out: dict[str, ArticleInfo] = {}
    for row in _rows(kg, "articles", key=lambda r: (str(r.article), str(r.month or ""), str(r.postTitle))):
        aid = str(row.article)
        if aid in out:
            continue
        title = str(row.title) if row.title else str(row.postTitle)
        details = [title]
        if row.citation:
            details.append(str(row.citation))
        facts = [("Year", row.year), ("Design", row.design), ("k studies", row.k), ("N participants", row.n),
                 ("Blog post", row.postTitle), ("Month", row.month)]
        details += [f"{name}: {value}" for name, value in facts if value is not None]
        out[aid] = ArticleInfo(aid, title, "\n".join(details), str(row.doi or ""), str(row.year or "")[:4],
                               str(row.design or ""), str(row.k or ""), str(row.n or ""), str(row.postTitle),
                               str(row.implications or ""))
    return out


def finding_record(row, article_title: str) -> dict:
    """One finding as the views' details panels list it (plain text; the page escapes it)."""
    def text(v):
        return "" if v is None else str(v)

    return {"id": text(row.finding), "measure": text(row.code), "value": text(row.value),
            "ci": f"[{row.lo}, {row.hi}]" if row.lo is not None else "no CI",
            "excludes": None if row.excludes is None else bool(row.excludes.toPython()),
            "comparator": text(row.comparator), "outcome": text(row.outcome), "timepoint": text(row.timepoint),
            "article": article_title, "articleIri": text(row.article), "post": text(row.post), "postTitle": text(row.postTitle),
            "month": text(row.month)}


def article_findings(kg, info: dict[str, ArticleInfo]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for row in _rows(kg, "findings"):
        aid = str(row.article)
        if aid in info:
            out[aid].append(finding_record(row, info[aid].title))
    return out


def _implication(info: ArticleInfo) -> list[dict]:
    return [{"post": info.post_title, "text": info.implications}] if info.implications else []


def _add_article(g: nx.Graph, info: ArticleInfo, findings: dict[str, list[dict]] | None = None) -> None:
    g.add_node(info.iri, label=_short(info.title), type="article", details=info.details, doi=info.doi,
               findings=(findings or {}).get(info.iri, []), implications=_implication(info))


def _links(kg) -> list:
    return _rows(kg, "links")


def _topic_filter(kg, topic: str | None) -> set[str] | None:
    """Articles filed under a topic (by label or IRI), or None for no filter."""
    if not topic:
        return None
    import difflib

    topics = [r for r in _links(kg) if str(r.kind) == "topic"]
    wanted = {str(r.article) for r in topics if topic.casefold() in (str(r.label).casefold(), str(r.target).casefold())}
    if not wanted:
        labels = sorted({str(r.label) for r in topics})
        close = difflib.get_close_matches(topic.casefold(), [label.casefold() for label in labels], n=3, cutoff=0.5)
        shown = [next(label for label in labels if label.casefold() == c) for c in close]
        hint = f"; did you mean {', '.join(repr(x) for x in shown)}?" if shown else ""
        raise QueryError(f"no articles under topic {topic!r}{hint}")
    return wanted


def overview(kg, *, topic: str | None = None) -> nx.Graph:
    """Articles with their topics, journals, disorders and interventions."""
    g = nx.Graph()
    keep = _topic_filter(kg, topic)
    info = articles(kg)
    found = article_findings(kg, info)
    g.graph.update(description="Articles with their topics, journals, and the conditions and interventions their "
                               "findings are about.")
    for row in _rows(kg, "articles", key=lambda r: (str(r.article), str(r.month or ""), str(r.postTitle))):
        aid = str(row.article)
        if keep is not None and aid not in keep:
            continue
        _add_article(g, info[aid], found)
        if row.journal:
            jid = str(row.journal)
            g.add_node(jid, label=_short(str(row.journalTitle)), type="journal",
                       details=f"Journal: {row.journalTitle}", doi="")
            g.add_edge(aid, jid, weight=1, title="")
    for row in _links(kg):
        aid = str(row.article)
        if aid not in g:
            continue
        tid = str(row.target)
        kind = str(row.kind)
        g.add_node(tid, label=_short(str(row.label)), type=kind, details=f"{kind.title()}: {row.label}", doi="")
        g.add_edge(aid, tid, weight=1, title="")
    return g


def topics_view(kg, *, topic: str | None = None) -> nx.Graph:
    """Topics and their articles, and topic co-occurrence weighted by the posts they share."""
    g = nx.Graph()
    keep = _topic_filter(kg, topic)
    info = articles(kg)
    found = article_findings(kg, info)
    g.graph.update(description="Topics and the articles filed under them; a line between two topics means posts "
                               "filed under both (thicker: more posts).")
    by_article: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in _links(kg):
        if str(row.kind) == "topic" and (keep is None or str(row.article) in keep):
            by_article[str(row.article)].append((str(row.target), str(row.label)))
    for aid, topics in sorted(by_article.items()):
        _add_article(g, info[aid], found)
        for tid, label in topics:
            g.add_node(tid, label=_short(label), type="topic", details=f"Topic: {label}", doi="")
            g.add_edge(aid, tid, weight=1, title="filed under")
        for i, (a, la) in enumerate(topics):
            for b, lb in topics[i + 1:]:
                w = g.edges[a, b]["weight"] + 1 if g.has_edge(a, b) else 1
                g.add_edge(a, b, weight=w, title=f"{la} and {lb}: {w} shared post(s)")
    return g


def verdict(excludes: list[bool | None]) -> str:
    known = [e for e in excludes if e is not None]
    if not known:
        return "no CI"
    if all(known):
        return "CIs exclude the null"
    if not any(known):
        return "CIs include the null"
    return "mixed"


def evidence_view(kg, *, topic: str | None = None) -> nx.Graph:
    """Disorders and interventions, an edge per pair that at least one comparative finding links
    (finding-level only), weighted by the number of findings, with a verdict from their CIs."""
    keep = _topic_filter(kg, topic)
    info = articles(kg)
    g = nx.Graph()
    g.graph.update(description="Conditions and interventions; a line joins a pair that comparative findings link "
                               "(thicker: more findings), styled by what their 95% CIs say. Click a line for its findings.")
    pairs: dict[tuple[str, str], list] = defaultdict(list)
    for row in _rows(kg, "evidence_pairs"):
        if keep is not None and str(row.article) not in keep:
            continue
        did, iid = str(row.condition), str(row.intervention)
        g.add_node(did, label=_short(str(row.conditionLabel)), type="disorder", details=f"Disorder: {row.conditionLabel}",
                   doi="")
        g.add_node(iid, label=_short(str(row.interventionLabel)), type="intervention",
                   details=f"Intervention: {row.interventionLabel}", doi="")
        pairs[(did, iid)].append(row)
    for (did, iid), rows in sorted(pairs.items()):
        lines = ["Comparative findings linking this intervention and condition:"]
        for f in rows:
            ci = f" [{f.lo}, {f.hi}]" if f.lo is not None else " (no CI)"
            against = f" vs {f.comparator}" if f.comparator is not None else ""
            what = ", ".join(str(x) for x in (f.outcome, f.timepoint) if x is not None)
            lines.append(f"{f.code} = {f.value}{ci}{against}" + (f" on {what}" if what else "")
                         + f": {_short(info[str(f.article)].title, 70)}")
        excludes = [None if f.excludes is None else bool(f.excludes.toPython()) for f in rows]
        g.add_edge(did, iid, weight=len(rows), verdict=verdict(excludes), title="\n".join(lines),
                   findings=[finding_record(f, info[str(f.article)].title) for f in rows])
    for node in g:  # what the posts behind a condition's or an intervention's findings say for practice
        about = sorted({str(f.article) for pair, rows in pairs.items() if node in pair for f in rows})
        g.nodes[node]["implications"] = [x for aid in about for x in _implication(info[aid])]
    return g


def authors_view(kg, *, topic: str | None = None, seed: int = 7) -> nx.Graph:
    """Co-authorship: an edge per pair of co-authors weighted by joint articles; Louvain communities."""
    keep = _topic_filter(kg, topic)
    by_article: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in _rows(kg, "authors"):
        if keep is None or str(row.article) in keep:
            by_article[str(row.article)].append((str(row.person), str(row.name or row.person)))
    g = nx.Graph()
    g.graph.update(description="Co-authors: a line joins two people who wrote an article together (thicker: more "
                               "articles); colours are communities found by the Louvain method, not kinds of node.")
    for aid, people in sorted(by_article.items()):
        for pid, name in people:
            count = g.nodes[pid]["articles"] + 1 if pid in g else 1
            g.add_node(pid, label=_short(name), type="author", details=f"Author: {name}\nArticles: {count}",
                       doi="", articles=count)
        for i, (a, na) in enumerate(people):
            for b, nb in people[i + 1:]:
                w = g.edges[a, b]["weight"] + 1 if g.has_edge(a, b) else 1
                g.add_edge(a, b, weight=w, title=f"{na} and {nb}: {w} joint article(s)")
    if g.number_of_nodes():
        communities = nx.community.louvain_communities(g, weight="weight", seed=seed)
        for number, members in enumerate(sorted(communities, key=lambda c: (-len(c), min(c)))):
            for pid in members:
                g.nodes[pid]["community"] = number
                g.nodes[pid]["details"] += f"\nCommunity: {number + 1}"
    return g


def _find_node(view: nx.Graph, focus: str) -> str:
    if focus in view:
        return focus
    wanted = focus.casefold()
    exact = sorted(n for n, d in view.nodes(data=True) if d.get("details", "").split("\n")[0].split(": ", 1)[-1].casefold() == wanted
                   or d.get("label", "").casefold() == wanted)
    if exact:
        return exact[0]
    partial = sorted(n for n, d in view.nodes(data=True) if wanted in d.get("label", "").casefold())
    if len(partial) == 1:
        return partial[0]
    hint = f"; {len(partial)} labels contain it, be more precise" if partial else ""
    raise QueryError(f"no node labelled or identified {focus!r}{hint}")


def ego_view(kg, focus: str, *, depth: int = 1) -> nx.Graph:
    """The neighbourhood of a node (label or IRI) up to `depth` steps, in the overview."""
    if depth < 1:
        raise QueryError("--depth must be at least 1")
    whole = nx.compose(overview(kg), authors_view(kg))
    for row in _rows(kg, "authors"):
        if str(row.article) in whole and str(row.person) in whole:
            whole.add_edge(str(row.article), str(row.person), weight=1, title="author")
    center = _find_node(whole, focus)
    sub = nx.ego_graph(whole, center, radius=depth).copy()
    sub.nodes[center]["focus"] = True
    label = whole.nodes[center].get("label", center)
    sub.graph = {"description": f"Everything within {depth} step(s) of {label} (the star) among articles, authors, "
                                "topics, journals, conditions and interventions."}
    return sub


def query_view(result) -> nx.Graph:
    """A CONSTRUCT result, or SELECT rows with ?source ?target (and optional labels, weight)."""
    g = nx.Graph(description="The rows of a query drawn as a graph: one line per result row (or triple).")

    def node(term, label=None):
        key = str(term)
        if key not in g:
            text = str(label) if label is not None else (key.rsplit("/", 1)[-1] if isinstance(term, URIRef) else key)
            g.add_node(key, label=_short(text), type="resource" if isinstance(term, URIRef) else "value",
                       details=f"{text}\n{key}" if isinstance(term, URIRef) else text, doi="")
        return key

    if result.form == "CONSTRUCT":
        for s, p, o in sorted(result.triples, key=lambda t: tuple(x.n3() for x in t)):
            if isinstance(o, Literal):
                continue
            a, b = node(s), node(o)
            g.add_edge(a, b, weight=1, title=str(p).rsplit("/", 1)[-1].rsplit("#", 1)[-1])
        return g
    names = list(result.vars)
    if result.form != "SELECT" or not {"source", "target"} <= set(names):
        raise QueryError("to draw a query it must be a CONSTRUCT, or a SELECT with ?source and ?target columns")
    for row in result.rows:
        values = dict(zip(names, row))
        if values["source"] is None or values["target"] is None:
            continue
        a = node(values["source"], values.get("sourceLabel"))
        b = node(values["target"], values.get("targetLabel"))
        weight = values.get("weight")
        g.add_edge(a, b, weight=int(weight.toPython()) if weight is not None else 1, title="")
    return g


def make_view(kg, view: str, *, focus: str | None = None, depth: int = 1, topic: str | None = None,
              query: str | None = None, params: dict | None = None) -> nx.Graph:
    """A networkx view of the graph by name (see VIEWS)."""
    if view == "ego":
        if not focus:
            raise ConfigError("the ego view needs --focus LABEL|IRI")
        return ego_view(kg, focus, depth=depth)
    if view == "query":
        from .sparql import load_query

        if not query:
            raise ConfigError("the query view needs --query NAME|FILE (a CONSTRUCT, or a SELECT with ?source ?target)")
        return query_view(kg.query(load_query(query), params or {}))
    builders = {"overview": overview, "topics": topics_view, "evidence": evidence_view, "authors": authors_view}
    if view not in builders:
        raise ConfigError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    return builders[view](kg, topic=topic)
