"""Paths shared by test modules that cannot take them as fixtures (parametrize, hypothesis)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CARDS = ROOT / "cards"
FIXTURES = ROOT / "tests" / "fixtures"
CARD_FIXTURES = FIXTURES / "cards"
