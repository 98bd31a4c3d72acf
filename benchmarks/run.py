"""The scale benchmark: synthetic corpora of 1k, 10k and 100k posts through the whole pipeline.

    python benchmarks/run.py [--sizes 1000 10000 100000] [--servers] [--build-pairs 2] [--disk-budget 10] [--out benchmarks/RESULTS.md]

For each size, each backend runs in its own process (so peak memory is its own):
extraction (posts/s), graph build (triples/s), Turtle and N-Triples write, loading the
N-Triples back, and p50/p95 latency of every query in queries/. The reference is pyoxigraph
used directly on the same N-Triples (load, dump) and, for the queries, on our `oxigraph`
backend's very store in the same process, alternating run by run with ours; ratios are ours /
reference.
With --servers, the Oxigraph server and Virtuoso are started on loopback, loaded with
`push`, and the query library is timed against them too. Then the build's targets at each size
(benchmarks/build.py: build + Turtle, the whole CLI build into oxigraph:DIR with its peak
memory, and `build --add` of a month, each beside pyoxigraph doing the same work in paired
alternating runs; --build-pairs 0 skips them). Last, every library query on an on-disk store
built by the CLI, ours beside pyoxigraph on that store and as a user runs both
(benchmarks/queries.py; --disk-budget 0 skips it). Prints Markdown and writes it to --out with a
description of the machine. Numbers, not assertions: nothing here fails on speed.

--out is merged, not overwritten: a row of the scale table (posts, backend) and a cell of a
per-query table (posts, query, backend) that this run measured replaces the one already there;
rows of sizes or backends not run are kept, and so is every `## ` section below the tables.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("PPRNET_BENCH_CACHE", Path(tempfile.gettempdir()) / "pprnet-bench"))
OTHER = re.compile(r"^## ", re.M)  # sections from the first `## ` heading on are kept as they are
MAIN_HEADER = "| posts | backend |"
BLOCK_HEADING = re.compile(r"^\*\*([\d,]+) posts\*\*$")
RATIO = "oxigraph / direct"
EARLIER = "Rows kept from earlier runs were measured on: "
MEMORY_LIMIT_POSTS = 1_000  # rdflib's engine needs up to 17 s for one library query at 1k posts
QUERY_BUDGET_S = 30.0  # stop repeating a query once its runs have taken this long (at least one run)


def corpus(posts: int, seed: int = 7) -> Path:
    from pprnet_kg.extract import load_rules
    from pprnet_kg.synth import generate, write_corpus

    directory = CACHE / f"synth-{posts}-{seed}"
    done = directory / ".complete"
    stamp = _generator_stamp()
    if not done.exists() or done.read_text() != stamp:  # made anew when the generator or its lexicon changed
        shutil.rmtree(directory, ignore_errors=True)
        rules = load_rules()
        write_corpus(generate(posts, rules, seed=seed), rules, directory, seed=seed)
        done.write_text(stamp)
    return directory


def _generator_stamp() -> str:
    """A digest of what makes a synthetic corpus: the generator and the curated data it draws from."""
    import hashlib

    import pprnet_kg.synth

    root = Path(pprnet_kg.synth.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in [root / "synth.py", *sorted((root / "data").glob("*.toml"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _timed(fn, repeat: int, budget: float = float("inf")) -> list[float]:
    times: list[float] = []
    while len(times) < repeat and (not times or sum(times) < budget):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


_PARAM_QUERIES = {  # one value per parameter, drawn from the corpus so that every timed query returns rows
    "month": "SELECT ?v WHERE { ?p a schema:BlogPosting ; dcterms:date ?v } GROUP BY ?v ORDER BY DESC(COUNT(?p)) ?v LIMIT 1",
    "topic": "SELECT ?v WHERE { ?p dcterms:subject ?t . ?t skos:prefLabel ?v ."
             " ?p schema:about/ppr:reportsFinding ?f } GROUP BY ?v ORDER BY DESC(COUNT(?f)) ?v LIMIT 1",
    "article": "SELECT ?v WHERE { ?v ppr:reportsFinding ?f } GROUP BY ?v ORDER BY DESC(COUNT(?f)) STR(?v) LIMIT 1",
    "finding": "SELECT ?v WHERE { ?v a ppr:Finding ; ppr:evidenceText ?t } ORDER BY STR(?v) LIMIT 1",
    "condition": "SELECT ?v WHERE { ?f a ppr:ComparativeFinding ; ppr:condition/skos:prefLabel ?v }"
                 " GROUP BY ?v ORDER BY DESC(COUNT(?f)) ?v LIMIT 1",
    "comparator": "SELECT ?v WHERE { ?f a ppr:ComparativeFinding ; ppr:comparator/skos:prefLabel ?v }"
                  " GROUP BY ?v ORDER BY DESC(COUNT(?f)) ?v LIMIT 1",
}


def params_from(kg) -> dict[str, str]:
    """A value for every required parameter of the library, taken from the graph itself."""
    from pprnet_kg.sparql import adhoc_query

    out = {}
    for name, text in _PARAM_QUERIES.items():
        rows = kg.query(adhoc_query(text)).rows
        if rows:
            out[name] = str(rows[0][0])
    return out


def read_rows(result) -> int:
    """Rows (or triples) of a pyoxigraph result, every term of each made into a Python object."""
    import pyoxigraph as ox

    if isinstance(result, ox.QueryBoolean):
        return 1
    triples = isinstance(result, ox.QueryTriples)
    n = 0
    for item in result:
        for _ in (item.subject, item.predicate, item.object) if triples else item:
            pass
        n += 1
    return n


def rows_of(result) -> int:
    return len(result.rows) + len(result.triples) + (1 if result.form == "ASK" else 0)


def worker(posts: int, backend: str, repeat: int) -> dict:
    """One size on one backend; returns the measurements as a dict."""
    from pprnet_kg.backends import open_backend
    from pprnet_kg.extract import load_rules
    from pprnet_kg.kg import KG
    from pprnet_kg.stream import posts_to_file
    from pprnet_kg.namespaces import DEFAULT_BASE
    from pprnet_kg.pipeline import extract_pages
    from pprnet_kg.sources import read_pages
    from pprnet_kg.sparql import library, prepare
    from pprnet_kg.sparql.bindings import inline_bindings

    directory = corpus(posts)
    rules = load_rules()
    out: dict = {"posts": posts, "backend": backend}
    # all cores first, as a user's `pprnet-kg extract` runs them: in a process that holds no earlier
    # extraction (forked workers of a process holding 10^5 posts copied its pages as they touched them)
    t = time.perf_counter()
    extract_pages(read_pages([directory]), rules, jobs=os.cpu_count() or 1)  # the CLI's default
    out["extract_jobs_s"] = time.perf_counter() - t
    gc.collect()  # the pass over the records just dropped is not the next measurement's
    t = time.perf_counter()
    pages = read_pages([directory])
    extraction = extract_pages(pages, rules)
    out["extract_s"] = time.perf_counter() - t
    t = time.perf_counter()
    # the graph's canonical N-Triples made as a build makes them (sorted runs merged on disk) and
    # loaded into the store: what KG.build does, done by hand here so that extraction and build
    # are timed apart
    file = posts_to_file(list(extraction.posts), list(extraction.topics), list(extraction.sources), rules,
                         base=DEFAULT_BASE)
    del extraction, pages
    kg = KG(open_backend(backend), DEFAULT_BASE, f"{backend}: synthetic corpus of {posts:,} posts", file)
    kg.backend.load_file(file.path)
    out["build_s"] = time.perf_counter() - t
    out["triples"] = file.triples
    written = CACHE / f"synth-{posts}-{backend}.ttl"
    t = time.perf_counter()
    kg.write(written, "ttl")
    out["turtle_s"] = time.perf_counter() - t
    written.unlink()
    nt_path = CACHE / f"synth-{posts}.nt"
    t = time.perf_counter()
    kg.write(nt_path, "nt")
    out["nt_s"] = time.perf_counter() - t
    fresh = open_backend(backend)
    t = time.perf_counter()
    fresh.load_file(nt_path)
    out["load_s"] = time.perf_counter() - t
    fresh.close()
    del fresh
    params = params_from(kg)
    (CACHE / f"synth-{posts}.params.json").write_text(json.dumps(params, sort_keys=True), encoding="utf-8")
    out["queries"], out["direct_queries"] = {}, {}
    for q in library():
        given = {p.name: params[p.name] for p in q.params if not p.optional}
        n = rows_of(kg.query(q, given))
        if backend != "oxigraph":
            times = _timed(lambda: kg.query(q, given), repeat, QUERY_BUDGET_S)
            out["queries"][q.name] = {"p50_ms": 1000 * _pct(times, 0.5), "p95_ms": 1000 * _pct(times, 0.95), "rows": n}
            continue
        # pyoxigraph on the very store ours reads, in this process, alternating run by run: the
        # text our `prepare` made, every row read (no second store, no second process)
        text, bindings, _ = prepare(q, kg._labels(q, dict(given)), base=kg.base)
        direct_text = inline_bindings(text, bindings) if bindings else text
        store = kg.backend._store
        ours_t, direct_t, direct_n = [], [], 0
        while not ours_t or (len(ours_t) < repeat and sum(ours_t) + sum(direct_t) < QUERY_BUDGET_S):
            ours_t += _timed(lambda: kg.query(q, given), 1)
            t = time.perf_counter()
            result = store.query(direct_text)
            direct_n = read_rows(result)
            direct_t.append(time.perf_counter() - t)
        out["queries"][q.name] = {"p50_ms": 1000 * _pct(ours_t, 0.5), "p95_ms": 1000 * _pct(ours_t, 0.95), "rows": n}
        out["direct_queries"][q.name] = {"p50_ms": 1000 * _pct(direct_t, 0.5), "p95_ms": 1000 * _pct(direct_t, 0.95),
                                         "rows": direct_n}
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kg.close()
    return out


def reference(posts: int, repeat: int) -> dict:
    """pyoxigraph used directly on the same triples: load and Turtle dump (its query times are
    taken in the worker, beside ours on the same store)."""
    import pyoxigraph as ox

    nt_path = CACHE / f"synth-{posts}.nt"
    out: dict = {"posts": posts, "backend": "pyoxigraph (direct)"}
    store = ox.Store()
    t = time.perf_counter()
    store.bulk_load(path=str(nt_path), format=ox.RdfFormat.N_TRIPLES)
    out["load_s"] = time.perf_counter() - t
    out["triples"] = len(store)
    t = time.perf_counter()
    store.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph())
    out["turtle_s"] = time.perf_counter() - t
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def servers(posts: int, repeat: int) -> list[dict]:
    """Push into an Oxigraph server and Virtuoso on loopback; time the library against each."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import servers as srv  # the tests' server helpers

    from pprnet_kg.backends.remote import push
    from pprnet_kg.kg import KG
    from pprnet_kg.sparql import library

    named_graph = "https://w3id.org/pprnet/graph"
    ntriples = (CACHE / f"synth-{posts}.nt").read_text(encoding="utf-8")  # canonical, as the worker wrote it
    params = json.loads((CACHE / f"synth-{posts}.params.json").read_text(encoding="utf-8"))
    results = []
    for start in (srv.start_oxigraph, srv.start_virtuoso):
        try:
            server = start(Path(tempfile.mkdtemp(prefix="pprnet-bench-")))
        except BaseException as exc:  # pytest.skip/fail raise BaseException subclasses
            results.append({"posts": posts, "backend": start.__name__[6:], "error": str(exc)[:200]})
            continue
        try:
            if server.user:
                os.environ["PPRNET_SPARQL_USER"], os.environ["PPRNET_SPARQL_PASSWORD"] = server.user, server.password
            t = time.perf_counter()
            report = push(ntriples, endpoint=server.store, graph_iri=named_graph, query_endpoint=server.query,
                          update_endpoint=server.update)
            out = {"posts": posts, "backend": f"{server.name} server", "load_s": time.perf_counter() - t,
                   "triples": report.triples_sent, "queries": {}}
            with KG.open(store=f"sparql+{server.query}", named_graph=named_graph) as remote:
                for q in library():
                    given = {p.name: params[p.name] for p in q.params if not p.optional}
                    n = rows_of(remote.query(q, given))
                    times = _timed(lambda: remote.query(q, given), repeat, QUERY_BUDGET_S)
                    out["queries"][q.name] = {"p50_ms": 1000 * _pct(times, 0.5), "p95_ms": 1000 * _pct(times, 0.95),
                                              "rows": n}
            results.append(out)
        finally:
            os.environ.pop("PPRNET_SPARQL_USER", None)
            server.stop()
    return results


def help_time(repeat: int = 10) -> float:
    exe = Path(sys.executable).with_name("pprnet-kg")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "pprnet_kg.cli"]
    times = _timed(lambda: subprocess.run(cmd + ["--help"], capture_output=True, check=True), repeat)
    return statistics.median(times)


def _sub(kind: str, posts: int, backend: str, repeat: int) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--worker", kind, str(posts), backend, str(repeat)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return {"posts": posts, "backend": backend, "error": proc.stderr.strip().splitlines()[-1][:200]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    mem = ""
    if Path("/proc/meminfo").exists():
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    import pyoxigraph
    import rdflib

    return (f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.machine()}; "
            f"Python {platform.python_version()}, rdflib {rdflib.__version__}, pyoxigraph {pyoxigraph.__version__}")


def table(runs: list[dict], help_s: float) -> str:
    lines = [f"Machine: {machine()}", "", f"`pprnet-kg --help`: {help_s * 1000:.0f} ms (median of 10)", ""]
    lines += ["| posts | backend | triples | extract posts/s (1 process / all cores) | build triples/s | build + Turtle s | Turtle s | "
              "N-Triples s | load s | peak MB | query p50 max ms | query p50 median ms |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        if "error" in r:
            lines.append(f"| {r['posts']:,} | {r['backend']} | error: {r['error']} |" + " |" * 9)
            continue
        p50 = [v["p50_ms"] for v in r.get("queries", {}).values()]

        def f(key, fmt="{:.2f}"):
            return fmt.format(r[key]) if key in r else ""

        extract = f"{r['posts'] / r['extract_s']:,.0f}" if "extract_s" in r else ""
        if "extract_jobs_s" in r:
            extract += f" / {r['posts'] / r['extract_jobs_s']:,.0f}"
        build = f"{r['triples'] / r['build_s']:,.0f}" if "build_s" in r else ""
        both = f"{r['build_s'] + r['turtle_s']:.2f}" if "build_s" in r else ""
        queries = f"{max(p50):.1f} | {statistics.median(p50):.1f}" if p50 else " | "
        lines.append(f"| {r['posts']:,} | {r['backend']} | {r['triples']:,} | {extract} | {build} | {both} | "
                     f"{f('turtle_s')} | {f('nt_s')} | {f('load_s')} | {f('peak_rss_mb', '{:,.0f}')} | {queries} |")
    lines += ["", "Per-query p50 / p95 in ms (rows returned in brackets; parameters drawn from the corpus, so a 0-row "
              "timing is flagged), and the ratio of our `oxigraph` backend to pyoxigraph used directly, both on "
              "one in-memory store in one process, alternating run by run (every row read, all rows: no page):", ""]
    by_size: dict[int, dict[str, dict]] = {}
    for r in runs:
        by_size.setdefault(r["posts"], {})[r["backend"]] = r
    for backends in by_size.values():  # pyoxigraph's query times were taken beside ours, on our store
        if "direct_queries" in backends.get("oxigraph", {}) and "pyoxigraph (direct)" in backends:
            backends["pyoxigraph (direct)"] = {**backends["pyoxigraph (direct)"],
                                               "queries": backends["oxigraph"]["direct_queries"]}
    for posts, backends in sorted(by_size.items()):
        names = [b for b in backends if "queries" in backends[b]]
        lines += [f"**{posts:,} posts**", "", "| query | " + " | ".join(names) + " | oxigraph / direct |",
                  "|---|" + "---|" * (len(names) + 1)]
        queries = sorted(next(iter(backends[n]["queries"] for n in names)) if names else [])
        for q in queries:
            cells = []
            for n in names:
                m = backends[n]["queries"][q]
                rows = m.get("rows")
                shown = "" if rows is None else (f" [{rows:,}]" if rows else " [0 rows: not a valid timing]")
                cells.append(f"{m['p50_ms']:.1f} / {m['p95_ms']:.1f}{shown}")
            ratio = ""
            if "oxigraph" in backends and "pyoxigraph (direct)" in backends:
                ours = backends["oxigraph"]["queries"][q]["p50_ms"]
                ref = backends["pyoxigraph (direct)"]["queries"][q]["p50_ms"]
                ratio = f"{ours / ref:.2f}×" if ref > 0 else ""
            lines.append(f"| {q} | " + " | ".join(cells) + f" | {ratio} |")
        lines.append("")
    return "\n".join(lines)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip()[1:-1].split("|")]


def _posts(cell: str) -> int:
    return int(cell.replace(",", ""))


def _union(new: list, old: list) -> list:
    """new's items in new's order, with old-only items placed after the old item they followed."""
    out = list(new)
    for i, item in enumerate(old):
        if item in out:
            continue
        before = next((o for o in reversed(old[:i]) if o in out), None)
        out.insert(0 if before is None else out.index(before) + 1, item)
    return out


def _parse_scale(text: str) -> dict | None:
    """The scale part of RESULTS.md: preamble, main table rows by (posts, backend), intro, per-size blocks."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith(MAIN_HEADER)), None)
    if start is None:
        return None
    end = start + 2
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    rows: dict[tuple[int, str], str] = {}
    for line in lines[start + 2:end]:
        cells = _cells(line)
        rows[(_posts(cells[0]), cells[1])] = line
    intro: list[str] = []
    blocks: dict[int, list[str]] = {}
    current: list[str] = intro
    for line in lines[end:]:
        m = BLOCK_HEADING.match(line)
        if m:
            current = blocks.setdefault(_posts(m.group(1)), [])
        current.append(line)
    for block in (intro, *blocks.values()):
        while block and not block[-1].strip():
            block.pop()
    while intro and not intro[0].strip():
        intro.pop(0)
    return {"preamble": lines[:start], "header": lines[start:start + 2], "rows": rows, "intro": intro,
            "blocks": blocks}


def _parse_block(block: list[str]) -> tuple[list[str], dict[str, dict[str, str]]]:
    """A per-query table: its backend columns and {query: {column: cell}}; the ratio is under RATIO."""
    table = [line for line in block if line.startswith("|")]
    if len(table) < 2:
        return [], {}
    names = _cells(table[0])[1:]
    columns = [n for n in names if n and n != RATIO]
    queries: dict[str, dict[str, str]] = {}
    for line in table[2:]:
        cells = _cells(line)
        queries[cells[0]] = {n: c for n, c in zip(names, cells[1:]) if n}
    return columns, queries


def _p50(cell: str) -> float | None:
    try:
        return float(cell.split("/")[0])
    except ValueError:
        return None


def _merge_block(posts: int, new: list[str], old: list[str]) -> list[str]:
    new_cols, new_q = _parse_block(new)
    old_cols, old_q = _parse_block(old)
    columns = _union(new_cols, old_cols)
    lines = [f"**{posts:,} posts**", "", "| " + " | ".join(["query", *columns, RATIO]) + " |",
             "|---|" + "---|" * (len(columns) + 1)]
    for q in _union(list(new_q), list(old_q)):
        row = {c: (new_q.get(q, {}) if c in new_cols else old_q.get(q, {})).get(c, "") for c in columns}
        if not any(row.values()):
            continue
        sides = {c in new_cols for c in ("oxigraph", "pyoxigraph (direct)")}
        if sides == {True}:
            ratio = new_q.get(q, {}).get(RATIO, "")
        elif sides == {False}:
            ratio = old_q.get(q, {}).get(RATIO, "")
        else:
            ours, ref = _p50(row.get("oxigraph", "")), _p50(row.get("pyoxigraph (direct)", ""))
            ratio = f"{ours / ref:.2f}×" if ours is not None and ref else ""
        lines.append("| " + " | ".join([q, *row.values(), ratio]) + " |")
    return lines


def _made_by(new_preamble: list[str], old_preamble: list[str], sizes: list[int]) -> list[str]:
    """The new preamble, saying which command made the rows kept from before."""
    def find(lines: list[str], prefix: str) -> str | None:
        return next((line for line in lines if line.startswith(prefix)), None)

    new_made, old_made = find(new_preamble, "Made by "), find(old_preamble, "Made by ")
    out = list(new_preamble)
    if new_made and old_made:
        command = new_made[len("Made by "):].rstrip(".")
        base, *updates = old_made.rstrip(".").split("; rows for ")
        kept = [u for u in updates  # an earlier update is dropped once this run re-measured all its sizes
                if not {_posts(n) for n in u.split(" posts updated by ")[0].split(" and ")} <= set(sizes)]
        sizes_text = " and ".join(f"{n:,}" for n in sizes)
        out[out.index(new_made)] = "; rows for ".join([base, *kept, f"{sizes_text} posts updated by {command}"]) + "."
    old_machine, new_machine = find(old_preamble, "Machine: "), find(new_preamble, "Machine: ")
    if new_machine:
        earlier = [line for line in old_preamble if line.startswith(EARLIER)]
        if old_machine:
            earlier.append(EARLIER + old_machine[len("Machine: "):])
        earlier = [line for line in dict.fromkeys(earlier) if line[len(EARLIER):] != new_machine[len("Machine: "):]]
        at = out.index(new_machine) + 1
        out[at:at] = earlier
    return out


def merge_results(old: str, new: str) -> str:
    """RESULTS.md after a run: `new` is the run's scale section, `old` the file as it was ("" if none).

    Rows of the scale table are keyed by (posts, backend) and cells of the per-query tables by
    (posts, query, backend): what the run measured replaces what was there, everything else is kept,
    sizes stay in order. Sections from the first `## ` heading of `old` on are kept unchanged.
    """
    m = OTHER.search(old)
    old_scale, other = (old[:m.start()], old[m.start():]) if m else (old, "")
    before, after = _parse_scale(old_scale), _parse_scale(new)
    if before is None or after is None:
        scale = new
    else:
        rows = dict(before["rows"])
        rows.update(after["rows"])
        sizes = sorted({posts for posts, _ in after["rows"]})
        order = _union(list(after["rows"]), list(before["rows"]))
        old_rows_kept = any(key not in after["rows"] for key in before["rows"])
        lines = (_made_by(after["preamble"], before["preamble"], sizes) if old_rows_kept else after["preamble"])
        lines += after["header"] + [rows[key] for key in sorted(order, key=lambda k: k[0])]
        lines += [""] + after["intro"] + [""]
        for posts in sorted(set(before["blocks"]) | set(after["blocks"])):
            if posts not in before["blocks"]:
                lines += after["blocks"][posts]
            elif posts not in after["blocks"]:
                lines += before["blocks"][posts]
            else:
                lines += _merge_block(posts, after["blocks"][posts], before["blocks"][posts])
            lines.append("")
        scale = "\n".join(lines) + "\n"
    return scale.rstrip("\n") + "\n" + ("\n\n" + other if other else "")


def scale_section(command: str, runs: list[dict], help_s: float) -> str:
    """The Markdown of one run: title, the command that made it, and the tables."""
    return f"# Benchmark results\n\nMade by `{command}`.\n\n" + table(runs, help_s) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10_000, 100_000])
    parser.add_argument("--servers", action="store_true", help="also time the Oxigraph server and Virtuoso")
    parser.add_argument("--server-sizes", nargs="+", type=int, help="sizes to run the servers at (default: all)")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--build-pairs", type=int, default=2,
                        help="paired runs of each build target (benchmarks/build.py); 0 skips them")
    parser.add_argument("--disk-budget", type=float, default=10.0,
                        help="seconds of runs per query on the on-disk store (benchmarks/queries.py); 0 skips them")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, posts, backend, repeat = args.worker
        result = (reference(int(posts), int(repeat)) if kind == "reference"
                  else json.dumps(servers(int(posts), int(repeat))) if kind == "servers"
                  else worker(int(posts), backend, int(repeat)))
        print(result if isinstance(result, str) else json.dumps(result))
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    runs: list[dict] = []
    for posts in args.sizes:
        corpus(posts)
        repeat = 20 if posts <= 10_000 else 5
        for backend in ("memory", "oxigraph"):
            if backend == "memory" and posts > MEMORY_LIMIT_POSTS:
                runs.append({"posts": posts, "backend": "memory", "error": f"skipped above {MEMORY_LIMIT_POSTS:,} posts"})
                continue
            runs.append(_sub("worker", posts, backend, repeat))
            print(f"{posts} {backend}: done", file=sys.stderr)
        runs.append(_sub("reference", posts, "pyoxigraph", repeat))
        if args.servers and (args.server_sizes is None or posts in args.server_sizes):
            proc = subprocess.run([sys.executable, __file__, "--worker", "servers", str(posts), "-", str(repeat)],
                                  capture_output=True, text=True)
            runs += json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0 else [
                {"posts": posts, "backend": "servers", "error": (proc.stderr.strip().splitlines() or ["?"])[-1][:200]}]
    command = "python benchmarks/run.py" + (" --servers" if args.servers else "") + f" --sizes {' '.join(map(str, args.sizes))}"
    if args.server_sizes:
        command += f" --server-sizes {' '.join(map(str, args.server_sizes))}"
    text = scale_section(command, runs, help_time())
    print(text)
    before = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    merged = merge_results(before, text)
    if args.build_pairs:
        sys.path.insert(0, str(HERE))
        import build as build_targets

        table = build_targets.targets(args.sizes, args.build_pairs, build_targets.MONTH)
        print(build_targets.SECTION + "\n\n" + table)
        made_by = f"Made by `{command}` on {machine()}; {args.build_pairs} runs of each side."
        merged = build_targets.merge_section(merged, table, args.sizes, made_by)
    if args.disk_budget:
        # every library query on an on-disk store built by the CLI: ours beside pyoxigraph on that
        # one store in one process, and as a user runs it (benchmarks/queries.py)
        sys.path.insert(0, str(HERE))
        import queries as disk_queries

        measured = [disk_queries.measure(posts, 3, args.disk_budget) for posts in args.sizes]
        section = disk_queries.table(measured, command)
        print(section)
        merged = disk_queries.merge(merged, section)
    args.out.write_text(merged, encoding="utf-8")


if __name__ == "__main__":
    main()
