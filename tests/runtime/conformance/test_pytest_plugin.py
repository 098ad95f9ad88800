"""`pytest --cardhub-conform CARDS`: one item per snippet, at the card's path and line."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.helpers import CARD_FIXTURES

FIXTURES = CARD_FIXTURES / "conformance"
CARDS = [
    "2024-01-15-conform_good_print_en.md",
    "2024-01-15-conform_no_results_en.md",
    "2024-01-15-conform_notebook_cell_en.md",
]


def test_one_item_per_snippet_with_the_cards_verdicts(tmp_path: Path) -> None:
    folder = tmp_path / "cards"
    folder.mkdir()
    for name in CARDS:
        shutil.copy(FIXTURES / name, folder / name)
    (folder / "README.md").write_text("# not a card\n")
    junit = tmp_path / "junit.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--cardhub-conform",
            str(folder),
            "-p",
            "no:cacheprovider",
            "-q",
            "-rA",
            f"--junitxml={junit}",
            "--cardhub-timeout",
            "30",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "CARDHUB_CACHE": str(tmp_path / "cache"), "CARDHUB_OFFLINE": "1"},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    cases = {
        (case.get("classname", ""), case.get("name")): case
        for case in ET.parse(junit).getroot().iter("testcase")
    }
    names = sorted(name for _, name in cases)
    assert names == ["python:22", "python:22", "python:22", "python:27", "python:29"]
    outcome = {
        name: (
            "failure"
            if case.find("failure") is not None
            else "skipped"
            if case.find("skipped") is not None
            else "passed"
        )
        for (_, name), case in cases.items()
        if name in ("python:27", "python:29")
    }
    assert outcome == {"python:27": "failure", "python:29": "skipped"}
    assert "2024-01-15-conform_no_results_en.md:27: ValueError: broken on purpose" in done.stdout
    assert "ran, nothing to compare" in done.stdout
    assert "3 passed" not in done.stdout and "2 passed" in done.stdout
