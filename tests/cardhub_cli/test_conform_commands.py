"""`cardhub conform`: verdicts on the terminal, exit status, --json, --junit, --allow."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cardhub_cli.main import cli
from tests.helpers import CARD_FIXTURES

FIXTURES = CARD_FIXTURES / "conformance"
GOOD = FIXTURES / "2024-01-15-conform_good_print_en.md"
MIXED = FIXTURES / "2024-01-15-conform_no_results_en.md"


def _invoke(tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {"CARDHUB_CACHE": str(tmp_path / "cache"), "CARDHUB_OFFLINE": "1"}
    result = CliRunner().invoke(cli, ["conform", *args], env=env)
    return result.exit_code, result.output


def test_a_good_card_passes_and_exits_zero(tmp_path: Path) -> None:
    code, output = _invoke(tmp_path, str(GOOD), "--timeout", "30")
    assert code == 0, output
    assert f"{GOOD}:22: PASS python" in output
    assert output.rstrip().endswith("1 pass, 0 fail, 0 error, 0 skip (atol 0.0001)")


def test_errors_exit_one_unless_allowed_and_reports_are_written(tmp_path: Path) -> None:
    report, junit = tmp_path / "r.json", tmp_path / "r.xml"
    code, output = _invoke(tmp_path, str(MIXED), "--json", str(report), "--junit", str(junit), "-q")
    assert code == 1
    assert f"{MIXED}:27: ERROR python: {MIXED}:27: ValueError: broken on purpose" in output
    assert "SKIP" not in output  # -q prints failures, errors and the summary only
    data = json.loads(report.read_text())
    assert [s["verdict"] for s in data["snippets"]] == ["skip", "error"]
    assert junit.read_text().count("<testcase") == 2
    code, _ = _invoke(tmp_path, str(MIXED), "--allow", "fail,error")
    assert code == 0


def test_allow_takes_only_fail_and_error(tmp_path: Path) -> None:
    code, output = _invoke(tmp_path, str(GOOD), "--allow", "skip")
    assert code == 2 and "--allow takes fail and/or error" in output
