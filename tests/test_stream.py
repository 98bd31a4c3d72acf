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
    for chunk in (1, 6, None):
        file = posts_to_file(list(extraction.posts), list(extraction.topics), list(extraction.sources), RULES,
                             base=DEFAULT_BASE, chunk=chunk)
        assert file.text() == expected and file.triples == expected.count("\n")
