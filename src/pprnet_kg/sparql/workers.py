"""A fixed pool of long-lived query workers for the server.

Each worker is a process forked once from the server before it listens, so it shares the opened
store (read only) and never holds the listening socket. On start a worker leaves the network
(an empty network namespace), caps its own address space (the per-query memory limit) and asks
the kernel to kill it when the server dies (PR_SET_PDEATHSIG), so no worker outlives the server
and a restart on the same port works at once. Parsing and checking happen in the worker, inside
the time limit; the server only hands over text and waits.

The pool is driven from the server's event loop: a request waits (without a thread) for a free
worker; when `queue` requests already wait, it is refused at once (the server answers 503 with
Retry-After). A worker that runs out of time is killed and replaced, and its request gets a
timeout; so is a worker whose client went away (the query is abandoned, not finished for nobody).
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import multiprocessing
import os
import pickle
import signal
import struct
import threading
from dataclasses import dataclass

from ..errors import QueryError, QueryRefused
from .protocol import Payload, QueryTimeout, leave_network


class Busy(QueryError):
    """Every worker is busy and the queue is full: try again shortly."""


class Abandoned(QueryError):
    """The client went away; its query was stopped."""


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
    checked: tuple[str, str] | None = None  # a "sparql" text's verdict from an earlier check (full text, form)


VERDICTS = 2048  # query texts whose check the server remembers for every worker


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


def _run(kg, job: Job) -> tuple[Payload, tuple[str, str] | None]:
    """The answer, and for a "sparql" job the verdict of its check (full text, form) to remember."""
    if job.kind == "draw":
        from ..projection import make_view
        from ..viz import render_html, to_network

        view = make_view(kg, "query", query=job.text, params=job.params or {})
        html = render_html(to_network(view, heading=f"Query: {job.text}"))
        return Payload(200, "text/html", html.encode("utf-8")), None
    from .protocol import _execute
    from .safety import check_safe

    if job.kind == "named":
        from . import library_query, prepare

        query = library_query(job.text)
        full, bindings, _ = prepare(query, kg._labels(query, dict(job.params or {})), base=job.base)
        job = Job("sparql", full, bindings, job.select_fmt, job.graph_fmt, job.max_rows, job.base)
    verdict = job.checked or check_safe(job.text, job.base)  # rdflib's parse: ms per text, so remembered
    full, form = verdict
    graph_form = form in {"ConstructQuery", "DescribeQuery"}
    if (job.graph_fmt if graph_form else job.select_fmt) is None:
        wanted = "Turtle, N-Triples, JSON-LD, RDF/XML" if graph_form else "JSON, XML, CSV, TSV"
        return Payload(406, "text/plain", f"acceptable for this query form: {wanted}\n".encode()), verdict
    return _execute(kg, full, job.bindings, job.select_fmt, job.graph_fmt, job.max_rows), verdict


def _warm(kg) -> None:
    """Do once, before any worker is forked, the work every worker would otherwise repeat on its
    first query (imports, building rdflib's SPARQL grammar: about 150 ms), so that a fresh or
    replacement worker answers at once."""
    from . import library_query, prepare  # noqa: F401
    from .protocol import _execute  # noqa: F401
    from .safety import check_safe

    check_safe("ASK { ?s ?p ?o }", kg.base)


def _close_inherited_sockets(keep: int) -> None:
    """Close every socket this fork inherited but the worker's own pipe: the listening socket,
    client connections (a client must see the server close them, not wait on a copy held here)
    and other workers' pipes. Store files are not sockets and stay open."""
    import stat

    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return
    for fd in fds:
        if fd == keep:
            continue
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            pass


def _worker(kg, conn, memory_mb: int) -> None:
    _close_inherited_sockets(conn.fileno())
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
            reply = ("ok", *_run(kg, job))
        except QueryRefused as exc:
            reply = ("refused", str(exc), None)
        except MemoryError:
            reply = ("error", "query needed more memory than this endpoint allows", None)
        except Exception as exc:  # evaluation errors become a 400 in the server
            reply = ("error", " ".join(str(exc).split())[:500] or type(exc).__name__, None)
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
        self.process = ctx.Process(target=_worker, args=(self.pool.kg, theirs, self.pool.memory_mb), daemon=True)
        self.process.start()
        theirs.close()
        os.set_blocking(ours.fileno(), False)  # answers are read on the event loop (_receive)
        self.conn = ours

    def kill(self, *, wait: bool = True) -> None:
        """SIGKILL the worker; reap it here (wait) or in a thread, so the event loop never waits
        for the kernel to tear down a large process."""
        process = self.process
        if process is not None and process.is_alive():
            process.kill()
            if wait:
                process.join(5)
            else:
                threading.Thread(target=process.join, args=(5,), daemon=True).start()
        if self.conn is not None:
            self.conn.close()


async def _read_exactly(fd: int, size: int) -> bytes:
    loop = asyncio.get_running_loop()
    buf = bytearray()
    while len(buf) < size:
        try:
            chunk = os.read(fd, min(size - len(buf), 1 << 20))
        except BlockingIOError:
            ready = loop.create_future()
            loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
            try:
                await ready
            finally:
                loop.remove_reader(fd)
            continue
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


async def _receive(fd: int):
    """One object sent by a worker's `Connection.send` (its wire format: a 4-byte big-endian size,
    -1 then 8 bytes for a huge one, then the pickle), read without blocking the event loop."""
    (size,) = struct.unpack("!i", await _read_exactly(fd, 4))
    if size == -1:
        (size,) = struct.unpack("!Q", await _read_exactly(fd, 8))
    return pickle.loads(await _read_exactly(fd, size))


class WorkerPool:
    """The workers, handed out on the server's event loop (every method but `close` and `pids`
    runs on that loop's thread)."""

    def __init__(self, kg, *, size: int | None = None, timeout: float = 10.0, memory_mb: int = 2048,
                 queue: int = 512) -> None:
        self.kg = kg
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.queue = queue
        # twice the cores by default: a worker waits for the server to read its answer and hand it
        # the next job, and the cores are kept busy meanwhile
        self.size = size or 2 * (os.cpu_count() or 1)
        _warm(kg)
        self._lock = threading.Lock()  # guards _all against close() from another thread
        self._all: list[_Slot] = [_Slot(self) for _ in range(self.size)]
        self._free: list[_Slot] = list(self._all)
        self._waiters: collections.deque = collections.deque()
        self.replaced = 0
        self.abandoned = 0
        # verdicts of the safety check, made by a worker and handed to the next one that gets the
        # same text (same text, same verdict: the check is a pure function of the text and base)
        self._verdicts: collections.OrderedDict = collections.OrderedDict()

    async def run(self, job: Job, gone: "asyncio.Future | None" = None) -> Payload:
        """The job's answer. `gone` completes when the client has gone away: the job is then
        abandoned (its worker killed and replaced) and Abandoned is raised."""
        key = (job.text, job.base) if job.kind == "sparql" else None
        if key is not None and key in self._verdicts:
            self._verdicts.move_to_end(key)
            job = dataclasses.replace(job, checked=self._verdicts[key])
        slot = await self._take(gone)
        try:
            slot.conn.send(job)  # small, and the worker is waiting for it: never blocks
            reader = asyncio.ensure_future(_receive(slot.conn.fileno()))
            try:
                await asyncio.wait({reader} | ({gone} if gone is not None else set()), timeout=self.timeout,
                                   return_when=asyncio.FIRST_COMPLETED)
            finally:
                if not reader.done():
                    reader.cancel()
            if reader.cancelled() or not reader.done():
                self._replace(slot)
                slot = None
                if gone is not None and gone.done():
                    self.abandoned += 1
                    raise Abandoned("the client went away; its query was stopped")
                raise QueryTimeout(f"query stopped after {self.timeout:g} s (the limit of this endpoint)")
            try:
                status, value, verdict = reader.result()
            except (EOFError, OSError):
                self._replace(slot)
                slot = None
                raise QueryError("the query process ended without an answer (out of memory?)") from None
        except asyncio.CancelledError:  # the server is stopping: the worker may be mid-query
            if slot is not None:
                self._replace(slot)
                slot = None
            raise
        finally:
            if slot is not None:
                self._give(slot)
        if key is not None and verdict is not None and job.checked is None:
            self._verdicts[key] = verdict
            if len(self._verdicts) > VERDICTS:
                self._verdicts.popitem(last=False)
        if status == "refused":
            raise QueryRefused(value)
        if status == "error":
            raise QueryError(value if value.startswith("query failed") else f"query failed: {value}")
        return value

    async def _take(self, gone) -> _Slot:
        if self._free:
            return self._free.pop()
        if len(self._waiters) >= self.queue:
            raise Busy("every query worker is busy and the queue is full; try again shortly")
        turn = asyncio.get_running_loop().create_future()
        self._waiters.append(turn)
        try:
            await asyncio.wait({turn} | ({gone} if gone is not None else set()), return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            self._leave_queue(turn)
            raise
        if not turn.done():
            self._leave_queue(turn)
            self.abandoned += 1
            raise Abandoned("the client went away while its query waited")
        return turn.result()

    def _leave_queue(self, turn) -> None:
        if turn.done() and not turn.cancelled():
            self._give(turn.result())  # a worker was handed over just as the client left
        else:
            turn.cancel()
            try:
                self._waiters.remove(turn)
            except ValueError:
                pass

    def _give(self, slot: _Slot) -> None:
        while self._waiters:
            turn = self._waiters.popleft()
            if not turn.done():
                turn.set_result(slot)
                return
        self._free.append(slot)

    def _replace(self, slot: _Slot) -> None:
        with self._lock:
            slot.kill(wait=False)
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
