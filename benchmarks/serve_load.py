"""Load on loopback: `pprnet-kg serve` beside Oxigraph's own server, same data, same request mix,
same run.

    python benchmarks/serve_load.py [PAGES...] [--clients 50 200] [--requests 3000] [--rounds 2] [--oxigraph-disk]

Both servers hold the same triples, both in memory (ours builds them from the pages; Oxigraph's
server, started without --location, gets our canonical N-Triples through its Graph Store endpoint;
`--oxigraph-disk` puts its store on disk instead, where these queries run 5 to 10 times slower). The
mix is SPARQL only, so both do the same work: every library query with its parameters (prepared
exactly as `pprnet-kg query` runs it, parameters as a VALUES block) and a CONSTRUCT of each
resource's description. For each client count the two servers are run in turn on the same plan,
first alone, then under attack: one deliberately slow query after another, and header floods
(connections sending a 4 MiB header line) started at a fixed rate by the clock, 40 a second,
whatever the server does with them, so that both servers receive the same floods. Both servers first
answer every text of the mix four times (a warm-up: each of our server processes checks a text
once). Throughout, a cheap query (ASK) runs every 50 ms and its p99 is printed beside the numbers.
Every round alternates which server goes first; the summary gives the median of the rounds and the
ours/Oxigraph ratios. Printed too: the CPU time each server (all its processes) spent per request,
the error count, the rows the mix returned (a 0-row query is reported), and what became of the
attack's requests. Throughput counts whole answers only: a 200 whose body is not a complete answer
in the format asked for (Oxigraph's server ends a streamed answer with an error message when its
time limit stops the query) is an error, as a 503 or a timeout is.

Oxigraph's server does not stop the slow query at its time limit: the query goes on using a core
after its client has gone, which would slow every later phase of both servers; so its server is
restarted after each of its attack phases (on the same store) and the CPU it was still burning
is printed. Both servers have a 5 s query time limit (ours also refuses, with 503, a request that
has waited 5 s for a worker: `--queue-wait`, whose default is the `--timeout`). Bounded: a request
count and a wall-clock limit; loopback only.
"""

from __future__ import annotations

import argparse
import http.client
import os
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

import pprnet_kg

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


def fetch(url: str, accept: str = "application/sparql-results+json", timeout: float = 60,
          record: bool = True) -> tuple[int | str, float]:
    """(HTTP status, 0 when no answer, "incomplete" for a 200 whose body is not a whole answer in
    the format asked for; seconds); the first errors are kept in ERRORS (when `record`)."""
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}), timeout=timeout) as r:
            body = r.read()
            status = r.status
        if status == 200 and not complete(body, accept):
            status = "incomplete"
            if record and len(ERRORS) < 5:
                ERRORS.append(f"200 with an incomplete answer {url[:100]}: ...{body[-120:]!r}")
    except urllib.error.HTTPError as exc:
        status = exc.code
        if record and len(ERRORS) < 5:
            ERRORS.append(f"{exc.code} {url[:100]}: {exc.read()[:160]!r}")
    except (OSError, http.client.HTTPException) as exc:  # no answer, or one cut short (IncompleteRead)
        status = 0
        if record and len(ERRORS) < 5:
            ERRORS.append(f"no whole answer ({type(exc).__name__}) {url[:100]}")
    return status, time.perf_counter() - t


def complete(body: bytes, accept: str) -> bool:
    """Whether a 200's body is a whole answer: Oxigraph's server, when its time limit stops a query
    whose answer it has begun to stream, ends the body with an error message under status 200
    ('...{"bindings":[The SPARQL operation has been cancelled'); counted as answers, those made it
    look several times faster than it is under load."""
    import json

    import pyoxigraph as ox

    if accept == "application/sparql-results+json":
        try:
            data = json.loads(body)
        except ValueError:
            return False
        bindings = data.get("results", {}).get("bindings") if isinstance(data, dict) else None
        return isinstance(data, dict) and ("boolean" in data or isinstance(bindings, list))
    if accept == "text/turtle":
        try:
            for _ in ox.parse(body, format=ox.RdfFormat.TURTLE):
                pass
        except (SyntaxError, ValueError):
            return False
    return True


def wait_for(url: str, seconds: float = 300) -> None:
    """Until the server answers (ours builds the graph first: most of a minute at 10,000 posts)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if fetch(url, record=False)[0] == 200:
            return
        time.sleep(0.2)
    raise SystemExit(f"server at {url} did not start")


def plan_of(pages: list[str], requests: int) -> tuple[list[str], str, dict]:
    """(SPARQL texts of the mix, canonical N-Triples, rows each query returns). A query whose
    parameters (PARAMS, for the real page) find nothing in the graph takes parameters drawn from the
    graph instead (a synthetic corpus), so that no query of the mix answers with no rows."""
    from pprnet_kg.kg import KG
    from pprnet_kg.sparql import library, prepare
    from pprnet_kg.sparql.bindings import inline_bindings

    kg = KG.build(pages, store="oxigraph")[0]
    drawn = None  # parameters drawn from the graph (benchmarks/run.py), for pages other than the real one
    texts, rows = [], {}
    for q in library():
        for values in (PARAMS, "drawn"):
            if values == "drawn":
                if drawn is None:
                    sys.path.insert(0, str(Path(__file__).resolve().parent))
                    import run as scale

                    drawn = scale.params_from(kg)
                values = drawn
            params = kg._labels(q, {p.name: values[p.name] for p in q.params if not p.optional and p.name in values})
            text, bindings, _ = prepare(q, params, base=kg.base)
            text = inline_bindings(text, bindings) if bindings else text
            result = kg.backend.query(text, {})
            rows[q.name] = len(result.rows) + len(result.triples) + (1 if result.form == "ASK" else 0)
            if rows[q.name] or not q.params:
                break
        texts.append(text)
    subjects = [r[0] for r in kg.backend.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o } ORDER BY ?s", {}).rows]
    describes = [f"CONSTRUCT {{ <{s}> ?p ?o }} WHERE {{ <{s}> ?p ?o }}" for s in subjects if str(s).startswith("http")]
    rng = random.Random(7)
    plan = [rng.choice(texts) if rng.random() < 0.5 else rng.choice(describes) for _ in range(requests)]
    return plan, kg.ntriples(), rows


CHEAP = "ASK { ?s ?p ?o }"
FLOOD_BYTES = 4 * 1024 * 1024  # one header line this long, per flood connection
FLOOD_RATE = 40  # flood connections started a second, by the clock
FLOOD_AT_ONCE = 16  # the attacker's own limit: a flood due while this many are open is skipped


def cheap_probe(endpoint: str, stop: threading.Event, out: list) -> None:
    """A cheap query every 50 ms for the whole run: its latencies (the people who are not attacking)."""
    url = endpoint + "?" + urllib.parse.urlencode({"query": CHEAP})
    while not stop.is_set():
        status, seconds = fetch(url)
        out.append((status, seconds))
        stop.wait(0.05)


def slow_attack(endpoint: str, stop: threading.Event, out: list) -> None:
    """One deliberately slow query after another (a cartesian product), for the whole run; the
    attacker gives up on an answer after 10 s (Oxigraph's server never sends one)."""
    url = endpoint + "?" + urllib.parse.urlencode({"query": SLOW})
    while not stop.is_set():
        out.append(fetch(url, timeout=10, record=False))


def header_flood(endpoint: str, stop: threading.Event, out: list) -> None:
    """Header floods started by the clock, FLOOD_RATE a second (a server that cuts them sooner
    does not receive more of them): (bytes the server took, first reply line) each."""
    parts = urllib.parse.urlsplit(endpoint)
    due, open_floods = time.monotonic(), []
    while not stop.is_set():
        wait = due - time.monotonic()
        if wait > 0:
            stop.wait(wait)
            continue
        due += 1 / FLOOD_RATE
        open_floods = [t for t in open_floods if t.is_alive()]
        if len(open_floods) >= FLOOD_AT_ONCE:
            out.append((-1, "skipped"))
            continue
        flood = threading.Thread(target=_flood_once, args=(parts, stop, out))
        flood.start()
        open_floods.append(flood)
    for flood in open_floods:
        flood.join(15)


def _flood_once(parts, stop: threading.Event, out: list) -> None:
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


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) used so far by a process, its children that have ended (once
    reaped: our server reaps the query workers it kills) and those still running."""
    total = 0
    for p in [pid] + _children(pid):
        try:
            with open(f"/proc/{p}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15 if p == pid else 13])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(c) for c in fh.read().split()]
    except OSError:
        return []


def load(endpoint: str, plan: list[str], clients: int, attack: bool, pid: int) -> dict:
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
        side += [threading.Thread(target=slow_attack, args=(endpoint, stop, slow)),
                 threading.Thread(target=header_flood, args=(endpoint, stop, flood))]
    for t in side:
        t.start()
    time.sleep(0.5)  # the attack is under way before the load starts
    cpu = cpu_seconds(pid)
    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds(pid) - cpu
    stop.set()
    for t in side:
        t.join(70)
    lat = sorted(latencies)
    cheap = sorted(seconds for _, seconds in probe)
    return {"requests": len(lat), "errors": Counter(errors), "rps": (len(lat) - len(errors)) / elapsed,
            "p50": 1000 * statistics.median(lat), "p99": 1000 * lat[min(len(lat) - 1, int(0.99 * len(lat)))],
            "cpu_ms": 1000 * cpu / max(1, len(lat)),
            "cheap_p99": 1000 * cheap[min(len(cheap) - 1, int(0.99 * len(cheap)))] if cheap else float("nan"),
            "cheap_errors": sum(1 for status, _ in probe if status != 200), "cheap_n": len(probe),
            "slow": Counter(status for status, _ in slow), "flood": flood}


def describe_attack(r: dict) -> str:
    slow = ", ".join(f"{n}x {f'HTTP {status}' if status else 'no answer'}"
                     for status, n in sorted(r["slow"].items(), key=lambda kv: str(kv[0])))
    done = [(sent, reply) for sent, reply in r["flood"] if sent >= 0]
    cut = sum(1 for sent, _ in done if sent < FLOOD_BYTES)
    replies = Counter(reply[:12] or "no reply" for _, reply in done)
    skipped = len(r["flood"]) - len(done)
    flood = (f"{len(done)} floods, {cut} cut off before 4 MiB ({', '.join(f'{k}: {v}' for k, v in replies.most_common(2))})"
             + (f", {skipped} skipped ({FLOOD_AT_ONCE} already open)" if skipped else ""))
    return f"slow queries: {slow or 'none finished'}; {flood}"


def start_oxigraph(binary: str, location: str | None, port: int, ntriples: str) -> subprocess.Popen:
    """Oxigraph's server holding `ntriples` (sent through its Graph Store endpoint), in memory when
    `location` is None (as ours holds a graph built from pages), else in a store on disk."""
    where = ["--location", location] if location else []
    server = subprocess.Popen([binary, "serve", *where, "--bind", f"127.0.0.1:{port}",
                               "--timeout-s", "5"],  # the same query time limit as ours
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/store?default", data=ntriples.encode(),
                                     method="PUT", headers={"Content-Type": "application/n-triples"})
    urllib.request.urlopen(request).read()
    return server


def median_row(runs: list[dict]) -> dict:
    keys = ("rps", "p50", "p99", "cpu_ms", "cheap_p99")
    out = {k: statistics.median(r[k] for r in runs) for k in keys}
    out["errors"] = sum((r["errors"] for r in runs), Counter())
    out["cheap_errors"] = sum(r["cheap_errors"] for r in runs)
    out["cheap_n"] = sum(r["cheap_n"] for r in runs)
    return out


def row(clients: int, name: str, attack: bool, r: dict) -> str:
    return (f"| {clients} | {name} | {'yes' if attack else 'no'} | {r['rps']:,.1f} | {r['p50']:.1f} | {r['p99']:.1f} | "
            f"{sum(r['errors'].values())} {dict(r['errors']) or ''} | {r['cheap_p99']:.0f} ({r['cheap_errors']} of "
            f"{r['cheap_n']}) | {r['cpu_ms']:.2f} |")


def ratio_row(clients: int, attack: bool, a: dict, b: dict) -> str:
    return (f"| {clients} | ours / Oxigraph | {'yes' if attack else 'no'} | {a['rps'] / b['rps']:.2f}x | "
            f"{a['p50'] / b['p50']:.2f}x | {a['p99'] / b['p99']:.2f}x | | {a['cheap_p99'] / b['cheap_p99']:.2f}x | "
            f"{a['cpu_ms'] / b['cpu_ms']:.2f}x |")


HEAD = ("| clients | server | attack | whole answers/s | p50 ms | p99 ms | errors | cheap ASK p99 ms (errors) | "
        "CPU ms/request |\n|---|---|---|---|---|---|---|---|---|")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=[str(Path(__file__).resolve().parents[2] / "shared" / "pprnet"
                                                         / "pages" / "blog-2020-07-to-2020-12.txt")])
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2, help="rounds, each alternating which server goes first")
    parser.add_argument("--oxigraph-disk", action="store_true",
                        help="Oxigraph's server on a store on disk (default: in memory, as ours holds what it builds)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped: still stop both servers (finally)
    plan, ntriples, rows = plan_of(args.pages, args.requests)
    binary = shutil.which("oxigraph", path=sysconfig.get_path("scripts") + ":/usr/local/bin:/usr/bin")
    if binary is None:
        raise SystemExit("the Oxigraph server is needed beside ours: pip install oxigraph")
    ours_port, ox_port = free_port(), free_port()
    tmp = tempfile.mkdtemp()
    # our server runs from the checkout this script imports (not whichever one is installed)
    here = str(Path(pprnet_kg.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}
    ours = subprocess.Popen([sys.executable, "-m", "pprnet_kg.cli", "serve", *sum((["--source", p] for p in args.pages), []),
                             "--port", str(ours_port), "--timeout", "5",
                             "--max-rows", "10000000"],  # all rows, as Oxigraph's server sends
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=tmp, env=env)
    location = f"{tmp}/ox" if args.oxigraph_disk else None
    theirs = None
    servers = {"pprnet-kg serve": f"http://127.0.0.1:{ours_port}/sparql", "oxigraph serve": f"http://127.0.0.1:{ox_port}/query"}
    try:
        theirs = start_oxigraph(binary, location, ox_port, ntriples)
        wait_for(f"http://127.0.0.1:{ours_port}/sparql?query=ASK%7B%7D")
        print(f"Oxigraph's server holds the graph {'on disk' if location else 'in memory'}, as ours does in memory")
        zero = sorted(name for name, n in rows.items() if n == 0)
        print(f"mix: {len(plan):,} SPARQL requests, half library queries ({len(rows)}; rows: "
              f"{', '.join(f'{k} {v}' for k, v in sorted(rows.items()))}), half CONSTRUCT descriptions of resources")
        if zero:
            print(f"warning: queries returning 0 rows in the mix: {', '.join(zero)}")
        for name, endpoint in servers.items():  # warm caches: every text 4 times (each of our server
            # processes keeps the verdicts of its own safety checks, and a text goes to whichever is free)
            load(endpoint, sorted(set(plan)) * 4, 20, False, ours.pid if name == "pprnet-kg serve" else theirs.pid)
        print(f"load average (1 min) before the runs: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(HEAD)
        runs: dict = {}
        attacks, notes = [], []
        for round_ in range(args.rounds):
            for phase, (attack, clients) in enumerate((a, c) for a in (False, True) for c in args.clients):
                names = list(servers) if (round_ + phase) % 2 == 0 else list(servers)[::-1]
                for name in names:
                    pid = ours.pid if name == "pprnet-kg serve" else theirs.pid
                    r = load(servers[name], plan, clients, attack, pid)
                    runs.setdefault((clients, attack, name), []).append(r)
                    print(row(clients, name, attack, r), flush=True)
                    if attack:
                        attacks.append(f"round {round_ + 1}, {clients} clients, {name}: {describe_attack(r)}")
                    if attack and name == "oxigraph serve":  # its slow query is still running: measure, restart
                        before = cpu_seconds(theirs.pid)
                        time.sleep(2)
                        burning = cpu_seconds(theirs.pid) - before
                        theirs.terminate()
                        theirs.wait(timeout=10)
                        theirs = start_oxigraph(binary, location, ox_port, ntriples)
                        notes.append(f"round {round_ + 1}, {clients} clients: after its attack phase Oxigraph's server "
                                     f"still used {burning / 2:.0%} of a core; restarted")
        print()
        print(f"load average (1 min) after the runs: {os.getloadavg()[0]:.1f}")
        print()
        print(f"median of {args.rounds} round(s):")
        print()
        print(HEAD)
        for attack in (False, True):
            for clients in args.clients:
                a, b = (median_row(runs[(clients, attack, name)]) for name in servers)
                print(row(clients, "pprnet-kg serve", attack, a))
                print(row(clients, "oxigraph serve", attack, b))
                print(ratio_row(clients, attack, a, b))
        print()
        print(f"attack: one slow query ({SLOW}) after another and {FLOOD_RATE} header floods a second (each a "
              f"{FLOOD_BYTES // 2**20} MiB header line); the cheap query ({CHEAP}) runs every 50 ms throughout")
        for line in attacks + notes:
            print(f"- {line}")
        for line in ERRORS:
            print(f"error: {line}")
    finally:
        for proc in (ours, theirs):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
