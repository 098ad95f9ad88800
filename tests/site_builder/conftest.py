"""Shared fixtures of the site builder tests: a cards folder (the five seeds plus the hostile
card) and the site built from it once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "cards"
XSS_CARD = REPO / "tests" / "fixtures" / "site" / "xss" / "2024-01-01-xss_card_en.md"
CORPUS = REPO.parent / "shared" / "corpus" / "cards"


@pytest.fixture(scope="session")
def cards_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cards")
    for card in SEEDS.glob("*.md"):
        shutil.copy(card, folder / card.name)
    shutil.copy(XSS_CARD, folder / XSS_CARD.name)
    return folder


@pytest.fixture(scope="session")
def built_site(cards_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from site_builder.build import build_site

    out = tmp_path_factory.mktemp("site")
    build_site(cards_dir, out, workers=1)
    return out
