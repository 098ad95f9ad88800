"""Typing what was read: inference of missing fields, coercions, legacy and unknown keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.parse import parse_card
from tests.helpers import CARDS

SEED = (CARDS / "2023-06-28-small_bert_L2_768_en.md").read_text(encoding="utf-8")


def card_from(tmp_path: Path, text: str, name: str = "2023-06-28-small_bert_L2_768_en.md"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_card(path)


def test_engine_from_tags(tmp_path: Path) -> None:
    card = card_from(tmp_path, SEED.replace("engine: onnx\n", ""))
    assert (card.engine, card.engine_source) == ("onnx", "tags")


def test_no_engine_when_nothing_says(tmp_path: Path) -> None:
    card = card_from(tmp_path, SEED.replace("engine: onnx\n", "").replace(", onnx]", "]"))
    assert (card.engine, card.engine_source) == (None, "none")


def test_legacy_class_key_gives_the_annotator(tmp_path: Path) -> None:
    card = card_from(tmp_path, SEED.replace("annotator: BertEmbeddings", "class: BertEmbeddings"))
    assert card.annotator == "BertEmbeddings" and not card.annotator_inferred
    assert [f.rule for f in card.findings] == ["legacy-key"]


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("date: 28/06/2023", "2023-06-28", "date-format"),
        ("date: 2023-06-28T10:00:00+02:00", "2023-06-28", None),
        ("date: someday", "None", "date-format"),
    ],
)
def test_dates(tmp_path: Path, line: str, expected: str, rule: str | None) -> None:
    card = card_from(tmp_path, SEED.replace("date: 2023-06-28", line))
    assert str(card.date) == expected
    assert [f.rule for f in card.findings] == ([rule] if rule else [])


def test_spark_version_text_is_kept_exactly(tmp_path: Path) -> None:
    card = card_from(tmp_path, SEED.replace("spark_version: 3.0", "spark_version: 3.10"))
    assert card.spark_version == "3.10"


def test_missing_language_is_read_from_the_table(tmp_path: Path) -> None:
    card = card_from(tmp_path, SEED.replace("language: en\n", ""), name="card.md")
    assert card.language == "en"
    (finding,) = [f for f in card.findings if f.field == "language"]
    assert "Model Information" in finding.message


def test_task_list_and_tag_string(tmp_path: Path) -> None:
    card = card_from(
        tmp_path,
        SEED.replace("task: Embeddings", "task: [Embeddings, Similarity]").replace(
            "tags: [open_source, embeddings, en, onnx]", "tags: open_source, onnx"
        ),
    )
    assert card.tasks == ["Embeddings", "Similarity"] and card.tags == ["open_source", "onnx"]


def test_name_with_language_suffix_is_a_warning(tmp_path: Path) -> None:
    """Old cards write `name: ner_clinical_en` for pretrained("ner_clinical", "en"): the download
    file's prefix is then the name itself."""
    text = SEED.replace("name: small_bert_L2_768", "name: small_bert_L2_768_en").replace(
        "|Model Name:|small_bert_L2_768|", "|Model Name:|small_bert_L2_768_en|"
    )
    card = card_from(tmp_path, text)
    assert card.name == "small_bert_L2_768_en"
    assert [(f.rule, f.severity, f.line) for f in card.findings] == [("name-has-language", "warning", 5)]
