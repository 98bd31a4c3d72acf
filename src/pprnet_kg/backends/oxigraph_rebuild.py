"""A new graph for an Oxigraph store on disk, loaded while the build is still making it.

A build hands over each run of N-Triples as it is written (runs are sorted, but come in any
order and may repeat triples: the store does not mind). They go through a named pipe into
pyoxigraph's bulk loader, which runs in a thread (it reads the pipe itself and releases the GIL)
into a new store beside the old one, so loading overlaps extraction instead of following it.
When the build is done, the new store takes the old one's place (two renames): a build that
fails leaves the old graph as it was, and the old graph is never deleted triple by triple.
Without named pipes (Windows), the new store bulk-loads the canonical file at the end instead.

Before it takes the old store's place, the new store is compacted (`compact`): the bulk loader
leaves one set of files per batch, overlapping in their keys, and every index lookup of a query
then looks in all of them. At 100,000 posts this made lookups about 6 times slower (53 us
against 9 us each), for about 20 s of compaction once; the compacted store takes about half as
much disk again (905 MB to 1.4 GB; benchmarks/RESULTS.md).
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
from pathlib import Path

import pyoxigraph as ox

from ..errors import GraphError
from ..ntsort import Scratch, open_pipe_writer


class Rebuild:
    needs_file = not hasattr(os, "mkfifo")  # with named pipes, the runs are all it needs

    def __init__(self, backend) -> None:
        self.backend = backend
        target = backend.path
        self.building = target.parent / f".{target.name}.new-{os.getpid()}"
        self._runs: queue.Queue = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []
        self._store = None
        self._scratch: Scratch | None = None

    def feed(self, path: Path) -> None:
        """A run of N-Triples, loaded as soon as the loader gets to it."""
        if not hasattr(os, "mkfifo"):
            return  # loaded from the canonical file at the end
        if self._store is None:
            self._start()
        self._runs.put(open(path, "rb"))  # opened now: the run may be merged into another before it is read

    def _start(self) -> None:
        shutil.rmtree(self.building, ignore_errors=True)
        self._store = ox.Store(str(self.building))
        self._scratch = Scratch()
        fifo = self._scratch.path / "runs.nt"
        os.mkfifo(fifo)
        self._threads = [threading.Thread(target=self._guarded, args=(step, fifo), daemon=True)
                         for step in (self._load, self._pipe)]
        for thread in self._threads:
            thread.start()

    def _load(self, fifo: Path) -> None:
        self._store.bulk_load(path=str(fifo), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())

    def _pipe(self, fifo: Path) -> None:
        with open_pipe_writer(fifo, lambda: bool(self._errors)) as out:
            while (run := self._runs.get()) is not None:
                with run:
                    shutil.copyfileobj(run, out, 1 << 20)

    def _guarded(self, step, fifo: Path) -> None:
        try:
            step(fifo)
        except BaseException as exc:  # the other side then sees the pipe close, and stops too
            self._errors.append(exc)

    def _stop(self) -> None:
        if self._threads:
            self._runs.put(None)
            for thread in self._threads:
                thread.join()
            self._threads = []

    def finish(self, canonical: Path | None, metadata: dict[str, str | None]) -> None:
        """Every run has been fed (and `canonical` holds the whole graph, when needs_file): the new
        store gets `metadata` and takes the old one's place, which the backend then reopens."""
        from .oxigraph import record

        if self._store is None:  # nothing was fed (no named pipes): load the whole file now
            shutil.rmtree(self.building, ignore_errors=True)
            self._store = ox.Store(str(self.building))
            self._store.bulk_load(path=str(canonical), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
        self._stop()
        if self._errors:
            self.abort()
            cause = next((e for e in self._errors if not isinstance(e, BrokenPipeError)), self._errors[0])
            reason = " ".join(str(cause).split())[:300] or type(cause).__name__
            raise GraphError(f"cannot load the graph into {self.backend.spec}: {reason}")
        record(self._store, metadata)
        self._store.flush()
        try:
            compact(self._store)
        except OSError as exc:  # a full disk, most likely: the caller aborts, the old store stays
            reason = " ".join(str(exc).split())[:300] or type(exc).__name__
            raise GraphError(f"cannot compact the new graph for {self.backend.spec}: {reason}") from None
        self._store = None
        self.backend.take_place_of_old(self.building)

    def abort(self) -> None:
        """Stop loading and remove the new store; the old one stays as it was."""
        self._stop()
        self._store = None
        shutil.rmtree(self.building, ignore_errors=True)


def compact(store: ox.Store) -> None:
    """Merge the store's files into sorted, non-overlapping levels (RocksDB compaction through
    pyoxigraph's `optimize`), so that each index lookup reads one place."""
    store.optimize()
