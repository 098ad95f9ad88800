from __future__ import annotations

import pytest

from registry import values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("141.9 MB", round(141.9 * 1024**2)),
        ("2.5 GB", round(2.5 * 1024**3)),
        ("512 KB", 512 * 1024),
        ("16 B", 16),
        ("1.2 MiB", round(1.2 * 1024**2)),
        ("big", None),
        ("", None),
        ("12", None),
    ],
)
def test_parse_size(text: str, expected: int | None) -> None:
    assert values.parse_size(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[sentence, token]", ["sentence", "token"]),
        ("sentence, token, embeddings", ["sentence", "token", "embeddings"]),
        ("[sentence,token, embeddings]", ["sentence", "token", "embeddings"]),
        ("sentence. token", ["sentence", "token"]),
        ("[]", []),
    ],
)
def test_parse_labels(text: str, expected: list[str]) -> None:
    assert values.parse_labels(text) == expected


@pytest.mark.parametrize(
    ("text", "product", "version"),
    [
        ("Spark NLP 2.6.0", "Spark NLP", "2.6.0"),
        ("Healthcare NLP 4.2.0", "Healthcare NLP", "4.2.0"),
        ("Spark NLP for Healthcare 3.0.0", "Healthcare NLP", "3.0.0"),
        ("Spark NLP 5.0.0+", "Spark NLP", "5.0.0"),
        ("Official", "Official", None),
    ],
)
def test_parse_edition(text: str, product: str, version: str | None) -> None:
    edition = values.parse_edition(text)
    assert (edition.product, edition.version, edition.raw) == (product, version, text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), ("false", False), ("Yes", True), ("no", False), ("maybe", None), (1, True)],
)
def test_parse_bool(value: object, expected: bool | None) -> None:
    assert values.parse_bool(value) is expected


def test_spark_show_table_is_parsed() -> None:
    text = "+-----+------+\n|token|ner   |\n+-----+------+\n|John |B-PER |\n|lives|O     |\n+-----+------+"
    table = values.results_table(text)
    assert table is not None and table.columns == ["token", "ner"]
    assert table.rows == [["John", "B-PER"], ["lives", "O"]]


def test_free_text_results_have_no_table() -> None:
    assert values.results_table("['positive']\n") is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("`PER`, `LOC`, `ORG`", ["PER", "LOC", "ORG"]),
        ("PER, LOC", ["PER", "LOC"]),
        ("- PROBLEM", ["PROBLEM"]),
        ("", []),
        ("| table | row |", []),
    ],
)
def test_entities(line: str, expected: list[str]) -> None:
    assert values.entities(line) == expected
