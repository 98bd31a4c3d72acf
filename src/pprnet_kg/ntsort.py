"""Canonical N-Triples without holding them in memory: sorted runs on disk, merged.

The canonical form of a graph is every distinct N-Triples line once, in code-point order (what
`sorted(set(lines))` gives). A large build makes tens of millions of lines, so they are never
held together: each chunk of lines is sorted and written as a run, and the runs are merged into
one file a block of each at a time (see `merge`), repeats dropped. Runs are UTF-8, whose byte
order is code-point order, so they are merged as bytes.
"""

from __future__ import annotations

import shutil
from bisect import bisect_right
import tempfile
import weakref
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

FAN_IN = 512  # runs merged at once (fewer if the process may open few files); past that, runs are merged first
WRITE_LINES = 4096  # lines of a run joined, encoded and written at once (about 800 KB)
MERGE_MEMORY = 1 << 25  # bytes of lines a merge holds from its runs at once (a block of each)


def fan_in() -> int:
    """How many runs to merge at once: FAN_IN, or a quarter of the files this process may open."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):
        return 128
    return FAN_IN if soft == resource.RLIM_INFINITY else max(16, min(FAN_IN, soft // 4))


def write_run(lines: list[str], path: str | Path) -> int:
    """Sort `lines` (each ending in a newline; in place, the list is the caller's scratch) and
    write them to `path` as UTF-8; returns how many were written. Repeats are kept: the merge
    drops them (sorting in place is faster than making a set first). Written WRITE_LINES lines
    at a time: joining and encoding the whole run made two copies of it in fresh memory, whose
    pages the system maps one by one, where a block's copies reuse the same memory. Each line is
    encoded by itself: one non-ASCII line (about one in a hundred) made a joined block wide
    text, which UTF-8 encodes a character at a time, where an ASCII line's encoding is a copy
    (half the time, and a tenth of the instructions, of encoding the block)."""
    lines.sort()
    with open(path, "wb") as out:
        for start in range(0, len(lines), WRITE_LINES):
            out.write(b"".join(map(str.encode, lines[start:start + WRITE_LINES])))
    return len(lines)


def merge(paths: list[Path], out: BinaryIO, on_read=None) -> int:
    """Merge sorted runs into `out`, each distinct line once; returns the lines written.
    `on_read(n)` is told of the lines read, a round at a time.

    The runs are read a block of lines at a time. Every line up to the smallest of the blocks'
    last lines is in hand, whichever run holds it, so a round takes those lines from every block
    and sorts them together: list.sort finds the blocks' sorted stretches and merges them in C,
    where heapq.merge took a Python step for each line (most of the merge's time)."""
    written = 0
    last = None  # the last line written: a run may repeat it at the start of its next block
    with ExitStack() as stack:
        files = [stack.enter_context(open(p, "rb", buffering=1 << 16)) for p in paths]
        hint = MERGE_MEMORY // max(1, len(files))  # bytes of lines read from a run at once
        runs = [(f, f.readlines(hint), 0) for f in files]  # each run's file, block, and position in it
        runs = [run for run in runs if run[1]]
        while runs:
            bound = min(block[-1] for _, block, _ in runs)
            batch: list[bytes] = []
            later = []
            for f, block, start in runs:
                end = bisect_right(block, bound, start)
                batch += block[start:end]
                if end == len(block):
                    block, end = f.readlines(hint), 0
                if block:
                    later.append((f, block, end))
            runs = later
            batch.sort()
            unique = [line for line, before in zip(batch, [last, *batch]) if line != before]
            out.write(b"".join(unique))
            written += len(unique)
            last = batch[-1]
            if on_read is not None:
                on_read(len(batch))
    return written


class Runs:
    """Sorted runs in a directory, merged when asked. Runs are added in any order (the merge
    does not depend on it); past fan_in() of them, the oldest are merged into one as they come,
    so the final merge never opens more files than that (512 runs: a million posts)."""

    def __init__(self, directory: str | Path, *, on_add=None) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.on_add = on_add  # told of each run added (before it may be merged into another)
        self.paths: list[Path] = []
        self._names = 0
        self.lines = 0  # lines in the runs added (repeats included)
        self.fan_in = fan_in()

    def new_path(self) -> Path:
        """Where the next run may be written (a run written elsewhere can be added too)."""
        self._names += 1
        return self.directory / f"run-{self._names:06d}.nt"

    def add(self, path: str | Path, lines: int) -> None:
        self.paths.append(Path(path))
        self.lines += lines
        if self.on_add is not None:
            self.on_add(Path(path))
        if len(self.paths) > self.fan_in:
            target = self.new_path()
            with open(target, "wb") as out:
                merge(self.paths[: self.fan_in], out)
            for p in self.paths[: self.fan_in]:
                p.unlink()
            self.paths = [target, *self.paths[self.fan_in:]]

    def merge_into(self, out: BinaryIO, on_read=None) -> int:
        """Every distinct line of the runs, sorted, into `out`; the runs are removed. Returns the
        number of lines; `on_read` as in `merge`."""
        written = merge(self.paths, out, on_read)
        for p in self.paths:
            p.unlink()
        self.paths = []
        return written


def open_pipe_writer(fifo: Path, reader_failed) -> BinaryIO:
    """The writing end of a named pipe, once a reader has opened the other end. Opening it
    plainly would wait for ever if the reader failed before opening: this asks again every 10 ms,
    and raises BrokenPipeError once `reader_failed()` says the reader is gone."""
    import errno
    import os
    import time

    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                raise
            if reader_failed():
                raise BrokenPipeError(errno.EPIPE, "the reader of the pipe stopped") from None
            time.sleep(0.01)
            continue
        os.set_blocking(fd, True)
        return os.fdopen(fd, "wb", buffering=1 << 20)


class Scratch:
    """A temporary directory (in the system's, which TMPDIR chooses), removed once nothing refers
    to this object any more, at exit at the latest, or when `remove` is called."""

    def __init__(self, prefix: str = "pprnet-kg-") -> None:
        self.path = Path(tempfile.mkdtemp(prefix=prefix))
        self._remove = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def remove(self) -> None:
        self._remove()


class NTriplesFile:
    """A canonical N-Triples file on disk and how many triples it holds; a file in a Scratch
    directory keeps the directory while this object lives."""

    def __init__(self, path: str | Path, triples: int, *, scratch: Scratch | None = None) -> None:
        self.path = Path(path)
        self.triples = triples
        self.scratch = scratch

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def canonical_file(runs: Runs, path: str | Path, *, scratch: Scratch | None = None, on_read=None) -> NTriplesFile:
    """Merge `runs` into the canonical file `path`; `on_read` as in `merge`."""
    with open(path, "wb", buffering=1 << 20) as out:
        triples = runs.merge_into(out, on_read)
    return NTriplesFile(path, triples, scratch=scratch)


def sorted_file(lines, *, chunk: int = 1_000_000) -> NTriplesFile:
    """Any N-Triples lines (an iterable: a file, a list), made canonical in a temporary file: sorted
    in runs of `chunk` lines, merged."""
    from itertools import islice

    scratch = Scratch()
    runs = Runs(scratch.path / "runs")
    lines = iter(lines)
    while batch := list(islice(lines, chunk)):
        path = runs.new_path()
        runs.add(path, write_run([line if line.endswith("\n") else line + "\n" for line in batch], path))
    return canonical_file(runs, scratch.path / "graph.nt", scratch=scratch)
