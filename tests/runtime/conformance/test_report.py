"""Reports: JSON with one record per snippet (read back), JUnit XML for CI systems."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from runtime.conformance.errors import ReportError
from runtime.conformance.records import SnippetReport
from runtime.conformance.report import FORMAT, format_report, read_json, summary, write_json, write_junit

REPORTS = [
    SnippetReport(
        card="cards/a.md",
        name="a",
        language="python",
        line=35,
        verdict="pass",
        not_compared=("vectors: compared the 2 leading value(s)",),
        seconds=1.5,
        runtime_version="cardhub 0.1.0 (onnxruntime 1.20)",
        artifact="a_en_1",
        artifact_sha256="ab" * 32,
    ),
    SnippetReport(
        card="cards/a.md",
        name="a",
        language="nlu",
        line=56,
        verdict="fail",
        reason="output differs from the card's Results block",
        diff=("rows: expected 2, got 1",),
        seconds=0.5,
    ),
    SnippetReport(
        card="cards/b.md",
        name="b",
        language="python",
        line=32,
        verdict="error",
        error_line=38,
        reason="cards/b.md:38: SyntaxError: unterminated string literal",
    ),
    SnippetReport(
        card="cards/b.md", name="b", language="scala", line=42, verdict="skip", reason="Scala snippet"
    ),
]


def test_json_has_one_record_per_snippet_and_reads_back(tmp_path: Path) -> None:
    path = write_json(REPORTS, tmp_path / "out" / "report.json", atol=1e-4)
    data = json.loads(path.read_text())
    assert data["format"] == FORMAT and data["atol"] == 1e-4
    assert data["summary"] == {"pass": 1, "fail": 1, "error": 1, "skip": 1}
    first = data["snippets"][0]
    for key in (
        "card",
        "language",
        "line",
        "verdict",
        "diff",
        "seconds",
        "runtime_version",
        "artifact_sha256",
    ):
        assert key in first
    assert read_json(path) == REPORTS


def test_a_file_that_is_not_a_report_is_said(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"format": "other"}')
    with pytest.raises(ReportError, match="not a conformance report"):
        read_json(path)


def test_junit_xml(tmp_path: Path) -> None:
    root = ET.parse(write_junit(REPORTS, tmp_path / "junit.xml")).getroot()
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        "4",
        "1",
        "1",
        "1",
    )
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["python:35", "nlu:56", "python:32", "scala:42"]
    assert cases[2].get("line") == "38" and cases[2].get("file") == "cards/b.md"
    failure = cases[1].find("failure")
    assert failure is not None and "rows: expected 2, got 1" in (failure.text or "")
    assert cases[2].find("error") is not None and cases[3].find("skipped") is not None


def test_terminal_lines() -> None:
    assert format_report(REPORTS[2]).startswith("cards/b.md:38: ERROR python: cards/b.md:38: SyntaxError")
    assert format_report(REPORTS[1]).endswith("\n    rows: expected 2, got 1")
    assert summary([]) == {"pass": 0, "fail": 0, "error": 0, "skip": 0}


def test_json_names_its_root_and_each_cards_digest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative card paths are resolved against `root`, and each card's sha256 (as it was when the
    report was written) lets a site build tell a verdict for an edited card from a current one."""
    import hashlib

    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "a.md").write_text("# card a\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    data = json.loads(write_json(REPORTS, tmp_path / "report.json", atol=1e-4).read_text())
    assert data["root"] == str(tmp_path)
    assert data["cards"] == {"cards/a.md": hashlib.sha256(b"# card a\n").hexdigest(), "cards/b.md": None}
