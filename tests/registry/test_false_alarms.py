"""No false alarms on real cards (issue 14): each case is a fixture card under
tests/fixtures/cards/authoring/, written by hand from the clean seed card."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from registry.card import Card
from registry.parse import parse_card
from registry.rules.snippets import _notebook_cell
from tests.helpers import CARD_FIXTURES, ROOT

AUTHORING = CARD_FIXTURES / "authoring"


def checked(name: str, text: str | None = None, tmp: Path | None = None) -> Card:
    path = AUTHORING / f"2023-06-28-{name}_en.md"
    if text is not None and tmp is not None:
        path = tmp / path.name
        path.write_text(text, encoding="utf-8")
    return parse_card(path)


def test_ipython_escapes_and_magics_are_valid_notebook_cells() -> None:
    card = checked("ipython_cell")
    code = next(s.code for s in card.snippets if s.language == "python")
    assert "!pip install" in code and "%time" in code and "!wget" in code
    assert card.findings == []


def test_a_real_syntax_error_next_to_shell_escapes_is_still_reported(tmp_path: Path) -> None:
    text = (AUTHORING / "2023-06-28-ipython_cell_en.md").read_text(encoding="utf-8")
    broken = text.replace('pretrained("ipython_cell", "en")', 'pretrained("ipython_cell, "en")', 1)
    card = checked("ipython_cell", broken, tmp_path)
    assert [(f.rule, f.severity) for f in card.findings] == [("python-syntax", "error")]
    # Python places this error where the continued statement ends (2 lines on), not at `!pip`.
    lines = broken.split("\n")
    assert lines[card.findings[0].line - 3].startswith(
        'embeddings = BertEmbeddings.pretrained("ipython_cell, "en")'
    )


def test_ipython_is_imported_only_for_a_cell_that_needs_it() -> None:
    code = (
        "import sys, registry, registry.validate\n"
        "from registry.store import card_paths, validate_paths\n"
        "validate_paths(card_paths(['cards']), workers=1)\n"
        "print('IPython' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
    assert isinstance(_notebook_cell("!ls\nx = 1\n"), ast.Module)
    assert isinstance(_notebook_cell("!ls\nx = (\n"), SyntaxError) and _notebook_cell("x = (\n") is None


def test_a_dimension_listing_alternatives_is_not_an_error() -> None:
    card = checked("dimension_alternatives")
    assert card.findings == []
    assert card.model_information is not None and card.model_information.dimension == 512


def test_sizes_with_the_unit_spelled_out_are_sizes() -> None:
    small, large = checked("spelled_size"), checked("spelled_size_giga")
    assert small.findings == [] and large.findings == []
    assert small.model_information and small.model_information.size_bytes == 921
    assert large.model_information and large.model_information.size_bytes == round(1.2 * 1024**3)


def test_an_older_artifact_is_compatible_information_and_a_newer_one_an_error() -> None:
    older = checked("older_artifact")
    assert [(f.rule, f.severity, f.code) for f in older.findings] == [("older-artifact", "info", "CH206")] * 2
    assert "5.0.0" in older.findings[0].message and "Spark 3.0" in older.findings[1].message
    newer = checked("newer_artifact")
    assert [(f.rule, f.severity) for f in newer.findings] == [("download-version", "error")]
    assert "newer than the edition's 4.4.0" in newer.findings[0].message


def test_a_code_block_indented_as_a_whole_says_so() -> None:
    card = checked("indented_snippet")
    assert [(f.rule, f.severity, f.field) for f in card.findings] == [
        ("indented-snippet", "error", "snippets.python")
    ]
    hint = card.findings[0].hint or ""
    assert "indentation" in hint and "quotes" not in hint
    assert card.findings[0].line == card.snippets[0].line


def test_no_annotator_guessed_when_none_can_be_inferred() -> None:
    card = checked("no_annotator")
    assert card.annotator is None
    [finding] = [f for f in card.findings if f.field == "annotator"]
    assert finding.hint and "Embeddings" not in finding.hint and ".pretrained()" in finding.hint


def test_the_annotator_is_inferred_from_pretrained_even_with_a_malformed_name() -> None:
    card = checked("malformed_name")
    assert card.name == "malformed_name en"
    assert card.annotator == "BertEmbeddings" and card.annotator_inferred


def test_the_cli_prints_information_without_counting_it() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cardhub_cli", "validate", str(AUTHORING / "2023-06-28-older_artifact_en.md")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    assert ": info: CH206 older-artifact: links.download: " in result.stdout
    assert result.stdout.strip().split("\n")[-1] == "1 cards: 0 errors, 0 warnings"


def test_without_ipython_escapes_and_magics_still_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "IPython.core.inputtransformer2", None)  # import fails
    assert isinstance(_notebook_cell("!pip install x\n%time y = 1\nz = 2\n"), ast.Module)
    error = _notebook_cell("!pip install x\nz = (\n")
    assert isinstance(error, SyntaxError) and error.lineno == 2
