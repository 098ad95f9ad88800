"""`cardhub validate | list | show | schema`, run as a user runs them (a new process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import CARD_FIXTURES, CARDS, ROOT

CLEAN = str(CARDS / "2023-06-28-small_bert_L2_768_en.md")
WARNS_ONLY = str(CARDS / "2021-08-31-sent_bert_wiki_books_sst2_en.md")


def cardhub(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cardhub_cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_validate_seeds_fails_and_names_file_line_field() -> None:
    result = cardhub("validate", "cards/")
    assert result.returncode == 1
    lines = result.stdout.strip().split("\n")
    assert lines[-1] == "5 cards: 4 errors, 5 warnings"
    assert (
        "cards/2020-08-25-sent_biobert_pubmed_base_cased_en.md:38: "
        "error: CH301 python-syntax: snippets.python: "
        in result.stdout
    )


def test_validate_exit_codes_and_strict() -> None:
    assert cardhub("validate", CLEAN).returncode == 0
    assert cardhub("validate", WARNS_ONLY).returncode == 0
    assert cardhub("validate", "--strict", WARNS_ONLY).returncode == 1
    assert cardhub("validate", "--strict", CLEAN).returncode == 0


def test_validate_github_annotations() -> None:
    result = cardhub("validate", "--format", "github", "cards/")
    annotations = [line for line in result.stdout.split("\n") if line.startswith("::")]
    assert len(annotations) == 9
    assert (
        "::error file=cards/2020-08-25-sent_small_bert_L6_768_en.md,line=50,"
        "title=CH303 scala-balance: snippets.scala::"
        in result.stdout
    )
    assert all("::" in a[2:] for a in annotations)


def test_validate_json_lists_every_finding() -> None:
    result = cardhub("validate", "--format", "json", "cards/", str(CARD_FIXTURES / "broken"))
    data = json.loads(result.stdout)
    assert data["cards"] == 9 and data["errors"] == 8 and data["warnings"] == 5
    assert {f["rule"] for f in data["findings"]} >= {"readable", "scala-balance", "python-syntax"}
    assert {(f["code"], f["rule"]) for f in data["findings"]} >= {
        ("CH001", "readable"),
        ("CH303", "scala-balance"),
    }


def test_validate_many_cards_reports_what_the_registry_holds(tmp_path: Path) -> None:
    """Enough cards to run on every core: the findings-only run reports what the registry holds."""
    from registry.store import PARALLEL_THRESHOLD, Registry

    sources = sorted(CARDS.glob("*.md"))
    count = PARALLEL_THRESHOLD + 50
    for index in range(count):
        (tmp_path / f"card_{index:03d}.md").write_bytes(sources[index % len(sources)].read_bytes())
    result = cardhub("validate", "--format", "json", str(tmp_path))
    data = json.loads(result.stdout)
    reference = Registry.from_dir(tmp_path, workers=1).findings
    assert data["cards"] == count and result.returncode == 1
    assert data["findings"] == [{**json.loads(f.model_dump_json()), "code": f.code} for f in reference]
    assert data["errors"] == sum(f.severity == "error" for f in reference)


def test_validate_missing_path_is_a_usage_error() -> None:
    result = cardhub("validate", "no/such/folder")
    assert result.returncode == 2 and "no such file or folder" in result.stderr


def test_list_json_with_filters() -> None:
    result = cardhub("list", "--annotator", "BertEmbeddings", "--format", "json")
    assert result.returncode == 0
    assert sorted(row["name"] for row in json.loads(result.stdout)) == [
        "bert_base_cased",
        "small_bert_L2_768",
    ]
    found = json.loads(cardhub("list", "--search", "biobert", "--format", "json").stdout)
    assert [row["name"] for row in found] == ["sent_biobert_pubmed_base_cased"]


def test_show_resolves_and_suggests(tmp_path: Path) -> None:
    result = cardhub(
        "show",
        "tiny_sent",
        "--version",
        "4.0.0",
        "--cards",
        str(CARD_FIXTURES / "versions"),
        "--format",
        "json",
    )
    assert json.loads(result.stdout)["version"] == "3.2.0"
    missing = cardhub("show", "bert_base_cazed", cwd=tmp_path)
    assert missing.returncode == 1 and "did you mean: bert_base_cased" in missing.stderr


def test_schema_is_json_schema() -> None:
    schema = json.loads(cardhub("schema").stdout)
    assert schema["title"] == "Card" and "properties" in schema


def test_validate_text_prints_every_finding_of_the_registry_then_the_counts(tmp_path: Path) -> None:
    """The text output (written at once, from the findings' rows) against the registry's records,
    cold and then warm from the cache."""
    from registry.store import Registry

    folders = [str(CARDS), str(CARD_FIXTURES / "broken")]
    reference = Registry.from_paths(folders, workers=1).findings
    errors, warnings = (sum(f.severity == s for f in reference) for s in ("error", "warning"))
    expected = [f.format() for f in reference] + [f"9 cards: {errors} errors, {warnings} warnings"]
    for _ in range(2):
        result = cardhub("validate", "--cache-dir", str(tmp_path / "cache"), *folders)
        assert result.stdout.splitlines() == expected and result.returncode == 1
    assert any(tmp_path.glob("cache/validate-*.pickle"))


def test_show_applies_the_configuration_and_suppressions_validate_applies(tmp_path: Path) -> None:
    folder = tmp_path / "cards"
    folder.mkdir()
    card = folder / "2020-08-25-sent_small_bert_L6_768_en.md"
    card.write_text((CARDS / card.name).read_text(encoding="utf-8"), encoding="utf-8")
    shown = cardhub("show", "sent_small_bert_L6_768", "--cards", str(folder), cwd=tmp_path)
    assert "CH104" in shown.stdout and "CH303" in shown.stdout
    (tmp_path / "cardhub.toml").write_text('ignore = ["CH104"]\n', encoding="utf-8")
    lines = card.read_text(encoding="utf-8").split("\n")
    lines[49] += "  <!-- cardhub: ignore CH303 -->"  # line 50: the Scala string left open
    card.write_text("\n".join(lines), encoding="utf-8")
    validated = cardhub("validate", str(folder), cwd=tmp_path)
    shown = cardhub("show", "sent_small_bert_L6_768", "--cards", str(folder), cwd=tmp_path)
    for output in (shown.stdout, validated.stdout):
        assert "CH104" not in output and "CH303" not in output and "CH302" in output
