from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cardhub_cli.main import cli


def test_build_command_builds_the_given_cards(cards_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["build", str(cards_dir), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "full build: 10 cards" in result.output
    assert len(json.loads((out / "api/models.json").read_text())) == 10
    again = CliRunner().invoke(cli, ["build", str(cards_dir), "--out", str(out)])
    assert "rebuild: 10 cards (0 parsed)" in again.output


def test_build_command_defaults_to_the_packaged_cards(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "--out", str(tmp_path / "site"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "full build: 5 cards" in result.output


def test_build_command_reports_a_missing_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "missing"), "--out", str(tmp_path / "site")])
    assert result.exit_code != 0 and "no such folder of cards" in result.output


def test_serve_command_refuses_an_unbuilt_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", str(tmp_path), "--port", "0"])
    assert result.exit_code == 1 and "run `cardhub build --out` first" in result.output
