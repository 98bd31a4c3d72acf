"""Load on loopback: `pprnet-kg serve` beside Oxigraph's own server, same data, same request mix,
same run.

    python benchmarks/serve_load.py [PAGES...] [--clients 50 200] [--requests 3000]

Both servers hold the same triples (ours builds them; Oxigraph's gets our canonical N-Triples
through its Graph Store endpoint). The mix is SPARQL only, so both do the same work: every
library query with its parameters (prepared exactly as `pprnet-kg query` runs it, parameters
as a VALUES block) and a CONSTRUCT of each resource's description. For each client count the
two servers are run in turn on the same plan, while one deliberately slow query runs alongside.
Prints throughput, p50/p99, the error count, ours/Oxigraph ratios and the rows the mix returned
(a 0-row query is reported). Bounded: a request count and a wall-clock limit; loopback only.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import socket
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
PARAMS = {"month": "2020-12", "topic": "Alliance and Therapeutic Relationship",
          "article": "id:article/doi/10.1016/j.cpr.2019.101810",
          "finding": "id:finding/2020-12-psychotherapy-for-those-who-do-not-respond-to-treatment/1",
          "condition": "Depression and mood disorders", "comparator": "Face-to-face delivery"}
WALL_LIMIT_S = 300
ERRORS: list[str] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, accept: str = "application/sparql-results+json") -> tuple[int, float]:
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}), timeout=60) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        if len(ERRORS) < 5:
            ERRORS.append(f"{exc.code} {url[:100]}: {exc.read()[:160]!r}")
    except OSError:
        status = 0
    return status, time.perf_counter() - t


def wait_for(url: str) -> None:
    for _ in range(150):
        if fetch(url)[0] == 200:
            return
        time.sleep(0.2)
    raise SystemExit(f"server at {url} did not start")


def plan_of(pages: list[str], requests: int) -> tuple[list[str], str, dict]:
    """(SPARQL texts of the mix, canonical N-Triples, rows each query returns)."""
    from pprnet_kg.kg import KG
    from pprnet_kg.sparql import library, prepare
    from pprnet_kg.sparql.bindings import inline_bindings

    kg = KG.build(pages, store="oxigraph")[0]
    texts, rows = [], {}
    for q in library():
        params = kg._labels(q, {p.name: PARAMS[p.name] for p in q.params if not p.optional})
        text, bindings = prepare(q, params, base=kg.base)
        text = inline_bindings(text, bindings) if bindings else text
        result = kg.backend.query(text, {})
        rows[q.name] = len(result.rows) + len(result.triples) + (1 if result.form == "ASK" else 0)
        texts.append(text)
    subjects = [r[0] for r in kg.backend.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o } ORDER BY ?s", {}).rows]
    describes = [f"CONSTRUCT {{ <{s}> ?p ?o }} WHERE {{ <{s}> ?p ?o }}" for s in subjects if str(s).startswith("http")]
    rng = random.Random(7)
    plan = [rng.choice(texts) if rng.random() < 0.5 else rng.choice(describes) for _ in range(requests)]
    return plan, kg.ntriples(), rows


def load(endpoint: str, plan: list[str], clients: int, attack: bool) -> dict:
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    cursor = iter(plan)
    deadline = time.monotonic() + WALL_LIMIT_S

    def client():
        while time.monotonic() < deadline:
            with lock:
                text = next(cursor, None)
            if text is None:
                return
            accept = "text/turtle" if text.startswith("CONSTRUCT") else "application/sparql-results+json"
            status, seconds = fetch(endpoint + "?" + urllib.parse.urlencode({"query": text}), accept)
            with lock:
                latencies.append(seconds)
                if status != 200:
                    errors.append(status)

    slow: dict = {}

    def slow_query():
        slow["status"], slow["seconds"] = fetch(endpoint + "?" + urllib.parse.urlencode({"query": SLOW}))

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    threads += [threading.Thread(target=slow_query)] if attack else []
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    lat = sorted(latencies)
    return {"requests": len(lat), "errors": Counter(errors), "rps": len(lat) / elapsed,
            "p50": 1000 * statistics.median(lat), "p99": 1000 * lat[min(len(lat) - 1, int(0.99 * len(lat)))],
            "slow": slow}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=[str(Path(__file__).resolve().parents[2] / "shared" / "pprnet"
                                                         / "pages" / "blog-2020-07-to-2020-12.txt")])
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    plan, ntriples, rows = plan_of(args.pages, args.requests)
    binary = shutil.which("oxigraph", path=sysconfig.get_path("scripts") + ":/usr/local/bin:/usr/bin")
    if binary is None:
        raise SystemExit("the Oxigraph server is needed beside ours: pip install oxigraph")
    ours_port, ox_port = free_port(), free_port()
    tmp = tempfile.mkdtemp()
    ours = subprocess.Popen([sys.executable, "-m", "pprnet_kg.cli", "serve", *sum((["--source", p] for p in args.pages), []),
                             "--port", str(ours_port), "--timeout", "5"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=tmp)
    theirs = subprocess.Popen([binary, "serve", "--location", f"{tmp}/ox", "--bind", f"127.0.0.1:{ox_port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{ours_port}/sparql?query=ASK%7B%7D")
        wait_for(f"http://127.0.0.1:{ox_port}/query?query=ASK%7B%7D")
        request = urllib.request.Request(f"http://127.0.0.1:{ox_port}/store?default", data=ntriples.encode(),
                                         method="PUT", headers={"Content-Type": "application/n-triples"})
        urllib.request.urlopen(request).read()
        zero = sorted(name for name, n in rows.items() if n == 0)
        print(f"mix: {len(plan):,} SPARQL requests, half library queries ({len(rows)}; rows: "
              f"{', '.join(f'{k} {v}' for k, v in sorted(rows.items()))}), half CONSTRUCT descriptions of resources")
        if zero:
            print(f"warning: queries returning 0 rows in the mix: {', '.join(zero)}")
        print("| clients | server | requests/s | p50 ms | p99 ms | errors | slow query alongside |")
        print("|---|---|---|---|---|---|---|")
        for attack in (False, True):
            for clients in args.clients:
                results = {}
                for name, endpoint in (("pprnet-kg serve", f"http://127.0.0.1:{ours_port}/sparql"),
                                       ("oxigraph serve", f"http://127.0.0.1:{ox_port}/query")):
                    r = results[name] = load(endpoint, plan, clients, attack)
                    slow = r["slow"]
                    alongside = (f"HTTP {slow.get('status')} after {slow.get('seconds', 0):.1f} s" if attack
                                 else "none")
                    print(f"| {clients} | {name} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} | "
                          f"{sum(r['errors'].values())} {dict(r['errors']) or ''} | {alongside} |")
                a, b = results["pprnet-kg serve"], results["oxigraph serve"]
                print(f"| {clients} | ours / Oxigraph | {a['rps'] / b['rps']:.2f}x | {a['p50'] / b['p50']:.2f}x | "
                      f"{a['p99'] / b['p99']:.2f}x | | |")
        for line in ERRORS:
            print(f"error: {line}")
    finally:
        for proc in (ours, theirs):
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
