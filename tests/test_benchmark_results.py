"""benchmarks/run.py: a run merges its rows into RESULTS.md instead of replacing the whole table."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
QUERIES = ("articles_per_journal", "coauthor_pairs")
OTHER = """## Other benchmarks

Same machine.

### Server under load

| posts | backend | note |
|---|---|---|
| 1,000 | oxigraph | a table that looks like ours but belongs to this section |

## Notes

Kept verbatim, trailing blank lines too.


"""


@pytest.fixture(scope="module")
def run():
    spec = importlib.util.spec_from_file_location("benchmarks_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(posts: int, backend: str, value: float) -> dict:
    if backend == "memory" and posts > 1000:
        return {"posts": posts, "backend": backend, "error": "skipped above 1,000 posts"}
    out = {"posts": posts, "backend": backend, "triples": posts * 68, "load_s": value,
           "queries": {q: {"p50_ms": value * (i + 1), "p95_ms": value * (i + 2)} for i, q in enumerate(QUERIES)}}
    if backend in ("memory", "oxigraph"):
        out.update(extract_s=value, build_s=value, turtle_s=value, nt_s=value, peak_rss_mb=value)
    return out


def _section(run, monkeypatch, sizes, value, servers=False, machine="Test box"):
    monkeypatch.setattr(run, "machine", lambda: machine)
    backends = ["memory", "oxigraph", "pyoxigraph (direct)"] + (["oxigraph server"] if servers else [])
    runs = [_run(posts, b, value) for posts in sizes for b in backends]
    command = "python benchmarks/run.py" + (" --servers" if servers else "") + " --sizes " + " ".join(map(str, sizes))
    return run.scale_section(command, runs, 0.05)


def _rows(text: str) -> list[str]:
    """The rows of the scale table (the part above the first `## ` heading)."""
    scale = text.split("\n## ", 1)[0]
    return [line for line in scale.splitlines() if line.startswith("| ") and line[2].isdigit()]


def _keys(text: str) -> list[tuple[str, str]]:
    return [tuple(c.strip() for c in line.split("|")[1:3]) for line in _rows(text)]


def _blocks(text: str) -> list[str]:
    return [line for line in text.split("\n## ", 1)[0].splitlines() if line.startswith("**")]


def test_running_one_size_replaces_its_rows_and_keeps_the_other_sizes(run, monkeypatch):
    old = _section(run, monkeypatch, [1000, 10_000, 100_000], 1.0) + "\n" + OTHER
    new = _section(run, monkeypatch, [1000], 7.0)
    merged = run.merge_results(old, new)

    assert [posts for posts, _ in _keys(merged)] == ["1,000"] * 3 + ["10,000"] * 3 + ["100,000"] * 3
    old_rows, new_rows = _rows(old), _rows(new)
    assert _rows(merged) == new_rows + [r for r in old_rows if not r.startswith("| 1,000 ")]
    assert not set(old_rows[:3]) & set(_rows(merged))  # the old 1,000 rows are gone
    assert _blocks(merged) == ["**1,000 posts**", "**10,000 posts**", "**100,000 posts**"]
    block_1000 = merged.split("**1,000 posts**")[1].split("**10,000 posts**")[0]
    assert "| articles_per_journal | 7.0 / 14.0 | 7.0 / 14.0 | 7.0 / 14.0 | 1.00× |" in block_1000
    assert "1.0 / 2.0" not in block_1000
    for size in ("**10,000 posts**", "**100,000 posts**"):  # untouched blocks of sizes not run
        def block(text):
            return text.split(size)[1].split("**")[0].split("\n## ")[0]
        assert block(old) == block(merged)
    assert "--sizes 1000 10000 100000`; rows for 1,000 posts updated by `python benchmarks/run.py --sizes 1000`." \
        in merged
    assert merged.endswith("\n\n\n" + OTHER)


def test_a_size_not_in_the_table_is_inserted_in_order(run, monkeypatch):
    old = _section(run, monkeypatch, [1000, 100_000], 1.0) + "\n" + OTHER
    merged = run.merge_results(old, _section(run, monkeypatch, [10_000], 3.0))
    assert [posts for posts, _ in _keys(merged)] == ["1,000"] * 3 + ["10,000"] * 3 + ["100,000"] * 3
    assert _blocks(merged) == ["**1,000 posts**", "**10,000 posts**", "**100,000 posts**"]
    assert set(_rows(old)) <= set(_rows(merged))
    assert merged.endswith("\n\n\n" + OTHER)


def test_same_size_other_backends_are_kept_and_the_ratio_follows_the_new_numbers(run, monkeypatch):
    old = _section(run, monkeypatch, [1000], 1.0, servers=True, machine="Old box")
    merged = run.merge_results(old, _section(run, monkeypatch, [1000], 4.0))
    assert _keys(merged) == [("1,000", "memory"), ("1,000", "oxigraph"), ("1,000", "pyoxigraph (direct)"),
                             ("1,000", "oxigraph server")]
    assert _rows(merged)[3] == _rows(old)[3]
    assert "| query | memory | oxigraph | pyoxigraph (direct) | oxigraph server | oxigraph / direct |" in merged
    assert "| coauthor_pairs | 8.0 / 12.0 | 8.0 / 12.0 | 8.0 / 12.0 | 2.0 / 3.0 | 1.00× |" in merged
    assert "Machine: Test box\nRows kept from earlier runs were measured on: Old box\n" in merged


def test_a_missing_table_or_file_is_created(run, monkeypatch):
    new = _section(run, monkeypatch, [1000], 1.0)
    assert run.merge_results("", new) == new.rstrip("\n") + "\n"
    merged = run.merge_results(OTHER, new)
    assert merged == new.rstrip("\n") + "\n\n\n" + OTHER
    merged = run.merge_results("# Benchmark results\n\nNothing measured yet.\n\n" + OTHER, new)
    assert merged == new.rstrip("\n") + "\n\n\n" + OTHER


def test_other_sections_are_untouched_and_a_full_rerun_is_a_fixed_point(run, monkeypatch):
    old = _section(run, monkeypatch, [1000, 10_000], 1.0) + "\n" + OTHER
    new = _section(run, monkeypatch, [1000, 10_000], 2.0)
    merged = run.merge_results(old, new)
    assert merged == new.rstrip("\n") + "\n\n\n" + OTHER  # every row re-run: the new section as it is
    assert run.merge_results(merged, new) == merged


def test_the_committed_results_file_merges_into_itself_unchanged(run):
    text = (RUN.parent / "RESULTS.md").read_text(encoding="utf-8")
    scale = text[:run.OTHER.search(text).start()] if run.OTHER.search(text) else text
    assert run.merge_results(text, scale) == text


# ------------------------------------------------- benchmarks/queries.py: ours beside pyoxigraph, same store

def _queries_module(monkeypatch, tmp_path):
    monkeypatch.setenv("PPRNET_BENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.syspath_prepend(str(RUN.parent))
    spec = importlib.util.spec_from_file_location("benchmarks_queries", RUN.parent / "queries.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _measured(rows: int) -> dict:
    return {"posts": 1000, "queries": {"topic_overview": {
        "rows": rows, "direct_rows": rows, "runs": 3, "ours_ms": 12.0, "direct_ms": 10.0, "cli_ms": 300.0,
        "cli_direct_ms": 100.0}}}


def test_query_benchmark_prints_rows_and_ratios_and_flags_an_empty_answer(monkeypatch, tmp_path):
    queries = _queries_module(monkeypatch, tmp_path)
    text = queries.table([_measured(36)], "python benchmarks/queries.py --sizes 1000")
    assert "| topic_overview | 36 | 12.0 | 10.0 | 1.20× | 300 | 100 | 3.00× |" in text
    assert "0 rows: not a valid timing" in queries.table([_measured(0)], "x")


def test_query_benchmark_replaces_its_own_section_only(monkeypatch, tmp_path):
    queries = _queries_module(monkeypatch, tmp_path)
    before = "# Benchmark results\n\n" + OTHER
    once = queries.merge(before, queries.table([_measured(36)], "first"))
    assert once.startswith(before.rstrip("\n")) and "first" in once
    twice = queries.merge(once, queries.table([_measured(35)], "second"))
    assert "second" in twice and "first" not in twice and twice.count(queries.SECTION) == 1
    assert twice.replace(queries.table([_measured(35)], "second"), "") == once.replace(
        queries.table([_measured(36)], "first"), "")


@pytest.mark.slow
def test_query_benchmark_runs_end_to_end_on_a_small_corpus(monkeypatch, tmp_path):
    queries = _queries_module(monkeypatch, tmp_path)
    out = queries.measure(60, repeat=1, budget=0.1)
    assert set(out["queries"]) >= {"topic_overview", "evidence_map", "posts_by_month"}
    for name, m in out["queries"].items():
        assert m["rows"] > 0, name  # parameters drawn from the store: every timed query answers rows
        assert m["ours_ms"] > 0 and m["direct_ms"] > 0 and m["cli_ms"] > 0 and m["cli_direct_ms"] > 0


# ------------------------------------------------- benchmarks/build.py: the build's targets beside pyoxigraph

@pytest.fixture(scope="module")
def build_bench():
    spec = importlib.util.spec_from_file_location("benchmarks_build", RUN.with_name("build.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _target_rows(build_bench, posts: int, seconds: float) -> str:
    turtle = {"triples": posts * 100, "ours": [seconds, seconds], "one": [2 * seconds] * 2, "theirs": [1.0, 1.0],
              "jobs": 2}
    whole = {"triples": posts * 100, "ours": [(seconds, 900.0)], "theirs": [(2.0, 800.0)],
             "add": {"posts": 700, "triples": 70_000, "ours": [(3.0, 100.0)], "theirs": [(1.0, 90.0)]}}
    return "\n".join(build_bench.rows(posts, turtle, whole))


def test_build_targets_print_ours_beside_pyoxigraph_with_the_ratio_and_the_target(build_bench):
    rows = _target_rows(build_bench, 10_000, 1.1).splitlines()
    assert rows[0].startswith("| 10,000 | build + Turtle (extraction excluded; 2 processes")
    assert "| 1.1 s | 1.0 s | 1.10× | ≤ 1.2× | met |" in rows[0]
    assert "one process) | 2.2 s | 1.0 s | 2.20× |  |  |" in rows[1]  # beside it, with no target of its own
    assert "| 0.55× | ≤ 1.5× | met |" in rows[2] and "| 900 MB | 800 MB | 1.12× |" in rows[3]
    assert "--add 700 posts" in rows[4] and "target < 5 s: met" in rows[4]


def test_build_targets_merge_into_their_own_section_keeping_other_sizes(build_bench):
    results = "# Benchmark results\n\n| posts | backend |\n|---|---|\n\n" + OTHER
    first = build_bench.merge_section(results, _target_rows(build_bench, 10_000, 3.0), [10_000], "Made by a.")
    assert first.index(build_bench.SECTION) < first.index("## Other benchmarks")
    assert first.endswith(OTHER)  # the sections after it are kept verbatim
    second = build_bench.merge_section(first, _target_rows(build_bench, 100_000, 5.0), [100_000], "Made by b.")
    rows = [line for line in second.split(build_bench.SECTION)[1].split("\n## ")[0].splitlines()
            if line.startswith("| 1")]
    assert [r.split(" |")[0] for r in rows] == ["| 10,000"] * 5 + ["| 100,000"] * 5
    third = build_bench.merge_section(second, _target_rows(build_bench, 10_000, 1.0), [10_000], "Made by c.")
    turtle = [line for line in third.splitlines() if line.startswith("| 10,000 | build + Turtle (extraction excluded; 2")]
    assert len(turtle) == 1 and "| 1.0 s | 1.0 s | 1.00× |" in turtle[0] and third.count(build_bench.SECTION) == 1


def test_build_targets_merged_into_the_results_file_keep_it_stable_for_run_py(run, build_bench):
    """build.py --out and run.py's merge leave the same spacing: merging build targets into the
    committed file, then run.py's own section again, changes nothing (one blank line went missing)."""
    text = (RUN.parent / "RESULTS.md").read_text(encoding="utf-8")
    merged = build_bench.merge_section(text, _target_rows(build_bench, 10_000, 3.0), [10_000], "Made by a.")
    scale = merged[:run.OTHER.search(merged).start()]
    assert run.merge_results(merged, scale) == merged


def _serve_load():
    spec = importlib.util.spec_from_file_location("benchmarks_serve_load", RUN.with_name("serve_load.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_serve_load_counts_a_200_that_is_not_a_whole_answer_as_an_error():
    """Oxigraph's server, stopped by its time limit mid-answer, sends 200 and a body ending in an
    error message: counted as answers, those made it look faster than it was under load."""
    load = _serve_load()
    json_type = "application/sparql-results+json"
    whole = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"1"}}]}}'
    assert load.complete(whole, json_type)
    assert load.complete(b'{"head":{},"boolean":true}', json_type)
    assert not load.complete(b'{"head":{"vars":["x"]},"results":{"bindings":[The operation was stopped', json_type)
    assert not load.complete(b'{"head":{"vars":["x"]}}', json_type)
    assert load.complete(b"<http://example.org/a> <http://example.org/b> 1 .\n", "text/turtle")
    assert not load.complete(b"<http://example.org/a> <http://example.org/b> 1 .\nThe operation was", "text/turtle")


def test_pyoxigraph_query_times_taken_beside_ours_are_the_ones_compared(run, monkeypatch):
    """The ratio compares runs on one store in one process, not the reference process's own."""
    monkeypatch.setattr(run, "machine", lambda: "Test box")
    ours = _run(10_000, "oxigraph", 2.0)
    ours["direct_queries"] = {q: {"p50_ms": 1.0, "p95_ms": 1.5, "rows": 7} for q in QUERIES}
    reference = {"posts": 10_000, "backend": "pyoxigraph (direct)", "triples": 680_000, "load_s": 1.0,
                 "turtle_s": 0.5, "peak_rss_mb": 400.0}
    text = run.scale_section("python benchmarks/run.py --sizes 10000", [ours, reference], 0.05)
    assert "| articles_per_journal | 2.0 / 4.0 | 1.0 / 1.5 [7] | 2.00× |" in text
    assert "| 10,000 | pyoxigraph (direct) | 680,000 |" in text  # its row has no query times of its own


def test_query_benchmark_keeps_the_blocks_of_sizes_it_did_not_run(monkeypatch, tmp_path):
    queries = _queries_module(monkeypatch, tmp_path)
    small, large = _measured(36), {**_measured(35), "posts": 100_000}
    both = queries.merge("# Benchmark results\n\n" + OTHER, queries.table([small, large], "both"))
    again = queries.merge(both, queries.table([{**_measured(34)}], "small only"))
    assert "**1,000 posts**" in again and "**100,000 posts**" in again and again.count(queries.SECTION) == 1
    assert "| topic_overview | 34 |" in again and "| topic_overview | 35 |" in again  # 1k new, 100k kept
    assert "| topic_overview | 36 |" not in again and queries.KEPT in again
    assert again.index("**1,000 posts**") < again.index("**100,000 posts**")
    assert queries.merge(again, queries.table([small, large], "both")) == both  # a full run: no note
