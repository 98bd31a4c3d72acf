"""forked.py: answers in order, errors raised where they are read, and a worker that dies is an error
(not a wait for ever), in extraction, in the build and on the CLI."""

from __future__ import annotations

import os
import signal

import pytest
from click.testing import CliRunner

from pprnet_kg import pipeline, stream
from pprnet_kg.cli import cli
from pprnet_kg.extract import load_rules
from pprnet_kg.forked import WorkerDied, forked_map
from pprnet_kg.synth import generate, write_corpus

RULES = load_rules()
_PARENT = os.getpid()


def _square(x: int) -> int:
    return x * x


def _fails_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


def _dies_on_three(x: int) -> int:
    if x == 3 and os.getpid() != _PARENT:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def test_answers_come_in_item_order_whatever_the_jobs():
    assert list(forked_map(_square, range(50), 2)) == [x * x for x in range(50)]
    assert list(forked_map(_square, range(50), 3, ahead=1)) == [x * x for x in range(50)]


def test_items_are_read_no_further_ahead_than_asked():
    read = []

    def items():
        for x in range(20):
            read.append(x)
            yield x

    answers = forked_map(_square, items(), 2, ahead=3)
    assert next(answers) == 0
    assert len(read) <= 4  # the one answered and at most three in flight
    answers.close()


def test_an_exception_in_a_worker_is_raised_to_the_reader():
    with pytest.raises(ValueError, match="three"):
        list(forked_map(_fails_on_three, range(10), 2))


def test_a_worker_that_dies_is_an_error_not_a_hang():
    with pytest.raises(WorkerDied, match="worker process died while testing"):
        list(forked_map(_dies_on_three, range(10), 2, doing="testing"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    directory = tmp_path_factory.mktemp("synth")
    write_corpus(generate(300, RULES, seed=4), RULES, directory, seed=4)
    return directory


def _ids(directory) -> list[str]:
    pages, cached = pipeline.read_sources(sorted(directory.glob("*.txt")))
    return [raw.id for parsed, _ in pipeline.walk_pages(pages, cached, set()) for raw in parsed.posts]


def _kill_on(monkeypatch, module, victim: str):
    extract = module.extract_post

    def patched(raw, rules):
        if raw.id == victim and os.getpid() != _PARENT:
            os.kill(os.getpid(), signal.SIGKILL)
        return extract(raw, rules)

    monkeypatch.setattr(module, "extract_post", patched)


def test_extraction_with_a_killed_worker_says_so(corpus, monkeypatch):
    _kill_on(monkeypatch, pipeline, _ids(corpus)[250])
    pages, cached = pipeline.read_sources(sorted(corpus.glob("*.txt")))
    with pytest.raises(WorkerDied, match="extracting posts"):
        pipeline.extract_pages(pages, RULES, cached=cached, jobs=2)


def test_a_build_with_a_killed_worker_says_so_and_leaves_no_file(corpus, monkeypatch, tmp_path):
    _kill_on(monkeypatch, stream, _ids(corpus)[250])
    out = tmp_path / "kg.ttl"
    with pytest.raises(WorkerDied, match="extracting posts and making their triples"):
        pipeline.build([corpus], jobs=2, chunk=50, graph_file=(out, "turtle"))
    assert list(tmp_path.iterdir()) == []


def test_the_cli_says_so_in_one_line(corpus, monkeypatch, tmp_path):
    _kill_on(monkeypatch, pipeline, _ids(corpus)[250])
    out = tmp_path / "posts.json"
    result = CliRunner().invoke(cli, ["extract", str(corpus), "-o", str(out), "-q", "--jobs", "2"])
    assert result.exit_code != 0
    assert "worker process died while extracting posts" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()
