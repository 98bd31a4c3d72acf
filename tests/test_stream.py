"""stream.py and pipeline.build: the streamed build gives the bytes of one pass in memory, for any
chunk size and any number of processes; the CLI's build writes the golden graph."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pprnet_kg import stream
from pprnet_kg.cli import cli
from pprnet_kg.extract import load_rules
from pprnet_kg.graph import build_graph
from pprnet_kg.namespaces import DEFAULT_BASE
from pprnet_kg.pipeline import build, extract_sources
from pprnet_kg.synth import generate, write_corpus

from conftest import GOLDEN

RULES = load_rules()


def in_memory(sources) -> tuple[str, dict]:
    """The graph made the simple way: every post extracted, then every triple made and sorted."""
    pages, extraction = extract_sources(sources, RULES)
    snapshots = {p.source: p for p in pages if p.sha256}
    built = build_graph(list(extraction.posts), list(extraction.topics), list(extraction.sources), RULES,
                        base=DEFAULT_BASE, snapshots=snapshots)
    return built.ntriples, built.counts


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    directory = tmp_path_factory.mktemp("synth")
    write_corpus(generate(45, RULES, seed=6), RULES, directory, seed=6)
    return directory


@pytest.mark.parametrize("chunk, jobs", [(None, 1), (1, 1), (7, 1), (7, 2)])
def test_any_chunk_size_and_jobs_give_the_bytes_of_one_pass(corpus, chunk, jobs):
    expected, counts = in_memory([corpus])
    result = build([corpus], chunk=chunk, jobs=jobs)
    assert result.ntriples == expected
    assert {k: getattr(result.report, k) for k in counts} == counts
    assert result.report.triples == expected.count("\n") == result.file.triples
    again = build([corpus], chunk=5, jobs=1)
    assert again.report == result.report  # counts and problems, in the same order
    assert [p.to_json() for p in again.extraction.posts] == [p.to_json() for p in result.extraction.posts]


def test_the_real_page_streams_to_the_bytes_of_one_pass(real_page):
    expected, _ = in_memory([real_page])
    assert build([real_page], chunk=3, jobs=2).ntriples == expected
    assert build([real_page], keep_posts=False).extraction is None


def test_problems_keep_their_order_and_posts_their_problems(tmp_path, real_page):
    page = tmp_path / "again.txt"
    page.write_text(real_page.read_text(encoding="utf-8"), encoding="utf-8")
    one = build([real_page, page], chunk=4, jobs=2)
    whole = build([real_page, page])
    assert [str(p) for p in one.report.problems] == [str(p) for p in whole.report.problems]
    assert any("was already read from another page" in str(p) for p in one.report.problems)
    assert [p.problems for p in one.extraction.posts] == [p.problems for p in whole.extraction.posts]


def test_the_cli_build_writes_the_golden_graph_in_chunks_and_processes(monkeypatch, tmp_path):
    monkeypatch.setattr(stream, "CHUNK", 3)
    runner = CliRunner()
    result = runner.invoke(cli, ["build", "--store", f"oxigraph:{tmp_path / 'store'}", "-o", "kg.ttl", "--no-html",
                                 "--jobs", "2", "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path.cwd() / "kg.ttl").read_bytes() == (GOLDEN / "sample.ttl").read_bytes()


def test_no_temporary_file_is_left_behind(monkeypatch, tmp_path):
    import gc
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = build(chunk=2)
    assert result.file.path.is_file() and not list(result.file.path.parent.glob("runs/run-*"))
    del result
    gc.collect()
    assert list(tmp_path.iterdir()) == []


def test_posts_made_into_a_file_in_runs_match_one_pass(corpus):
    from pprnet_kg.stream import posts_to_file

    pages, extraction = extract_sources([corpus], RULES)
    expected, _ = in_memory([corpus])
    for chunk, jobs in ((1, 1), (6, 1), (None, 1), (1, 2), (6, 2), (None, 2)):
        file = posts_to_file(list(extraction.posts), list(extraction.topics), list(extraction.sources), RULES,
                             base=DEFAULT_BASE, chunk=chunk, jobs=jobs)
        assert file.text() == expected and file.triples == expected.count("\n"), (chunk, jobs)


@pytest.mark.parametrize("fmt", ["nt", "ttl", "trig", "jsonld"])
def test_posts_written_as_a_graph_file_as_the_build_writes_them(tmp_path, corpus, fmt):
    """posts_to_graph_file (what the build + Turtle benchmark times) writes what write_graph
    makes of the canonical N-Triples, in one process or several."""
    from pprnet_kg.export import write_graph
    from pprnet_kg.stream import posts_to_graph_file

    _, extraction = extract_sources([corpus], RULES)
    expected_nt, _ = in_memory([corpus])
    expected = write_graph(expected_nt, tmp_path / f"expected.{fmt}", fmt, base=DEFAULT_BASE).read_bytes()
    for jobs in (1, 2):
        out = tmp_path / f"ours-{jobs}.{fmt}"
        triples = posts_to_graph_file(list(extraction.posts), list(extraction.topics), list(extraction.sources), RULES,
                                      out, base=DEFAULT_BASE, chunk=3, jobs=jobs)
        assert out.read_bytes() == expected and triples == expected_nt.count("\n"), jobs
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"expected.{fmt}", f"ours-1.{fmt}", f"ours-2.{fmt}"])


def test_a_store_on_disk_loaded_as_the_build_goes_holds_the_canonical_graph(monkeypatch, tmp_path, corpus):
    from pprnet_kg.kg import KG

    monkeypatch.setattr(stream, "CHUNK", 4)  # many runs, some repeating triples (people, concepts, journals)
    kg, result = KG.build([corpus], store=f"oxigraph:{tmp_path / 'store'}", jobs=2)
    with kg:
        assert kg.backend.dump() == result.ntriples and kg.count() == result.report.triples
        assert kg.backend.metadata()["triples"] == str(result.report.triples)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]  # the new store took the old one's place


def test_the_new_store_is_compacted_once_it_holds_the_whole_graph(monkeypatch, tmp_path, corpus):
    """Bulk-loaded runs leave overlapping files that make every lookup of a query slower; the
    build compacts the new store once, after the last run and before it replaces the old one."""
    from pprnet_kg.backends import oxigraph_rebuild
    from pprnet_kg.kg import KG

    seen = []
    real = oxigraph_rebuild.compact

    def spy(store):
        seen.append(sum(1 for _ in store.quads_for_pattern(None, None, None)))
        real(store)

    monkeypatch.setattr(stream, "CHUNK", 4)
    monkeypatch.setattr(oxigraph_rebuild, "compact", spy)
    kg, result = KG.build([corpus], store=f"oxigraph:{tmp_path / 'store'}", jobs=2)
    with kg:
        assert kg.backend.dump() == result.ntriples
    # once, holding the whole graph and the build's record of itself (a named graph)
    assert len(seen) == 1 and seen[0] > result.report.triples


def test_a_compaction_that_fails_is_one_error_and_the_old_store_stays(monkeypatch, tmp_path, corpus):
    from pprnet_kg.backends import oxigraph_rebuild
    from pprnet_kg.errors import GraphError
    from pprnet_kg.kg import KG

    store = f"oxigraph:{tmp_path / 'store'}"
    KG.build([corpus], store=store)[0].close()
    with KG.open(store=store) as kg:
        before = kg.backend.dump()

    def full(store):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(oxigraph_rebuild, "compact", full)
    with pytest.raises(GraphError, match="cannot compact the new graph .*No space left on device"):
        KG.build(sorted(corpus.glob("*.txt"))[:2], store=store)
    with KG.open(store=store) as kg:
        assert kg.backend.dump() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_a_failed_build_leaves_the_store_as_it_was(tmp_path, corpus):
    from pprnet_kg.errors import PprnetError
    from pprnet_kg.kg import KG

    store = f"oxigraph:{tmp_path / 'store'}"
    KG.build([corpus], store=store)[0].close()
    with KG.open(store=store) as kg:
        before = kg.backend.dump()
    bad = tmp_path / "pages"
    bad.mkdir()
    for f in sorted(corpus.glob("*.txt"))[:3]:
        (bad / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (bad / "zz-broken.txt").write_bytes(b"\xff\xfe not text")
    with pytest.raises(PprnetError, match="not UTF-8"):
        KG.build([bad], store=store, jobs=2)
    with KG.open(store=store) as kg:
        assert kg.backend.dump() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pages", "store"]


def test_a_folder_that_is_not_a_store_is_not_replaced(tmp_path):
    from pprnet_kg.errors import ConfigError
    from pprnet_kg.kg import KG

    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(ConfigError, match="not an Oxigraph store"):
        KG.build(store=f"oxigraph:{tmp_path / 'notes'}")
    assert (tmp_path / "notes" / "todo.txt").read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("fmt", ["nt", "ttl", "trig", "jsonld"])
def test_the_graph_file_written_as_the_build_ends_is_the_one_written_after(tmp_path, fmt):
    from pprnet_kg.export import write_graph

    streamed = build(graph_file=(tmp_path / f"kg.{fmt}", fmt), keep_file=False)
    assert streamed.written == tmp_path / f"kg.{fmt}"
    after = write_graph(build().ntriples, tmp_path / f"after.{fmt}", fmt, base=DEFAULT_BASE)
    assert streamed.written.read_bytes() == after.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no partial file left
    assert (streamed.file is None) == (fmt in {"ttl", "trig"})  # N-Triples are the canonical file itself


def test_a_graph_file_that_cannot_be_written_is_one_error_and_no_partial_file(tmp_path):
    from pprnet_kg.errors import GraphError

    (tmp_path / "kg.ttl").mkdir()  # a folder where the file should go
    with pytest.raises(GraphError, match="kg.ttl"):
        build(graph_file=(tmp_path / "kg.ttl", "ttl"), keep_file=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kg.ttl"]


@pytest.mark.parametrize("fmt", ["nt", "ttl", "trig", "jsonld"])
def test_a_graph_file_written_from_a_file_appears_only_once_complete(tmp_path, fmt):
    """write_graph_file (build into memory with -o, export -o) writes beside the destination and
    puts the file in place at the end: a failure leaves the old file as it was."""
    from pprnet_kg.errors import GraphError
    from pprnet_kg.export import write_graph_file

    source = tmp_path / "in.nt"
    source.write_text("<http://a.example/s> <http://a.example/p> <http://a.example/o> .\n"
                      "<http://a.example/s> <http://a.example/p> this is not N-Triples\n", encoding="utf-8")
    target = tmp_path / f"kg.{fmt}"
    target.write_text("the old graph", encoding="utf-8")
    if fmt == "nt":  # copied as it is (the build's canonical file is N-Triples already)
        write_graph_file(source, target, fmt, base=DEFAULT_BASE)
        assert target.read_bytes() == source.read_bytes()
    else:
        with pytest.raises(GraphError, match=rf"kg\.{fmt}: cannot "):
            write_graph_file(source, target, fmt, base=DEFAULT_BASE)
        assert target.read_text(encoding="utf-8") == "the old graph"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.nt", f"kg.{fmt}"]


def test_a_store_written_out_later_gives_the_build_s_bytes(tmp_path, corpus):
    from pprnet_kg.kg import KG

    store = f"oxigraph:{tmp_path / 'store'}"
    kg, result = KG.build([corpus], store=store, output=tmp_path / "kg.ttl")
    kg.close()
    with KG.open(store=store) as again:  # no canonical file from a build: the store is dumped and sorted
        assert again.loaded is None
        again.write(tmp_path / "again.ttl")
        again.write(tmp_path / "again.nt")
    assert (tmp_path / "again.ttl").read_bytes() == (tmp_path / "kg.ttl").read_bytes()
    assert (tmp_path / "again.nt").read_text(encoding="utf-8") == build([corpus]).ntriples


def test_a_turtle_writer_that_fails_at_once_does_not_leave_the_build_waiting(tmp_path, monkeypatch):
    from pprnet_kg import export
    from pprnet_kg.errors import GraphError

    # the child process that writes Turtle stops before reading a line, as one on a full disk would
    monkeypatch.setattr(export, "_SERIALIZER", "import sys; sys.stderr.write('No space left on device'); sys.exit(1)")
    with pytest.raises(GraphError, match="kg.ttl: cannot write turtle: No space left on device"):
        build(graph_file=(tmp_path / "kg.ttl", "ttl"), keep_file=False)
    assert list(tmp_path.iterdir()) == []


def test_a_turtle_writer_that_fails_half_way_stops_the_build_with_its_reason(tmp_path, corpus, monkeypatch):
    from pprnet_kg import export
    from pprnet_kg.errors import GraphError

    stops = "import sys; sys.stdin.buffer.read(5000); sys.stderr.write('disk quota exceeded'); sys.exit(3)"
    monkeypatch.setattr(export, "_SERIALIZER", stops)
    with pytest.raises(GraphError, match="disk quota exceeded"):
        build([corpus], graph_file=(tmp_path / "kg.trig", "trig"), keep_file=False)
    assert list(tmp_path.iterdir()) == []


def test_every_block_handed_to_the_turtle_writer_reaches_the_file(tmp_path, monkeypatch):
    """Blocks still queued when the merge ends are written before the pipe closes (regression: the
    success path once dropped them, which a small graph, written in one block, never showed)."""
    import pyoxigraph as ox

    from pprnet_kg import export

    # a writer that starts reading late: the blocks pile up in the pipe and the queue meanwhile
    monkeypatch.setattr(export, "_SERIALIZER", "import time; time.sleep(0.5)\n" + export._SERIALIZER)
    blocks = [b"".join(f"<https://example.org/s{b:02d}-{i:05d}> <https://example.org/p> \"{'x' * 50}\" .\n".encode()
                       for i in range(12_000)) for b in range(6)]  # six blocks of about 1 MB
    with export.graph_sink(tmp_path / "kg.ttl", "ttl", base=DEFAULT_BASE) as out:
        for block in blocks:
            out.write(block)
    assert len(list(ox.parse(path=str(tmp_path / "kg.ttl"), format=ox.RdfFormat.TURTLE))) == 6 * 12_000


def test_a_build_that_fails_while_writing_turtle_stops_the_writer_and_keeps_its_own_error(tmp_path, monkeypatch):
    from pprnet_kg import export

    # a writer that has not read yet: the feeding thread is stuck in a full pipe when the build fails
    monkeypatch.setattr(export, "_SERIALIZER", "import time; time.sleep(60)")
    block = b"<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n" * 40_000  # 3 MB
    with pytest.raises(ValueError, match="the merge failed"):
        with export.graph_sink(tmp_path / "kg.ttl", "ttl", base=DEFAULT_BASE) as out:
            out.write(block)
            out.write(block)
            raise ValueError("the merge failed")
    assert list(tmp_path.iterdir()) == []


def _in_a_thread(task, seconds=20.0):
    """Whether `task` returned within `seconds` (a sink that waits for ever must not stop the tests)."""
    import threading

    thread = threading.Thread(target=task, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive()


def test_a_broken_pipe_of_the_build_s_own_is_not_taken_for_the_turtle_writer_s(tmp_path):
    """A BrokenPipeError from the build itself (say its progress output was closed) while the Turtle
    writer still reads is the build's failure: reported, the writer stopped (regression: it was taken
    for the writer stopping, and the build waited for the writer, which waited for more lines)."""
    from pprnet_kg import export

    raised = []

    def task():
        try:
            with export.graph_sink(tmp_path / "kg.ttl", "ttl", base=DEFAULT_BASE) as out:
                out.write(b"<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n")
                raise BrokenPipeError(32, "the progress output was closed")
        except BaseException as exc:
            raised.append(exc)

    assert _in_a_thread(task)
    assert len(raised) == 1 and "the progress output was closed" in str(raised[0])
    assert list(tmp_path.iterdir()) == []


def test_a_turtle_writer_that_stops_leaves_no_feeding_thread_behind(tmp_path, monkeypatch):
    """When the child stops and the build learns it at its next write, the feeding thread ends
    and the child's stdin is closed (regression: the thread waited for ever for another block,
    holding the pipe: one thread and one descriptor more after each failed build)."""
    import threading
    import time

    from pprnet_kg import export
    from pprnet_kg.errors import GraphError

    monkeypatch.setattr(export, "_SERIALIZER", "import sys; sys.stderr.write('No space left on device'); sys.exit(1)")
    before = threading.active_count()
    block = b"<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n" * 1000
    with pytest.raises(GraphError, match="No space left on device"):
        with export.graph_sink(tmp_path / "kg.ttl", "ttl", base=DEFAULT_BASE) as out:
            for _ in range(1000):
                out.write(block)
                time.sleep(0.01)
    assert threading.active_count() == before
    assert list(tmp_path.iterdir()) == []


def test_the_feeding_thread_writes_what_a_pipe_took_only_in_part():
    """An unbuffered pipe may take part of a block (a write cut short by a signal): the rest is
    written after it (regression: it was dropped, and the file missed lines)."""
    import io

    from pprnet_kg.export import _Feeder

    class Pipe(io.RawIOBase):
        def __init__(self):
            self.data = bytearray()

        def writable(self):
            return True

        def write(self, b):
            taken = bytes(b)[:1000]
            self.data += taken
            return len(taken)

    pipe = Pipe()
    feeder = _Feeder(pipe)
    blocks = [bytes([65 + i]) * 2500 for i in range(4)]
    for block in blocks:
        feeder.write(block)
    feeder.stop()
    assert bytes(pipe.data) == b"".join(blocks)


def test_a_turtle_writer_that_stops_reading_but_exits_well_leaves_no_file(tmp_path, monkeypatch):
    """Lines the child never got make the file incomplete even if the child says all went well:
    GraphError, no file (regression: the file was put in place without the lines after the stop)."""
    from pprnet_kg import export
    from pprnet_kg.errors import GraphError

    stops = ("import os, sys; sys.stdin.buffer.read(5000); os.close(0); "
             "open(sys.argv[2], 'w').write('truncated')")
    monkeypatch.setattr(export, "_SERIALIZER", stops)
    block = b"<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n" * 1000
    with pytest.raises(GraphError, match="kg.ttl: cannot write turtle: "):
        with export.graph_sink(tmp_path / "kg.ttl", "ttl", base=DEFAULT_BASE) as out:
            for _ in range(200):
                out.write(block)
    assert list(tmp_path.iterdir()) == []


def test_the_turtle_writer_does_not_import_modules_from_the_working_directory(tmp_path, monkeypatch):
    """The child is started with `python -c`, which puts the working directory first on its path:
    a json.py there (one of the user's files) was imported instead of the standard library's, and
    every Turtle build run from that directory failed."""
    from pprnet_kg import export

    here = tmp_path / "cwd"
    here.mkdir()
    (here / "json.py").write_text("raise ImportError('not the standard json')\n")
    monkeypatch.chdir(here)
    line = b"<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n"
    with export.graph_sink(tmp_path / "kg.ttl", "ttl", base=DEFAULT_BASE) as out:
        out.write(line)
    assert (tmp_path / "kg.ttl").read_bytes() == export.serialize(line.decode(), "ttl", base=DEFAULT_BASE)


def test_a_turtle_writer_that_dies_with_a_traceback_is_reported_in_one_line(tmp_path, monkeypatch):
    """A child that fails before its own error handling (pyoxigraph not importable, say) prints a
    traceback: the build's error is one line, the traceback's last (regression: the whole traceback)."""
    from pprnet_kg import export
    from pprnet_kg.errors import GraphError

    monkeypatch.setattr(export, "_SERIALIZER", "import pyoxigraph_that_is_not_there")
    with pytest.raises(GraphError) as raised:
        with export.graph_sink(tmp_path / "kg.ttl", "ttl", base=DEFAULT_BASE) as out:
            out.write(b"<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n")
    assert str(raised.value) == (f"{tmp_path / 'kg.ttl'}: cannot write turtle: ModuleNotFoundError: "
                                 "No module named 'pyoxigraph_that_is_not_there'")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"), reason="needs SIGALRM")
def test_a_build_interrupted_while_the_turtle_writer_finishes_leaves_no_partial_file(tmp_path, monkeypatch):
    """Ctrl-C while the child writes the last of the file (every line handed over) stops the child
    too (regression: it went on and left its partial file behind after the build had cleaned up)."""
    import signal
    import time

    from pprnet_kg import export

    late = "import sys, time; sys.stdin.buffer.read(); time.sleep(1); open(sys.argv[2], 'w').write('late')"
    monkeypatch.setattr(export, "_SERIALIZER", late)

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            with export.graph_sink(tmp_path / "kg.ttl", "ttl", base=DEFAULT_BASE) as out:
                out.write(b"<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n")
                signal.setitimer(signal.ITIMER_REAL, 0.3)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    time.sleep(1.5)
    assert list(tmp_path.iterdir()) == []


def test_a_loader_that_fails_at_once_does_not_leave_the_build_waiting(tmp_path, corpus, monkeypatch):
    from pprnet_kg.backends import oxigraph_rebuild
    from pprnet_kg.errors import GraphError
    from pprnet_kg.kg import KG

    def broken(self, fifo):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(oxigraph_rebuild.Rebuild, "_load", broken)
    with pytest.raises(GraphError, match="No space left"):
        KG.build([corpus], store=f"oxigraph:{tmp_path / 'store'}", jobs=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_pages_are_read_only_a_few_chunks_ahead_of_the_work(corpus, monkeypatch):
    from pprnet_kg import pipeline

    read = []
    parse = pipeline.parse_page

    def noting(page):
        read.append(page.source)
        return parse(page)

    done = []

    def chunk(*args):
        done.append(len(read))  # pages read when this chunk ran
        return stream._chunk(*args)

    monkeypatch.setattr(pipeline, "parse_page", noting)
    monkeypatch.setattr(stream._Task, "run", lambda task: chunk(task.raws, task.filings, task.path))
    build([corpus], chunk=3, jobs=1)
    pages = len(list(corpus.glob("*.txt")))
    assert len(done) > 4 and done[0] < pages / 2  # the first chunk ran long before the last page was read


def test_a_graph_built_for_reading_keeps_no_temporary_file(monkeypatch, tmp_path):
    import tempfile

    from pprnet_kg.kg import KG

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    with KG.open() as kg:  # the bundled sample, as `serve` reads it when there is no project store
        assert list((tmp_path / "tmp").iterdir()) == []  # a server killed by a signal leaves nothing behind
        kg.write(tmp_path / "kg.ttl")
    assert (tmp_path / "kg.ttl").read_bytes() == (GOLDEN / "sample.ttl").read_bytes()
