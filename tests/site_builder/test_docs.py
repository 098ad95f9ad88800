"""The documentation (mkdocs.yml + docs/) builds with --strict, and its generated parts (the
card record from the registry's JSON Schema, the CLI reference) are filled in."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("mkdocs") is None, reason="needs mkdocs and mkdocs-material (pip install)")
def test_mkdocs_strict_build_fills_the_generated_references(tmp_path: Path) -> None:
    pytest.importorskip("material", reason="needs mkdocs-material")
    out = tmp_path / "docs"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300, env={"NO_MKDOCS_2_WARNING": "1", "PATH": ""},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    card_format = (out / "card-format.html").read_text()
    assert "<!-- card-schema -->" not in card_format
    assert "<code>model_information</code>" in card_format and 'id="modelinformation"' in card_format
    cli = (out / "cli.html").read_text()
    assert 'id="cardhub-build"' in cli and 'id="cardhub-serve"' in cli and "--base-url" in cli
    assert "fonts.googleapis.com" not in card_format
