"""A fixed pool of long-lived query workers for the server.

Each worker is a process forked once from the server before it listens, so it shares the opened
store (read only) and never holds the listening socket. On start a worker leaves the network
(an empty network namespace), caps its own address space (the per-query memory limit) and asks
the kernel to kill it when the server dies (PR_SET_PDEATHSIG), so no worker outlives the server
and a restart on the same port works at once. Parsing and checking happen in the worker, inside
the time limit; the server only hands over text and waits.

A request waits for a free worker; when more than `queue` requests already wait, it is refused
at once (the server answers 503 with Retry-After). A worker that runs out of time is killed and
replaced, and its request gets a timeout.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from dataclasses import dataclass

from ..errors import QueryError, QueryRefused
from .protocol import Payload, QueryTimeout, leave_network


class Busy(QueryError):
    """Every worker is busy and the queue is full: try again shortly."""


@dataclass(frozen=True)
class Job:
    kind: str  # "sparql" (text checked in the worker), "named" (a library query by name with its
    # parameters, labels matched to the graph's) or "draw" (a library query drawn as HTML)
    text: str
    bindings: dict
    select_fmt: str | None = "json"  # None: the client accepts no result format for SELECT / ASK
    graph_fmt: str | None = "turtle"
    max_rows: int = 10_000
    base: str = ""
    params: dict | None = None


def _limit_memory(megabytes: int) -> None:
    """Cap the address space at what the process maps now plus `megabytes`."""
    import resource

    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
        now = pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return
    limit = now + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _die_with_parent() -> None:
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _run(kg, job: Job) -> Payload:
    if job.kind == "draw":
        from ..projection import make_view
        from ..viz import render_html, to_network

        view = make_view(kg, "query", query=job.text, params=job.params or {})
        html = render_html(to_network(view, heading=f"Query: {job.text}"))
        return Payload(200, "text/html", html.encode("utf-8"))
    from .protocol import _execute
    from .safety import check_safe

    if job.kind == "named":
        from . import library_query, prepare

        query = library_query(job.text)
        full, bindings, _ = prepare(query, kg._labels(query, dict(job.params or {})), base=job.base)
        job = Job("sparql", full, bindings, job.select_fmt, job.graph_fmt, job.max_rows, job.base)
    full, form = check_safe(job.text, job.base)
    graph_form = form in {"ConstructQuery", "DescribeQuery"}
    if (job.graph_fmt if graph_form else job.select_fmt) is None:
        wanted = "Turtle, N-Triples, JSON-LD, RDF/XML" if graph_form else "JSON, XML, CSV, TSV"
        return Payload(406, "text/plain", f"acceptable for this query form: {wanted}\n".encode())
    return _execute(kg, full, job.bindings, job.select_fmt, job.graph_fmt, job.max_rows)


def _worker(kg, conn, memory_mb: int, close_fds: tuple[int, ...]) -> None:
    for fd in close_fds:
        try:
            os.close(fd)
        except OSError:
            pass
    _die_with_parent()
    leave_network()
    if memory_mb:
        _limit_memory(memory_mb)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        try:
            reply = ("ok", _run(kg, job))
        except QueryRefused as exc:
            reply = ("refused", str(exc))
        except MemoryError:
            reply = ("error", "query needed more memory than this endpoint allows")
        except Exception as exc:  # evaluation errors become a 400 in the server
            reply = ("error", " ".join(str(exc).split())[:500] or type(exc).__name__)
        try:
            conn.send(reply)
        except (OSError, ValueError):
            os._exit(0)


class _Slot:
    def __init__(self, pool: "WorkerPool") -> None:
        self.pool = pool
        self.conn = None
        self.process = None
        self.start()

    def start(self) -> None:
        ctx = multiprocessing.get_context("fork")
        ours, theirs = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker, args=(self.pool.kg, theirs, self.pool.memory_mb,
                                                         tuple(self.pool.close_fds)), daemon=True)
        self.process.start()
        theirs.close()
        self.conn = ours

    def kill(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        if self.conn is not None:
            self.conn.close()


class WorkerPool:
    def __init__(self, kg, *, size: int | None = None, timeout: float = 10.0, memory_mb: int = 2048,
                 queue: int = 512) -> None:
        self.kg = kg
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.queue = queue
        self.close_fds: list[int] = []
        self.size = size or os.cpu_count() or 2
        self._all: list[_Slot] = [_Slot(self) for _ in range(self.size)]
        self._free: list[_Slot] = list(self._all)
        self._lock = threading.Condition()
        self._waiting = 0
        self.replaced = 0

    def run(self, job: Job) -> Payload:
        slot = self._take()
        try:
            slot.conn.send(job)
            if not slot.conn.poll(self.timeout):
                self._replace(slot)
                slot = None
                raise QueryTimeout(f"query stopped after {self.timeout:g} s (the limit of this endpoint)")
            try:
                status, value = slot.conn.recv()
            except (EOFError, OSError):
                self._replace(slot)
                slot = None
                raise QueryError("the query process ended without an answer (out of memory?)") from None
        finally:
            if slot is not None:
                self._give(slot)
        if status == "refused":
            raise QueryRefused(value)
        if status == "error":
            raise QueryError(value if value.startswith("query failed") else f"query failed: {value}")
        return value

    def _take(self) -> _Slot:
        with self._lock:
            if not self._free and self._waiting >= self.queue:
                raise Busy("every query worker is busy and the queue is full; try again shortly")
            self._waiting += 1
            try:
                while not self._free:
                    self._lock.wait()
                return self._free.pop()
            finally:
                self._waiting -= 1

    def _give(self, slot: _Slot) -> None:
        with self._lock:
            self._free.append(slot)
            self._lock.notify()

    def _replace(self, slot: _Slot) -> None:
        slot.kill()
        slot.start()
        self.replaced += 1
        self._give(slot)

    def close(self) -> None:
        with self._lock:
            for slot in self._all:
                slot.kill()
            self._free = []

    def pids(self) -> list[int]:
        with self._lock:
            return [s.process.pid for s in self._all if s.process is not None and s.process.is_alive()]
