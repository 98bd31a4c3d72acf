"""ntsort.py: canonical N-Triples from sorted runs on disk, the same as sorting them in memory."""

from __future__ import annotations

import io
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from pprnet_kg import ntsort
from pprnet_kg.ntsort import Runs, canonical_file, write_run


def _in_runs(lines: list[str], directory, size: int) -> bytes:
    runs = Runs(directory)
    for start in range(0, len(lines), size):
        path = runs.new_path()
        runs.add(path, write_run(lines[start:start + size], path))
    out = io.BytesIO()
    runs.merge_into(out)
    assert not list(directory.glob("run-*"))  # merged runs are removed
    return out.getvalue()


def test_runs_merge_to_what_sorting_in_memory_gives(tmp_path):
    rng = random.Random(4)
    words = ["<a>", "<b>", '"x"', '"\u00e9"', '"\uffff"', '"\U0001F600"', '"\ue000"', '"z"@en', "<\u0101>"]
    lines = [f"{rng.choice(words)} <p> {rng.choice(words)} .\n" for _ in range(2_000)]
    expected = "".join(sorted(set(lines))).encode("utf-8")
    for size in (1, 7, 500, 5_000):
        assert _in_runs(lines, tmp_path / str(size), size) == expected


def test_past_the_fan_in_runs_are_merged_as_they_come(tmp_path, monkeypatch):
    monkeypatch.setattr(ntsort, "fan_in", lambda: 3)
    lines = [f"<s{i % 50}> <p> \"{i % 17}\" .\n" for i in range(400)]
    runs = Runs(tmp_path)
    for start in range(0, len(lines), 10):
        path = runs.new_path()
        runs.add(path, write_run(lines[start:start + 10], path))
        assert len(runs.paths) <= 3
    file = canonical_file(runs, tmp_path / "graph.nt")
    assert file.path.read_bytes() == "".join(sorted(set(lines))).encode("utf-8")
    assert file.triples == len(set(lines))


def test_runs_written_and_read_a_few_lines_at_a_time_merge_the_same(tmp_path, monkeypatch):
    # blocks of a line or two: repeats of a line straddle blocks, within a run and across runs
    monkeypatch.setattr(ntsort, "MERGE_MEMORY", 60)
    monkeypatch.setattr(ntsort, "WRITE_LINES", 7)  # runs written a few lines at a time too
    rng = random.Random(9)
    lines = [f"<s{rng.randrange(30)}> <p> \"{rng.randrange(4)}\" .\n" for _ in range(1_500)]
    expected = "".join(sorted(set(lines))).encode("utf-8")
    for size in (3, 40, 700):
        told = []
        runs = Runs(tmp_path / str(size))
        for start in range(0, len(lines), size):
            path = runs.new_path()
            runs.add(path, write_run(lines[start:start + size], path))
        out = io.BytesIO()
        assert runs.merge_into(out, told.append) == len(set(lines))
        assert out.getvalue() == expected and sum(told) == len(lines)


def test_a_temporary_canonical_file_goes_with_its_directory(tmp_path):
    import gc

    scratch = ntsort.Scratch()
    directory = scratch.path
    runs = Runs(directory / "runs")
    path = runs.new_path()
    runs.add(path, write_run(["<a> <b> <c> .\n"], path))
    file = canonical_file(runs, directory / "graph.nt", scratch=scratch)
    del scratch
    gc.collect()
    assert file.text() == "<a> <b> <c> .\n"  # the file keeps its directory
    del file
    gc.collect()
    assert not directory.exists()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=6), max_size=60), st.integers(1, 9))
def test_any_text_sorts_as_python_sorts_it(tmp_path_factory, words, size):
    # lines as the builder writes them: no newline inside, no lone surrogate (not UTF-8)
    lines = [w.replace("\n", " ") + "\n" for w in words if not any(0xD800 <= ord(c) <= 0xDFFF for c in w)]
    directory = tmp_path_factory.mktemp("runs")
    assert _in_runs(lines, directory, size) == "".join(sorted(set(lines))).encode("utf-8")


def test_no_runs_merge_to_an_empty_file(tmp_path):
    told = []
    file = canonical_file(Runs(tmp_path / "runs"), tmp_path / "graph.nt", on_read=told.append)
    assert file.path.read_bytes() == b"" and file.triples == 0 and told == []


# lines with long shared prefixes, characters below the newline, non-ASCII and astral characters
_LINE = st.lists(st.sampled_from(["<http://example.org/kg/s", "a", "\t", "\x00", "\u00e9", "\uffff", "\U0001F600", " "]),
                 max_size=5).map(lambda parts: "".join(parts) + "\n")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_LINE, max_size=12), max_size=6), st.integers(1, 120))
def test_any_runs_read_in_any_blocks_merge_to_their_sorted_distinct_lines(tmp_path_factory, runs, memory):
    # merge alone, with blocks of a few bytes: empty runs, one run, runs that end early, repeats
    # within a run and across runs, and a run's repeats of a line straddling its blocks
    directory = tmp_path_factory.mktemp("runs")
    paths = []
    for i, lines in enumerate(runs):
        paths.append(directory / f"{i}.nt")
        write_run(list(lines), paths[-1])
    everything = [line for lines in runs for line in lines]
    told: list[int] = []
    out = io.BytesIO()
    saved = ntsort.MERGE_MEMORY
    ntsort.MERGE_MEMORY = memory * max(1, len(paths))  # a block of `memory` bytes of each run
    try:
        written = ntsort.merge(paths, out, told.append)
    finally:
        ntsort.MERGE_MEMORY = saved
    assert out.getvalue() == "".join(sorted(set(everything))).encode("utf-8")
    assert written == len(set(everything)) and sum(told) == len(everything)
