"""How long the explorer site takes to build, and how tall its pages are, at a corpus size.

    python benchmarks/site.py [--posts 2000 10000] [--views] [--keep DIR] [--sample N] [--site DIR]

For each size: writes a synthetic corpus (`pprnet-kg synth`), builds the graph into an in-memory
Oxigraph store, times `build_site` (graph views left out unless --views, since their HTML is timed
by benchmarks/viz.py), then opens every page of the site in Debian's headless Chromium (Playwright,
no browser download) at 1300 x 850 and reads the height of its document. Prints the page count,
the build time, the max and median height and the tallest pages. Numbers, not assertions.
With --sample N, of the article and author pages only the N biggest files of each are opened
(at 10,000 posts there are some 15,000 of them, one study or one person each).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def pages_of(site: Path, sample: int | None) -> list[Path]:
    """Every page but the graph views (one screen tall by design); with `sample`, of the article and
    author pages (one study or one person each) only the `sample` biggest files of each kind."""
    pages = [p for p in sorted(site.rglob("*.html")) if not p.relative_to(site).as_posix().startswith("views/")]
    if sample is None:
        return pages
    kept = [p for p in pages if p.parent.name not in {"articles", "authors"} or p.parent == site]
    for sub in ("articles", "authors"):
        kept += sorted((site / sub).glob("*.html"), key=lambda p: (-p.stat().st_size, p.name))[:sample]
    return kept


def heights(site: Path, sample: int | None = None) -> dict[str, int]:
    """The document height in px of the pages (pages_of), read in headless Chromium from file://."""
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1300, "height": 850})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
        for html in pages_of(site, sample):
            rel = html.relative_to(site).as_posix()
            page.goto(html.as_uri(), wait_until="load")
            out[rel] = page.evaluate("document.documentElement.scrollHeight")
        browser.close()
    return out


def main() -> None:
    from pprnet_kg.kg import KG
    from pprnet_kg.site import build_site
    from pprnet_kg.synth import write_synthetic

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--views", action="store_true", help="also write the graph views (not measured)")
    parser.add_argument("--sample", type=int, help="of the article and author pages, measure only the N biggest files")
    parser.add_argument("--site", type=Path, help="only measure the pages of this built site")
    parser.add_argument("--keep", type=Path, help="write corpora and sites here instead of a temporary folder")
    args = parser.parse_args()
    if args.site:
        h = heights(args.site, args.sample)
        print(f"{len(h):,} pages; max {max(h.values()):,} px, median {statistics.median(h.values()):,.0f} px")
        for rel, px in sorted(h.items(), key=lambda kv: -kv[1])[:15]:
            print(f"{px:>9,}  {rel}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        print("| posts | pages | site build s | max height px | median height px | tallest pages |")
        print("|---|---|---|---|---|---|")
        for n in args.posts:
            corpus = root / f"corpus-{n}"
            write_synthetic(n, corpus, seed=7)
            kg = KG.build([corpus], store="oxigraph")[0]
            t = time.perf_counter()
            build_site(kg, root / f"site-{n}", views=args.views)
            seconds = time.perf_counter() - t
            h = heights(root / f"site-{n}", args.sample)
            top = sorted(h.items(), key=lambda kv: -kv[1])[:3]
            print(f"| {n:,} | {len(h):,} | {seconds:.1f} | {max(h.values()):,} | {statistics.median(h.values()):,.0f} | "
                  + ", ".join(f"{rel} ({px:,})" for rel, px in top) + " |", flush=True)


if __name__ == "__main__":
    main()
