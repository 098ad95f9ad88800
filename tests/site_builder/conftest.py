"""Shared fixtures of the site builder tests: a cards folder (the five seeds, the hostile
card and the three card shapes) and the site built from it once per test session."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.browser import CHROMIUM, CHROMIUM_ARGS

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "cards"
XSS_CARD = REPO / "tests" / "fixtures" / "site" / "xss" / "2024-01-01-xss_card_en.md"
# Shapes of 2024-2026 upstream cards: licensed (tag, clinical/ folder, hidden Download), empty and
# prose Predicted Entities above the button row, chained attribute lists.
SHAPES = REPO / "tests" / "fixtures" / "site" / "shapes"
CORPUS = REPO.parent / "shared" / "corpus" / "cards"


@pytest.fixture(scope="session")
def cards_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cards")
    for card in SEEDS.glob("*.md"):
        shutil.copy(card, folder / card.name)
    shutil.copy(XSS_CARD, folder / XSS_CARD.name)
    for card in SHAPES.glob("*.md"):
        shutil.copy(card, folder / card.name)
    return folder


@pytest.fixture(scope="session")
def built_site(cards_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from site_builder.build import build_site

    out = tmp_path_factory.mktemp("site")
    build_site(cards_dir, out, workers=1)
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium through Playwright (its own browser download fails here)."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"needs Debian chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install playwright)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site_url(built_site: Path) -> Iterator[str]:
    """The built site served by `cardhub serve`'s server on a free loopback port."""
    from site_builder.serve import make_server

    server = make_server(built_site, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
