"""Shared fixtures: the real blog page (read from ../shared at test time) and built graphs."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden"
REAL_PAGE = ROOT.parent / "shared" / "pprnet" / "pages" / "blog-2020-07-to-2020-12.txt"


@pytest.fixture(scope="session")
def real_page() -> Path:
    if not REAL_PAGE.is_file():
        pytest.fail(f"the real blog page is missing: {REAL_PAGE} (CI must have ../shared beside the checkout)")
    return REAL_PAGE


@pytest.fixture(scope="session")
def real_build(real_page):
    from pprnet_kg.pipeline import build

    return build([real_page])


@pytest.fixture(scope="session")
def real_posts(real_build):
    return {p.raw.month + "/" + p.raw.title[:20]: p for p in real_build.extraction.posts}


@pytest.fixture(scope="session")
def sample_build():
    from pprnet_kg.pipeline import build

    return build()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    from servers import start_oxigraph

    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    from servers import start_virtuoso

    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()


BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download)."""
    import os
    import shutil

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not shutil.which(CHROMIUM):
        message = "headless Chromium tests need `pip install playwright` and Debian's chromium at /usr/bin/chromium"
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run should have installed them")
        pytest.skip(message)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    return out
