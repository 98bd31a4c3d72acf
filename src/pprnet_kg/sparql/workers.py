"""A fixed pool of long-lived query workers for the server.

Each worker is a process forked once from the server, so it shares the opened store (read only);
before anything else it closes every socket it inherited (the listening socket, client
connections, other workers' ends), keeping only its own to the server. Then it leaves the network
(an empty network namespace), caps its own address space (the per-query memory limit) and asks
the kernel to kill it when the server dies (PR_SET_PDEATHSIG), so no worker outlives the server
and a restart on the same port works at once. Parsing and checking happen in the worker, inside
the time limit; the server only hands over text and waits.

The pool is driven from the server's event loop: a request waits (without a thread) for a free
worker; when `queue` requests already wait, it is refused at once (the server answers 503 with
Retry-After). A worker that runs out of time is killed and replaced, and its request gets a
timeout; so is a worker whose client went away (the query is abandoned, not finished for nobody).
Jobs known to be quick wait in a queue of their own that goes first, and slow or new ones never
hold the last free worker (see WorkerPool).
"""

from __future__ import annotations

import asyncio
import collections
import gc
import multiprocessing
import os
import pickle
import signal
import socket
import struct
import threading
from dataclasses import dataclass

from ..errors import QueryError, QueryRefused
from .protocol import Payload, QueryTimeout, _execute, leave_network
from .safety import check_safe


class Busy(QueryError):
    """Every worker is busy and the queue is full: try again shortly."""


class OutOfMemory(QueryError):
    """The query needed more memory than the endpoint allows; it was stopped."""


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


VERDICTS = 2048  # query texts whose check (and how long they took) the server remembers
QUICK = 0.1  # seconds: a job whose text last took less waits in the quick queue
FAIR = 4  # one turn in FAIR goes to the other queue first


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


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when the thread that forked it ends (Linux)."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _run(kg, job: Job, checked: tuple[str, str] | None = None) -> tuple[Payload, tuple[str, str] | None]:
    """The answer, and for a "sparql" job the verdict of its check (full text, form) to remember.
    `checked`: the verdict of an earlier check of the same text, which is then not parsed again."""
    if job.kind == "draw":
        from ..projection import make_view
        from ..viz import render_html, to_network

        view = make_view(kg, "query", query=job.text, params=job.params or {})
        html = render_html(to_network(view, heading=f"Query: {job.text}"))
        return Payload(200, "text/html", html.encode("utf-8")), None
    if job.kind == "named":
        from . import library_query, prepare

        query = library_query(job.text)
        full, bindings, _ = prepare(query, kg._labels(query, dict(job.params or {})), base=job.base)
        job, checked = Job("sparql", full, bindings, job.select_fmt, job.graph_fmt, job.max_rows, job.base), None
    verdict = checked or check_safe(job.text, job.base)  # rdflib's parse: ms per text, so remembered
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

    check_safe("ASK { ?s ?p ?o }", kg.base)
    # what exists now (the store's handle, the grammar, every module) lives as long as the server:
    # the collector stops scanning it, so a full collection is short in every process forked later
    # (and does not copy the pages it would have touched)
    gc.freeze()


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


# A job goes to a worker as a pickle (from the server, which the worker trusts); an answer comes
# back in a plain frame the server reads without unpickling anything, so that a worker whose query
# engine had been subverted still could not run code in the server, which has the network.
# Both are preceded by their size (4 bytes, big-endian).
_SIZE = struct.Struct("!I")
_ANSWER = struct.Struct("!BHBHIH")  # kind, status, truncated, then the sizes of: media type, verdict text, form
OK, REFUSED, ERROR, MEMORY = 0, 1, 2, 3
TOO_BIG = "the query needed more memory than this endpoint allows; it was stopped"


def _answer_frame(kind: int, payload: Payload | None = None, verdict: tuple[str, str] | None = None,
                  message: str = "") -> bytes:
    media = payload.content_type.encode() if payload else b""
    full, form = (verdict[0].encode(), verdict[1].encode()) if verdict else (b"", b"")
    body = payload.body if payload else message.encode()
    head = _ANSWER.pack(kind, payload.status if payload else 0, bool(payload and payload.truncated), len(media),
                        len(full), len(form))
    size = len(head) + len(media) + len(full) + len(form) + len(body)
    return b"".join((_SIZE.pack(size), head, media, full, form, body))


def _read_answer(frame: bytes) -> tuple[int, Payload | str, tuple[str, str] | None]:
    """(kind, the Payload or the message, the verdict) of a worker's answer frame."""
    kind, status, truncated, n_media, n_full, n_form = _ANSWER.unpack_from(frame)
    at = _ANSWER.size
    media = frame[at:at + n_media].decode()
    at += n_media
    full = frame[at:at + n_full].decode()
    at += n_full
    form = frame[at:at + n_form].decode()
    at += n_form
    verdict = (full, form) if n_form else None
    if kind == OK:
        return kind, Payload(status, media, frame[at:], bool(truncated)), verdict
    return kind, frame[at:].decode(errors="replace"), verdict


def _next_job(sock, buf: bytearray):
    """The next (job fields, verdict) the server sent; `buf` keeps what was read past it."""
    while True:
        if len(buf) >= _SIZE.size:
            (size,) = _SIZE.unpack_from(buf)
            if len(buf) >= _SIZE.size + size:
                message = bytes(buf[_SIZE.size:_SIZE.size + size])
                del buf[:_SIZE.size + size]
                return pickle.loads(message)
        chunk = sock.recv(1 << 16)
        if not chunk:
            raise EOFError
        buf += chunk


def _worker(kg, sock, memory_mb: int) -> None:
    _close_inherited_sockets(sock.fileno())
    die_with_parent()
    leave_network()
    if memory_mb:
        _limit_memory(memory_mb)
    # the engine aborts the process when an allocation fails past the cap: one line on stderr
    # ("memory allocation of N bytes failed"), not a backtrace
    os.environ["RUST_BACKTRACE"] = "0"
    buf = bytearray()
    while True:
        try:
            fields, checked = _next_job(sock, buf)
            job = Job(*fields)
        except (EOFError, OSError):
            os._exit(0)
        try:
            payload, verdict = _run(kg, job, checked)
            frame = _answer_frame(OK, payload, verdict if checked is None else None)
        except QueryRefused as exc:
            frame = _answer_frame(REFUSED, message=str(exc))
        except MemoryError:
            frame = _answer_frame(MEMORY, message=TOO_BIG)
        except Exception as exc:  # evaluation errors become a 400 in the server
            frame = _answer_frame(ERROR, message=" ".join(str(exc).split())[:500] or type(exc).__name__)
        try:
            sock.sendall(frame)
        except OSError:
            os._exit(0)


_TIMEOUT, _GONE, _ENDED = "timeout", "gone", "ended"  # how a job can end without an answer
_WAITED = "waited"  # how a turn in the queue can end without a worker


def _fields(job: Job) -> tuple:
    return (job.kind, job.text, job.bindings, job.select_fmt, job.graph_fmt, job.max_rows, job.base, job.params)


def _settle(future: asyncio.Future, value) -> None:
    if not future.done():
        future.set_result(value)


class _Slot:
    """One worker process and the server's end of its socket pair. The server end is read on the
    event loop by a reader registered once per worker (`_readable`), which hands each whole answer
    frame to the job waiting for it."""

    def __init__(self, pool: "WorkerPool") -> None:
        self.pool = pool
        self.sock = None
        self.process = None
        self.loop = None  # the event loop the reader is registered on, once it is
        self.answer: asyncio.Future | None = None  # what the job in progress waits for
        self._buf = bytearray()
        self.start()

    def start(self) -> None:
        ctx = multiprocessing.get_context("fork")
        ours, theirs = socket.socketpair()
        self.process = ctx.Process(target=_worker, args=(self.pool.kg, theirs, self.pool.memory_mb), daemon=True)
        self.process.start()
        theirs.close()
        ours.setblocking(False)
        self.sock, self.loop, self.answer = ours, None, None
        self._buf = bytearray()

    def submit(self, message: bytes, answer: asyncio.Future) -> None:
        """Hand the worker a job (it is idle, so the write goes through whole); `answer` gets the
        frame, or _ENDED when the worker closes its end."""
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
            self.loop.add_reader(self.sock.fileno(), self._readable)
        self.answer = answer
        sent = self.sock.send(message)
        if sent != len(message):  # cannot happen for an idle worker; never leave half a job behind
            raise OSError("the job did not fit in the worker's socket")

    def _readable(self) -> None:
        try:
            chunk = self.sock.recv(1 << 20)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._stop_reading()
            if self.answer is not None:
                _settle(self.answer, _ENDED)
            else:  # an idle worker ended (killed from outside?): replace it before a job finds it gone
                self.pool._restart(self)
            return
        self._buf += chunk
        if len(self._buf) < _SIZE.size:
            return
        (size,) = _SIZE.unpack_from(self._buf)
        if len(self._buf) >= _SIZE.size + size:
            frame = bytes(self._buf[_SIZE.size:_SIZE.size + size])
            del self._buf[:_SIZE.size + size]
            if self.answer is not None:
                _settle(self.answer, frame)

    def _stop_reading(self) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.remove_reader(self.sock.fileno())
        self.loop = None

    def kill(self, *, wait: bool = True) -> None:
        """SIGKILL the worker; reap it here (wait) or in a thread, so the event loop never waits
        for the kernel to tear down a large process. The reader is removed before its socket is
        closed (a closed descriptor's number is soon reused by the next socket pair)."""
        process = self.process
        if process is not None and process.is_alive():
            process.kill()
            if wait:
                process.join(5)
            else:
                threading.Thread(target=process.join, args=(5,), daemon=True).start()
        if self.sock is not None:
            self._stop_reading()
            self.sock.close()


class WorkerPool:
    """The workers, handed out on the server's event loop (every method but `close` and `pids`
    runs on that loop's thread).

    Two queues: a job whose text last ran in under QUICK seconds waits in the quick one, any other
    (a text not run yet, or a slow one) in the other. A free worker goes to the quick queue first
    (to the other one turn in FAIR, so neither waits for ever), and jobs from the other queue never
    hold every worker: the last free one is kept for quick jobs, so that a cheap query is not stuck
    behind expensive ones (a slow-query attack, or a mix of heavy queries on a large store)."""

    def __init__(self, kg, *, size: int | None = None, timeout: float = 10.0, memory_mb: int = 2048,
                 queue: int = 512, queue_wait: float | None = None) -> None:
        self.kg = kg
        self.timeout = timeout
        # seconds a request may wait for a worker before it is refused (503, Retry-After): under
        # overload a client hears "busy" at once instead of waiting minutes in the queue
        self.queue_wait = timeout if queue_wait is None else queue_wait
        self.memory_mb = memory_mb
        self.queue = queue
        self.size = size or 3  # make_server gives each server process its share
        _warm(kg)
        self._lock = threading.Lock()  # guards _all against close() from another thread
        self._all: list[_Slot] = [_Slot(self) for _ in range(self.size)]
        self._reset()

    def _reset(self) -> None:
        self._free: list[_Slot] = list(self._all)
        self._lanes = {True: collections.deque(), False: collections.deque()}  # quick: waiting turns
        self._slow = 0  # workers held by jobs from the other queue
        self._turns = 0
        self.replaced = 0
        self.abandoned = 0
        self.turned_away = 0  # requests refused after waiting queue_wait seconds for a worker
        # verdicts of the safety check, made by a worker and handed to the next one that gets the
        # same text (same text, same verdict: the check is a pure function of the text and base)
        self._verdicts: collections.OrderedDict = collections.OrderedDict()
        self._took: collections.OrderedDict = collections.OrderedDict()  # seconds each job last took

    async def run(self, job: Job, gone: "asyncio.Future | None" = None) -> Payload:
        """The job's answer. `gone` completes when the client has gone away: the job is then
        abandoned (its worker killed and replaced) and Abandoned is raised. `gone` may be shared
        by every request of a connection: it is only watched, never completed or cancelled here."""
        if gone is not None and gone.done():  # left before its turn came: no worker to spend
            self.abandoned += 1
            raise Abandoned("the client went away before its query started")
        key = (job.text, job.base) if job.kind == "sparql" else None
        checked = self._verdicts.get(key) if key is not None else None
        if checked is not None:
            self._verdicts.move_to_end(key)
        cost_key = (job.kind, job.text, job.base, tuple(sorted((job.params or {}).items())))
        quick = self._took.get(cost_key, QUICK) < QUICK
        # plain values only: unpickling the Job class itself cost the worker an import lookup a job
        message = pickle.dumps((_fields(job), checked), protocol=pickle.HIGHEST_PROTOCOL)
        message = _SIZE.pack(len(message)) + message
        slot = await self._take(gone, quick)
        loop = asyncio.get_running_loop()
        started = loop.time()
        answer = loop.create_future()
        timer = loop.call_later(self.timeout, _settle, answer, _TIMEOUT)
        hook = None
        if gone is not None:
            hook = lambda _: _settle(answer, _GONE)  # noqa: E731
            gone.add_done_callback(hook)
        try:
            try:
                slot.submit(message, answer)
            except OSError:  # the worker had ended before it got the job (killed from outside):
                self._restart(slot)  # the job never ran, so a fresh worker takes it
                slot.submit(message, answer)
            outcome = await answer
        except OSError:
            outcome = _ENDED
        except asyncio.CancelledError:  # the server is stopping: the worker may be mid-query
            self._release(slot, quick, replace=True)
            raise
        finally:
            timer.cancel()
            if hook is not None:
                gone.remove_done_callback(hook)
            slot.answer = None
        if outcome != _GONE:
            self._took[cost_key] = loop.time() - started
            self._took.move_to_end(cost_key)
            if len(self._took) > VERDICTS:
                self._took.popitem(last=False)
        # a worker that ran out of memory (and lived) may hold on to most of it: a fresh one
        self._release(slot, quick, replace=not isinstance(outcome, bytes) or outcome[0] == MEMORY)
        if not isinstance(outcome, bytes):
            if outcome == _GONE:
                self.abandoned += 1
                raise Abandoned("the client went away; its query was stopped")
            if outcome == _TIMEOUT:
                raise QueryTimeout(f"query stopped after {self.timeout:g} s (the limit of this endpoint)")
            # the process ended mid-query: what ends one is the engine failing to allocate past the
            # address-space cap (it aborts), or a kill from outside
            raise OutOfMemory(f"{TOO_BIG} (its query process ended without an answer)")
        kind, value, verdict = _read_answer(outcome)
        if key is not None and verdict is not None and checked is None:
            self._verdicts[key] = verdict
            if len(self._verdicts) > VERDICTS:
                self._verdicts.popitem(last=False)
        if kind == REFUSED:
            raise QueryRefused(value)
        if kind == MEMORY:
            raise OutOfMemory(value)
        if kind == ERROR:
            raise QueryError(value if value.startswith("query failed") else f"query failed: {value}")
        return value

    def _may_start(self, quick: bool) -> bool:
        return quick or self.size == 1 or self._slow < self.size - 1

    async def _take(self, gone, quick: bool) -> _Slot:
        if self._free and self._may_start(quick):
            self._slow += not quick
            return self._free.pop()
        if sum(len(lane) for lane in self._lanes.values()) >= self.queue:
            raise Busy("every query worker is busy and the queue is full; try again shortly")
        loop = asyncio.get_running_loop()
        turn = loop.create_future()
        self._lanes[quick].append(turn)
        waited = loop.call_later(self.queue_wait, _settle, turn, _WAITED)
        hook = None
        if gone is not None:
            hook = lambda _: _settle(turn, _GONE)  # noqa: E731
            gone.add_done_callback(hook)
        try:
            got = await turn
        except asyncio.CancelledError:
            self._leave_queue(turn, quick)
            raise
        finally:
            waited.cancel()
            if hook is not None:
                gone.remove_done_callback(hook)
        if got is _GONE:
            self._leave_queue(turn, quick)
            self.abandoned += 1
            raise Abandoned("the client went away while its query waited")
        if got is _WAITED:
            self._leave_queue(turn, quick)
            self.turned_away += 1
            raise Busy(f"no query worker came free within {self.queue_wait:g} s; try again shortly")
        return got

    def _leave_queue(self, turn, quick: bool) -> None:
        if turn.done() and not turn.cancelled() and isinstance(turn.result(), _Slot):
            self._release(turn.result(), quick)  # a worker was handed over just as the client left
            return
        turn.cancel()
        try:
            self._lanes[quick].remove(turn)
        except ValueError:
            pass

    def _release(self, slot: _Slot, quick: bool, *, replace: bool = False) -> None:
        """A job is done with its worker: replace the worker (if it may be mid-query or gone), then
        hand it on."""
        self._slow -= not quick
        if replace:
            self._restart(slot)
        self._give(slot)

    def _give(self, slot: _Slot) -> None:
        self._turns += 1
        for quick in ((False, True) if self._turns % FAIR == 0 else (True, False)):
            lane = self._lanes[quick]
            while lane and lane[0].done():  # turns whose clients left
                lane.popleft()
            if lane and self._may_start(quick):
                self._slow += not quick
                lane.popleft().set_result(slot)
                return
        self._free.append(slot)

    def _restart(self, slot: _Slot) -> None:
        with self._lock:
            slot.kill(wait=False)
            slot.start()
        self.replaced += 1

    def reopen(self) -> None:
        """In a forked copy of the server process (another HTTP process): let go of the workers
        inherited from the parent (close this copy's ends of their sockets, never signal them) and
        start this process's own."""
        self._lock = threading.Lock()  # a copy of a lock may be copied held
        for slot in self._all:
            slot.sock.close()
        self._all = [_Slot(self) for _ in range(self.size)]
        self._reset()

    def close(self) -> None:
        with self._lock:
            for slot in self._all:
                slot.kill()
            self._free = []

    def pids(self) -> list[int]:
        with self._lock:
            return [s.process.pid for s in self._all if s.process is not None and s.process.is_alive()]
