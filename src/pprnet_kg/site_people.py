"""The explorer site's author pages and timeline: who wrote what with whom on which topics, and how
many posts each year brought on each topic. Pure functions over site.collect's articles; site.py
writes the pages."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from markupsafe import Markup, escape


@dataclass
class Author:
    iri: str
    slug: str
    name: str
    articles: list = field(default_factory=list)  # site.Article, by year then title
    coauthors: list = field(default_factory=list)  # (Author, joint articles), most first
    topics: list = field(default_factory=list)  # (topic IRI, label, posts), most first


def authors(rows, arts: dict, topic_labels: dict[str, str], slug_of) -> dict[str, Author]:
    """Authors from the `authors` view query's rows (article, person, name); each article also gets
    its authors as `art.authors` [(slug, name)]. `slug_of(iri)` names an author's page."""
    people: dict[str, Author] = {}
    seen: set[tuple[str, str]] = set()
    for row in rows:
        art = arts.get(str(row.article))
        if art is None or (str(row.person), art.iri) in seen:
            continue
        iri = str(row.person)
        seen.add((iri, art.iri))
        person = people.setdefault(iri, Author(iri, slug_of(iri), str(row.name) if row.name is not None else iri))
        person.articles.append(art)
    for person in people.values():
        person.articles.sort(key=lambda a: (a.year, a.title))
    by_article: dict[str, list[Author]] = defaultdict(list)
    for person in sorted(people.values(), key=lambda p: (p.name, p.iri)):
        for art in person.articles:
            by_article[art.iri].append(person)
    for iri, group in by_article.items():
        arts[iri].authors = [(p.slug, p.name) for p in group]
    for person in people.values():
        joint = Counter(other.iri for art in person.articles for other in by_article[art.iri] if other is not person)
        person.coauthors = [(people[i], n) for i, n in sorted(joint.items(), key=lambda kv: (-kv[1], people[kv[0]].name, kv[0]))]
        topics = Counter(t for art in person.articles for p in art.posts for t in p["topics"] if t in topic_labels)
        person.topics = [(t, topic_labels[t], n) for t, n in sorted(topics.items(), key=lambda kv: (-kv[1], topic_labels[kv[0]]))]
    return people


def by_initial(people: dict[str, Author]) -> list[tuple[str, list[Author]]]:
    """Authors grouped under the first letter of their name (A-Z, then the rest under #)."""
    groups: dict[str, list[Author]] = defaultdict(list)
    for person in sorted(people.values(), key=lambda p: (p.name.casefold(), p.iri)):
        first = person.name[:1].upper()
        groups[first if "A" <= first <= "Z" else "#"].append(person)
    return sorted(groups.items(), key=lambda kv: (kv[0] == "#", kv[0]))


@dataclass
class Timeline:
    years: list[str]
    totals: dict[str, int]  # year -> posts
    topics: list[tuple[str, str, dict[str, int], int]]  # (topic IRI, label, year -> posts, all years)
    undated: int


def timeline(arts: dict, topic_labels: dict[str, str]) -> Timeline:
    """Posts per year (from each post's month), overall and per topic."""
    totals: Counter = Counter()
    per_topic: dict[str, Counter] = defaultdict(Counter)
    undated = 0
    for art in arts.values():
        for p in art.posts:
            year = p["month"][:4]
            if not year.isdigit():
                undated += 1
                continue
            totals[year] += 1
            for t in set(p["topics"]):
                if t in topic_labels:
                    per_topic[t][year] += 1
    years = sorted(totals)
    rows = [(t, topic_labels[t], dict(per_topic[t]), sum(per_topic[t].values()))
            for t in sorted(topic_labels, key=lambda t: topic_labels[t])]
    return Timeline(years, dict(totals), rows, undated)


def year_chart(tl: Timeline) -> Markup:
    """Posts per year as an inline SVG bar chart: every bar carries its number and its year as text
    (nothing told by colour or length alone); the table on the page holds the same numbers."""
    if not tl.years:
        return Markup("")
    bar, gap, top, chart_h = 34, 10, 24, 160
    most = max(tl.totals.values())
    width = len(tl.years) * (bar + gap) + gap
    parts = []
    for i, year in enumerate(tl.years):
        n = tl.totals[year]
        h = round(chart_h * n / most, 1)
        x = gap + i * (bar + gap)
        y = top + chart_h - h
        parts.append(f'<g><rect x="{x}" y="{y}" width="{bar}" height="{h}" fill="#0b4f8a"/>'
                     f'<text x="{x + bar / 2}" y="{y - 5}" text-anchor="middle">{n}</text>'
                     f'<text x="{x + bar / 2}" y="{top + chart_h + 16}" text-anchor="middle">{escape(year)}</text></g>')
    label = "Posts per year: " + ", ".join(f"{y}: {tl.totals[y]}" for y in tl.years)
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{escape(label)}" '
                  f'viewBox="0 0 {width} {top + chart_h + 26}" width="{width}" font-size="12" fill="#1a1a1a">'
                  + "".join(parts) + "</svg>")
