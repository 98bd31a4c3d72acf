"""How fast the views are made and become interactive in headless Chromium.

    python benchmarks/viz.py [--nodes 10000 --edges 30000] [PAGE]

Prints: HTML generation time for a synthetic graph of N nodes, the time until that page has
drawn its first frame in Debian's Chromium (Playwright, no browser download), and the same
for the topics view of a real blog page. Numbers, not assertions.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import networkx as nx

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
FIRST_FRAME = """() => new Promise(resolve => {
  const wait = () => {
    const net = window.pprnetNetwork;
    if (!net) { requestAnimationFrame(wait); return; }
    net.once('afterDrawing', () => resolve(true));
    net.redraw();  // the first frame may already be drawn: ask for one more and wait for it
  };
  wait(); })"""


def synthetic(nodes: int, edges: int, seed: int = 3) -> nx.Graph:
    rng = random.Random(seed)
    g = nx.gnm_random_graph(nodes, edges, seed=seed)
    g = nx.relabel_nodes(g, {n: f"https://example.org/node/{n}" for n in g})
    for n in g:
        g.nodes[n].update(label=f"node {n.rsplit('/', 1)[1]}", details=f"synthetic node {n}", doi="",
                          type=rng.choice(["topic", "article", "disorder", "intervention", "journal"]))
    return g


def interactive_seconds(browser, html: Path) -> float:
    page = browser.new_page(viewport={"width": 1300, "height": 850})
    t = time.perf_counter()
    page.goto(html.as_uri())
    page.evaluate(FIRST_FRAME)
    elapsed = time.perf_counter() - t
    page.close()
    return elapsed


def main() -> None:
    from playwright.sync_api import sync_playwright

    from pprnet_kg.kg import KG
    from pprnet_kg.viz import to_network, write_html

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", nargs="?", default=str(Path(__file__).resolve().parents[2] / "shared" / "pprnet"
                                                           / "pages" / "blog-2020-07-to-2020-12.txt"))
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--edges", type=int, default=30_000)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="pprnet-viz-"))
    view = synthetic(args.nodes, args.edges)
    t = time.perf_counter()
    big = write_html(to_network(view, heading="synthetic"), out / "big.html")
    generate = time.perf_counter() - t
    kg, _ = KG.build([args.page], store="oxigraph")  # in memory, as `--source PAGE` reads it
    with kg:
        topics = write_html(to_network(kg.view("topics")), out / "topics.html")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        big_s = min(interactive_seconds(browser, big) for _ in range(3))
        topics_s = min(interactive_seconds(browser, topics) for _ in range(3))
        browser.close()
    print(f"| measure | seconds |\n|---|---|\n"
          f"| HTML for {args.nodes:,} nodes / {args.edges:,} edges (generate + write) | {generate:.2f} |\n"
          f"| same page, first frame drawn in headless Chromium (best of 3) | {big_s:.2f} |\n"
          f"| topics view of {Path(args.page).name}, first frame drawn (best of 3) | {topics_s:.2f} |")


if __name__ == "__main__":
    main()
