"""Shared test configuration: where the repository and ../shared are."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import SHARED


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (a fresh clone): the shared corpus and seeds are not here")
    return SHARED


@pytest.fixture(scope="session")
def corpus_cards(shared_dir: Path) -> list[Path]:
    cards = sorted((shared_dir / "corpus" / "cards").glob("*.md"))
    if not cards:
        pytest.skip(f"{shared_dir / 'corpus' / 'cards'} holds no cards")
    return cards
