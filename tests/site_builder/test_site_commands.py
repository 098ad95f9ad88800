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


def test_conform_then_build_puts_the_seeds_verdicts_on_the_catalog(tmp_path: Path) -> None:
    """The real chain: `cardhub conform --json` on the seeds offline with an empty cache (seed 004's
    Python is a syntax error; the other snippets cannot fetch their model), then `cardhub build
    --conformance`."""
    from tests.helpers import CARDS

    report, out = tmp_path / "report.json", tmp_path / "site"
    env = {"CARDHUB_OFFLINE": "1", "CARDHUB_CACHE": str(tmp_path / "cache")}
    args = ["conform", str(CARDS), "--json", str(report), "--allow", "error"]
    conform = CliRunner().invoke(cli, args, env=env)
    assert conform.exit_code == 0, conform.output
    built = CliRunner().invoke(cli, ["build", str(CARDS), "--out", str(out), "--conformance", str(report)])
    assert built.exit_code == 0, built.output
    assert "conformance (" in built.output and "0 verified, 0 fails, 1 error, 4 not run" in built.output
    page = (out / "models/sent_biobert_pubmed_base_cased_en/2.6.0.html").read_text()
    assert "conformance: <strong>error</strong>" in page
    assert 'href="#conformance-python-32"' in page
    assert "md:38: SyntaxError: unterminated string literal" in page
    other = (out / "models/bert_base_cased_en/2.6.0.html").read_text()
    assert "conformance: <strong>not run</strong>" in other and "artifact unreachable" in other
    args = ["build", str(CARDS), "--out", str(out), "--conformance", str(tmp_path / "no.json")]
    missing = CliRunner().invoke(cli, args)
    assert missing.exit_code != 0 and "no.json: not a conformance report: no such file" in missing.output
