"""Measure the core pipeline on N copies of a page: extraction, graph build, serialisation.

    python benchmarks/core.py [PAGE] [--copies 1 10 100]

Each copy gets its own month header so every post is distinct (the same facts, new IRIs).
Prints a Markdown table; numbers are wall-clock on this machine, not assertions.
"""

from __future__ import annotations

import argparse
import platform
import time
import tracemalloc
from pathlib import Path

from pprnet_kg.export import serialize
from pprnet_kg.extract import load_rules
from pprnet_kg.graph import build_graph
from pprnet_kg.model import Page
from pprnet_kg.namespaces import DEFAULT_BASE
from pprnet_kg.parse import MONTH_RE
from pprnet_kg.pipeline import extract_pages
from pprnet_kg.resources import sample_dir


def copies_of(page_text: str, n: int) -> list[Page]:
    pages = []
    for i in range(n):
        year = 1900 + i % 200
        lines = [MONTH_RE.sub(lambda m: f"{m.group(1)} {year}", line) for line in page_text.splitlines()]
        pages.append(Page(f"copy-{i:05d}.txt", tuple(lines)))
    return pages


def measure(page_text: str, n: int, rules, *, memory: bool = False) -> dict:
    pages = copies_of(page_text, n)
    if memory:  # tracemalloc slows Python down: timings of a --memory run are not comparable
        tracemalloc.start()
    t0 = time.perf_counter()
    extraction = extract_pages(pages, rules)
    t1 = time.perf_counter()
    nt = build_graph(list(extraction.posts), list(extraction.topics), list(extraction.sources), rules,
                                   base=DEFAULT_BASE).ntriples
    t2 = time.perf_counter()
    ttl = serialize(nt, "ttl", base=DEFAULT_BASE)
    t3 = time.perf_counter()
    serialize(nt, "nt", base=DEFAULT_BASE)
    t4 = time.perf_counter()
    triples = nt.count("\n")
    peak = tracemalloc.get_traced_memory()[1] if memory else 0
    tracemalloc.stop()
    posts = len(extraction.posts)
    return {
        "copies": n, "posts": posts, "triples": triples,
        "extract posts/s": posts / (t1 - t0), "build triples/s": triples / (t2 - t1),
        "turtle s": t3 - t2, "n-triples s": t4 - t3, "turtle MB": len(ttl) / 1e6, **({"peak MB": peak / 1e6} if memory else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", nargs="?", default=str(sample_dir() / "pprnet-sample.txt"))
    parser.add_argument("--copies", nargs="+", type=int, default=[1, 10, 100])
    parser.add_argument("--memory", action="store_true", help="also report peak Python memory (slower)")
    args = parser.parse_args()
    text = Path(args.page).read_text(encoding="utf-8")
    rules = load_rules()
    rows = [measure(text, n, rules, memory=args.memory) for n in args.copies]
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"page: {Path(args.page).name}")
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(f"{v:,.2f}" if isinstance(v, float) else f"{v:,}" for v in row.values()) + " |")


if __name__ == "__main__":
    main()
