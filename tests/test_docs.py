"""The README documents every command and query, and its quick start is what CI runs."""

from __future__ import annotations

import re

import pytest

from pprnet_kg.cli import cli
from pprnet_kg.sparql import library

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    section = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.search(r"```sh\n(.*?)```", section, re.S).group(1).strip().splitlines()
    assert len(commands) == 2
    assert "pprnet-kg build" in commands[0]
    assert all(c.startswith("python3 -m venv .venv && .venv/bin/python -m pip install ") for c in commands)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(rf"^{re.escape(commands[1])}$", ci, re.M)


def test_every_command_is_in_the_readme():
    for name in cli.commands:
        assert f"pprnet-kg {name}" in README, name


def test_every_query_is_in_the_readme_and_has_a_header():
    for q in library():
        assert f"`{q.name}`" in README, q.name
        text = q.path.read_text(encoding="utf-8")
        for field in ("# title:", "# description:", "# params:"):
            assert field in text, (q.name, field)
        assert q.title and q.description


def test_readme_query_examples_run(tmp_path):
    # the tests run in a scratch directory (conftest): relative paths such as out/ land there
    from click.testing import CliRunner

    from conftest import need_real_page

    need_real_page()
    runner = CliRunner()
    examples = [line for line in README.splitlines()
                if line.startswith("pprnet-kg ") and ("out/blog.ttl" in line or "oxigraph:out/" in line)]
    assert len(examples) >= 8
    import shlex

    for line in examples:
        args = [a.replace("../shared", str(ROOT.parent / "shared")).replace("data/sample/", str(ROOT / "data" / "sample"))
                for a in shlex.split(line)[1:]]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (line, result.output)
        assert "(0 rows)" not in result.output, line


@pytest.mark.slow
def test_benchmark_script_runs_and_prints_a_table():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "core.py"), "--copies", "1"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout  # a relative PYTHONPATH holds
    header, rule, row = out.splitlines()[1:4]
    assert "extract posts/s" in header and rule.startswith("|---") and row.startswith("| 1 | 6 |")


@pytest.mark.slow
def test_the_wheel_carries_the_ontology_queries_and_data(tmp_path):
    # regression: a plain `pip install .` looked for ontology/ beside pyproject.toml, or in share/
    import subprocess
    import sys
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True)
    [wheel] = tmp_path.glob("pprnet_kg-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ("pprnet_kg/ontology/pprnet.ttl", "pprnet_kg/ontology/shapes.ttl", "pprnet_kg/queries/topic_overview.rq",
                 "pprnet_kg/queries/views/articles.rq", "pprnet_kg/data/measures.toml", "pprnet_kg/data/lexicon.toml",
                 "pprnet_kg/data/sample/pprnet-sample.txt", "pprnet_kg/py.typed", "pprnet_kg/templates/graph.html"):
        assert path in names, path
    assert not any(n.startswith(("share/", "pprnet_kg/../")) or ".data/data/" in n for n in names)


@pytest.mark.slow
def test_accuracy_benchmark_prints_every_field():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "accuracy.py"), "--posts", "60", "--sentences", "200"],
                         capture_output=True, text=True, check=True).stdout
    for field in ("statistic", "kind", "intervention", "comparator", "exposure", "outcome", "timepoint",
                  "statistic recall", "statistic precision"):
        assert f"| {field}" in out, field
    assert "NOT met" not in out, out


def test_ci_runs_the_test_command_once_after_its_setup():
    # regression: an edit turned the header comment into commands, so the suite ran twice, once before set -e
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    commands = [i for i, line in enumerate(ci) if line.startswith("python3 -m venv")]
    assert len(commands) == 1
    assert commands[0] > ci.index("set -euo pipefail") and commands[0] == len(ci) - 1
