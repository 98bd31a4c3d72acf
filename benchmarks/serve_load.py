"""A bounded load on loopback against `pprnet-kg serve`: 50 concurrent clients, 5,000 requests.

    python benchmarks/serve_load.py [PAGE] [--clients 50] [--requests 5000]

Requests are mixed from the query library (with parameters) and resource lookups (/id/...),
sent to a server started in its own process on a free loopback port; a deliberately slow query
runs alongside to show it does not stall the rest. Prints throughput, p50/p99 latency and the
error count; stops by itself (the request count and a wall-clock limit bound it).
"""

from __future__ import annotations

import argparse
from collections import Counter
import json
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
PARAMS = {"month": "2020-12", "topic": "Alliance and Therapeutic Relationship",
          "article": "id:article/doi/10.1016/j.cpr.2019.101810",
          "finding": "id:finding/2020-12-psychotherapy-for-those-who-do-not-respond-to-treatment/1",
          "condition": "Depression and mood disorders", "comparator": "Face-to-face delivery"}
WALL_LIMIT_S = 600


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ERRORS: list[str] = []  # the first few error answers, to show what went wrong


def fetch(url: str, accept: str = "application/sparql-results+json") -> tuple[int, float]:
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}), timeout=60) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        if len(ERRORS) < 5:
            ERRORS.append(f"{exc.code} {url[:120]}: {exc.read()[:200]!r}")
    except OSError:
        status = 0
    return status, time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared" / "pprnet"
                                                           / "pages" / "blog-2020-07-to-2020-12.txt"))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "pprnet_kg.cli", "serve", "--source", args.page,
                               "--port", str(port), "--timeout", "5"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            if fetch(base + "/queries", "application/json")[0] == 200:
                break
            time.sleep(0.2)
        queries = json.loads(urllib.request.urlopen(base + "/queries").read())
        named = []
        for q in queries:
            given = {p["name"]: PARAMS[p["name"]] for p in q["params"] if not p["optional"]}
            named.append(f"{base}/queries/{q['name']}?{urllib.parse.urlencode(given)}")
        listing = urllib.request.urlopen(base + "/sparql?" + urllib.parse.urlencode(
            {"query": "SELECT DISTINCT ?s WHERE { ?s ?p ?o } ORDER BY ?s"})).read()
        iris = [b["s"]["value"] for b in json.loads(listing)["results"]["bindings"]]
        resources = [base + "/id/" + i.split("/id/", 1)[1] for i in iris if "/id/" in i]
        rng = random.Random(7)
        plan = [(rng.choice(named), "application/sparql-results+json") if rng.random() < 0.5
                else (rng.choice(resources), rng.choice(["text/turtle", "application/ld+json", "text/html"]))
                for _ in range(args.requests)]
        latencies: list[float] = []
        errors: list[int] = []
        lock = threading.Lock()
        cursor = iter(plan)
        deadline = time.monotonic() + WALL_LIMIT_S

        def client():
            while time.monotonic() < deadline:
                with lock:
                    item = next(cursor, None)
                if item is None:
                    return
                status, seconds = fetch(*item)
                with lock:
                    latencies.append(seconds)
                    if status != 200:
                        errors.append(status)

        slow = {}

        def slow_query():
            slow["status"], slow["seconds"] = fetch(base + "/sparql?" + urllib.parse.urlencode({"query": SLOW}))

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.clients)] + [threading.Thread(target=slow_query)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        lat = sorted(latencies)
        print(f"| measure | value |\n|---|---|\n"
              f"| requests | {len(lat):,} ({args.clients} concurrent clients) |\n"
              f"| errors | {len(errors)} {dict(sorted(Counter(errors).items())) if errors else ''} |\n"
              f"| throughput | {len(lat) / elapsed:,.0f} requests/s |\n"
              f"| latency p50 | {1000 * statistics.median(lat):.1f} ms |\n"
              f"| latency p99 | {1000 * lat[min(len(lat) - 1, int(0.99 * len(lat)))]:.1f} ms |\n"
              f"| slow query alongside | HTTP {slow.get('status')} after {slow.get('seconds', 0):.1f} s (limit 5 s) |")
        for line in ERRORS:
            print(f"error: {line}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
