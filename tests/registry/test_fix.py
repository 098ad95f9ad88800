"""`cardhub validate --fix` / `--diff`: certain fixes only, byte-exact elsewhere, idempotent."""

from __future__ import annotations

import difflib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from registry.fix import Fixed, fix_card
from registry.parse import parse_card
from tests.helpers import CARD_FIXTURES, CARDS, ROOT, SHARED

CORPUS = SHARED / "corpus" / "cards"


def _every_card() -> list[Path]:
    cards = sorted(CARDS.glob("*.md")) + sorted((CARD_FIXTURES / "authoring").glob("*.md"))
    return cards + (sorted(CORPUS.glob("*.md")) if CORPUS.is_dir() else [])


def _changed_before_lines(fixed: Fixed) -> set[int]:
    """0-based lines of the old text that the diff replaces or removes, and insertion points."""
    matcher = difflib.SequenceMatcher(a=fixed.before.split("\n"), b=fixed.after.split("\n"), autojunk=False)
    touched: set[int] = set()
    for tag, a0, a1, _, _ in matcher.get_opcodes():
        if tag != "equal":
            touched |= set(range(a0, a1)) or {a0}
    return touched


def _check(path: Path, tmp_path: Path) -> Fixed:
    fixed = fix_card(path)
    if not fixed.changed:
        assert fixed.edits == () or all(e.new == () for e in fixed.edits)
        return fixed
    # Only the intended lines change: every changed line of the old text is one an edit names
    allowed = {
        line for e in fixed.edits for line in (range(e.start, e.end) if e.end > e.start else [e.start])
    }
    assert _changed_before_lines(fixed) <= allowed, fixed.diff()
    copy = tmp_path / path.name
    copy.write_bytes(fixed.after.encode("utf-8"))
    again = fix_card(copy)
    assert not again.changed, again.diff()  # idempotent
    before = parse_card(path).findings
    after = parse_card(copy).findings
    assert len(after) < len(before)
    fixed_rules = {e.rule for e in fixed.edits}
    assert sum(f.rule in fixed_rules for f in after) < sum(f.rule in fixed_rules for f in before)
    return fixed


@pytest.mark.parametrize("path", _every_card(), ids=lambda p: p.name)
def test_fix_every_card_is_exact_idempotent_and_leaves_fewer_findings(path: Path, tmp_path: Path) -> None:
    _check(path, tmp_path)


def test_the_corpus_has_cards_to_fix() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} is absent")
    rules = {e.rule for p in sorted(CORPUS.glob("*.md")) for e in fix_card(p).edits}
    assert {"front-matter-indent", "required-field"} <= rules


def test_each_fix_does_what_it_says(tmp_path: Path) -> None:
    indented = _check(CARD_FIXTURES / "authoring" / "2023-06-28-indented_snippet_en.md", tmp_path)
    assert [e.rule for e in indented.edits] == ["indented-snippet"]
    assert "\n    embeddings" not in indented.after and "\nembeddings = BertEmbeddings" in indented.after

    clean = (CARDS / "2023-06-28-small_bert_L2_768_en.md").read_text(encoding="utf-8")
    s3_right = "s3://auxdata.johnsnowlabs.com/public/models/small_bert_L2_768_en_5.0.0_3.0_1687953630830.zip"
    broken = clean.replace(s3_right, s3_right.replace("1687953630830", "1687953630831"))
    # without language and spark_version, with CRLF line endings
    broken = broken.replace("language: en\n", "").replace("spark_version: 3.0\n", "").replace("\n", "\r\n")
    card = tmp_path / "in" / "2023-06-28-small_bert_L2_768.md"
    card.parent.mkdir()
    card.write_bytes(broken.encode())
    fixed = _check(card, tmp_path)
    assert sorted(e.rule for e in fixed.edits) == ["required-field", "required-field", "s3-uri"]
    assert fixed.after.count("\r\n") == fixed.after.count("\n")  # CRLF kept
    assert "name: small_bert_L2_768\r\nlanguage: en\r\n" in fixed.after
    assert "edition: Spark NLP 5.0.0\r\nspark_version: 3.0\r\n" in fixed.after
    assert f"[Copy S3 URI]({s3_right})" in fixed.after
    assert fixed.after.replace("\r\n", "\n") == clean.replace(
        "edition: Spark NLP 5.0.0\nspark_version: 3.0\n", "edition: Spark NLP 5.0.0\nspark_version: 3.0\n"
    ).replace("name: small_bert_L2_768\n", "name: small_bert_L2_768\nlanguage: en\n").replace(
        "tags: [open_source, embeddings, en, onnx]\ntask: Embeddings\nlanguage: en\n",
        "tags: [open_source, embeddings, en, onnx]\ntask: Embeddings\n",
    )


def test_a_guess_is_not_a_fix(tmp_path: Path) -> None:
    """No annotator to infer, a date that is not one: reported, never "fixed"."""
    fixed = fix_card(CARD_FIXTURES / "authoring" / "2023-06-28-no_annotator_en.md")
    assert not fixed.changed and any(f.field == "annotator" for f in parse_card(fixed.path).findings)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from cardhub_cli.main import cli; cli()"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True)


def test_cli_diff_writes_nothing_and_fix_writes_then_reports_what_is_left(tmp_path: Path) -> None:
    folder = tmp_path / "cards"
    shutil.copytree(CARDS, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    before = {p.name: p.read_bytes() for p in folder.glob("*.md")}
    diff = _cli("validate", "--diff", "cards", cwd=tmp_path)
    assert diff.returncode == 1 and "+  type: cover" in diff.stdout and "+spark_version: 2.4" in diff.stdout
    assert {p.name: p.read_bytes() for p in folder.glob("*.md")} == before
    fixed = _cli("validate", "--fix", "cards", cwd=tmp_path)
    assert "+  type: cover" in fixed.stderr and "fixed 4 card(s)" in fixed.stderr
    assert "CH104" not in fixed.stdout and "CH303" in fixed.stdout and fixed.returncode == 1
    assert fixed.stdout.strip().split("\n")[-1] == "5 cards: 4 errors, 1 warnings"
    assert _cli("validate", "--diff", "cards", cwd=tmp_path).returncode == 0
