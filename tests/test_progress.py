"""Progress bars: drawn on a terminal only, told of every unit of work, never in the output."""

from __future__ import annotations

import io
from collections import Counter

from pprnet_kg.progress import QUIET, bars


class Recorder:
    """A progress factory that counts what each stage was told."""

    def __init__(self):
        self.done: Counter = Counter()
        self.totals: dict = {}

    def __call__(self, description, total=None, unit="post"):
        self.totals[description] = total
        recorder = self

        class _Bar:
            def update(self, n=1):
                recorder.done[description] += n

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return None

        return _Bar()


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_bars_draw_on_a_terminal_only():
    terminal, pipe = _Terminal(), io.StringIO()
    for out in (terminal, pipe):
        with bars(True, delay=0, file=out)("extracting", 3) as bar:
            bar.update(3)
    assert "extracting" in terminal.getvalue() and "/3 " in terminal.getvalue()
    assert pipe.getvalue() == ""
    with bars(False, delay=0, file=terminal)("quiet", 1) as bar:
        bar.update(1)
    assert "quiet" not in terminal.getvalue()
    with QUIET("nothing", 2) as bar:
        bar.update(2)


def test_build_tells_progress_of_every_post_in_each_stage():
    from pprnet_kg.pipeline import build

    progress = Recorder()
    result = build(progress=progress, chunk=4)
    posts = len(result.extraction.posts)
    lines = len(build(chunk=4).ntriples.splitlines())
    assert posts > 4
    # posts stream through extraction and triples; the sort reads every line made (repeats too)
    assert progress.done["extracting and making triples"] == posts
    assert progress.done["sorting triples"] == progress.totals["sorting triples"] >= lines
    assert progress.totals["extracting and making triples"] is None  # not known before the pages are read
    assert build().ntriples == result.ntriples  # the bar changes nothing in the output


def test_parallel_extraction_tells_progress_too(tmp_path):
    from pprnet_kg.extract import load_rules
    from pprnet_kg.pipeline import extract_sources
    from pprnet_kg.synth import generate, write_corpus

    rules = load_rules()
    write_corpus(generate(240, rules, seed=3), rules, tmp_path / "synth", seed=3)
    progress = Recorder()
    _, extraction = extract_sources([tmp_path / "synth"], jobs=2, progress=progress)
    assert progress.done["extracting"] == len(extraction.posts) == 240
