"""Snapshots of the blog: polite GET requests, and the cache that keeps every response.

`PoliteClient` is the only way `pprnet-kg fetch` touches the network: one request at a time,
at least `delay` seconds apart (longer if robots.txt asks), robots.txt obeyed, only URLs inside
the blog's own host and paths (a redirect elsewhere is refused), timeouts, retries with backoff
on 429 and 5xx (Retry-After honoured), conditional GET from the cached copy, a page cap and a
byte cap. It knows nothing of the blog's structure; fetch.py decides what to ask for.

`SnapshotCache` is a directory (default `out/cache/`):

    index.jsonl       one JSON object per response, in the order they came: url, retrieved (UTC),
                      status, headers, sha256 and size of the body, the crawl it belongs to, its
                      role (robots, listing, filter, old-index, old, redirect, error) and what the
                      crawler knew of it (listing, page number, filter label, posts seen on it)
    bodies/<sha256>   each distinct body once, as received, named by its SHA-256
    state.json        the crawl under way or last finished: whether it finished, the listings it
                      completed (so an interrupted fetch resumes where it stopped)

Nothing is overwritten: a changed page is a new body and a new index line, so the cache is also
the history of the site as we saw it. sources.read_cache reads it back as Pages, offline.
"""

from __future__ import annotations

import email.utils
import hashlib
import ipaddress
import json
import os
import urllib.robotparser
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urldefrag, urljoin, urlsplit

from .errors import SourceError

INDEX = "index.jsonl"
BODIES = "bodies"
STATE = "state.json"
PAGE_ROLES = ("listing", "old", "filter")  # roles whose bodies are blog pages with posts
REDIRECTS = (301, 302, 303, 307, 308)
RETRY_STATUSES = (429, 500, 502, 503, 504)
ROBOTS_MAX_AGE = timedelta(days=1)
_DROPPED_HEADERS = {"set-cookie"}  # never kept: nothing of a visitor's session belongs in the cache


@dataclass(frozen=True)
class Snapshot:
    """One response as the index records it."""

    url: str
    status: int
    retrieved: str  # ISO 8601 UTC
    headers: dict[str, str]
    sha256: str  # of the body; "" when there was none (redirects, errors); for 304: the body it confirmed
    size: int
    crawl: str
    role: str
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "retrieved": self.retrieved, "status": self.status, "headers": self.headers,
                "sha256": self.sha256, "size": self.size, "crawl": self.crawl, "role": self.role, **self.meta}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Snapshot":
        known = {"url", "retrieved", "status", "headers", "sha256", "size", "crawl", "role"}
        return cls(url=data["url"], status=int(data["status"]), retrieved=data["retrieved"],
                   headers=dict(data.get("headers") or {}), sha256=data.get("sha256", ""),
                   size=int(data.get("size", 0)), crawl=data.get("crawl", ""), role=data.get("role", ""),
                   meta={k: v for k, v in data.items() if k not in known})


@dataclass
class CrawlState:
    """What state.json says: the crawl under way (or the last one) and which sequences are done."""

    crawl: str  # "<number>@<when it started>": unique in one cache
    finished: bool = False
    done: list[str] = field(default_factory=list)  # sequences completed in this crawl
    ever_done: list[str] = field(default_factory=list)  # sequences completed in any crawl
    resumed: bool = False  # not stored: this run continues an interrupted crawl
    number: int = 1

    def complete(self, sequence: str) -> None:
        for names in (self.done, self.ever_done):
            if sequence not in names:
                names.append(sequence)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class SnapshotCache:
    """Append-only store of responses under one directory (made on first write)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.entries: list[Snapshot] = self._load()
        self._by_url: dict[str, list[Snapshot]] = {}
        for s in self.entries:
            self._by_url.setdefault(s.url, []).append(s)

    def _load(self) -> list[Snapshot]:
        path = self.root / INDEX
        if not path.is_file():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        entries = []
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entries.append(Snapshot.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                if n == len(lines):  # a line cut short when a run was killed: the response is fetched again
                    break
                raise SourceError(f"{path}:{n}: not a snapshot record ({exc})") from None
        return entries

    # ------------------------------------------------------------------ reading
    def latest(self, url: str) -> Snapshot | None:
        """The newest response to `url` that had a body (status 200)."""
        return next((s for s in reversed(self._by_url.get(url, ())) if s.status == 200), None)

    def in_crawl(self, crawl: str, url: str) -> Snapshot | None:
        """The last response to `url` in this crawl, if it settled the URL (200, 304 or a redirect)."""
        for s in reversed(self._by_url.get(url, ())):
            if s.crawl == crawl and (s.status in (200, 304) or s.status in REDIRECTS):
                return s
        return None

    def body(self, snapshot: Snapshot) -> bytes:
        path = self.root / BODIES / snapshot.sha256
        try:
            return path.read_bytes()
        except OSError as exc:
            raise SourceError(f"{path}: body of {snapshot.url} is missing from the cache ({exc.strerror or exc})") from None

    def post_keys(self, *, sequence: str | None = None, before: str | None = None) -> set[tuple[str, str]]:
        """(month, title) of every post seen on a stored page; of one sequence; before a crawl."""
        keys = set()
        for s in self.entries:
            if (sequence is None or s.meta.get("seq") == sequence) and (before is None or s.crawl != before):
                keys.update((month, title) for month, title in s.meta.get("posts", ()))
        return keys

    # ------------------------------------------------------------------ writing
    def record(self, *, url: str, status: int, headers: dict[str, str], body: bytes | None, retrieved: str,
               crawl: str, role: str, meta: dict[str, Any] | None = None, confirms: str = "") -> Snapshot:
        """Store one response: its body (once per content) and an index line, flushed at once."""
        (self.root / BODIES).mkdir(parents=True, exist_ok=True)
        sha = confirms
        if body is not None:
            sha = sha256_of(body)
            target = self.root / BODIES / sha
            if not target.exists():
                tmp = target.with_suffix(".part")
                tmp.write_bytes(body)
                os.replace(tmp, target)
        kept = {k.lower(): v for k, v in headers.items() if k.lower() not in _DROPPED_HEADERS}
        snap = Snapshot(url=url, status=status, retrieved=retrieved, headers=kept, sha256=sha,
                        size=len(body) if body is not None else 0, crawl=crawl, role=role, meta=dict(meta or {}))
        with (self.root / INDEX).open("a", encoding="utf-8") as f:
            f.write(json.dumps(snap.to_json(), ensure_ascii=False, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.entries.append(snap)
        self._by_url.setdefault(url, []).append(snap)
        return snap

    # ------------------------------------------------------------------ crawl state
    def begin_crawl(self, started: str) -> CrawlState:
        """Resume the crawl state.json says is unfinished, else start the next one."""
        old = self.read_state()
        if old is not None and not old.finished:
            old.resumed = True
            return old
        number = old.number + 1 if old is not None else 1
        state = CrawlState(f"{number}@{started}", ever_done=list(old.ever_done) if old else [], number=number)
        self.save_state(state)
        return state

    def read_state(self) -> CrawlState | None:
        path = self.root / STATE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except ValueError:
            raise SourceError(f"{path}: not a crawl state (delete it to start the next crawl afresh)") from None
        return CrawlState(data["crawl"], bool(data.get("finished")), list(data.get("done", [])),
                          list(data.get("ever_done", [])), number=int(data.get("number", 1)))

    def save_state(self, state: CrawlState) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        data = {"crawl": state.crawl, "number": state.number, "finished": state.finished, "done": state.done,
                "ever_done": state.ever_done}
        tmp = self.root / (STATE + ".part")
        tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, self.root / STATE)


# ---------------------------------------------------------------------- taking snapshots


@dataclass(frozen=True)
class Request:
    """One request sent over the network, as the client's log keeps it."""

    at: float  # clock() when it was sent
    url: str
    status: int | None  # None: no response (timeout, network error)
    note: str = ""
    size: int = 0


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    body: bytes
    content_type: str
    snapshot: Snapshot
    changed: bool  # not what the cache had for this URL (see PoliteClient._get)
    reused: bool  # settled earlier in this (resumed) crawl: no request made


class LimitReached(Exception):
    """The page cap or the byte cap was reached: the run ends, its crawl stays unfinished."""


class PoliteClient:
    """Every request of a crawl goes through here, and every response into the cache.

    `settings` gives delay, max_pages, max_bytes, timeout, retries, backoff, max_retry_after and
    user_agent (fetch.FetchConfig); `scopes` are URLs whose host and folder may be requested (a
    URL ending in "/" is a folder, any other is a path and what is below it). `annotate(body, url,
    content_type)` adds what the crawler wants kept with a page. `clock`, `sleep` and `now` are
    injectable, so tests run the delays on a fake clock."""

    def __init__(self, settings, cache: SnapshotCache, state: CrawlState, scopes: list[str], *, transport=None,
                 clock: Callable[[], float], sleep: Callable[[float], None], now: Callable[[], datetime],
                 annotate: Callable[[bytes, str, str], dict]) -> None:
        import httpx

        self.httpx, self.settings, self.cache, self.state = httpx, settings, cache, state
        self.clock, self.sleep, self.now, self.annotate = clock, sleep, now, annotate
        self.http = httpx.Client(headers={"User-Agent": settings.user_agent, "Accept": "text/html, text/plain;q=0.5"},
                                 timeout=httpx.Timeout(settings.timeout), follow_redirects=False, transport=transport)
        self.scopes = [_scope(u) for u in scopes]
        self.robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self.last: float | None = None
        self.pages = 0
        self.on_request: Callable[[int], object] = lambda n: None  # told of every request sent (progress bars)
        self.bytes = 0
        self.requests: list[Request] = []
        self.refused: list[tuple[str, str]] = []  # (url, why): never requested
        self.failed: list[tuple[str, str]] = []  # (url, why)
        self.unsettled: list[str] = []  # failed for now (timeouts, 429, 5xx): worth another run
        self.new_pages: list[str] = []  # bodies the cache did not have
        self.unchanged: list[str] = []  # 304, or the same body again
        self.reused: list[str] = []

    def close(self) -> None:
        self.http.close()

    def in_scope(self, url: str) -> bool:
        parts = urlsplit(url)
        return any(parts.scheme == scheme and parts.netloc.lower() == host and
                   (parts.path == path or parts.path.startswith(below)) for scheme, host, path, below in self.scopes)

    def get(self, url: str, role: str, meta: dict) -> Fetched | None:
        """A page (following redirects that stay in scope), or None when refused or failed."""
        for _ in range(6):
            if not self.in_scope(url):
                self.refused.append((url, "outside the blog's host and paths"))
                return None
            if not self._robots(url).can_fetch(self.settings.user_agent, url):
                self.refused.append((url, "disallowed by robots.txt"))
                return None
            done = self.cache.in_crawl(self.state.crawl, url)
            if done is not None and done.status in REDIRECTS:
                url = done.meta.get("location", "")
                continue
            if done is not None:
                self.reused.append(url)
                return Fetched(url, self.cache.body(done), done.headers.get("content-type", ""), done,
                               bool(done.meta.get("changed")), reused=True)
            got = self._get(url, self.cache.latest(url), role, meta)
            if not isinstance(got, str):
                return got
            url = got  # a redirect to follow
        self.failed.append((url, "too many redirects"))
        return None

    def _get(self, url: str, before: Snapshot | None, role: str, meta: dict) -> Fetched | str | None:
        if self.pages >= self.settings.max_pages:
            raise LimitReached(f"page cap ({self.settings.max_pages}) reached")
        self.pages += 1
        ask = {}
        if before is not None and before.headers.get("etag"):
            ask["If-None-Match"] = before.headers["etag"]
        if before is not None and before.headers.get("last-modified"):
            ask["If-Modified-Since"] = before.headers["last-modified"]
        response = self._send(url, ask)
        if response is None:
            return None
        status, headers, body, when = response
        record = dict(url=url, status=status, headers=headers, retrieved=when, crawl=self.state.crawl)
        if status in REDIRECTS and headers.get("location"):
            target = urldefrag(urljoin(url, headers["location"])).url
            self.cache.record(**record, body=None, role="redirect", meta={"location": target})
            return target
        if status == 304 and before is not None:
            record["headers"] = {**before.headers, **headers}  # a 304 updates the stored representation's headers
            snap = self.cache.record(**record, body=None, role=role, meta={**before.meta, **meta, "changed": False},
                                     confirms=before.sha256)
            self.unchanged.append(url)
            return Fetched(url, self.cache.body(before), before.headers.get("content-type", ""), snap, False, False)
        if status != 200:
            self.cache.record(**record, body=body, role="error", meta=meta)
            self.failed.append((url, f"HTTP {status}"))
            return None
        content_type = headers.get("content-type", "")
        extra = self.annotate(body, url, content_type) if role in PAGE_ROLES else {}
        # changed: new bytes, and (for an annotated page) new in what the annotation reads from it,
        # so a page whose only news is a session token or a date in its footer counts as unchanged
        changed = before is None or (before.sha256 != sha256_of(body) and
                                     (not extra or any(before.meta.get(k) != v for k, v in extra.items())))
        snap = self.cache.record(**record, body=body, role=role, meta={**meta, **extra, "changed": changed})
        (self.new_pages if changed else self.unchanged).append(url)
        return Fetched(url, body, content_type, snap, changed, False)

    def _send(self, url: str, ask: dict):
        """One GET, retried on 429, 5xx and timeouts: (status, headers, body, when) or None."""
        settings = self.settings
        for attempt in range(settings.retries + 1):
            self._wait_turn()
            sent, when = self.clock(), stamp(self.now())
            status, headers, body, note = None, {}, b"", ""
            try:
                with self.http.stream("GET", url, headers=ask) as r:
                    status, headers = r.status_code, {k.lower(): v for k, v in r.headers.items()}
                    body = self._read(r)
            except self.httpx.TimeoutException:
                note = "timed out"
            except self.httpx.TransportError as exc:
                note = f"network error: {type(exc).__name__}"
            finally:
                self.last = self.clock()
            self.bytes += len(body)
            self.requests.append(Request(sent, url, status, note, len(body)))
            self.on_request(1)
            if status is not None and status not in RETRY_STATUSES:
                return status, headers, body, when
            if status is not None:
                self.cache.record(url=url, status=status, headers=headers, body=None, retrieved=when,
                                  crawl=self.state.crawl, role="error")
            why = note or f"HTTP {status}"
            wait = _retry_after(headers.get("retry-after"), self.now()) if status in (429, 503) else None
            wait = settings.backoff * 2 ** attempt if wait is None else wait
            if attempt == settings.retries or wait > settings.max_retry_after:
                more = f"asked to wait {wait:.0f} s" if wait > settings.max_retry_after else f"{attempt + 1} attempts"
                self.failed.append((url, f"{why}; {more}"))
                self.unsettled.append(url)
                return None
            self.sleep(wait)
        return None

    def _read(self, response) -> bytes:
        budget = self.settings.max_bytes - self.bytes
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > budget:
                self.bytes += size
                raise LimitReached(f"byte cap ({self.settings.max_bytes:,}) reached while reading {response.url}")
            chunks.append(chunk)
        return b"".join(chunks)

    def _wait_turn(self) -> None:
        if self.last is None:
            return
        asked = [rp.crawl_delay(self.settings.user_agent) for rp in self.robots.values()]
        due = self.last + max([self.settings.delay, *[float(a) for a in asked if a]])
        if self.clock() < due:
            self.sleep(due - self.clock())

    def _robots(self, url: str) -> urllib.robotparser.RobotFileParser:
        """The host's robots.txt: from the cache when younger than a day, else requested. Missing
        (404 and the like): everything allowed; unreadable (401, 403, 5xx, no answer): nothing."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin in self.robots:
            return self.robots[origin]
        robots_url = origin + "/robots.txt"
        rp = urllib.robotparser.RobotFileParser(robots_url)
        cached = self.cache.latest(robots_url)
        if cached is not None and self.now() - parse_stamp(cached.retrieved) < ROBOTS_MAX_AGE:
            rp.parse(self.cache.body(cached).decode("utf-8", "replace").splitlines())
        else:
            response = self._send(robots_url, {})
            status = response[0] if response else None
            if status == 200:
                self.cache.record(url=robots_url, status=200, headers=response[1], body=response[2],
                                  retrieved=response[3], crawl=self.state.crawl, role="robots")
                rp.parse(response[2].decode("utf-8", "replace").splitlines())
            elif status is not None and 400 <= status < 500 and status not in (401, 403):
                rp.parse([])
            else:
                rp.disallow_all = True
                self.refused.append((robots_url, "robots.txt could not be read: nothing on this host is fetched"))
        self.robots[origin] = rp
        return rp


def _scope(url: str) -> tuple[str, str, str, str]:
    """(scheme, host, path, prefix below which paths are in scope)."""
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower(), parts.path, parts.path.rstrip("/") + "/"


def is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def _retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds from now: a number of seconds, or an HTTP date."""
    value = (value or "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())
