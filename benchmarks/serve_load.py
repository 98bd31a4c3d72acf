"""Load on loopback: `pprnet-kg serve` beside Oxigraph's own server, same data, same request mix,
same run.

    python benchmarks/serve_load.py [PAGES...] [--clients 50 200] [--requests 3000]

Both servers hold the same triples (ours builds them; Oxigraph's gets our canonical N-Triples
through its Graph Store endpoint). The mix is SPARQL only, so both do the same work: every
library query with its parameters (prepared exactly as `pprnet-kg query` runs it, parameters
as a VALUES block) and a CONSTRUCT of each resource's description. For each client count the
two servers are run in turn on the same plan, first alone, then under attack: one deliberately
slow query after another and four connections at a time flooding the server with a 4 MiB header
line (10 a second each). Both servers first answer every text of the mix once (a warm-up).
Throughout, a cheap query (ASK) runs every 50 ms and its p99 is printed beside the numbers.
Prints throughput, p50/p99, the error count, ours/Oxigraph ratios and the rows the mix returned
(a 0-row query is reported), and what became of the attack's requests. Both servers have a 5 s
query time limit. Bounded: a request count and a wall-clock limit; loopback only.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
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
        text, bindings, _ = prepare(q, params, base=kg.base)
        text = inline_bindings(text, bindings) if bindings else text
        result = kg.backend.query(text, {})
        rows[q.name] = len(result.rows) + len(result.triples) + (1 if result.form == "ASK" else 0)
        texts.append(text)
    subjects = [r[0] for r in kg.backend.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o } ORDER BY ?s", {}).rows]
    describes = [f"CONSTRUCT {{ <{s}> ?p ?o }} WHERE {{ <{s}> ?p ?o }}" for s in subjects if str(s).startswith("http")]
    rng = random.Random(7)
    plan = [rng.choice(texts) if rng.random() < 0.5 else rng.choice(describes) for _ in range(requests)]
    return plan, kg.ntriples(), rows


CHEAP = "ASK { ?s ?p ?o }"
FLOOD_BYTES = 4 * 1024 * 1024  # one header line this long, per flood connection


def cheap_probe(endpoint: str, stop: threading.Event, out: list) -> None:
    """A cheap query every 50 ms for the whole run: its latencies (the people who are not attacking)."""
    url = endpoint + "?" + urllib.parse.urlencode({"query": CHEAP})
    while not stop.is_set():
        status, seconds = fetch(url)
        out.append((status, seconds))
        stop.wait(0.05)


def slow_attack(endpoint: str, stop: threading.Event, out: list) -> None:
    """One deliberately slow query after another (a cartesian product), for the whole run."""
    url = endpoint + "?" + urllib.parse.urlencode({"query": SLOW})
    while not stop.is_set():
        out.append(fetch(url))


def header_flood(endpoint: str, stop: threading.Event, out: list) -> None:
    """Connection after connection (at most 10 a second) sending one endless header line:
    (bytes the server took, first reply line). Paced, so that the attacker's own CPU does not
    decide the outcome on a small machine."""
    parts = urllib.parse.urlsplit(endpoint)
    while not stop.wait(0.1):
        sent, reply = 0, b""
        try:
            with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
                s.sendall(f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nX-Flood: ".encode())
                piece = b"a" * 65536
                try:
                    while sent < FLOOD_BYTES and not stop.is_set():
                        s.sendall(piece)
                        sent += len(piece)
                    s.settimeout(2)
                    reply = s.recv(100)
                except OSError:
                    pass
        except OSError:
            pass
        out.append((sent, reply.split(b"\r\n", 1)[0].decode("latin-1")))


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

    stop = threading.Event()
    probe, slow, flood = [], [], []
    side = [threading.Thread(target=cheap_probe, args=(endpoint, stop, probe))]
    if attack:
        side += [threading.Thread(target=slow_attack, args=(endpoint, stop, slow))]
        side += [threading.Thread(target=header_flood, args=(endpoint, stop, flood)) for _ in range(4)]
    for t in side:
        t.start()
    time.sleep(0.5)  # the attack is under way before the load starts
    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    stop.set()
    for t in side:
        t.join(70)
    lat = sorted(latencies)
    cheap = sorted(seconds for _, seconds in probe)
    return {"requests": len(lat), "errors": Counter(errors), "rps": len(lat) / elapsed,
            "p50": 1000 * statistics.median(lat), "p99": 1000 * lat[min(len(lat) - 1, int(0.99 * len(lat)))],
            "cheap_p99": 1000 * cheap[min(len(cheap) - 1, int(0.99 * len(cheap)))] if cheap else float("nan"),
            "cheap_errors": sum(1 for status, _ in probe if status != 200), "cheap_n": len(probe),
            "slow": Counter(status for status, _ in slow), "flood": flood}


def describe_attack(r: dict) -> str:
    slow = ", ".join(f"{n}x HTTP {status or 'none'}" for status, n in sorted(r["slow"].items()))
    cut = sum(1 for sent, _ in r["flood"] if sent < FLOOD_BYTES)
    replies = Counter(reply[:12] or "no reply" for _, reply in r["flood"])
    flood = f"{len(r['flood'])} floods, {cut} cut off ({', '.join(f'{k}: {v}' for k, v in replies.most_common(2))})"
    return f"slow queries: {slow or 'none finished'}; {flood}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=[str(Path(__file__).resolve().parents[2] / "shared" / "pprnet"
                                                         / "pages" / "blog-2020-07-to-2020-12.txt")])
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped: still stop both servers (finally)
    plan, ntriples, rows = plan_of(args.pages, args.requests)
    binary = shutil.which("oxigraph", path=sysconfig.get_path("scripts") + ":/usr/local/bin:/usr/bin")
    if binary is None:
        raise SystemExit("the Oxigraph server is needed beside ours: pip install oxigraph")
    ours_port, ox_port = free_port(), free_port()
    tmp = tempfile.mkdtemp()
    ours = subprocess.Popen([sys.executable, "-m", "pprnet_kg.cli", "serve", *sum((["--source", p] for p in args.pages), []),
                             "--port", str(ours_port), "--timeout", "5"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=tmp)
    theirs = subprocess.Popen([binary, "serve", "--location", f"{tmp}/ox", "--bind", f"127.0.0.1:{ox_port}",
                               "--timeout-s", "5"],  # the same query time limit as ours
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
        for name, endpoint in (("ours", f"http://127.0.0.1:{ours_port}/sparql"), ("oxigraph", f"http://127.0.0.1:{ox_port}/query")):
            load(endpoint, sorted(set(plan)), 20, False)  # every text once: warm caches (our check verdicts)
        print("| clients | server | attack | requests/s | p50 ms | p99 ms | errors | cheap ASK p99 ms (errors) |")
        print("|---|---|---|---|---|---|---|---|")
        attacks = []
        for attack in (False, True):
            for clients in args.clients:
                results = {}
                for name, endpoint in (("pprnet-kg serve", f"http://127.0.0.1:{ours_port}/sparql"),
                                       ("oxigraph serve", f"http://127.0.0.1:{ox_port}/query")):
                    r = results[name] = load(endpoint, plan, clients, attack)
                    print(f"| {clients} | {name} | {'yes' if attack else 'no'} | {r['rps']:,.0f} | {r['p50']:.1f} | "
                          f"{r['p99']:.1f} | {sum(r['errors'].values())} {dict(r['errors']) or ''} | "
                          f"{r['cheap_p99']:.0f} ({r['cheap_errors']} of {r['cheap_n']}) |", flush=True)
                    if attack:
                        attacks.append(f"{clients} clients, {name}: {describe_attack(r)}")
                a, b = results["pprnet-kg serve"], results["oxigraph serve"]
                print(f"| {clients} | ours / Oxigraph | {'yes' if attack else 'no'} | {a['rps'] / b['rps']:.2f}x | "
                      f"{a['p50'] / b['p50']:.2f}x | {a['p99'] / b['p99']:.2f}x | | |", flush=True)
        print()
        print(f"attack: one slow query ({SLOW}) after another and 4 connections at a time each sending a "
              f"{FLOOD_BYTES // 2**20} MiB header line; the cheap query ({CHEAP}) runs every 50 ms throughout")
        for line in attacks:
            print(f"- {line}")
        for line in ERRORS:
            print(f"error: {line}")
    finally:
        for proc in (ours, theirs):
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
