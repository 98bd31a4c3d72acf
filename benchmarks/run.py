"""The scale benchmark: synthetic corpora of 1k, 10k and 100k posts through the whole pipeline.

    python benchmarks/run.py [--sizes 1000 10000 100000] [--servers] [--out benchmarks/RESULTS.md]

For each size, each backend runs in its own process (so peak memory is its own):
extraction (posts/s), graph build (triples/s), Turtle and N-Triples write, loading the
N-Triples back, and p50/p95 latency of every query in queries/. The reference is pyoxigraph
used directly on the same N-Triples (load, dump, the same queries); ratios are ours / reference.
With --servers, the Oxigraph server and Virtuoso are started on loopback, loaded with
`push`, and the query library is timed against them too. Prints Markdown and writes it to
--out with a description of the machine. Numbers, not assertions: nothing here fails on speed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("PPRNET_BENCH_CACHE", Path(tempfile.gettempdir()) / "pprnet-bench"))
OTHER = "\n## Other benchmarks"  # sections below this heading are kept when the table is rewritten
MEMORY_LIMIT_POSTS = 1_000  # rdflib's engine needs up to 17 s for one library query at 1k posts
QUERY_BUDGET_S = 30.0  # stop repeating a query once its runs have taken this long (at least one run)


def corpus(posts: int, seed: int = 7) -> Path:
    from pprnet_kg.extract import load_rules
    from pprnet_kg.synth import generate, write_corpus

    directory = CACHE / f"synth-{posts}-{seed}"
    done = directory / ".complete"
    if not done.exists():
        rules = load_rules()
        write_corpus(generate(posts, rules, seed=seed), rules, directory, seed=seed)
        done.write_text("ok")
    return directory


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


def _query_params():
    """A value for every required parameter of the library, valid in any synthetic corpus."""
    return {"month": "2015-03", "topic": "Depression and Depressive Symptoms", "article": "id:article/doi/10.5555/synth.7.0000001",
            "finding": "id:finding/x/1", "author": "id:person/x"}


def worker(posts: int, backend: str, repeat: int) -> dict:
    """One size on one backend; returns the measurements as a dict."""
    from pprnet_kg.export import serialize
    from pprnet_kg.extract import load_rules
    from pprnet_kg.graph import build_graph
    from pprnet_kg.pipeline import extract_pages
    from pprnet_kg.queries import library, run_query
    from pprnet_kg.sources import read_pages
    from pprnet_kg.store import open_graph_store, parse_store

    directory = corpus(posts)
    rules = load_rules()
    out: dict = {"posts": posts, "backend": backend}
    t = time.perf_counter()
    pages = read_pages([directory])
    extraction = extract_pages(pages, rules)
    out["extract_s"] = time.perf_counter() - t
    t = time.perf_counter()
    graph = build_graph(list(extraction.posts), list(extraction.topics), list(extraction.sources), rules,
                        graph=open_graph_store(parse_store(backend)))
    out["build_s"] = time.perf_counter() - t
    out["triples"] = len(graph)
    t = time.perf_counter()
    ttl = serialize(graph, "ttl")
    out["turtle_s"] = time.perf_counter() - t
    t = time.perf_counter()
    nt = serialize(graph, "nt")
    out["nt_s"] = time.perf_counter() - t
    nt_path = CACHE / f"synth-{posts}.nt"
    nt_path.write_bytes(nt)
    del ttl
    fresh = open_graph_store(parse_store(backend))
    t = time.perf_counter()
    fresh.parse(nt_path, format="ox-nt" if backend == "oxigraph" else "nt")
    out["load_s"] = time.perf_counter() - t
    del fresh
    params = _query_params()
    out["queries"] = {}
    for q in library():
        given = {p.name: params[p.name] for p in q.params if not p.optional}
        times = _timed(lambda: list(run_query(graph, q, given)), repeat, QUERY_BUDGET_S)
        out["queries"][q.name] = {"p50_ms": 1000 * _pct(times, 0.5), "p95_ms": 1000 * _pct(times, 0.95)}
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def reference(posts: int, repeat: int) -> dict:
    """pyoxigraph used directly on the same triples: load, Turtle dump, the same queries."""
    import pyoxigraph as ox
    from rdflib import Literal, URIRef
    from rdflib.namespace import XSD

    from pprnet_kg.namespaces import DEFAULT_BASE
    from pprnet_kg.queries import coerce_bindings, inline_bindings, library, with_prologue

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
    params = _query_params()
    out["queries"] = {}
    for q in library():
        given = coerce_bindings(q, {p.name: params[p.name] for p in q.params if not p.optional}, DEFAULT_BASE)
        text = inline_bindings(with_prologue(q.text), given)
        times = _timed(lambda: list(store.query(text)), repeat)
        out["queries"][q.name] = {"p50_ms": 1000 * _pct(times, 0.5), "p95_ms": 1000 * _pct(times, 0.95)}
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    del Literal, URIRef, XSD
    return out


def servers(posts: int, repeat: int) -> list[dict]:
    """Push into an Oxigraph server and Virtuoso on loopback; time the library against each."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import servers as srv  # the tests' server helpers

    from pprnet_kg.api import open_graph
    from pprnet_kg.queries import library, run_query
    from pprnet_kg.remote import push
    from pprnet_kg.store import open_graph_store, parse_store

    graph = open_graph_store(parse_store("oxigraph"))
    graph.parse(CACHE / f"synth-{posts}.nt", format="ox-nt")
    params = _query_params()
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
            push(graph, endpoint=server.store, graph_iri="https://w3id.org/pprnet/graph", query_endpoint=server.query)
            out = {"posts": posts, "backend": f"{server.name} server", "load_s": time.perf_counter() - t,
                   "triples": len(graph), "queries": {}}
            remote = open_graph(store=f"sparql+{server.query}#graph=https://w3id.org/pprnet/graph")
            for q in library():
                given = {p.name: params[p.name] for p in q.params if not p.optional}
                times = _timed(lambda: list(run_query(remote, q, given)), repeat, QUERY_BUDGET_S)
                out["queries"][q.name] = {"p50_ms": 1000 * _pct(times, 0.5), "p95_ms": 1000 * _pct(times, 0.95)}
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
    lines += ["| posts | backend | triples | extract posts/s | build triples/s | build + Turtle s | Turtle s | "
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
        build = f"{r['triples'] / r['build_s']:,.0f}" if "build_s" in r else ""
        both = f"{r['build_s'] + r['turtle_s']:.2f}" if "build_s" in r else ""
        lines.append(f"| {r['posts']:,} | {r['backend']} | {r['triples']:,} | {extract} | {build} | {both} | "
                     f"{f('turtle_s')} | {f('nt_s')} | {f('load_s')} | {f('peak_rss_mb', '{:,.0f}')} | "
                     f"{max(p50):.1f} | {statistics.median(p50):.1f} |")
    lines += ["", "Per-query p50 / p95 in ms, and the ratio of our `oxigraph` backend to pyoxigraph used directly:", ""]
    by_size: dict[int, dict[str, dict]] = {}
    for r in runs:
        by_size.setdefault(r["posts"], {})[r["backend"]] = r
    for posts, backends in sorted(by_size.items()):
        names = [b for b in backends if "queries" in backends[b]]
        lines += [f"**{posts:,} posts**", "", "| query | " + " | ".join(names) + " | oxigraph / direct |",
                  "|---|" + "---|" * (len(names) + 1)]
        queries = sorted(next(iter(backends[n]["queries"] for n in names)) if names else [])
        for q in queries:
            cells = [f"{backends[n]['queries'][q]['p50_ms']:.1f} / {backends[n]['queries'][q]['p95_ms']:.1f}" for n in names]
            ratio = ""
            if "oxigraph" in backends and "pyoxigraph (direct)" in backends:
                ours = backends["oxigraph"]["queries"][q]["p50_ms"]
                ref = backends["pyoxigraph (direct)"]["queries"][q]["p50_ms"]
                ratio = f"{ours / ref:.2f}×" if ref > 0 else ""
            lines.append(f"| {q} | " + " | ".join(cells) + f" | {ratio} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10_000, 100_000])
    parser.add_argument("--servers", action="store_true", help="also time the Oxigraph server and Virtuoso")
    parser.add_argument("--server-sizes", nargs="+", type=int, help="sizes to run the servers at (default: all)")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
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
    text = f"# Benchmark results\n\nMade by `{command}`.\n\n" + table(runs, help_time()) + "\n"
    print(text)
    keep = ""
    if args.out.exists() and OTHER in args.out.read_text(encoding="utf-8"):
        keep = OTHER + args.out.read_text(encoding="utf-8").split(OTHER, 1)[1]
    args.out.write_text(text + keep, encoding="utf-8")


if __name__ == "__main__":
    main()
