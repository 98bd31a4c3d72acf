"""The views and the site in a real browser (headless Chromium): offline, no console errors,
the expected nodes, tooltips on hover, working filter and search, hostile titles inert."""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import pytest

from pprnet_kg.projection import make_view
from pprnet_kg.site import build_site
from pprnet_kg.viz import to_network, write_html

from conftest import kg_of


@dataclass
class Visit:
    page: object
    outside: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)


def open_page(browser, url: str) -> Visit:
    page = browser.new_page(viewport={"width": 1300, "height": 850})
    visit = Visit(page)

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            visit.outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: visit.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.errors.append(str(e)))
    page.on("dialog", lambda d: (visit.dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    return visit


def ready(visit: Visit) -> None:
    # a function, not a string: polling a string needs eval, which the page's CSP refuses
    visit.page.wait_for_function("() => window.pprnetNodes !== undefined && window.pprnetNetwork !== undefined")
    visit.page.evaluate("window.pprnetNetwork.stopSimulation()")


def visible_count(visit: Visit) -> int:
    return visit.page.evaluate("window.pprnetNodes.get({filter: n => !n.hidden}).length")


def hover_first_node(visit: Visit) -> str:
    pos = visit.page.evaluate("""() => {
        const net = window.pprnetNetwork, id = window.pprnetNodes.getIds()[0];
        const d = net.canvasToDOM(net.getPositions([id])[id]);
        const r = document.querySelector('#graph canvas').getBoundingClientRect();
        return {x: d.x + r.left, y: d.y + r.top}; }""")
    visit.page.mouse.move(pos["x"], pos["y"])
    visit.page.wait_for_selector("div.vis-tooltip", state="visible", timeout=5000)
    return visit.page.inner_text("div.vis-tooltip")


VIEWS = [("overview", {}), ("topics", {}), ("evidence", {}), ("authors", {}),
         ("ego", {"focus": "M. Barkham", "depth": 2}), ("query", {"query": "graph_topics_articles"})]


@pytest.mark.parametrize("name, options", VIEWS, ids=[v[0] for v in VIEWS])
def test_view_in_chromium(browser, real_build, tmp_path, artifacts, name, options):
    view = make_view(kg_of(real_build.graph), name, **options)
    path = write_html(to_network(view, heading=f"{name} view"), tmp_path / f"{name}.html")
    visit = open_page(browser, path.as_uri())
    ready(visit)
    page = visit.page
    assert page.locator("#graph canvas").count() == 1
    assert page.evaluate("window.pprnetNodes.length") == view.number_of_nodes()
    assert hover_first_node(visit).strip()
    total = visible_count(visit)
    first_type = page.locator(".type-filter").first
    hidden_type = first_type.get_attribute("value")
    first_type.uncheck()
    # a legend entry filters what it names: a kind of node, or (authors view) a co-author community
    named = {n: {d.get("type"), f"community:{d['community'] + 1}" if "community" in d else None}
             for n, d in view.nodes(data=True)}
    assert visible_count(visit) == total - sum(1 for names in named.values() if hidden_type in names)
    assert visible_count(visit) > 0 or view.number_of_nodes() == sum(1 for n in named.values() if hidden_type in n)
    first_type.check()
    # regression: vis's group styling replaced our colours once nodes were hidden and shown again
    data_colour, drawn_colour = page.evaluate("""() => { const id = window.pprnetNodes.getIds()[0];
        return [window.pprnetNodes.get(id).color, window.pprnetNetwork.body.nodes[id].options.color.background]; }""")
    assert data_colour.lower() == drawn_colour.lower()
    label = sorted(d["label"] for _, d in view.nodes(data=True))[0]
    page.fill("#search", label)
    assert 1 <= visible_count(visit) < total or total == 1
    page.fill("#search", "")
    assert visible_count(visit) == total
    page.screenshot(path=str(artifacts / f"view-{name}.png"))
    assert visit.outside == [] and visit.errors == [] and visit.dialogs == []
    page.close()


HOSTILE = ['<script>window.__xss = 1</script>', '"><img src=x onerror="window.__xss = 2">',
           'javascript:window.__xss = 3', '</script><script>window.__xss = 4</script>']


def test_hostile_titles_do_not_execute(browser, tmp_path):
    g = nx.Graph()
    for i, text in enumerate(HOSTILE):
        g.add_node(f"n{i}{text}", label=text, type="article", details=text, doi=text)
        g.add_edge(f"n{i}{text}", f"n{(i + 1) % len(HOSTILE)}{HOSTILE[(i + 1) % len(HOSTILE)]}", title=text)
    path = write_html(to_network(g, heading=HOSTILE[1]), tmp_path / "evil.html")
    visit = open_page(browser, path.as_uri())
    ready(visit)
    hover_first_node(visit)
    visit.page.mouse.click(10, 10)
    for node_id in visit.page.evaluate("window.pprnetNodes.getIds()"):
        visit.page.evaluate("id => window.pprnetNetwork.selectNodes([id])", node_id)
    assert visit.page.evaluate("window.__xss") is None
    assert visit.page.inner_text("#heading") == HOSTILE[1]
    assert visit.outside == [] and visit.dialogs == []


def test_site_pages_in_chromium(browser, real_build, tmp_path, artifacts):
    build_site(kg_of(real_build.graph), tmp_path / "site")
    pages = ["index.html", "topics/alliance-and-therapeutic-relationship.html",
             "articles/doi-10-1016-j-cpr-2019-101810.html", "disorders/depression.html", "views/evidence.html"]
    for rel in pages:
        visit = open_page(browser, (tmp_path / "site" / rel).as_uri())
        visit.page.wait_for_load_state("load")
        assert visit.outside == [] and visit.errors == [], rel
        if rel.startswith("topics/"):
            assert visit.page.locator("svg.forest").count() == 2
        visit.page.screenshot(path=str(artifacts / f"site-{rel.replace('/', '-')[:-5]}.png"), full_page=True)
        visit.page.close()


def test_search_finds_a_practice_implication_phrase_offline(browser, real_build, tmp_path):
    # the phrase is read from the page at test time, not copied here
    build_site(kg_of(real_build.graph), tmp_path / "site")
    post = next(p for p in real_build.extraction.posts if p.raw.implications_text)
    words = post.raw.implications_text.split()[3:7]
    query = " ".join(w.strip(".,;:()") for w in words)
    visit = open_page(browser, (tmp_path / "site" / "search.html").as_uri() + "?q=" + query.replace(" ", "+"))
    visit.page.wait_for_load_state("load")
    titles = [a.inner_text() for a in visit.page.locator("#results a").all()]
    assert any(post.raw.title in t for t in titles), (query, titles)
    assert visit.outside == [] and visit.errors == []
    visit.page.close()


def test_comparison_tables_sort_and_filter_and_read_without_scripts(browser, real_build, tmp_path):
    build_site(kg_of(real_build.graph), tmp_path / "site")
    url = (tmp_path / "site" / "topics" / "alliance-and-therapeutic-relationship.html").as_uri()
    visit = open_page(browser, url)
    visit.page.wait_for_load_state("load")
    page = visit.page

    def values():
        return [r.locator("td").nth(9).inner_text() for r in page.locator("table.findings tbody tr").all()
                if r.is_visible()]

    assert len(values()) == 4 and page.locator(".filters select").count() >= 3
    page.select_option(".filters select[data-column='8']", "B adjusted")
    assert values() == ["-0.065", "-0.148"] or sorted(values()) == ["-0.065", "-0.148"]
    page.select_option(".filters select[data-column='8']", "")
    page.click("table.findings th:nth-child(10) button")
    shown = [float(v) for v in values()]
    assert shown == sorted(shown) and len(shown) == 4
    assert visit.errors == [] and visit.outside == []
    page.close()
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(url)
    assert plain.locator("table.findings tbody tr").count() == 4  # every row, no script needed
    context.close()


def serious_violations(page, axe_js: str) -> list[str]:
    """axe-core's serious and critical violations on the page as it is ("rule-id (nodes)")."""
    page.add_script_tag(content=axe_js)
    return page.evaluate("""() => axe.run().then(r => r.violations
        .filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => v.id + " (" + v.nodes.length + ")"))""")


def axe_on_site_pages(browser, axe_js: str, site, pages: list[str]) -> dict[str, list[str]]:
    """Page -> its serious or critical violations, for the site pages that have any."""
    context = browser.new_context(bypass_csp=True)  # our pages allow only their own scripts; axe is injected
    found = {}
    for rel in pages:
        page = context.new_page()
        page.goto(site.as_uri() + "/" + rel)
        violations = serious_violations(page, axe_js)
        if violations:
            found[rel] = violations
        page.close()
    context.close()
    return found


def test_axe_core_finds_no_serious_or_critical_violations(browser, axe_js, real_build, tmp_path):
    build_site(kg_of(real_build.graph), tmp_path / "site")
    pages = ["index.html", "evidence.html", "search.html?q=alliance", "topics/alliance-and-therapeutic-relationship.html",
             "disorders/depression.html", "articles/doi-10-1016-j-cpr-2019-101810.html",
             "evidence/psychotherapy--depression.html", "views/overview.html", "views/evidence.html",
             "views/authors.html", "views/topics.html"]
    assert axe_on_site_pages(browser, axe_js, tmp_path / "site", pages) == {}


def _evidence_page(browser, real_build, tmp_path, *, viewport=None, fragment=""):
    view = make_view(kg_of(real_build.graph), "evidence")
    path = write_html(to_network(view, heading="evidence view"), tmp_path / "evidence.html")
    visit = open_page(browser, path.as_uri() + fragment)
    if viewport:
        visit.page.set_viewport_size(viewport)
    ready(visit)
    return view, path, visit


def _dom_point(page, expression: str) -> dict:
    return page.evaluate("""(expr) => { const net = window.pprnetNetwork;
        const p = eval(expr); const d = net.canvasToDOM(p);
        const r = document.querySelector('#graph canvas').getBoundingClientRect();
        return {x: d.x + r.left, y: d.y + r.top}; }""", expression)


def test_clicking_an_edge_lists_its_findings(browser, real_build, tmp_path):
    view, _, visit = _evidence_page(browser, real_build, tmp_path)
    page = visit.page
    depression, therapy = ID + "disorder/depression", ID + "intervention/psychotherapy"
    page.evaluate("window.pprnetNetwork.fit({animation: false})")
    mid = _dom_point(page, f"""(() => {{ const p = net.getPositions(["{depression}", "{therapy}"]);
        const a = p["{depression}"], b = p["{therapy}"]; return {{x: (a.x + b.x) / 2, y: (a.y + b.y) / 2}}; }})()""")
    page.mouse.click(mid["x"], mid["y"])
    rows = page.locator("#more ul.findings li")
    assert rows.count() == 2
    text = page.inner_text("#more")
    assert "0.45" in text and "[0.16, 0.75]" in text and "[-0.349, 1.068]" in text and "follow-up" in text
    assert page.locator("#more ul.findings a[href^='https://w3id.org/pprnet/id/post/']").count() == 2
    assert "CI excludes the null" in text and "CI includes the null" in text  # the verdict in words, not colour
    assert visit.errors == [] and visit.outside == []
    page.close()


ID = "https://w3id.org/pprnet/id/"


def test_keyboard_reaches_every_node_and_shows_its_details(browser, real_build, tmp_path):
    view, _, visit = _evidence_page(browser, real_build, tmp_path)
    page = visit.page
    assert page.locator("#node-list [role=option]").count() == view.number_of_nodes()
    page.focus("#node-list")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    last = sorted(d["label"] for _, d in view.nodes(data=True))[-1]
    selected = page.evaluate("window.pprnetNetwork.getSelectedNodes()")
    assert len(selected) == 1 and view.nodes[selected[0]]["label"] == last
    assert page.inner_text("#details").strip().endswith(last) or last in page.inner_text("#details")
    more = page.inner_text("#more")
    # psychotherapy: its two findings once each, though each links it to two conditions
    assert last.startswith("Psychotherapy") and page.locator("#more ul.findings li").count() == 2
    assert "Neighbours" in more and "Findings" in more and "Practice implications" in more
    page.keyboard.press("Home")
    page.keyboard.press("ArrowDown")
    page.keyboard.press(" ")
    second = sorted(d["label"] for _, d in view.nodes(data=True))[1]
    assert view.nodes[page.evaluate("window.pprnetNetwork.getSelectedNodes()")[0]]["label"] == second
    assert "node=" in page.evaluate("window.location.hash")  # the permalink follows the selection
    page.click("#node-details summary")
    page.click("#edge-details summary")
    # toggle events are async; a function, not a string: the page's CSP forbids the eval a string needs
    page.wait_for_function("() => document.querySelector('#node-table tbody').rows.length > 0 && "
                           "document.querySelector('#edge-table tbody').rows.length > 0")
    assert page.locator("#node-table tbody tr").count() == view.number_of_nodes()
    assert page.locator("#edge-table tbody tr").count() == view.number_of_edges()
    page.close()


def test_phone_layout_puts_the_graph_on_top_and_nothing_overflows(browser, real_build, tmp_path, artifacts):
    _, _, visit = _evidence_page(browser, real_build, tmp_path, viewport={"width": 390, "height": 844})
    page = visit.page
    graph = page.locator("#graph").bounding_box()
    aside = page.locator("aside").bounding_box()
    assert graph["width"] >= 350 and graph["height"] >= 300
    assert aside["y"] >= graph["y"] + graph["height"] - 1 and aside["width"] >= 350
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    canvas = page.locator("#graph canvas").bounding_box()
    assert canvas["width"] >= 350 and canvas["height"] >= 300
    page.screenshot(path=str(artifacts / "view-evidence-phone.png"), full_page=True)
    page.close()


def test_fit_zoom_search_png_and_permalink(browser, real_build, tmp_path):
    view, path, visit = _evidence_page(browser, real_build, tmp_path)
    page = visit.page
    assert page.evaluate("window.pprnetNetwork.physics.physicsEnabled") is False or \
        page.evaluate("window.pprnetNetwork.physics.options.enabled") is False  # physics stops once laid out
    page.click("#fit")
    scale = page.evaluate("window.pprnetNetwork.getScale()")
    page.click("#zoom-in")
    assert page.evaluate("window.pprnetNetwork.getScale()") > scale
    page.click("#zoom-out")
    page.click("#zoom-out")
    assert page.evaluate("window.pprnetNetwork.getScale()") < scale
    # search: the match and its neighbours stay; the rest is hidden
    page.fill("#search", "anxiety")
    shown = set(page.evaluate("window.pprnetNodes.get({filter: n => !n.hidden}).map(n => n.id)"))
    assert shown == {ID + "disorder/anxiety", ID + "intervention/psychotherapy"}
    assert "q=anxiety" in page.evaluate("window.location.hash")
    with page.expect_download() as download:
        page.click("#png")
    png = download.value.path().read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    assert page.get_attribute("#graphml", "href") == "evidence.graphml" and path.with_suffix(".graphml").is_file()
    page.close()
    again = open_page(browser, path.as_uri() + "#node=" + ID.replace(":", "%3A") + "disorder%2Fdepression&q=depress")
    ready(again)
    assert again.page.input_value("#search") == "depress"
    assert again.page.evaluate("window.pprnetNetwork.getSelectedNodes()") == [ID + "disorder/depression"]
    assert "Depression" in again.page.inner_text("#details")
    assert again.errors == [] and again.outside == []
    again.page.close()


def test_views_at_phone_width_pass_axe(browser, axe_js, real_build, tmp_path):
    found = {}
    context = browser.new_context(bypass_csp=True, viewport={"width": 390, "height": 844})
    for name in ("evidence", "authors"):
        view = make_view(kg_of(real_build.graph), name)
        path = write_html(to_network(view, heading=f"{name} view"), tmp_path / f"{name}.html")
        page = context.new_page()
        page.goto(path.as_uri())
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page.wait_for_function("() => document.querySelectorAll('#edge-table tbody tr').length > 0")
        page.evaluate("window.pprnetShow(window.pprnetNodes.getIds()[0], true)")
        violations = serious_violations(page, axe_js)
        if violations:
            found[name] = violations
        page.close()
    context.close()
    assert found == {}


def test_text_tables_hold_every_node_and_edge_as_inert_text(browser, tmp_path):
    g = nx.Graph()
    for i, text in enumerate(HOSTILE):
        g.add_node(f"n{i}", label=text, type="article", details=text, doi="")
    g.add_edge("n0", "n1", title=HOSTILE[3])
    g.add_edge("n1", "n2", title=HOSTILE[1])
    path = write_html(to_network(g, heading="tables"), tmp_path / "tables.html")
    visit = open_page(browser, path.as_uri())
    ready(visit)
    page = visit.page
    assert page.locator("#node-table tbody tr").count() == 0  # filled when opened
    page.click("#node-details summary")
    page.click("#edge-details summary")
    # toggle events are async; a function, not a string: the page's CSP forbids the eval a string needs
    page.wait_for_function("() => document.querySelector('#node-table tbody').rows.length > 0 && "
                           "document.querySelector('#edge-table tbody').rows.length > 0")
    assert page.locator("#node-table tbody tr").count() == len(HOSTILE)
    assert page.locator("#edge-table tbody tr").count() == 2
    assert HOSTILE[3] in page.inner_text("#edge-table") and HOSTILE[0] in page.inner_text("#node-table")
    assert page.evaluate("window.__xss") is None and page.locator("#node-table img, #edge-table script").count() == 0
    assert visit.errors == [] and visit.dialogs == []
    page.close()


def test_findings_in_the_panel_link_the_article_page_when_known(browser, real_build, tmp_path):
    view = make_view(kg_of(real_build.graph), "evidence")
    view.graph["hrefs"] = {ID + "article/doi/10.1016/j.cpr.2019.101810": "../articles/gloster.html"}
    path = write_html(to_network(view), tmp_path / "evidence.html")
    visit = open_page(browser, path.as_uri())
    ready(visit)
    visit.page.evaluate(f"window.pprnetShow('{ID}intervention/psychotherapy', true)")
    assert visit.page.locator("#more ul.findings a[href='../articles/gloster.html']").count() == 2
    assert visit.errors == [] and visit.outside == []
    visit.page.close()


# ------------------------- map filters, permalinks, page heights, new pages (issue 12, part 2)

def synthetic_kg(root, posts: int):
    from pprnet_kg.kg import KG
    from pprnet_kg.synth import write_synthetic

    write_synthetic(posts, root / "corpus", seed=7)
    return KG.build([root / "corpus"], store="oxigraph")[0]


def shown_cells(page) -> dict[str, tuple]:
    """What the evidence map shows now: per cell page, findings and the three verdict counts."""
    import re

    out = {}
    for td in page.locator("td[data-cell]").all():
        text = td.inner_text()
        if td.locator("a").count():
            m = re.search(r"(\d+) finding.*?(\d+) CI excludes null · (\d+) includes · (\d+) no CI", text, re.S)
            out[td.get_attribute("data-cell")] = tuple(int(x) for x in m.groups())
    return out


def test_evidence_map_filters_match_the_query_and_stay_in_the_url(browser, tmp_path):
    from test_site import query_cells

    kg = synthetic_kg(tmp_path, 150)
    build_site(kg, tmp_path / "site", views=False)
    url = (tmp_path / "site" / "evidence.html").as_uri()
    visit = open_page(browser, url)
    page = visit.page
    assert shown_cells(page) == query_cells(kg)
    outcomes = [o for o in page.locator("#map-outcome option").all_inner_texts() if o != "any"]
    best = max(outcomes, key=lambda o: len(query_cells(kg, outcome=o, timepoint="post-treatment")))
    page.select_option("#map-outcome", best)
    page.select_option("#map-timepoint", "post-treatment")
    expected = query_cells(kg, outcome=best, timepoint="post-treatment")
    assert shown_cells(page) == expected and 0 < len(expected) < len(query_cells(kg))
    assert "outcome=" in page.url and "timepoint=post-treatment" in page.url
    again = open_page(browser, page.url)  # the copied link reopens the same view, from file://
    assert again.page.input_value("#map-outcome") == best and shown_cells(again.page) == expected
    # a cell opens its comparison table under the same filters: the rows shown are the findings counted
    unfiltered = query_cells(kg)
    narrowed = [c for c in expected if expected[c][0] < unfiltered[c][0]]  # cells the filter makes smaller
    assert narrowed
    cell = sorted(narrowed)[0]
    counts = expected[cell]
    link = page.locator(f'td[data-cell="{cell}"] a')
    assert "map-outcome=" in link.get_attribute("href") and "map-timepoint=post-treatment" in link.get_attribute("href")
    link.click()
    page.wait_for_load_state()
    table = page.locator("table.findings").first
    assert int(table.get_attribute("data-shown")) == counts[0] < table.locator("tbody tr").count()
    assert "As filtered on the evidence map" in page.locator(".map-filter").inner_text()
    assert visit.errors == [] and again.errors == [] and visit.outside == [] and again.outside == []
    again.page.close()
    page.close()
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(url)
    assert plain.locator("#map-filters").is_hidden() and len(shown_cells(plain)) == len(query_cells(kg))
    context.close()


def test_table_filters_and_sort_are_kept_in_the_url(browser, real_build, tmp_path):
    build_site(kg_of(real_build.graph), tmp_path / "site", views=False)
    visit = open_page(browser, (tmp_path / "site" / "topics" / "alliance-and-therapeutic-relationship.html").as_uri())
    page = visit.page
    page.select_option(".filters select[data-column='8']", "B adjusted")
    page.click("table.findings th:nth-child(10) button")
    page.click("table.findings th:nth-child(10) button")
    assert "measure=B+adjusted" in page.url and "sort=-value" in page.url
    again = open_page(browser, page.url)

    def values(p):
        return [r.locator("td").nth(9).inner_text() for r in p.locator("table.findings tbody tr").all() if r.is_visible()]

    assert values(again.page) == values(page) == ["-0.065", "-0.148"]
    assert again.page.input_value(".filters select[data-column='8']") == "B adjusted"
    assert visit.errors == [] and again.errors == []
    again.page.close()
    page.close()


def test_search_query_is_kept_in_the_url(browser, real_build, tmp_path):
    build_site(kg_of(real_build.graph), tmp_path / "site", views=False)
    visit = open_page(browser, (tmp_path / "site" / "index.html").as_uri())
    visit.page.fill("nav input[name=q]", "alliance")
    visit.page.press("nav input[name=q]", "Enter")
    visit.page.wait_for_selector("#results li")
    assert visit.page.url.endswith("search.html?q=alliance")
    first = visit.page.locator("#results a").all_inner_texts()
    again = open_page(browser, visit.page.url)
    again.page.wait_for_selector("#results li")
    assert again.page.locator("#results a").all_inner_texts() == first and again.page.input_value("#q") == "alliance"
    visit.page.close()
    again.page.close()


MAX_HEIGHT = 15_000  # px, at 1300 x 850


@pytest.mark.slow
def test_no_site_page_is_taller_than_15000_px_at_2000_posts(browser, tmp_path):
    # every page but the article and author pages (one study or one person each), and of those the
    # 25 biggest files of each kind
    kg = synthetic_kg(tmp_path, 2000)
    out = tmp_path / "site"
    build_site(kg, out, views=False)
    pages = [p for p in out.rglob("*.html") if p.parent.name not in {"articles", "authors", "views"}]
    for sub in ("articles", "authors"):
        pages += sorted((out / sub).glob("*.html"), key=lambda p: -p.stat().st_size)[:25]
    page = browser.new_page(viewport={"width": 1300, "height": 850})
    heights = {}
    for html in pages:
        page.goto(html.as_uri())
        heights[html.relative_to(out).as_posix()] = page.evaluate("document.documentElement.scrollHeight")
    page.close()
    assert len(heights) > 500
    tallest = max(heights, key=heights.get)
    assert heights[tallest] <= MAX_HEIGHT, (tallest, heights[tallest])


def test_axe_core_on_the_new_pages(browser, axe_js, real_build, tmp_path):
    build_site(kg_of(real_build.graph), tmp_path / "site", views=False)
    pages = ["timeline.html", "authors.html", "authors/barkham-m.html", "evidence.html?outcome=x",
             "topics/alliance-and-therapeutic-relationship.html?measure=B+adjusted&sort=-value"]
    assert axe_on_site_pages(browser, axe_js, tmp_path / "site", pages) == {}


@pytest.mark.parametrize("name", ["overview", "topics", "evidence", "authors"])
def test_node_labels_do_not_overlap_on_the_real_page(browser, real_build, tmp_path, name):
    """Once the layout settles, no two nodes' boxes (shape and label, as vis-network measures them)
    overlap: the page pulls overlapping labels apart."""
    view = make_view(kg_of(real_build.graph), name)
    path = write_html(to_network(view, heading=f"{name} view"), tmp_path / f"{name}.html")
    visit = open_page(browser, path.as_uri())
    visit.page.wait_for_function("() => window.pprnetSettled === true", timeout=60_000)
    assert visit.page.evaluate("window.pprnetLabelOverlaps()") == []
    assert visit.page.evaluate("window.pprnetNodes.length") == view.number_of_nodes() > 1


def test_site_pages_fit_a_phone_screen(browser, real_build, tmp_path):
    """At 390 px wide no site page is wider than the screen: wide tables scroll inside their box."""
    out = tmp_path / "site"
    build_site(kg_of(real_build.graph), out, views=False)
    pages = ["index.html", "evidence.html", "timeline.html", "authors.html", "search.html"]
    pages += [str(p.relative_to(out)) for sub in ("topics", "articles", "disorders", "interventions", "authors")
              for p in sorted((out / sub).glob("*.html"), key=lambda p: -p.stat().st_size)[:2]]
    page = browser.new_page(viewport={"width": 390, "height": 844})
    wide = {}
    for rel in pages:
        page.goto((out / rel).as_uri())
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wide[rel] = width
    page.close()
    assert len(pages) > 10 and wide == {}
