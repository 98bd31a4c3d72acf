"""Work spread over forked processes, answers in order, and a clear error when a worker dies.

Extraction and the build's runs hand each worker a small task (a range of indices, a path): the
worker inherits the records themselves from the parent when it is forked, so nothing large is
sent. multiprocessing.Pool loses a task whose worker is killed (the system's out-of-memory
killer, a signal) and then waits for its answer for ever; concurrent.futures notices the death,
so the caller gets `WorkerDied` instead of a hang.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from .errors import PprnetError

T = TypeVar("T")
R = TypeVar("R")


class WorkerDied(PprnetError):
    """A worker process ended without answering (killed by a signal or by the system)."""


def can_fork() -> bool:
    return hasattr(os, "fork")


def _leave_interrupts() -> None:
    """In a worker: Ctrl-C (SIGINT, sent to the whole process group) is the parent's to handle; it
    stops the pool. A worker that took it too printed a traceback of its own."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def forked_map(fn: Callable[[T], R], items: Iterable[T], jobs: int, *, ahead: int | None = None,
               doing: str = "working") -> Iterator[R]:
    """fn(item) for each item, in item order, in `jobs` forked processes, with at most `ahead`
    items (default 2 x jobs) sent and not yet answered: the items are read no further ahead than
    that. Globals set before the first item is read are what the workers see. An exception raised
    by fn is raised here; a worker that dies raises WorkerDied, naming what was being done."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    ahead = max(1, ahead or 2 * jobs)
    pending: deque = deque()
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"), initializer=_leave_interrupts)
    finished = False
    try:
        for item in items:
            pending.append(pool.submit(fn, item))
            while len(pending) > ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
        finished = True
    except BrokenProcessPool:
        raise WorkerDied(f"a worker process died while {doing} (killed by a signal or by the system, perhaps "
                         "for lack of memory: try fewer --jobs)") from None
    finally:
        if not finished:
            # an error, Ctrl-C, or a reader that stopped: the work in hand is not wanted, so the workers are
            # stopped rather than waited for (shutdown would let each finish what it took, seconds at a time;
            # concurrent.futures has no public call for this before Python 3.14)
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)
