"""Measure the core pipeline on N copies of a page: extraction, graph build, serialisation.

    python benchmarks/core.py [PAGE] [--copies 1 10 100] [--pairs 3]

Each copy gets its own month header so every post is distinct (the same facts, new IRIs).
Build + Turtle (records -> canonical N-Triples made as a build makes them -> Turtle file,
extraction excluded) is timed beside pyoxigraph doing the same work (that N-Triples file loaded
into an in-memory store and dumped as Turtle), the two alternating --pairs times in this process;
medians, and their ratio beside the 1.2x target (issue 13). Prints a Markdown table; numbers are
wall-clock on this machine, not assertions.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import pyoxigraph as ox

from pprnet_kg.export import write_graph_file
from pprnet_kg.extract import load_rules
from pprnet_kg.model import Page
from pprnet_kg.namespaces import DEFAULT_BASE
from pprnet_kg.parse import MONTH_RE
from pprnet_kg.pipeline import extract_pages
from pprnet_kg.resources import sample_dir
from pprnet_kg.stream import posts_to_file


def copies_of(page_text: str, n: int) -> list[Page]:
    pages = []
    for i in range(n):
        year = 1900 + i % 200
        lines = [MONTH_RE.sub(lambda m: f"{m.group(1)} {year}", line) for line in page_text.splitlines()]
        pages.append(Page(f"copy-{i:05d}.txt", tuple(lines)))
    return pages


def measure(page_text: str, n: int, rules, *, memory: bool = False, pairs: int = 3) -> dict:
    pages = copies_of(page_text, n)
    if memory:  # tracemalloc slows Python down: timings of a --memory run are not comparable
        tracemalloc.start()
    t0 = time.perf_counter()
    extraction = extract_pages(pages, rules)
    t1 = time.perf_counter()
    args = (list(extraction.posts), list(extraction.topics), list(extraction.sources), rules)
    ours, theirs, builds = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(pairs):
            t = time.perf_counter()
            file = posts_to_file(*args, base=DEFAULT_BASE)
            built = time.perf_counter()
            write_graph_file(file.path, Path(tmp) / "ours.ttl", "ttl", base=DEFAULT_BASE)
            ours.append(time.perf_counter() - t)
            builds.append(built - t)
            t = time.perf_counter()
            store = ox.Store()
            store.load(path=str(file.path), format=ox.RdfFormat.N_TRIPLES)
            store.dump(output=str(Path(tmp) / "theirs.ttl"), format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph())
            theirs.append(time.perf_counter() - t)
        turtle_mb = (Path(tmp) / "ours.ttl").stat().st_size / 1e6
    triples = file.triples
    peak = tracemalloc.get_traced_memory()[1] if memory else 0
    tracemalloc.stop()
    posts = len(extraction.posts)
    a, b = statistics.median(ours), statistics.median(theirs)
    return {
        "copies": n, "posts": posts, "triples": triples,
        "extract posts/s": posts / (t1 - t0), "build triples/s": triples / statistics.median(builds),
        "build + Turtle s": a, "pyoxigraph load + Turtle s": b, "ratio (target 1.2)": a / b,
        "turtle MB": turtle_mb, **({"peak MB": peak / 1e6} if memory else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", nargs="?", default=str(sample_dir() / "pprnet-sample.txt"))
    parser.add_argument("--copies", nargs="+", type=int, default=[1, 10, 100])
    parser.add_argument("--memory", action="store_true", help="also report peak Python memory (slower)")
    parser.add_argument("--pairs", type=int, default=3, help="alternating runs of ours and pyoxigraph's")
    args = parser.parse_args()
    text = Path(args.page).read_text(encoding="utf-8")
    rules = load_rules()
    rows = [measure(text, n, rules, memory=args.memory, pairs=args.pairs) for n in args.copies]
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"page: {Path(args.page).name}")
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(f"{v:,.2f}" if isinstance(v, float) else f"{v:,}" for v in row.values()) + " |")


if __name__ == "__main__":
    main()
