"""Shared fixtures: the real blog page (read from ../shared at test time), built graphs, servers, a browser.

Tiers (markers, see pyproject.toml): `pytest -m "not browser and not servers and not slow"` is the fast
tier (no servers, no browser); plain `pytest` is the full tier that .ci/run runs. Markers are set here
from the fixtures a test uses, so a test cannot forget its tier.

What the tests need but a user's clone may not have (../shared, Chromium, Virtuoso) is skipped with a
reason outside CI, and fails under CI=true, where .ci/run provides it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden"
REAL_PAGE = ROOT.parent / "shared" / "pprnet" / "pages" / "blog-2020-07-to-2020-12.txt"


@pytest.fixture(scope="session")
def real_page() -> Path:
    return need_real_page()


def need_real_page() -> Path:
    """The real blog page, or a skip (a fail under CI) saying where it comes from."""
    if not REAL_PAGE.is_file():
        unavailable(f"needs the real PPRNet blog page {REAL_PAGE.name}, which is read from ../shared/pprnet/pages/ "
                    "beside the checkout (CI has it; a clone does not)")
    return REAL_PAGE


def unavailable(message: str):
    """Skip a test whose input or tool is missing; under CI (CI=true) that is a failure."""
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message + " [CI=true: .ci/run must provide it]")
    pytest.skip(message)


_TIER_FIXTURES = {"real_page": "real_pages", "real_build": "real_pages", "real_posts": "real_pages",
                  "browser": "browser", "axe_js": "browser", "oxigraph_server": "servers", "virtuoso_server": "servers"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for fixture in item.fixturenames:
            if fixture in _TIER_FIXTURES:
                item.add_marker(_TIER_FIXTURES[fixture])


def run_query(graph, query, params=None):
    """A query on an rdflib Graph (through the KG handle), as a QueryResult."""
    from pprnet_kg.kg import KG

    return KG.from_graph(graph).query(query, params or {})


def kg_of(graph):
    from pprnet_kg.kg import KG

    return KG.from_graph(graph)


@pytest.fixture(autouse=True)
def _in_a_scratch_directory(tmp_path, monkeypatch):
    """Every test runs in its own empty directory: CLI defaults (out/, site/, the project store
    out/store) never touch the checkout or another test."""
    monkeypatch.chdir(tmp_path)


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
    import shutil

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not shutil.which(CHROMIUM):
        unavailable("headless Chromium tests need `pip install playwright` and Debian's chromium at /usr/bin/chromium")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_js() -> str:
    """axe-core's browser script (npm package axe-core; .ci/run installs it into .ci/axe)."""
    path = Path(os.environ.get("PPRNET_AXE_JS", ROOT / ".ci" / "axe" / "node_modules" / "axe-core" / "axe.min.js"))
    if not path.is_file():
        unavailable(f"the accessibility tests need axe-core: npm install --prefix .ci/axe axe-core@4 (looked for {path})")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    return out
