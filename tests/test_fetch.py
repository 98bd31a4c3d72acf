"""fetch.py and snapshots.py: crawling a made-up blog served on 127.0.0.1 (never the network).

The fixture site (tests/fixtures/blogsite/) has both editions' shapes, and quirks: a 429 with
Retry-After, 503s, a response slower than the timeout, redirects on and off the host, a page in
Windows-1252 that declares ISO-8859-1, a truncated page, a robots.txt that disallows a filter and
a month page, a page number past the end that shows page 1 again, pager links with their
parameters in another order. Delays run on a fake clock whose sleep only moves it forward.
"""

from __future__ import annotations

import hashlib
import html
import http.server
import threading
import time
import tomllib
from collections import Counter
from datetime import datetime, timedelta, timezone
from string import Template
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from click.testing import CliRunner
from rdflib import RDF, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, SDO, XSD

from pprnet_kg.cli import cli
from pprnet_kg.errors import ConfigError
from pprnet_kg.fetch import CONTACT_URL, DEFAULT_OLD_URL, DEFAULT_URL, FetchConfig, fetch, filters_on, page_url
from pprnet_kg.namespaces import PPR
from pprnet_kg.pipeline import build, evaluate_topics, extract_sources
from pprnet_kg.snapshots import INDEX, SnapshotCache
from pprnet_kg.sources import decode_page, page_from_bytes, read_cache

from conftest import FIXTURES

SITE = FIXTURES / "blogsite"
LISTING = "/pprnet/blog"
OLD = "/pprnet/eng/"
ID = "https://w3id.org/pprnet/id/"


class FixtureSite:
    """The made-up blog, with its quirks (switched off with quirks=False) and a log of what it served."""

    def __init__(self, *, quirks: bool = True) -> None:
        spec = tomllib.loads((SITE / "site.toml").read_text(encoding="utf-8"))
        self.page_size = spec["page_size"]
        self.filters = spec["filter"]
        self.posts = [dict(p, html=(SITE / "posts" / p["file"]).read_text(encoding="utf-8")) for p in spec["post"]]
        self.template = Template((SITE / "listing.html").read_text(encoding="utf-8"))
        self.quirks = quirks
        self.tokens = False  # True: every listing response carries a fresh token (same posts, new bytes)
        self.hits: list[str] = []  # path?query as requested, in order
        self.counts: Counter = Counter()
        self.lock = threading.Lock()

    def publish(self, month: str, title: str, filters: list[str]) -> None:
        post = (SITE / "posts" / "feedback-off-track.html").read_text(encoding="utf-8")
        post = post.replace("Feedback for Clients Who Are Off Track", title)
        self.posts.insert(0, {"month": month, "filters": filters, "html": post})

    def respond(self, target: str, headers) -> tuple[int, dict, bytes]:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        key = parts.path + ("?" + urlencode(sorted(query.items())) if query else "")
        with self.lock:
            self.hits.append(target)
            self.counts[key] += 1
            n = self.counts[key]
        if parts.path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, (SITE / "robots.txt").read_bytes()
        if parts.path == LISTING:
            quirk = self._quirk(key, n)
            if quirk is not None:
                return quirk
            body = self.listing(query).encode("utf-8")
            if self.tokens:
                body = body.replace(b"<head>", b'<head><meta name="csrf-token" content="%d">' % len(self.hits), 1)
            if self.quirks and key == f"{LISTING}?cat_1=7&p=2":
                body = body[: body.index(b"Practice Implications") - 90]  # cut off mid-summary
            return self._conditional(headers, 200, {"Content-Type": "text/html; charset=utf-8"}, body)
        if parts.path.startswith(OLD):
            name = parts.path[len(OLD):]
            if name == "pprnet_blog_feb2016.html":
                return 301, {"Location": f"{OLD}pprnet_blog_february2016.html"}, b""
            if name == "pprnet_blog_april2016.html":
                return 302, {"Location": f"http://offsite.invalid{OLD}{name}"}, b""
            path = SITE / "old" / name
            if path.is_file():
                kind = "text/html" if "february" in name else "text/html; charset=utf-8"
                return self._conditional(headers, 200, {"Content-Type": kind}, path.read_bytes())
        return 404, {"Content-Type": "text/plain"}, b"not here"

    def _quirk(self, key: str, n: int):
        if not self.quirks:
            return None
        if key == f"{LISTING}?p=2" and n == 1:
            return 429, {"Retry-After": "3", "Content-Type": "text/plain"}, b"slow down"
        if key == f"{LISTING}?cat_2=138&p=2" and n <= 2:
            return 503, {"Content-Type": "text/plain"}, b"busy"
        if key == f"{LISTING}?cat_2=131" and n == 1:
            time.sleep(1.5)  # longer than the crawler's timeout
        return None

    @staticmethod
    def _conditional(headers, status, out, body):
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        out = {**out, "ETag": etag, "Last-Modified": "Mon, 01 Mar 2021 00:00:00 GMT"}
        if headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, b""
        return status, out, body

    def listing(self, query: dict) -> str:
        chosen = [(k, v) for k, v in query.items() if k in ("cat_1", "cat_2")]
        posts = [p for p in self.posts if all(f"{k}={v}" in p["filters"] for k, v in chosen)]
        pages = [posts[i:i + self.page_size] for i in range(0, len(posts), self.page_size)] or [[]]
        number = int(query.get("p", "1") or 1)
        number = number if 1 <= number <= len(pages) else 1  # past the end: page 1 again
        shown, month = [], None
        for post in pages[number - 1]:
            if post["month"] != month:
                shown.append(f'<h2 class="month">{post["month"]}</h2>')
                month = post["month"]
            shown.append(post["html"])
        if chosen:  # the pager of a filter prints its parameters the other way round
            k, v = chosen[0]
            pager = [f'<a href="{LISTING}?p={i}&amp;{k}={v}">{i}</a>' for i in range(1, len(pages) + 1)]
        else:
            pager = [f'<a href="?p={i}">{i}</a>' for i in range(1, len(pages) + 1)]
        types = [f'<li><a href="blog?cat_1={f["id"]}">{html.escape(f["label"])}</a></li>'
                 for f in self.filters if f["param"] == "cat_1"]
        topics = [f'<li><a href="{LISTING}?cat_2={f["id"]}">{html.escape(f["label"])}</a></li>'
                  for f in self.filters if f["param"] == "cat_2"]
        return self.template.substitute(types="\n".join(types), topics="\n".join(topics), posts="\n".join(shown),
                                        pager=" ".join(pager))


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        status, headers, body = self.server.site.respond(self.path, self.headers)
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up waiting (the slow page)

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


@pytest.fixture
def site():
    yield from _serve(FixtureSite())


@pytest.fixture
def plain_site():
    yield from _serve(FixtureSite(quirks=False))


def _serve(fixture: FixtureSite):
    server = _Server(("127.0.0.1", 0), _Handler)
    server.site = fixture
    fixture.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fixture
    server.shutdown()
    server.server_close()


class FakeClock:
    """Time moves only when the crawler sleeps; `interrupt_after` sleeps raise KeyboardInterrupt."""

    def __init__(self, interrupt_after: int | None = None) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []
        self.interrupt_after = interrupt_after

    def clock(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        if self.interrupt_after is not None and len(self.sleeps) >= self.interrupt_after:
            raise KeyboardInterrupt
        self.sleeps.append(seconds)
        self.t += seconds

    def now(self) -> datetime:
        return datetime(2026, 3, 1, tzinfo=timezone.utc) + timedelta(seconds=self.t)


def run(site, cache, clock=None, **options):
    config = FetchConfig(url=site.origin + LISTING, old_url=f"{site.origin}{OLD}pprnet_blog.html", cache=str(cache),
                         edition=options.pop("edition", "both"), timeout=0.5,
                         **{k: v for k, v in options.items() if k != "progress"})
    clock = clock or FakeClock()
    return fetch(config, transport=httpx.HTTPTransport(), clock=clock.clock, sleep=clock.sleep, now=clock.now,
                 progress=options.get("progress"))


def paths(report):
    return [urlsplit(r.url).path + (f"?{urlsplit(r.url).query}" if urlsplit(r.url).query else "") for r in report.requests]


CURRENT_TITLES = {
    "Staying in Group Therapy: The Alliance Matters", "Feedback for Clients Who Are Off Track",
    "Brief CBT for Panic in Primary Care", "Some Therapists Get Better Results Than Others",
    "Mentalizing in Treatment for Borderline Personality Disorder", "Do the Gains of Depression Treatment Last?",
    "Insecure Attachment and Early Drop-Out",
}
OLD_TITLES = {"Homework in CBT for Depression", "Clients\u2019 Preferences and Their Outcomes"}


def expected_filing():
    """title -> (blog topics, blog types) as site.toml files the posts (cat_1=9 is off limits)."""
    spec = tomllib.loads((SITE / "site.toml").read_text(encoding="utf-8"))
    labels = {f"{f['param']}={f['id']}": f["label"] for f in spec["filter"]}
    out = {}
    for post in spec["post"]:
        title = (SITE / "posts" / post["file"]).read_text(encoding="utf-8").split("<h3>")[1].split("</h3>")[0]
        out[title] = ({labels[f] for f in post["filters"] if f.startswith("cat_2")},
                      {labels[f] for f in post["filters"] if f.startswith("cat_1") and f != "cat_1=9"})
    return out


# ---------------------------------------------------------------------- the crawl


def test_first_fetch_requests_the_plan_politely(site, tmp_path):
    clock = FakeClock()
    report = run(site, tmp_path / "cache", clock)
    got = paths(report)
    assert got[0] == "/robots.txt" and got[1] == LISTING
    assert got[2:6] == [f"{LISTING}?p=2", f"{LISTING}?p=2", f"{LISTING}?p=3", f"{LISTING}?p=4"]  # 429, then pages
    # one request at a time, a second apart at least; the 429 waited its Retry-After
    starts = [r.at for r in report.requests]
    assert all(b - a >= 1.0 for a, b in zip(starts, starts[1:]))
    first_429 = next(i for i, r in enumerate(report.requests) if r.status == 429)
    assert starts[first_429 + 1] - starts[first_429] >= 3
    # 503 twice, with growing backoff, then the page
    busy = [i for i, r in enumerate(report.requests) if r.url.endswith("cat_2=138&p=2")]
    assert [report.requests[i].status for i in busy] == [503, 503, 200]
    assert starts[busy[1]] - starts[busy[0]] >= 2 and starts[busy[2]] - starts[busy[1]] >= 4
    # the slow page timed out once, then came
    slow = [r for r in report.requests if r.url.endswith("?cat_2=131")]
    assert [(r.status, r.note) for r in slow] == [(None, "timed out"), (200, "")]
    # robots.txt obeyed; nothing off the host; the off-host redirect refused
    assert not [p for p in got if "cat_1=9" in p or "january2016" in p]
    assert not [h for h in site.hits if "cat_1=9" in h or "january2016" in h or "private" in h]
    assert {urlsplit(r.url).netloc for r in report.requests} == {urlsplit(site.origin).netloc}
    refused = dict(report.refused)
    assert refused[f"{site.origin}{LISTING}?cat_1=9"] == "disallowed by robots.txt"
    assert refused[f"{site.origin}{OLD}pprnet_blog_january2016.html"] == "disallowed by robots.txt"
    assert refused[f"http://offsite.invalid{OLD}pprnet_blog_april2016.html"] == "outside the blog's host and paths"
    # the on-host redirect was followed
    assert f"{OLD}pprnet_blog_feb2016.html" in got and f"{OLD}pprnet_blog_february2016.html" in got
    # every page once (the same URL twice only when retried), whatever order its parameters came in
    served = Counter(p for p, r in zip(got, report.requests) if r.status in (200, 301, 302))
    assert max(served.values()) == 1
    # the user agent names the tool and a contact
    assert "pprnet-kg/" in FetchConfig().user_agent and "https://" in FetchConfig().user_agent
    assert report.finished and not report.failed and not report.stopped
    assert {title for _, title in report.new_posts} == CURRENT_TITLES | OLD_TITLES


def test_fetch_then_build_offline_gives_every_post_with_the_blogs_own_tags(site, tmp_path):
    cache = tmp_path / "cache"
    run(site, cache)
    hits = len(site.hits)
    result = build([cache])
    assert len(site.hits) == hits  # the build never asks the site
    g = result.graph
    posts = {str(g.value(p, DCTERMS.title)): p for p in g.subjects(RDF.type, SDO.BlogPosting)}
    assert set(posts) == CURRENT_TITLES | OLD_TITLES
    for title, (topics, types) in expected_filing().items():
        node = posts[title]
        blog = {g.value(a, PPR.topic) for a in g.objects(node, PPR.topicAssignment)
                if (a, PROV.wasAttributedTo, URIRef(ID + "agent/pprnet-blog")) in g}
        assert {str(g.value(t, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"))) for t in blog} == topics
        assert all((node, DCTERMS.subject, t) in g for t in blog)
        kinds = {str(g.value(t, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")))
                 for t in g.objects(node, DCTERMS.type)}
        assert kinds == types, title
    # the blog's assignments carry no matched terms; the rules' always do
    for a in g.subjects(RDF.type, PPR.TopicAssignment):
        by_blog = (a, PROV.wasAttributedTo, None) in g
        assert by_blog != bool(list(g.objects(a, PPR.matchedTerm)))
    # each post comes from a snapshot: its URL, when, and the SHA-256 of the stored body
    for node in posts.values():
        snap = g.value(node, PROV.wasDerivedFrom)
        assert (snap, RDF.type, PPR.SourcePage) in g
        assert str(g.value(snap, DCTERMS.source)).startswith(site.origin)
        assert g.value(snap, PROV.generatedAtTime).datatype == XSD.dateTime
        assert (cache / "bodies" / str(g.value(snap, SDO.sha256))).is_file()
    # Windows-1252 bytes under an ISO-8859-1 label read as the author meant
    assert (None, FOAF.name, Literal("M. B\u00e9langer")) in g
    assert (None, DCTERMS.title, Literal("Matching clients to the therapy they prefer: A meta-analysis")) in g
    assert not result.report.problems
    from pprnet_kg.validate import validate_graph

    assert validate_graph(g).conforms


def test_second_fetch_requests_only_the_first_listing_page(site, tmp_path):
    cache = tmp_path / "cache"
    run(site, cache, FakeClock())
    hits = len(site.hits)
    again = run(site, cache, FakeClock())  # the same second on the clock: still another crawl (regression)
    assert paths(again) == [LISTING] and again.requests[0].status == 304
    assert site.hits[hits:] == [LISTING]
    assert again.new_posts == [] and "nothing new" in again.lines()
    assert again.finished


def test_new_bytes_with_the_same_posts_are_not_news(plain_site, tmp_path):
    cache = tmp_path / "cache"
    clock = FakeClock()
    run(plain_site, cache, clock)
    plain_site.tokens = True
    again = run(plain_site, cache, clock)
    assert paths(again) == [LISTING] and again.requests[0].status == 200
    assert again.new_pages == [] and again.new_posts == []


def test_a_new_post_is_fetched_with_its_filters_and_nothing_else(site, tmp_path):
    cache = tmp_path / "cache"
    clock = FakeClock()
    run(site, cache, clock)
    site.publish("April 2021", "Progress Feedback in University Counselling", ["cat_2=130", "cat_1=7"])
    again = run(site, cache, clock)
    assert again.new_posts == [("2021-04", "Progress Feedback in University Counselling")]
    changed = [p for p, r in zip(paths(again), again.requests) if r.status == 200]
    assert sorted(changed) == sorted([LISTING, f"{LISTING}?cat_1=7", f"{LISTING}?cat_2=130"])
    assert all(r.status in (200, 304) for r in again.requests)
    post = next(p for p in extract_sources([cache])[1].posts if p.raw.month == "2021-04")
    assert post.blog_topics == (("Feedback and Progress Monitoring", f"{site.origin}{LISTING}?cat_2=130"),)
    assert [label for label, _ in post.blog_types] == ["Single Empirical Study"]


def test_an_interrupted_fetch_resumes_without_asking_again(site, tmp_path):
    cache = tmp_path / "cache"
    first = run(site, cache, max_pages=8)
    assert first.stopped == "page cap (8) reached" and not first.finished
    assert "run fetch again to resume" in first.lines()[-1]
    settled = {p for p, r in zip(paths(first), first.requests) if r.status == 200}
    second = run(site, cache)
    assert second.finished
    assert not settled & {p for p in paths(second)}  # nothing fetched in the first run is asked for again
    whole = tmp_path / "whole"
    run(site, whole)
    assert _posts_and_tags(cache) == _posts_and_tags(whole)


def test_ctrl_c_mid_crawl_then_resume(plain_site, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(KeyboardInterrupt):
        run(plain_site, cache, FakeClock(interrupt_after=10))
    assert SnapshotCache(cache).read_state().finished is False
    before = len(plain_site.hits)
    second = run(plain_site, cache)
    assert second.finished and len(plain_site.hits) - before == len(second.requests)
    assert len(plain_site.hits) == len(set(plain_site.hits))  # nothing asked twice over the two runs
    assert {p.raw.title for p in extract_sources([cache])[1].posts} == CURRENT_TITLES | OLD_TITLES


def _posts_and_tags(cache):
    return {(p.raw.month, p.raw.title, p.blog_topics, p.blog_types) for p in extract_sources([cache])[1].posts}


def test_caps_and_current_edition_only(plain_site, tmp_path):
    report = run(plain_site, tmp_path / "a", edition="current", max_bytes=20_000)
    assert report.stopped.startswith("byte cap (20,000) reached") and report.bytes <= 20_000 + 16_384
    report = run(plain_site, tmp_path / "b", edition="current")
    assert not [h for h in plain_site.hits if h.startswith(OLD)]


# ---------------------------------------------------------------------- topics against the blog's own tags


def test_eval_topics_on_the_fixture_site(site, tmp_path):
    cache = tmp_path / "cache"
    run(site, cache)
    rows = {r.topic: r for r in evaluate_topics(extract_sources([cache])[1])}
    assert rows["Group Psychotherapy"].blog == 1 and rows["Outcomes and Deterioration"].blog == 4
    assert rows["Placebo Effect"].blog == 0 and rows["Placebo Effect"].recall is None
    total = rows["all topics"]
    assert total.blog == sum(len(t) for t, _ in expected_filing().values())
    assert 0 < total.both <= min(total.blog, total.rules)
    out = CliRunner().invoke(cli, ["eval-topics", str(cache)])
    assert out.exit_code == 0, out.output
    assert "precision" in out.output and "Outcomes and Deterioration" in out.output and "all topics" in out.output


def test_eval_topics_without_a_cache_says_so(tmp_path):
    out = CliRunner().invoke(cli, ["eval-topics", str(tmp_path / "none")])
    assert out.exit_code == 1 and "not a snapshot cache" in out.output


# ---------------------------------------------------------------------- the CLI


def test_fetch_help_says_what_it_requests():
    out = CliRunner().invoke(cli, ["fetch", "--help"])
    assert out.exit_code == 0
    for words in ("robots.txt", "URL?p=2", "cat_2=ID", "cat_1=ID", "pprnet_blog_<month><year>.html", "--delay",
                  "--max-pages", "--max-bytes", "--edition", "conditional"):
        assert words in out.output, words
    helps = {o.name: o.help for o in cli.commands["fetch"].params}
    assert DEFAULT_URL in helps["url"] and DEFAULT_OLD_URL in helps["old_url"] and CONTACT_URL in helps["contact"]


def test_fetch_cli_against_the_fixture_then_build(plain_site, tmp_path):
    runner = CliRunner()
    out = runner.invoke(cli, ["fetch", "--url", plain_site.origin + LISTING, "--cache", "c", "--delay", "0",
                              "--edition", "current", "--max-pages", "4"])
    assert out.exit_code == 0, out.output
    assert "stopped early: page cap (4) reached" in out.output and "new post: 2021-03" in out.output
    out = runner.invoke(cli, ["fetch", "--url", plain_site.origin + LISTING, "--cache", "c", "--delay", "0",
                              "--edition", "current"])
    assert out.exit_code == 0 and "stopped" not in out.output
    out = runner.invoke(cli, ["build", "c", "--no-html", "--store", "memory"])
    assert out.exit_code == 0, out.output
    assert "posts: 7" in out.output


def test_a_public_site_needs_a_delay_of_a_second():
    with pytest.raises(ConfigError, match="below the 1 s minimum"):
        FetchConfig(delay=0.2).check()
    FetchConfig(url="http://127.0.0.1:8/pprnet/blog", old_url="http://localhost:8/x/pprnet_blog.html", delay=0).check()
    out = CliRunner().invoke(cli, ["fetch", "--delay", "0.1", "--cache", "c"])
    assert out.exit_code == 1 and "below the 1 s minimum" in out.output


# ---------------------------------------------------------------------- pieces


def test_filters_are_read_from_the_links_whatever_the_parameter_order():
    base = "http://h/pprnet/blog"
    links = [(f"{base}?p=2&cat_2=12", "2"), (f"{base}?cat_2=12", "Alliance"), (f"{base}?cat_1=3", "Meta-Analysis"),
             (f"{base}?cat_2=All", "ALL Topics (clear)"), (f"{base}?cat_1=3&cat_2=12", "both"),
             ("http://elsewhere/pprnet/blog?cat_2=99", "Elsewhere"), (f"{base}?p=2&cat_2=15", "2")]
    got = [(f.param, f.id, f.label) for f in filters_on(links, base)]
    assert got == [("cat_2", "12", "Alliance"), ("cat_1", "3", "Meta-Analysis"), ("cat_2", "15", "cat_2=15")]
    assert page_url(base, {"cat_2": "12"}, 1) == f"{base}?cat_2=12"
    assert page_url(base, {"cat_2": "12"}, 3) == f"{base}?cat_2=12&p=3"
    assert page_url(base + "?p=9", {}, 1) == base


@pytest.mark.parametrize("content_type, data, text", [
    ("text/html; charset=windows-1252", "Clients\u2019 caf\u00e9".encode("cp1252"), "Clients\u2019 caf\u00e9"),
    ("text/html", b'<meta charset="iso-8859-1">Clients\x92', '<meta charset="iso-8859-1">Clients\u2019'),
    ("text/html", "na\u00efve \u2013 ok".encode("utf-8"), "na\u00efve \u2013 ok"),
    ("text/html", b"undeclared \x96 dash", "undeclared \u2013 dash"),
    ("text/html; charset=no-such-thing", b"plain", "plain"),
])
def test_pages_are_decoded_as_they_declare(content_type, data, text):
    assert decode_page(data, content_type) == text


def test_a_cut_off_page_is_still_read():
    page = page_from_bytes(b"<div><h2>March 2021</h2><h3>A Title</h3><p>Smith, J. (2020). A study. J, 1, 2.</p><p>Half a su",
                           "x", content_type="text/html")
    assert page.lines == ("March 2021", "A Title", "Smith, J. (2020). A study. J, 1, 2.", "Half a su")


def test_a_line_cut_short_at_the_end_of_the_index_is_skipped(tmp_path):
    cache = SnapshotCache(tmp_path)
    cache.record(url="http://h/pprnet/blog", status=200, headers={"Content-Type": "text/html", "Set-Cookie": "x"},
                 body=b"<h2>March 2021</h2>", retrieved="2026-01-01T00:00:00Z", crawl="c", role="listing")
    with (tmp_path / INDEX).open("a") as f:
        f.write('{"url": "http://h/pprnet/blog?p=2", "sta')
    again = SnapshotCache(tmp_path)
    assert len(again.entries) == 1 and "set-cookie" not in again.entries[0].headers
    assert again.body(again.entries[0]) == b"<h2>March 2021</h2>"
    [page] = read_cache(tmp_path)
    assert page.page.sha256 == hashlib.sha256(b"<h2>March 2021</h2>").hexdigest()


def test_fetch_progress_counts_every_request(plain_site, tmp_path):
    from test_progress import Recorder

    progress = Recorder()
    report = run(plain_site, tmp_path / "cache", edition="current", progress=progress)
    assert progress.done == {"fetching": len(report.requests)} and len(report.requests) > 1
