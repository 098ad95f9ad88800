from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from registry.card import Card, Finding
from registry.parse import parse_card
from tests.helpers import CARDS


def test_card_is_frozen() -> None:
    card = parse_card(CARDS / "2023-06-28-small_bert_L2_768_en.md")
    with pytest.raises(ValidationError):
        card.name = "other"  # type: ignore[misc]


def test_json_round_trip_keeps_everything() -> None:
    card = parse_card(CARDS / "2020-08-25-sent_small_bert_L6_768_en.md")
    data = json.loads(card.model_dump_json())
    assert data["task"] == "Embeddings" and data["artifact"].endswith("1598351137007") and data["ok"] is False
    assert Card.model_validate(data) == card
    assert Card.model_validate_json(card.model_dump_json()) == card


def test_schema_describes_the_record() -> None:
    schema = Card.model_json_schema(mode="serialization")
    assert {"name", "language", "snippets", "model_information", "findings", "artifact"} <= set(
        schema["properties"]
    )
    assert "ModelInformation" in schema["$defs"]


def test_finding_format() -> None:
    finding = Finding(
        path="a.md", line=3, severity="error", field="name", message="bad", hint="fix", rule="s3-uri"
    )
    assert finding.code == "CH205"
    assert finding.format() == "a.md:3: error: CH205 s3-uri: name: bad (hint: fix)"
