"""Remake the README's screenshots of the explorer site from the bundled sample.

    python docs/screenshots.py [--out docs]

Builds the site from the bundled sample (data/sample) into a temporary folder, opens it from
file:// in Debian's headless Chromium (Playwright, no browser download; every request outside
file:// is refused) and writes: the evidence map and a topic page at 1100 px wide, and both at
390 px wide (a phone), each one screen tall; and the evidence view (the graph) once its layout has
settled.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SHOTS = [("evidence-map.png", "evidence.html", 1100, 720), ("topic-page.png", "TOPIC", 1100, 900),
         ("phone-evidence-map.png", "evidence.html", 390, 844), ("phone-topic-page.png", "TOPIC", 390, 844),
         ("evidence-view.png", "views/evidence.html", 1100, 720)]


def main() -> None:
    from playwright.sync_api import sync_playwright

    from pprnet_kg.kg import KG
    from pprnet_kg.site import build_site

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build_site(KG.build(None, store="oxigraph")[0], site)
        # the topic page with the most findings (the biggest file) shows the most of a page
        topic = max((site / "topics").glob("*.html"), key=lambda p: (p.stat().st_size, p.name))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
            for name, rel, width, height in SHOTS:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                           else r.abort())
                page.goto((topic if rel == "TOPIC" else site / rel).as_uri(), wait_until="load")
                if rel.startswith("views/"):
                    page.wait_for_timeout(3000)  # the graph's layout settles, then physics stops
                    # click the middle of the first line, so the panel lists that pair's findings
                    x, y = page.evaluate("""() => {
                        const net = window.pprnetNetwork, edge = window.pprnetEdges.get()[0];
                        const p = net.getPositions([edge.from, edge.to]);
                        const mid = net.canvasToDOM({x: (p[edge.from].x + p[edge.to].x) / 2,
                                                     y: (p[edge.from].y + p[edge.to].y) / 2});
                        const box = document.getElementById("graph").getBoundingClientRect();
                        return [box.left + mid.x, box.top + mid.y];
                    }""")
                    page.mouse.click(x, y)
                    page.mouse.move(2, 2)  # no hover tooltip over the drawing
                    page.wait_for_timeout(500)
                page.screenshot(path=str(args.out / name))
                page.close()
                print(f"wrote {args.out / name}")
            browser.close()


if __name__ == "__main__":
    main()
