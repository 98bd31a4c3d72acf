"""Fetch the live blog into the snapshot cache: the crawl plan (what to ask for, and when to stop).

What is requested, in this order, through snapshots.PoliteClient (one request at a time, at
least `delay` seconds apart, robots.txt obeyed, the blog's own host and paths only):

1. `robots.txt` of each host, unless the cache holds one younger than a day.
2. Current edition: the listing `URL`, then `URL?p=2`, `?p=3`, ... until a page brings no post
   not seen on an earlier page of the walk (past the end the site shows page 1 again). The
   filters are the links on those pages that carry `cat_2=ID` (topics) or `cat_1=ID` (type of
   research), ids and labels as the page gives them. Each filter is walked the same way:
   `URL?cat_2=ID`, `URL?cat_2=ID&p=2`, ...
3. Old edition: `OLD_URL` (its index), then every month page (`pprnet_blog_<month><year>.html`)
   linked from it, from those pages, or from the current listing. It is an archive: fetched
   once, then only with `refresh`.

Incremental: every request is conditional on the cached copy; when the first listing page is
unchanged, nothing else is requested; a filter whose first page is unchanged is skipped; a walk
stops at the first page holding a post fetched before. A run ended by a cap (or Ctrl-C) leaves
its crawl unfinished, and the next run resumes it without asking again for what it already has.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from typing import Callable
from urllib.parse import parse_qs, urldefrag, urlencode, urljoin, urlsplit

from . import __version__
from .errors import ConfigError
from .snapshots import CrawlState, Fetched, LimitReached, PoliteClient, Request, SnapshotCache, is_loopback, stamp
from .sources import decode_page, is_furniture, page_from_bytes, post_key

DEFAULT_URL = "https://www.uottawa.ca/faculty-social-sciences/pprnet/blog"
DEFAULT_OLD_URL = "https://www.med.uottawa.ca/pprnet/eng/pprnet_blog.html"
CONTACT_URL = "https://w3id.org/pprnet/"
FACETS = {"cat_2": "topic", "cat_1": "research type"}  # the blog's filter parameters; ids come from its links
PAGE_PARAM = "p"
MONTH_PAGE = re.compile(r"pprnet_blog_[a-z]+[_-]?\d{4}\.html?", re.IGNORECASE)
EDITIONS = ("current", "old", "both")


@dataclass(frozen=True)
class FetchConfig:
    url: str = DEFAULT_URL
    old_url: str = DEFAULT_OLD_URL
    cache: str = "out/cache"
    delay: float = 1.0  # seconds between requests, at least (robots.txt may ask for more)
    max_pages: int = 1000  # page requests per run (robots.txt not counted)
    max_bytes: int = 100_000_000  # body bytes per run
    edition: str = "current"
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 2.0  # first wait after a 429/5xx without Retry-After; doubles each time
    max_retry_after: float = 300.0  # a server asking for a longer wait: that page is given up for this run
    refresh: bool = False  # walk every listing to its end again (still conditional)
    contact: str = CONTACT_URL

    @property
    def user_agent(self) -> str:
        return f"pprnet-kg/{__version__} (+{self.contact}; research crawler, one request at a time)"

    def check(self) -> None:
        if self.edition not in EDITIONS:
            raise ConfigError(f"edition must be one of {', '.join(EDITIONS)}, not {self.edition!r}")
        for name in ("url", "old_url"):
            parts = urlsplit(getattr(self, name))
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError(f"{name} must be an http(s) URL, not {getattr(self, name)!r}")
        used = {"current": [self.url], "old": [self.old_url]}.get(self.edition, [self.url, self.old_url])
        if self.delay < 1.0 and not all(is_loopback(urlsplit(u).hostname) for u in used):
            raise ConfigError(f"delay {self.delay:g} s is below the 1 s minimum for a public site")
        if self.max_pages < 1 or self.max_bytes < 1 or self.retries < 0 or self.timeout <= 0:
            raise ConfigError("max_pages and max_bytes must be positive, retries >= 0, timeout > 0")


@dataclass
class FetchReport:
    requests: list[Request] = field(default_factory=list)
    new_pages: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    new_posts: list[tuple[str, str]] = field(default_factory=list)  # (month, title) not in the cache before
    refused: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    stopped: str | None = None
    finished: bool = False
    bytes: int = 0

    def lines(self) -> list[str]:
        out = [f"requests: {len(self.requests)}; new or changed pages: {len(self.new_pages)}; unchanged: "
               f"{len(self.unchanged)}; already fetched in this crawl: {len(self.reused)}; bytes: {self.bytes:,}"]
        out += [f"new post: {month or 'undated'} {title}" for month, title in self.new_posts]
        out += [] if self.new_posts else ["nothing new"]
        out += [f"refused: {url} ({why})" for url, why in self.refused]
        out += [f"failed: {url} ({why})" for url, why in self.failed]
        if self.stopped:
            out.append(f"stopped early: {self.stopped}; run fetch again to resume")
        return out


@dataclass(frozen=True)
class Filter:
    param: str
    id: str
    label: str

    @property
    def sequence(self) -> str:
        return f"{self.param}={self.id}"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def links_on(got: Fetched) -> list[tuple[str, str]]:
    """(absolute URL without fragment, link text) of every <a href> on a fetched page."""
    parser = _Links()
    parser.feed(decode_page(got.body, got.content_type))
    parser.close()
    return [(urldefrag(urljoin(got.url, href)).url, text) for href, text in parser.links if href]


def filters_on(links: list[tuple[str, str]], listing: str) -> list[Filter]:
    """The filters a listing page offers: links back to the listing carrying exactly one filter
    parameter with an id (not "All"), in any parameter order; the label is the text of a link to
    the filter's first page (a pager link's "2" is not a label)."""
    base = urlsplit(listing)
    found: dict[tuple[str, str], str] = {}
    for url, text in links:
        parts = urlsplit(url)
        if parts.netloc.lower() != base.netloc.lower() or parts.path.rstrip("/") != base.path.rstrip("/"):
            continue
        query = parse_qs(parts.query)
        params = [k for k in query if k in FACETS]
        if len(params) != 1 or query[params[0]][0].strip().lower() in ("", "all"):
            continue
        key = (params[0], query[params[0]][0].strip())
        first_page = query.get(PAGE_PARAM, ["1"])[0] in ("", "1")
        if first_page and text and not text.isdigit() and not found.get(key):
            found[key] = text
        found.setdefault(key, "")
    return [Filter(param, fid, label or f"{param}={fid}") for (param, fid), label in found.items()]


def page_url(listing: str, params: dict[str, str], number: int) -> str:
    """The URL of page `number` of the listing with these filters, parameters in one order."""
    query = dict(sorted(params.items()))
    if number > 1:
        query[PAGE_PARAM] = str(number)
    return listing.split("?", 1)[0] + ("?" + urlencode(query) if query else "")


def is_month_page(url: str) -> bool:
    return MONTH_PAGE.fullmatch(urlsplit(url).path.rsplit("/", 1)[-1]) is not None


def posts_on(body: bytes, url: str, content_type: str | None) -> list[tuple[str, str]]:
    """(month, title) of each post on a page, read as the build will read it."""
    from .parse import parse_page

    page = page_from_bytes(body, url, content_type=content_type)
    return [(p.month, p.title) for p in parse_page(page).posts if not is_furniture(p)]


class _Crawl:
    """Which listings to walk, and where each walk ends."""

    def __init__(self, config: FetchConfig, client: PoliteClient, cache: SnapshotCache, state: CrawlState) -> None:
        self.config, self.client, self.cache, self.state = config, client, cache, state
        self.filters: list[Filter] = []
        self.month_pages: list[str] = []

    def current(self) -> None:
        first = self.client.get(self.config.url, "listing", {"seq": "listing", "page": 1})
        if first is None:
            return
        if not (self.state.resumed or self.config.refresh or first.changed) and "current" in self.state.ever_done:
            return  # the first listing page is as we saw it last time: nothing new on the blog
        ok = self.walk("listing", {}, "listing", {}, first=first)
        for f in self.filters:
            meta = {"facet": FACETS[f.param], "label": f.label, "filter_url": page_url(self.config.url, {f.param: f.id}, 1)}
            ok = self.walk(f.sequence, {f.param: f.id}, "filter", meta) and ok
        if ok:
            self._done("current")

    def walk(self, sequence: str, params: dict, role: str, meta: dict, *, first: Fetched | None = None) -> bool:
        """Pages 1, 2, ... of one listing until one brings nothing new; False when a page failed
        for now. Pages settled earlier in a resumed crawl come from the cache, not the site."""
        known = set()
        if sequence in self.state.ever_done and not self.config.refresh:
            known = {post_key(*k) for k in self.cache.post_keys(sequence=sequence, before=self.state.crawl)}
        seen: set[tuple[str, str]] = set()
        number = 1
        while True:
            failures = len(self.client.unsettled)
            got = first if number == 1 and first is not None else self.client.get(
                page_url(self.config.url, params, number), role, {**meta, "seq": sequence, "page": number})
            if got is None and len(self.client.unsettled) > failures:
                return False  # the next run walks this listing again
            if got is None:
                break  # refused (robots.txt, off the blog) or gone (404): nothing more to get here
            if number == 1 and known and not got.changed:
                break  # lists what it listed before
            keys = {post_key(*k) for k in got.snapshot.meta.get("posts", ())}
            if not keys - seen:
                break  # past the end (page 1 again), or an empty page
            seen |= keys
            self._discover(got)
            if keys & known:
                break  # reached posts fetched before: the later pages hold nothing new
            number += 1
        self._done(sequence)
        return True

    def old(self) -> None:
        if "old" in self.state.ever_done and not self.config.refresh:
            return
        failures = len(self.client.unsettled)
        index = self.client.get(self.config.old_url, "old-index", {"seq": "old-index"})
        queue = [u for u, _ in links_on(index) if is_month_page(u)] if index else []
        queue += self.month_pages
        seen: set[str] = set()
        while queue:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            got = self.client.get(url, "old", {"seq": "old"})
            if got is not None:
                queue += [u for u, _ in links_on(got) if is_month_page(u) and u not in seen]
        if len(self.client.unsettled) == failures:
            self._done("old")

    def _discover(self, got: Fetched) -> None:
        links = links_on(got)
        if got.snapshot.meta.get("seq") == "listing":
            have = {(f.param, f.id) for f in self.filters}
            self.filters += [f for f in filters_on(links, self.config.url) if (f.param, f.id) not in have]
        self.month_pages += [u for u, _ in links if is_month_page(u) and u not in self.month_pages]

    def _done(self, sequence: str) -> None:
        self.state.complete(sequence)
        self.cache.save_state(self.state)


def fetch(config: FetchConfig, *, transport=None, clock: Callable[[], float] = time.monotonic,
          sleep: Callable[[float], None] = time.sleep,
          now: Callable[[], datetime] = lambda: datetime.now(timezone.utc), progress=None) -> FetchReport:
    """Fetch the blog into the snapshot cache `config.cache`; report what was asked and found.

    `transport` (an httpx transport), `clock`, `sleep` and `now` are for tests: with a fake clock
    whose sleep only moves it forward, the delays cost nothing and can still be checked.
    `progress` (see progress.py) is told of every request sent."""
    from .progress import QUIET

    config.check()
    cache = SnapshotCache(config.cache)
    before = {post_key(*k) for k in cache.post_keys()}
    state = cache.begin_crawl(stamp(now()))
    old_folder = config.old_url.rsplit("/", 1)[0] + "/"

    def annotate(body: bytes, url: str, content_type: str) -> dict:
        return {"posts": [list(k) for k in posts_on(body, url, content_type)]}

    client = PoliteClient(config, cache, state, [config.url, old_folder], transport=transport, clock=clock,
                          sleep=sleep, now=now, annotate=annotate)
    crawl = _Crawl(config, client, cache, state)
    report = FetchReport()
    bar = (progress or QUIET)("fetching", config.max_pages, "request")
    client.on_request = bar.update
    try:
        if config.edition in ("current", "both"):
            crawl.current()
        if config.edition in ("old", "both"):
            crawl.old()
        state.finished = report.finished = True
    except LimitReached as exc:
        report.stopped = str(exc)
    finally:
        bar.__exit__(None, None, None)
        client.close()
        cache.save_state(state)
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for s in cache.entries:
        if s.crawl == state.crawl:
            for month, title in s.meta.get("posts", ()):
                found.setdefault(post_key(month, title), (month, title))
    report.new_posts = [shown for key, shown in found.items() if key not in before]
    for name in ("requests", "unchanged", "reused", "refused", "failed"):
        setattr(report, name, getattr(client, name))
    report.new_pages = list(dict.fromkeys(client.new_pages))
    report.bytes = client.bytes
    return report
