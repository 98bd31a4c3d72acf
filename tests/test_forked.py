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


@pytest.mark.parametrize("store", ["memory", "oxigraph:STORE"])
def test_sigterm_stops_a_build_like_ctrl_c_and_leaves_nothing_behind(tmp_path, store):
    """The build writes Turtle into a .partial file (through a child process when the store is on
    disk): a SIGTERM to the build ends it and removes the file, as Ctrl-C does."""
    import subprocess
    import sys
    import time

    corpus = tmp_path / "corpus"
    write_corpus(generate(1500, RULES, seed=5), RULES, corpus, seed=5)
    out = tmp_path / "out"
    out.mkdir()
    build = subprocess.Popen([sys.executable, "-m", "pprnet_kg.cli", "build", str(corpus), "-o", "kg.ttl",
                              "--store", store.replace("STORE", str(tmp_path / "store")), "--no-html", "-q",
                              "--jobs", "2"], cwd=out, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (out / ".kg.ttl.partial").exists() and build.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert (out / ".kg.ttl.partial").exists(), "the build ended before its Turtle writer started"
    build.terminate()
    _, err = build.communicate(timeout=60)
    assert build.returncode == 143, err.decode()
    assert b"Traceback" not in err
    assert list(out.iterdir()) == []  # no Turtle, no .partial
    children = subprocess.run(["pgrep", "-f", str(out / ".kg.ttl.partial")], capture_output=True, text=True)
    assert children.stdout == ""  # the Turtle writer ended with the build


def test_ctrl_c_stops_a_build_at_once_without_tracebacks(tmp_path):
    """Ctrl-C reaches the whole process group: the workers leave it to the build, which stops them
    instead of waiting for the chunks they hold."""
    import subprocess
    import sys
    import time

    corpus = tmp_path / "corpus"
    write_corpus(generate(3000, RULES, seed=8), RULES, corpus, seed=8)
    out = tmp_path / "out"
    out.mkdir()
    build = subprocess.Popen([sys.executable, "-m", "pprnet_kg.cli", "build", str(corpus), "-o", "kg.ttl", "--store",
                              "memory", "--no-html", "-q", "--jobs", "2"], cwd=out, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(2.5)  # reading pages and extracting (a 3,000-post build takes several seconds here)
    assert build.poll() is None, "the build ended before it could be interrupted"
    os.killpg(build.pid, signal.SIGINT)
    stopped = time.monotonic()
    _, err = build.communicate(timeout=60)
    assert time.monotonic() - stopped < 5
    assert build.returncode == 1
    assert b"Traceback" not in err, err.decode()
    assert list(out.iterdir()) == []
    left = subprocess.run(["pgrep", "-f", f"pprnet_kg.cli build {corpus}"], capture_output=True, text=True)
    assert left.stdout == ""

