"""The command line: every command, its output formats, its exit codes and its error messages."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys

import pytest
from pathlib import Path
from click.testing import CliRunner
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import PROV, SDO

from pprnet_kg.cli import cli

from conftest import FIXTURES, ROOT

PPR = Namespace("https://w3id.org/pprnet/ontology#")
MALFORMED = FIXTURES / "malformed.txt"
PELUSO = ("Peluso, P. R., & Freund, R. R. (2018). Therapist and client emotional expression and "
          "psychotherapy outcomes: A meta-analysis. Psychotherapy, 55(4), 461–472.")
JULY = "2020-07-is-the-therapeutic-alliance-diminished-by-videoconferencing"  # real page
SAMPLE_JULY = "2020-07-does-video-therapy-weaken-the-working-alliance"  # bundled sample
POST_KEYS = {"id", "source", "line", "month", "title", "citation", "citation_raw", "authors_truncated", "summary",
             "practice_implications", "design", "k_studies", "n_participants", "conditions", "interventions",
             "topics", "findings", "problems"}


def run(*args):
    try:
        runner = CliRunner(mix_stderr=False)  # click 8.1
    except TypeError:
        runner = CliRunner()  # click >= 8.2 keeps stderr apart
    result = runner.invoke(cli, [str(a) for a in args])
    # Only deliberate exits: an unexpected exception would be a traceback for a user.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def run_proc(*args, env=None):
    return subprocess.run([sys.executable, "-m", "pprnet_kg.cli", *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def report_rows(stdout: str) -> dict[str, int]:
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"(?m)^\s*([a-z][a-z ]*): (\d+)$", stdout)}


@pytest.fixture(scope="module")
def real_ttl(real_page, tmp_path_factory):
    out = tmp_path_factory.mktemp("real") / "real.ttl"
    result = run("build", real_page, "-o", out, "--no-html")
    assert result.exit_code == 0, result.stderr
    return out


# --- build -----------------------------------------------------------------------------------

def test_build_sample_writes_turtle_and_html(tmp_path):
    ttl, html = tmp_path / "kg.ttl", tmp_path / "kg.html"
    result = run("build", "-o", ttl, "--html", html)
    assert result.exit_code == 0, result.stderr
    rows = report_rows(result.stdout)
    assert list(rows) == ["pages", "posts", "articles", "authors", "journals", "topics", "findings",
                          "statistics rejected", "triples", "problems"]
    assert (rows["pages"], rows["posts"], rows["findings"], rows["problems"]) == (1, 6, 8, 1)
    assert (rows["articles"], rows["statistics rejected"]) == (6, 0)
    graph = Graph().parse(ttl, format="turtle")
    assert rows["triples"] == len(graph) > 0
    assert len(set(graph.subjects(RDF.type, SDO.BlogPosting))) == 6
    assert html.read_text(encoding="utf-8").lstrip().lower().startswith(("<!doctype html", "<html"))
    assert f"wrote {ttl}" in result.stdout and f"wrote {html}" in result.stdout
    assert f"problem: pprnet-sample.txt:75: [{SAMPLE_JULY}] parse: post has no citation line" in result.stderr


def test_build_no_html(tmp_path):
    result = run("build", "-o", tmp_path / "kg.ttl", "--html", tmp_path / "kg.html", "--no-html")
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kg.ttl", "out"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["store"]  # the project store, no HTML
    assert "wrote" in result.stdout and "kg.html" not in result.stdout


def test_build_format_option_and_suffix(tmp_path):
    nt, jsonld = tmp_path / "x.ttl", tmp_path / "x.jsonld"
    assert run("build", "--format", "nt", "-o", nt, "--no-html").exit_code == 0
    lines = nt.read_text(encoding="utf-8").splitlines()
    assert lines and all(re.match(r"^(<[^>]+>|_:\S+) <[^>]+> .+ \.$", line) for line in lines)
    assert not any(line.startswith("@prefix") for line in lines)
    assert run("build", "-o", jsonld, "--no-html").exit_code == 0
    assert "@context" in json.loads(jsonld.read_text(encoding="utf-8"))
    assert len(Graph().parse(jsonld, format="json-ld")) == len(Graph().parse(nt, format="nt")) == len(lines)


def test_build_json_report(tmp_path):
    result = run("build", "-o", tmp_path / "kg.ttl", "--no-html", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {"pages", "posts", "articles", "authors", "findings", "triples", "problems"} <= set(data)
    assert (data["pages"], data["posts"], data["articles"], data["findings"]) == (1, 6, 6, 8)
    assert data["triples"] == len(Graph().parse(tmp_path / "kg.ttl", format="turtle"))
    assert [(p["stage"], p["post"], p["line"]) for p in data["problems"]] == [("parse", SAMPLE_JULY, 75)]
    assert data["written"] == [str(tmp_path / "kg.ttl")]


def test_build_strict_fails_on_problems_only(tmp_path):
    result = run("build", "-o", tmp_path / "kg.ttl", "--no-html", "--strict")
    assert result.exit_code == 1
    assert "no citation line" in result.stderr
    assert (tmp_path / "kg.ttl").is_file()  # the graph is still written
    clean = tmp_path / "clean.txt"
    clean.write_text("December 2020\nA Clean Post\n"
                     "Tester, Q. (2021). A clean study. Psychotherapy Research, 31(1), 1-10.\n"
                     "The authors found a small effect (g = 0.30, 95% CI 0.10 to 0.50).\n"
                     "Practice Implications\nNothing to add.\n", encoding="utf-8")
    result = run("build", clean, "-o", tmp_path / "clean.ttl", "--no-html", "--strict")
    assert result.exit_code == 0, result.output
    assert report_rows(result.stdout)["problems"] == 0


def test_build_real_page(real_page, tmp_path):
    result = run("build", real_page, "-o", tmp_path / "kg.ttl", "--no-html")
    assert result.exit_code == 0
    rows = report_rows(result.stdout)
    assert (rows["pages"], rows["posts"], rows["articles"], rows["findings"]) == (1, 6, 6, 8)


# --- extract / parse-citation ------------------------------------------------------------------

def test_extract_real_page(real_page, tmp_path):
    result = run("extract", real_page)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert len(data["topics"]) == 36 and data["topics"][0] == "Adherance"
    assert not any(t.lower().startswith("all topics") for t in data["topics"])
    assert len(data["posts"]) == 6
    for post in data["posts"]:
        assert POST_KEYS <= set(post), POST_KEYS - set(post)
    july = [p for p in data["posts"] if p["id"] == JULY]
    assert len(july) == 1 and july[0]["citation"] is None and july[0]["month"] == "2020-07"
    assert [p["message"] for p in july[0]["problems"]] == ["post has no citation line"]
    assert all(p["citation"] is not None and not p["problems"] for p in data["posts"] if p["id"] != JULY)
    out = tmp_path / "sub" / "posts.json"
    assert run("extract", real_page, "-o", out).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == data


def test_parse_citation():
    result = run("parse-citation", PELUSO)
    assert result.exit_code == 0
    item = json.loads(result.stdout)
    assert item["type"] == "article-journal"
    assert [a["family"] for a in item["author"]] == ["Peluso", "Freund"]
    assert (item["volume"], item["issue"], item["page"]) == ("55", "4", "461-472")
    assert item["issued"]["date-parts"] == [[2018]] and item["container-title"] == "Psychotherapy"
    assert item["authors_truncated"] is False


def test_parse_citation_garbage_end_to_end():
    proc = run_proc("parse-citation", "hello world, no citation here")
    assert proc.returncode != 0 and proc.stdout == ""
    assert "year" in one_line_error(proc.stderr)


# --- queries / query ---------------------------------------------------------------------------

def test_queries_lists_titles():
    result = run("queries")
    assert result.exit_code == 0
    line = next(x for x in result.stdout.splitlines() if x.startswith("posts_by_month "))
    assert "Posts and articles of a month" in line and "[month:gYearMonth]" in line


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json", "md"])
def test_query_posts_by_month_formats(real_page, fmt):
    result = run("query", "posts_by_month", "--source", real_page, "-p", "month=2020-12", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    header = ["month", "post", "title", "article", "articleTitle", "doi"]
    titles = ["How Does Therapy Harm?", "Psychotherapy for Those Who Do Not Respond to Treatment"]
    if fmt in {"csv", "tsv"}:
        rows = list(csv.reader(io.StringIO(out, newline=""), delimiter="," if fmt == "csv" else "\t"))
        # the W3C result formats, as the server writes them: TSV heads columns with ?name, cells are terms
        assert rows[0] == (header if fmt == "csv" else [f"?{h}" for h in header])
        assert [r[2] for r in rows[1:]] == titles
        assert fmt == "csv" or f'\t"{titles[0]}"\t' in out
    elif fmt == "json":
        data = json.loads(out)
        assert data["head"]["vars"] == header
        assert [b["title"]["value"] for b in data["results"]["bindings"]] == titles
    elif fmt == "md":
        lines = out.splitlines()
        assert lines[0] == "| " + " | ".join(header) + " |" and len(lines) == 4
        assert all(line.startswith("| ") and line.count(" | ") == 5 for line in lines[2:])
    else:
        assert out.rstrip().endswith("(2 rows)") and out.split()[:6] == header


def test_query_inline_expression(real_ttl):
    result = run("query", "-e", "SELECT (COUNT(?p) AS ?n) WHERE { ?p a schema:BlogPosting }",
                 "--graph", real_ttl, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "n\n6\n"


def test_query_syntax_error_reports_line_and_column(real_ttl):
    result = run("query", "-e", "SELECT ?x\nWHERE { ?x ?y }", "--graph", real_ttl)
    assert result.exit_code == 1
    assert re.search(r"line 2, column \d+", one_line_error(result.stderr))


def test_query_update_is_refused(real_ttl):
    result = run("query", "-e", "DELETE WHERE { ?s ?p ?o }", "--graph", real_ttl)
    assert result.exit_code == 1
    assert "read-only" in one_line_error(result.stderr)


def test_query_unknown_name_lists_known(real_ttl):
    result = run("query", "no_such_query", "--graph", real_ttl)
    assert result.exit_code == 1
    message = one_line_error(result.stderr)
    assert "no_such_query" in message and "posts_by_month" in message and "known" in message


def test_query_missing_param(real_ttl):
    result = run("query", "posts_by_month", "--graph", real_ttl)
    assert result.exit_code == 1
    assert "missing parameter(s) month" in one_line_error(result.stderr)


@pytest.mark.parametrize("args, needle", [
    (["posts_by_month", "-p", "month"], "NAME=VALUE"),
    (["posts_by_month", "-e", "SELECT * WHERE { ?s ?p ?o }"], "one of them"),
    ([], "one of them"),
])
def test_query_usage_errors(args, needle):
    result = run("query", *args)
    assert result.exit_code == 2
    assert needle in result.stderr and "Usage:" in result.stderr and result.stdout == ""


# --- export / validate / stats -----------------------------------------------------------------

def test_export_nt_then_validate(real_page, tmp_path):
    out = tmp_path / "out.nt"
    result = run("export", "-f", "nt", "--source", real_page, "-o", out)
    assert result.exit_code == 0 and f"wrote {out}" in result.stderr
    graph = Graph().parse(out, format="nt")
    result = run("validate", "--graph", out)
    assert result.exit_code == 0, result.stdout
    assert result.stdout == f"conforms: {len(graph)} triples pass every shape\n"


def test_export_stdout_ttl_and_jsonld(real_page):
    ttl = run("export", "--source", real_page)
    jsonld = run("export", "-f", "jsonld", "--source", real_page)
    nt = run("export", "-f", "nt", "--source", real_page)
    assert ttl.exit_code == jsonld.exit_code == nt.exit_code == 0
    g_ttl = Graph().parse(data=ttl.stdout_bytes, format="turtle")
    g_json = Graph().parse(data=jsonld.stdout_bytes, format="json-ld")
    g_nt = Graph().parse(data=nt.stdout_bytes, format="nt")
    assert len(g_ttl) == len(g_json) == len(g_nt) > 0
    assert len(set(g_json.subjects(RDF.type, SDO.BlogPosting))) == 6
    assert isomorphic(g_json, g_nt) and isomorphic(g_json, g_ttl)


BAD_FINDING = """@prefix ppr: <https://w3id.org/pprnet/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<urn:test:finding> a ppr:Finding ;
    ppr:measureCode "SMD" ;
    ppr:value "{value}"^^xsd:decimal ;
    ppr:ciLower "0.1"^^xsd:decimal ;
    ppr:ciUpper "0.3"^^xsd:decimal .
"""


def test_validate_value_outside_ci(tmp_path):
    bad, ok = tmp_path / "bad.ttl", tmp_path / "ok.ttl"
    bad.write_text(BAD_FINDING.replace("{value}", "0.9"), encoding="utf-8")
    ok.write_text(BAD_FINDING.replace("{value}", "0.2"), encoding="utf-8")
    result = run("validate", "--graph", bad)
    assert result.exit_code == 1
    assert "violation: urn:test:finding https://w3id.org/pprnet/ontology#value: value must not exceed the CI upper bound" \
        in result.stdout.splitlines()
    assert re.search(r"(?m)^does not conform: \d+ violation\(s\)$", result.stdout)
    # the same finding with its value inside the CI has no CI violation (it still lacks provenance)
    assert "CI upper bound" not in run("validate", "--graph", ok).stdout


def test_validate_unloadable_graph(tmp_path):
    garbage = tmp_path / "x.ttl"
    garbage.write_text("this is {{ not turtle at all", encoding="utf-8")
    result = run("validate", "--graph", garbage)
    assert result.exit_code == 2
    assert "x.ttl" in one_line_error(result.stderr) and "cannot parse" in result.stderr
    proc = run_proc("validate", "--graph", tmp_path / "missing.ttl")
    assert proc.returncode == 2
    assert one_line_error(proc.stderr) == f"Error: {tmp_path / 'missing.ttl'}: no such graph file"


def test_stats_json(real_ttl):
    result = run("stats", "--graph", real_ttl, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    graph = Graph().parse(real_ttl, format="turtle")
    assert data["triples"] == len(graph)
    assert data["classes"]["schema:BlogPosting"] == 6 and data["classes"]["ppr:Finding"] == 8
    assert data["classes"]["foaf:Person"] == len(set(graph.subjects(RDF.type, URIRef("http://xmlns.com/foaf/0.1/Person"))))
    assert sum(data["classes"].values()) == len(set(graph.subject_objects(RDF.type)))


# --- unreadable inputs -------------------------------------------------------------------------

def test_build_missing_file_end_to_end(tmp_path):
    out = tmp_path / "kg.ttl"
    proc = run_proc("build", "/nonexistent/page.txt", "-o", out, "--no-html")
    assert proc.returncode == 1
    assert one_line_error(proc.stderr) == "Error: /nonexistent/page.txt: no such file"
    assert not out.exists()


@pytest.mark.parametrize("kind, needle", [("dir", "holds no .txt or .html pages"), ("bytes", "not UTF-8 text"),
                                          ("nul", "binary file")])
def test_build_unreadable_inputs(tmp_path, kind, needle):
    if kind == "dir":
        source = tmp_path / "empty"
        source.mkdir()
        (source / "notes.md").write_text("not a page", encoding="utf-8")
    else:
        source = tmp_path / "page.txt"
        source.write_bytes(bytes(range(256)) if kind == "bytes" else b"December 2020\x00\x01")
    result = run("build", source, "-o", tmp_path / "kg.ttl", "--no-html")
    assert result.exit_code == 1
    message = one_line_error(result.stderr)
    assert str(source) in message and needle in message
    assert not (tmp_path / "kg.ttl").exists()


# --- determinism -------------------------------------------------------------------------------

@pytest.mark.slow
def test_build_is_byte_identical(real_page, tmp_path):
    for name in ("a.ttl", "b.ttl"):
        assert run("build", real_page, "-o", tmp_path / name, "--no-html").exit_code == 0
    assert (tmp_path / "a.ttl").read_bytes() == (tmp_path / "b.ttl").read_bytes()
    outputs = []
    for seed in ("0", "4242"):
        out = tmp_path / f"seed{seed}.ttl"
        proc = run_proc("build", real_page, "-o", out, "--no-html", env={**os.environ, "PYTHONHASHSEED": seed})
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == (tmp_path / "a.ttl").read_bytes()


# --- help --------------------------------------------------------------------------------------

def test_every_command_has_help():
    assert {"build", "extract", "parse-citation", "query", "queries", "export", "validate", "stats"} <= set(cli.commands)
    for name, command in cli.commands.items():
        assert (command.help or "").strip(), name
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert f" {name} " in result.stdout.splitlines()[0]
        assert " ".join(command.help.split()[:8]) in " ".join(result.stdout.split())


# --- bad input loses nothing -------------------------------------------------------------------

MALFORMED_IDS = ["2021-03-a-post-whose-citation-has-no-year", "2021-03-a-post-with-a-number-outside-its-interval",
                 "2021-03-a-post-printed-twice"]


def test_malformed_page_keeps_everything(tmp_path):
    out = tmp_path / "m.ttl"
    result = run("build", MALFORMED, "--json", "-o", out, "--no-html")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["posts"], data["articles"], data["findings"], data["statistics_rejected"]) == (3, 3, 3, 1)
    # the page holds 4 statistics: each one is a finding or a reported problem
    assert data["findings"] + data["statistics_rejected"] == 4
    by_post = {(p["post"], p["stage"]) for p in data["problems"]}
    assert {post for post, _ in by_post} == set(MALFORMED_IDS[:2])  # the third post is clean
    assert (MALFORMED_IDS[1], "findings") in by_post
    rejected = [p for p in data["problems"] if p["stage"] == "findings"]
    assert len(rejected) == 1 and "0.90" in rejected[0]["message"] and "CI" in rejected[0]["message"]
    graph = Graph().parse(out, format="turtle")
    posts = set(graph.subjects(RDF.type, SDO.BlogPosting))
    assert sorted(str(p).rsplit("/", 1)[-1] for p in posts) == sorted(MALFORMED_IDS)
    interval_post = next(p for p in posts if str(p).endswith(MALFORMED_IDS[1]))
    kept = [graph.value(f, PPR.value) for f in graph.subjects(PROV.wasDerivedFrom, interval_post)
            if (f, RDF.type, PPR.Finding) in graph]
    assert [float(v.toPython()) for v in kept] == [0.2]  # the sound r = .20 stays


def test_malformed_citation_without_year_reported_as_citation_problem(tmp_path):
    # regression: a citation line without a year was folded into the summary
    data = json.loads(run("build", MALFORMED, "--json", "-o", tmp_path / "m.ttl", "--no-html").stdout)
    assert (MALFORMED_IDS[0], "citation") in {(p["post"], p["stage"]) for p in data["problems"]}
    extracted = json.loads(run("extract", MALFORMED).stdout)["posts"][0]
    assert extracted["citation_raw"].startswith("Nobody, A. B.") and "Nobody" not in extracted["summary"]


@pytest.mark.parametrize("args, message", [
    (["build", "--base", "notabase", "--no-html"], "base IRI must be absolute"),
    (["query", "-e", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"], "SERVICE is not allowed"),
    (["query", "posts_by_month", "-p", "month=2020-13"], "want a month"),
    (["extract", "__REAL__", "-o", "/proc/pprnet-no-such/x.json"], "cannot write"),
])
@pytest.mark.slow
def test_review_findings_give_one_line_errors(tmp_path, args, message):
    # regressions from review: each of these printed a traceback or silently ran
    from conftest import need_real_page
    args = [str(need_real_page()) if a == "__REAL__" else a for a in args]
    if args[0] == "build":
        args += ["-o", str(tmp_path / "x.ttl")]
    proc = subprocess.run([sys.executable, "-m", "pprnet_kg.cli", *args], capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


# ------------------------------------------------- what a user does next (issue: clean clone)

def test_read_commands_use_what_build_just_made(tmp_path):
    page = tmp_path / "one.txt"
    page.write_text("May 2021\nA Post Of Our Own\nDoe, J. (2021). Fresh. Journal Z, 1(1), 1-2.\nSMD = 0.40 "
                    "(95% CI 0.10, 0.70).\nPractice Implications\nAct.\n", encoding="utf-8")
    assert run("build", page, "--no-html").exit_code == 0
    result = run("query", "posts_by_month", "-p", "month=2021-05", "--format", "csv")
    assert result.exit_code == 0 and "A Post Of Our Own" in result.stdout
    assert "read oxigraph:out/store: built " in result.stderr and "one.txt" in result.stderr
    stats = run("stats", "--json")
    assert json.loads(stats.stdout)["classes"]["ppr:Finding"] == 1


def test_without_a_project_store_read_commands_say_they_read_the_sample():
    result = run("stats")
    assert result.exit_code == 0 and "the bundled sample" in result.stderr and "no project store" in result.stderr


def test_build_strict_on_a_page_with_no_posts(tmp_path):
    page = tmp_path / "empty.txt"
    page.write_text("December 2020\n\n", encoding="utf-8")
    result = run("build", page, "--no-html", "--strict")
    assert result.exit_code == 1
    assert "no posts found on this page" in result.stderr and "no posts were found" in result.stderr


def test_html_equal_to_output_is_refused(tmp_path):
    result = run("build", "-o", tmp_path / "kg.html", "--html", tmp_path / "kg.html")
    assert result.exit_code == 2 and "same file" in result.stderr
    assert not (tmp_path / "kg.html").exists()


def test_validate_takes_a_file_positionally(tmp_path):
    assert run("export", "-f", "nt", "-o", tmp_path / "g.nt").exit_code == 0
    result = run("validate", tmp_path / "g.nt")
    assert result.exit_code == 0 and result.stdout.startswith("conforms")


def test_a_mistyped_query_name_suggests_the_closest():
    result = run("query", "findings_for_topik")
    assert result.exit_code == 1 and "did you mean findings_for_topic" in result.stderr


def test_site_removes_pages_it_wrote_before(tmp_path):
    out = tmp_path / "s"
    assert run("site", "-o", str(out) + "/", "--no-views").exit_code == 0
    stale = out / "articles" / "gone.html"
    stale.write_text("old", encoding="utf-8")
    (out / ".pprnet-site").write_text((out / ".pprnet-site").read_text() + "articles/gone.html\n")
    mine = out / "notes.txt"  # not written by us: left alone
    mine.write_text("keep", encoding="utf-8")
    result = run("site", "-o", out, "--no-views")
    assert result.exit_code == 0 and not stale.exists() and mine.exists()
    assert f"wrote {out / 'index.html'}" in result.stdout and "//" not in result.stdout


def test_an_ill_typed_literal_prints_no_traceback(tmp_path):
    bad = tmp_path / "bad.nt"
    bad.write_text('<http://example.org/s> <http://example.org/p> "x"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
                   encoding="utf-8")
    proc = run_proc("validate", bad)
    assert "Traceback" not in proc.stderr and "ValueError" not in proc.stderr, proc.stderr


def test_query_pages_rows_with_limit_and_offset(sample_build):
    """A page is the slice of the full, ordered answer; stderr says where the next page starts."""
    from pprnet_kg.kg import KG
    from pprnet_kg.sparql import adhoc_query, library_query

    with KG.from_graph(sample_build.graph) as kg:
        q = library_query("topic_overview")
        every = kg.query(q).rows
        assert len(every) >= 3
        page = kg.query(q, limit=2, offset=1)
        assert page.rows == every[1:3] and page.truncated == (len(every) > 3)
        last = kg.query(q, limit=2, offset=len(every) - 1)
        assert last.rows == every[-1:] and not last.truncated
        own = kg.query(adhoc_query("SELECT ?p WHERE { ?p a schema:BlogPosting } ORDER BY ?p LIMIT 3"),
                       limit=1, offset=1)  # its own LIMIT: paged over its rows, not by a second clause
        assert len(own.rows) == 1 and own.truncated
    Path("g.nt").write_text(sample_build.ntriples, encoding="utf-8")
    result = run("query", "topic_overview", "--graph", "g.nt", "--format", "csv", "--limit", "2")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 3
    assert "rows 1-2 shown; more follow: --offset 2 for the next page" in result.stderr
    result = run("query", "topic_overview", "--graph", "g.nt", "--format", "csv", "--limit", "0")
    assert len(result.stdout.splitlines()) == len(every) + 1 and "more follow" not in result.stderr


@pytest.mark.parametrize("args, name", [
    (["viz", "overview", "--source", "SAMPLE", "-o", "OUT/view.html"], "view.html"),
    (["cite", "--source", "SAMPLE", "-o", "OUT/refs.bib"], "refs.bib"),
    (["extract", "SAMPLE", "-o", "OUT/posts.json"], "posts.json"),
])
def test_files_appear_under_their_names_only_when_complete(args, name, tmp_path, monkeypatch):
    """Every file is written as .NAME.partial and renamed: a failure while writing leaves the old one."""
    from pathlib import Path

    from pprnet_kg import export, pipeline

    sample = Path(pipeline.__file__).parent / "data" / "sample"
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_text("the old file", encoding="utf-8")
    args = [a.replace("OUT", str(out)).replace("SAMPLE", str(sample)) for a in args]
    renamed = []
    real_replace = export.os.replace

    def fail_on_rename(src, dst):
        renamed.append(Path(src).name)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export.os, "replace", fail_on_rename)
    result = CliRunner().invoke(cli, args)
    monkeypatch.setattr(export.os, "replace", real_replace)
    assert result.exit_code != 0
    assert "cannot write" in result.output and "Traceback" not in result.output
    assert renamed and all(r.startswith(".") and r.endswith(".partial") for r in renamed)
    assert (out / name).read_text(encoding="utf-8") == "the old file"
    assert not list(out.glob(".*.partial"))
