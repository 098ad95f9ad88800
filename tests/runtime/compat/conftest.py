"""The seed cards' models on a loopback mirror, for the compat tests: tiny random BERTs, and the
real MiniLM weights where the package is installed."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.compat_models import build_mirror, minilm_seed_folders, serving, tiny_seed_folders
from tests.fixtures.minilm import minilm_unavailable_reason
from tests.fixtures.tiny_bert import torch_unavailable_reason

WEIGHTS = ["tiny", "minilm"]


def _folders(kind: str, root: Path) -> dict[str, Path]:
    reason = torch_unavailable_reason() if kind == "tiny" else minilm_unavailable_reason()
    if reason:
        pytest.skip(reason)
    return tiny_seed_folders() if kind == "tiny" else minilm_seed_folders(root)


@pytest.fixture(scope="module", params=WEIGHTS)
def seed_models(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serves every seed card's artifact (tiny BERTs or MiniLM) and points CARDHUB_MIRROR and
    CARDHUB_CACHE at it; yields which weights."""
    root = tmp_path_factory.mktemp(f"seeds-{request.param}")
    mirror = build_mirror(root / "mirror", _folders(request.param, root))
    with serving(mirror, root / "cache"), warnings.catch_warnings():
        # The stand-ins are narrower than the cards' 768 dimensions; the metadata wins, with a warning.
        warnings.filterwarnings("ignore", message=".*dimension=.*in the metadata but.*")
        yield request.param


@pytest.fixture(scope="module")
def tiny_seed_models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The tiny BERTs only, for the tests of shapes and options."""
    root = tmp_path_factory.mktemp("seeds-tiny-only")
    mirror = build_mirror(root / "mirror", _folders("tiny", root))
    with serving(mirror, root / "cache"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*dimension=.*in the metadata but.*")
        yield "tiny"
