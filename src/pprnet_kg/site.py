"""Graph -> a static, offline explorer site: index, topic, article, disorder and intervention pages.

Topic pages carry an ORKG-style comparison table of findings (article, year, design, k, N,
measure, value, 95% CI, p) with a forest plot drawn as inline SVG per measure and a CSV
download. Every link is relative, so the site works from file:// and when served. All text
goes through Jinja autoescape; nothing is fetched from outside.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from . import site_people
from .errors import PprnetError
from .measures import measure
from .site_js import MAP_JS, SEARCH_JS, TABLE_JS
from .textnorm import slugify

SHOWN = 10  # items of a long list shown before the rest is folded into a <details>
TALL_PLOT = 400  # a forest plot taller than this (viewBox units, about 1.5 px each on a wide screen) scrolls in a box


@dataclass
class Finding:
    iri: str
    code: str
    label: str
    value: Decimal
    lo: Decimal | None
    hi: Decimal | None
    level: str
    p: str
    k: str
    n: str
    outcome: str
    caveat: str
    line: str
    sentence: str
    kind: str = ""  # comparison | association | within-group | "" (unclear)
    intervention: str = ""
    comparator: str = ""
    exposure: str = ""
    timepoint: str = ""
    smd: Decimal | None = None
    smd_lo: Decimal | None = None
    smd_hi: Decimal | None = None
    excludes: bool | None = None
    concepts: dict = field(default_factory=dict)  # kind -> finding-level concept IRIs
    when: str = ""  # the timepoint as the graph has it (post-treatment, follow-up, session-level)


@dataclass
class Article:
    iri: str
    slug: str
    title: str
    year: str = ""
    doi: str = ""
    journal: str = ""
    design: str = ""
    k: str = ""
    n: str = ""
    posts: list[dict] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    links: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    authors: list[tuple[str, str]] = field(default_factory=list)  # (page slug, name)


def _s(v) -> str:
    return "" if v is None else str(v)




def _dec_or_none(v) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def _slug_of(iri: str, kind: str, base: str) -> str:
    tail = iri[len(base):] if iri.startswith(base) else iri
    tail = tail.split("/", 1)[1] if tail.startswith(kind + "/") else tail
    return slugify(tail, 90)


def collect(kg) -> tuple[dict[str, Article], dict[str, dict[str, str]]]:
    """Articles with their posts, findings and links; and the label of every linked concept."""
    from .projection import articles as article_info

    base = kg.base
    info = article_info(kg)
    arts: dict[str, Article] = {}
    for iri, a in info.items():
        arts[iri] = Article(iri, _slug_of(iri, "article", base), a.title, a.year, a.doi, "", a.design, a.k, a.n)
    for row in kg.select("journals"):
        if _s(row.a) in arts:
            arts[_s(row.a)].journal = _s(row.j)
    subjects: dict[str, list[str]] = defaultdict(list)
    for row in kg.select("subjects"):
        subjects[_s(row.post)].append(_s(row.topic))
    for row in kg.select("site_posts"):
        if _s(row.article) in arts:
            post = {k: _s(getattr(row, k)) for k in (
                "postTitle", "month", "citation", "implications", "summary", "line", "page")}
            post["topics"] = subjects[_s(row.post)]
            arts[_s(row.article)].posts.append(post)
    for row in kg.select("site_findings"):
        art = arts.get(_s(row.article))
        if art is None:
            continue
        p = f"p {row.pcmp} {row.p}" if row.p is not None else ""
        art.findings.append(Finding(
            _s(row.finding), _s(row.code), _s(row.label) or _s(row.code), Decimal(_s(row.value)),
            Decimal(_s(row.lo)) if row.lo is not None else None, Decimal(_s(row.hi)) if row.hi is not None else None,
            f"{(Decimal(_s(row.level)) * 100).normalize():f}%" if row.level is not None else "", p, _s(row.k), _s(row.n),
            _s(row.outcome), _s(row.caveat), _s(row.line), _s(row.sentence), _s(row.kind), _s(row.intervention),
            _s(row.comparatorLabel) or _s(row.comparator), _s(row.exposure),
            _s(row.timepoint) + (f" ({_s(row.months)} months)" if row.months is not None else ""),
            _dec_or_none(row.smd), _dec_or_none(row.smdLo), _dec_or_none(row.smdHi),
            None if row.excludes is None else bool(row.excludes.toPython()), when=_s(row.timepoint)))
    by_iri = {f.iri: f for art in arts.values() for f in art.findings}
    outcomes: dict[str, str] = {}
    for row in kg.select("finding_concepts"):
        f = by_iri.get(_s(row.finding))
        if f is not None:
            f.concepts.setdefault(_s(row.kind), []).append(_s(row.concept))
        if _s(row.kind) == "outcome":
            outcomes[_s(row.concept)] = _s(row.label) or _s(row.concept)
    for art in arts.values():
        art.findings.sort(key=lambda f: f.iri)
    concepts: dict[str, dict[str, str]] = {"topic": {}, "disorder": {}, "intervention": {}}
    for row in kg.select("site_topics"):
        concepts["topic"][_s(row.topic)] = _s(row.label)
    for row in kg.select("links"):
        kind = _s(row.kind)
        concepts[kind][_s(row.target)] = _s(row.label)
        if _s(row.article) in arts:
            arts[_s(row.article)].links[kind].append((_s(row.target), _s(row.label)))
    for art in arts.values():  # the outcome labels of each comparative finding, for the map's filter
        for f in art.findings:
            f.concepts["outcome"] = sorted(outcomes[o] for o in f.concepts.get("outcome", ()))
    return arts, concepts


def comparison(arts: list[Article]) -> list[dict]:
    rows = []
    for art in arts:
        for f in art.findings:
            rows.append({"article": art, "finding": f})
    return rows


def comparison_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["article", "year", "design", "k", "N", "kind", "intervention", "comparator", "exposure", "outcome",
                "timepoint", "measure", "value", "ci_lower", "ci_upper", "ci_level", "p", "smd_equivalent",
                "caveat", "sentence", "source_line", "doi", "finding"])
    for r in rows:
        a, f = r["article"], r["finding"]
        w.writerow([a.title, a.year, a.design, f.k or a.k, f.n or a.n, f.kind, f.intervention, f.comparator, f.exposure,
                    f.outcome, f.timepoint, f.code, f.value, _s(f.lo), _s(f.hi), f.level, f.p, _s(f.smd), f.caveat,
                    f.sentence, f.line, a.doi, f.iri])
    return buf.getvalue()


def implications_of(members: list[Article], topic: str | None) -> list[tuple[Article, dict]]:
    """The practice implications of the posts on these articles (on a topic page: of the posts
    filed under the topic), newest month first."""
    out = [(a, p) for a in members for p in a.posts if p["implications"] and (topic is None or topic in p["topics"])]
    return sorted(out, key=lambda ap: (ap[1]["month"], ap[1]["postTitle"]), reverse=True)


def evidence_cells(arts: dict[str, Article]) -> dict[tuple[str, str], list[dict]]:
    """(intervention, condition) -> the comparative findings that link them (finding-level links)."""
    cells: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for art in sorted(arts.values(), key=lambda a: (a.year, a.title)):
        for f in art.findings:
            if f.kind != "comparison":
                continue
            for iid in f.concepts.get("intervention", ()):
                for did in f.concepts.get("disorder", ()):
                    cells[(iid, did)].append({"article": art, "finding": f})
    return dict(cells)


def cell_summary(rows: list[dict]) -> dict:
    """What a cell of the evidence map shows: findings by verdict, SMD-equivalent range, comparators."""
    fs = [r["finding"] for r in rows]
    smds = [f.smd for f in fs if f.smd is not None]
    return {"findings": len({f.iri for f in fs}), "excludes": sum(f.excludes is True for f in fs),
            "includes": sum(f.excludes is False for f in fs), "no_ci": sum(f.excludes is None for f in fs),
            "smd_min": min(smds) if smds else None, "smd_max": max(smds) if smds else None,
            "comparators": comparators_shown(sorted({f.comparator or "comparator not stated" for f in fs}))}


MAP_COMPARATORS = 3  # a cell of the evidence map names at most this many comparators (its page lists all)


def comparators_shown(names: list[str]) -> str:
    """A map cell's comparators: the first MAP_COMPARATORS, then how many more (site_js.MAP_JS does the
    same): a cell naming a dozen made every row of a 40-intervention map as tall as that list."""
    more = len(names) - MAP_COMPARATORS
    return "; ".join(names[:MAP_COMPARATORS]) + (f" and {more} more" if more > 0 else "")


def map_data(cells: dict[tuple[str, str], list[dict]], href) -> dict[str, list]:
    """What the evidence map's filters need (site_js.MAP_JS): per cell page, each finding once as
    [outcome labels, timepoint, verdict, SMD equivalent or None, comparator]."""
    out = {}
    for key, rows in sorted(cells.items()):
        seen, items = set(), []
        for r in rows:
            f = r["finding"]
            if f.iri in seen:
                continue
            seen.add(f.iri)
            verdict = "none" if f.excludes is None else "excludes" if f.excludes else "includes"
            items.append([f.concepts.get("outcome", []), f.when, verdict, None if f.smd is None else str(f.smd),
                          f.comparator or "comparator not stated"])
        out[href(key)] = items
    return out


def json_block(data) -> str:
    """JSON for a <script type="application/json"> block: never a closing tag inside it."""
    import json

    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    for raw, safe in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(raw, safe)
    return text


def forests(rows: list[dict], root: str = "") -> list[dict]:
    """Forest plots of a table's findings (forest.py): one per kind and measure on its own scale, then
    the comparisons and the associations each on one SMD-equivalent scale when they have one.
    Findings without a CI are listed under their plot, never dropped."""
    from markupsafe import Markup

    from .forest import Row, plots

    items = []
    for r in rows:
        a, f = r["article"], r["finding"]
        what = ", ".join(x for x in (f.outcome, f.timepoint) if x)
        label = f"{a.title} ({a.year or 'n.d.'})" + (f" — {what}" if what else "")
        items.append(Row(label, f.code, f.value, f.lo, f.hi, f.kind or None, f.outcome or None,
                         (f.timepoint.split(" (")[0] or None), f.smd, f.smd_lo, f.smd_hi, f.excludes,
                         f"{root}articles/{a.slug}.html"))
    out = []
    same_family = {"SMD", "d", "g"}
    for scale in ("native", "smd"):
        for plot in plots(items, scale=scale):
            converted = {r.measure for r in items if r.kind == plot.kind and r.smd is not None} - same_family
            if scale == "smd" and (not plot.svg or not converted):
                continue  # nothing was converted: the native plot already shows these on the SMD scale
            heading = plot.heading if scale == "native" else f"{plot.heading} (on one scale)"
            out.append({"heading": heading, "svg": Markup(plot.svg), "rows": plot.svg.count('<g class="row">'),
                        "tall": _svg_height(plot.svg) > TALL_PLOT, "no_ci": [
                (row.label, row.href, f"{row.measure} = {row.value}") for row in plot.no_ci]})
    return out


def _svg_height(svg: str) -> float:
    """The height of an SVG's viewBox (0 when it has none)."""
    import re

    m = re.search(r'viewBox="[-\d.]+ [-\d.]+ [\d.]+ ([\d.]+)"', svg)
    return float(m.group(1)) if m else 0.0


def build_site(kg, destination: str | Path, *, views: bool = True) -> dict[str, int]:
    """Write the site; returns how many pages of each kind were written."""
    from jinja2 import Environment, PackageLoader, select_autoescape
    from markupsafe import Markup

    out = Path(destination)
    env = Environment(loader=PackageLoader("pprnet_kg", "templates"), autoescape=select_autoescape(["html"]))
    base = kg.base
    arts, concepts = collect(kg)
    people = site_people.authors(kg.select("authors"), arts, concepts["topic"],
                                 lambda iri: _slug_of(iri, "person", base))
    counts = {"articles": len(arts), "topics": 0, "disorders": 0, "interventions": 0, "authors": len(people),
              "views": 0, "evidence cells": 0}
    pages: dict[str, dict[str, str]] = {k: {iri: f"{k}s/{_slug_of(iri, k, base)}.html" for iri in v}
                                        for k, v in concepts.items()}
    written: set[str] = set()
    try:
        for sub in ("articles", "topics", "disorders", "interventions", "authors", "views", "evidence"):
            (out / sub).mkdir(parents=True, exist_ok=True)

        def write(rel: str, template: str, **ctx) -> None:
            depth = rel.count("/")
            if ctx.get("rows"):  # a comparison table: its sorting and filters script
                ctx.setdefault("table_js", Markup(TABLE_JS))
                ctx.setdefault("script_hash", Markup(script_hashes(TABLE_JS)))
            html = env.get_template(template).render(root="../" * depth, pages=pages, shown=SHOWN, **ctx)
            (out / rel).write_text(html, encoding="utf-8")
            written.add(rel)

        tl = site_people.timeline(arts, concepts["topic"])
        for art in arts.values():
            rows = comparison([art])
            write(f"articles/{art.slug}.html", "site_article.html", art=art, rows=rows,
                  forests=forests(rows, "../"))
        for kind in ("topic", "disorder", "intervention"):
            for iri, label in concepts[kind].items():
                members = sorted((a for a in arts.values() if any(t == iri for t, _ in a.links[kind])),
                                 key=lambda a: (a.year, a.title))
                rows = comparison(members)
                if kind != "topic":  # a condition's or an intervention's evidence: its own findings only
                    rows = [r for r in rows if iri in r["finding"].concepts.get(kind, ())]
                rel = pages[kind][iri]
                csv_rel = rel[:-5] + ".csv"
                (out / csv_rel).write_text(comparison_csv(rows), encoding="utf-8")
                written.add(csv_rel)
                write(rel, "site_concept.html", kind=kind, label=label, iri=iri, articles=members, rows=rows,
                      csv_name=Path(csv_rel).name, forests=forests(rows, "../" * rel.count("/")),
                      implications=implications_of(members, iri if kind == "topic" else None))
                counts[f"{kind}s"] += 1
        cells = evidence_cells(arts)
        for (iid, did), rows in sorted(cells.items()):
            rel = f"evidence/{_slug_of(iid, 'intervention', base)}--{_slug_of(did, 'disorder', base)}.html"
            csv_rel = rel[:-5] + ".csv"
            (out / "evidence").mkdir(exist_ok=True)
            (out / csv_rel).write_text(comparison_csv(rows), encoding="utf-8")
            written.add(csv_rel)
            write(rel, "site_cell.html", iid=iid, did=did, ilabel=concepts["intervention"].get(iid, iid),
                  dlabel=concepts["disorder"].get(did, did), rows=rows, csv_name=Path(csv_rel).name,
                  forests=forests(rows, "../" * rel.count("/")))
        def cell_href(key: tuple[str, str]) -> str:
            return f"evidence/{_slug_of(key[0], 'intervention', base)}--{_slug_of(key[1], 'disorder', base)}.html"

        summary = {key: cell_summary(rows) | {"href": cell_href(key)} for key, rows in cells.items()}
        write("search.html", "site_search.html", index_json=Markup(json_block(search_index(arts))),
              search_js=Markup(SEARCH_JS), script_hash=Markup(script_hashes(SEARCH_JS)))
        write("evidence.html", "site_evidence.html", cells=summary, map_json=Markup(json_block(map_data(cells, cell_href))),
              map_js=Markup(MAP_JS), script_hash=Markup(script_hashes(MAP_JS)) if cells else "",
              interventions=sorted({(i, concepts["intervention"].get(i, i)) for i, _ in cells}, key=lambda x: x[1]),
              conditions=sorted({(d, concepts["disorder"].get(d, d)) for _, d in cells}, key=lambda x: x[1]))
        counts["evidence cells"] = len(cells)
        view_links = []
        if views:
            from .projection import make_view
            from .viz import to_network, write_html

            hrefs = {iri: f"../articles/{a.slug}.html" for iri, a in arts.items()}
            hrefs.update({iri: f"../{path}" for kind in pages.values() for iri, path in kind.items()})
            for name in ("overview", "topics", "evidence", "authors"):
                view = make_view(kg, name)
                view.graph["hrefs"] = hrefs  # a finding in the details panel links its article's page
                for node, attrs in view.nodes(data=True):  # every node links to its page of the site
                    if node in hrefs:
                        attrs["href"] = hrefs[node]
                write_html(to_network(view, heading=f"PPRNet knowledge graph: {name} view"), out / "views" / f"{name}.html")
                # the views link back to the site
                written.add(f"views/{name}.html")
                view_links.append((name, f"views/{name}.html", view.number_of_nodes()))
                counts["views"] += 1
        from .references import write_site_references  # BibTeX, RIS, CSL-JSON and APA beside each page

        written |= write_site_references(kg, out, {a.iri: f"articles/{a.slug}.html" for a in arts.values()}
                                         | {iri: rel for kind in pages.values() for iri, rel in kind.items()})
        written |= {rel[:-5] + ".graphml" for _, rel, _ in view_links}  # each view's GraphML (viz.write_html)
        for person in people.values():
            write(f"authors/{person.slug}.html", "site_author.html", person=person)
        write("authors.html", "site_authors.html", groups=site_people.by_initial(people), total=len(people))
        write("timeline.html", "site_timeline.html", tl=tl, chart=site_people.year_chart(tl))
        from .analytics import analyze

        write("index.html", "site_index.html", arts=sorted(arts.values(), key=lambda a: (a.year, a.title)),
              concepts=concepts, views=view_links, findings=sum(len(a.findings) for a in arts.values()),
              analysis=analyze(kg))
        _remove_stale(out, written)
    except OSError as exc:
        raise PprnetError(f"{out}: cannot write the site: {exc.strerror or exc}") from None
    return counts


def script_hashes(*scripts: str) -> str:
    """CSP source expressions allowing exactly these inline scripts."""
    import base64
    import hashlib

    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode('utf-8')).digest()).decode()}'"
                    for s in scripts)


def search_index(arts: dict[str, "Article"]) -> list[dict]:
    """One entry per post: its title, month, article page and the words to search."""
    out = []
    for a in sorted(arts.values(), key=lambda a: (a.year, a.title)):
        for p in a.posts:
            text = " ".join(x for x in (p["postTitle"], a.title, p["summary"], p["implications"]) if x)
            out.append({"title": f"{p['postTitle']} ({p['month']})", "url": f"articles/{a.slug}.html", "text": text})
    return out


MANIFEST = ".pprnet-site"  # the pages a previous run wrote, one relative path a line


def _remove_stale(out: Path, written: set[str]) -> None:
    """Remove the pages an earlier run wrote that this run did not (a post gone, a topic renamed);
    files we never wrote are left alone."""
    manifest = out / MANIFEST
    before = set(manifest.read_text(encoding="utf-8").split()) if manifest.is_file() else set()
    for rel in sorted(before - written):
        target = (out / rel).resolve()
        if out.resolve() in target.parents and target.is_file():
            target.unlink()
    manifest.write_text("".join(f"{rel}\n" for rel in sorted(written)), encoding="utf-8")
