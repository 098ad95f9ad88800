"""The validator reports the seeds' real defects (NOTES §1), at their lines, and nothing else;
and each check catches the defect it is named for in a fixture card."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.card import Card
from registry.parse import parse_card
from registry.store import Registry
from registry.validate import Claim, _balanced_fast, _scan_balance, check_claims, scala_balance
from tests.helpers import CARD_FIXTURES, CARDS

# Written by hand from reading the seed cards and NOTES §1 (file, line, severity, field, rule).
SEED_DEFECTS = {
    ("2020-08-25-sent_small_bert_L6_768_en.md", 15, "warning", "type", "front-matter-indent"),
    ("2020-08-25-sent_small_bert_L6_768_en.md", 41, "error", "snippets.python", "dataframe-shape"),
    ("2020-08-25-sent_small_bert_L6_768_en.md", 50, "error", "snippets.scala", "scala-balance"),
    ("2021-08-31-sent_bert_wiki_books_sst2_en.md", 16, "warning", "type", "front-matter-indent"),
    ("2020-08-25-bert_base_cased_en.md", 15, "warning", "type", "front-matter-indent"),
    ("2020-08-25-sent_biobert_pubmed_base_cased_en.md", 1, "warning", "annotator", "required-field"),
    ("2020-08-25-sent_biobert_pubmed_base_cased_en.md", 1, "warning", "spark_version", "required-field"),
    ("2020-08-25-sent_biobert_pubmed_base_cased_en.md", 38, "error", "snippets.python", "python-syntax"),
    ("2020-08-25-sent_biobert_pubmed_base_cased_en.md", 47, "error", "snippets.scala", "scala-balance"),
}


def test_seeds_report_exactly_their_real_defects() -> None:
    registry = Registry.from_dir(CARDS)
    found = {(Path(f.path).name, f.line, f.severity, f.field, f.rule) for f in registry.findings}
    assert found == SEED_DEFECTS


def test_seed_lines_point_at_the_defect() -> None:
    """The reported line holds the text the finding is about."""
    for finding in Registry.from_dir(CARDS).findings:
        line = Path(finding.path).read_text(encoding="utf-8").split("\n")[finding.line - 1]
        expected = {
            "front-matter-indent": "type: cover",
            "dataframe-shape": "createDataFrame",
            "python-syntax": "Antibiotics aren't",
            "scala-balance": "Antibiotics aren't",
            "required-field": "---",
        }[finding.rule]
        assert expected in line, (finding.format(), line)


def test_clean_seed_has_no_findings() -> None:
    card = parse_card(CARDS / "2023-06-28-small_bert_L2_768_en.md")
    assert card.findings == []
    assert card.ok


def _findings(name: str) -> set[tuple[int, str, str, str]]:
    card = parse_card(CARD_FIXTURES / "defects" / name)
    return {(f.line, f.severity, f.field, f.rule) for f in card.findings}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2023-06-28-clean_card_en.md", set()),
        ("download_name.md", {(25, "error", "links.download", "download-name")}),
        ("s3_mismatch.md", {(26, "error", "links.s3", "s3-uri")}),
        # An artifact older than the edition is compatible (Spark NLP's Version.isCompatible): issue 14
        ("version_mismatch.md", {(25, "info", "links.download", "older-artifact")}),
        (
            "labels.md",
            {
                (54, "error", "model_information.input_labels", "annotator-labels"),
                (55, "error", "model_information.output_labels", "annotator-labels"),
            },
        ),
        ("scala_bracket.md", {(41, "error", "snippets.scala", "scala-balance")}),
        (
            "bad_types.md",
            {
                (12, "error", "supported", "front-matter-type"),
                (58, "error", "model_information.case_sensitive", "model-information-type"),
                (59, "error", "model_information.dimension", "model-information-type"),
            },
        ),
    ],
)
def test_each_check_catches_its_defect(name: str, expected: set[tuple[int, str, str, str]]) -> None:
    assert _findings(name) == expected


def test_two_cards_claiming_one_artifact_are_both_reported() -> None:
    registry = Registry.from_paths(
        [
            CARD_FIXTURES / "defects" / "2023-06-28-clean_card_en.md",
            CARD_FIXTURES / "defects" / "duplicate_of_clean_card.md",
        ]
    )
    duplicates = [f for f in registry.findings if f.rule == "duplicate-artifact"]
    assert sorted(Path(f.path).name for f in duplicates) == [
        "2023-06-28-clean_card_en.md",
        "duplicate_of_clean_card.md",
    ]
    assert all(
        (f.line == 25 and "duplicate_of_clean_card.md:25" in f.message) or "clean_card_en.md:25" in f.message
        for f in duplicates
    )


def test_messages_say_what_would_fix_it() -> None:
    for finding in Registry.from_dir(CARDS).findings:
        assert finding.hint, finding.format()
        assert finding.format().startswith(
            f"{finding.path}:{finding.line}: {finding.severity}: {finding.code} {finding.rule}: "
            f"{finding.field}: "
        )


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ('val a = Seq("x", "y").toDF("text")', None),
        ('val s = """ a "quoted" ( word """\nval t = 1', None),
        ("val c = 'x'\nval sym = 'symbol", None),
        ('/* a comment with " and ( */\nval x = (1)', None),
        ('// a line comment with " and (\nval x = 1', None),
        ('val e = "an \\" escaped quote"', None),
        (
            'val data = Seq("I hate cancer, "Antibiotics aren\'t painkiller").toDF("text")',
            (0, "unbalanced quotes"),
        ),
        ("val a = (1, 2\nval b = 3", (0, "never closed")),
        ("val a = 1)\n", (0, "closes no open bracket")),
        ("val a = Seq(1, 2]", (0, "closes no open bracket")),
        ('val s = """never closed\n', (0, "never closed")),
        # Tokens that the quick check (no triple quotes, no block comments) must read as the
        # exact scan does.
        ("val q = '\"'; f(x)", None),
        ("val p = '('\nf(1)", None),
        ('f("(", ")")', None),
        ('val s = "x\\"("\nf()', None),
        ("a */ // (\nf()", None),
        ("f(a[1)]", (0, "closes no open bracket")),
        ("g(1)\nh(2", (1, "never closed")),
        ('f(1)\nval s = "open', (1, "unbalanced quotes")),
    ],
)
def test_scala_balance(code: str, problem: tuple[int, str] | None) -> None:
    found = scala_balance(code)
    if problem is None:
        assert found is None
    else:
        assert found is not None and found[0] == problem[0] and problem[1] in found[1]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='ab"\'\\/*()[]{}\n ', max_size=40))
def test_quick_balance_check_never_hides_what_the_token_scan_finds(code: str) -> None:
    """The quick check may only answer "balanced" where the exact scan finds nothing."""
    if _balanced_fast(code):
        assert _scan_balance(code) is None, code


def test_claims_of_the_same_artifact_name_each_other() -> None:
    claims = [
        Claim("a_en_1.0_3.0_1000000000000", "one.md", 20),
        None,
        Claim("b_en_1.0_3.0_1000000000000", "two.md", 21),
        Claim("a_en_1.0_3.0_1000000000000", "three.md", 22),
        Claim("a_en_1.0_3.0_1000000000000", "four.md", 23),
    ]
    found = check_claims(claims)
    assert sorted(found) == [0, 3, 4]
    (first,) = found[0]
    assert (first.path, first.line, first.rule) == ("one.md", 20, "duplicate-artifact")
    assert "also claimed by three.md:22, four.md:23" in first.message
    assert "one.md:20, four.md:23" in found[3][0].message


def test_python_snippet_error_line_is_in_the_card() -> None:
    card = parse_card(CARDS / "2020-08-25-sent_biobert_pubmed_base_cased_en.md")
    (syntax,) = [f for f in card.findings if f.rule == "python-syntax"]
    python = card.snippet("python")
    assert python is not None and python.line <= syntax.line < python.line + python.code.count("\n") + 1


def test_registry_level_findings_are_added_to_the_card(tmp_path: Path) -> None:
    registry = Registry.from_paths(
        [
            CARD_FIXTURES / "defects" / "2023-06-28-clean_card_en.md",
            CARD_FIXTURES / "defects" / "duplicate_of_clean_card.md",
        ]
    )
    assert all(not card.ok for card in registry.cards)
    assert all(isinstance(card, Card) for card in registry.cards)
