"""The packaged index: current with the packaged cards, resolving as `get` does, and ignored
as soon as a card file differs from what it was built from."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import registry
from registry import index
from registry.store import Registry


def test_packaged_index_is_current() -> None:
    fresh = index.build_index(registry.default_registry(), registry.packaged_cards_dir())
    written = json.loads(index.INDEX_FILE.read_text(encoding="utf-8"))
    assert written == fresh, "registry/packaged_index.json is stale: run `python -m registry.index`"
    assert index.packaged_entries() is not None


@pytest.mark.parametrize("card", registry.default_registry().cards, ids=lambda card: card.name)
def test_find_returns_what_get_returns(card: registry.Card) -> None:
    for version in (None, card.version, "99.0"):
        entry = index.find(card.name, card.language, version)
        chosen = registry.get(card.name, card.language, version)
        assert entry is not None and Path(entry.path) == Path(chosen.path)
        assert (entry.artifact, entry.annotator, entry.nlu_reference, entry.version) == (
            chosen.artifact,
            chosen.annotator,
            chosen.nlu_reference,
            chosen.version,
        )
        download = chosen.links.download
        assert (entry.links.download.url if entry.links.download else None) == (
            download.url if download else None
        )
        info, chosen_info = entry.model_information, chosen.model_information
        assert (info is None) == (chosen_info is None)
        if info and chosen_info:
            assert (info.case_sensitive, info.dimension, info.max_sentence_length) == (
                chosen_info.case_sensitive,
                chosen_info.dimension,
                chosen_info.max_sentence_length,
            )
        assert entry.record() is chosen


def test_find_does_not_answer_for_unknown_names_or_versions() -> None:
    # `get` raises for these, with suggestions; the index only says it has no answer.
    assert index.find("sent_small_bert_L6_786") is None
    assert index.find("sent_small_bert_L6_768", "de") is None
    assert index.find("sent_small_bert_L6_768", version="1.0") is None


@pytest.fixture
def indexed_copy(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "cards"
    shutil.copytree(
        registry.packaged_cards_dir(), folder, ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    index_file = tmp_path / "index.json"
    index_file.write_text(json.dumps(index.build_index(Registry.from_dir(folder), folder)))
    return folder, index_file


def test_read_index_gives_an_entry_per_card(indexed_copy: tuple[Path, Path]) -> None:
    folder, index_file = indexed_copy
    entries = index.read_index(index_file, folder)
    assert entries is not None
    assert sorted(Path(e.path).name for e in entries) == sorted(p.name for p in folder.glob("*.md"))


def test_an_edited_card_makes_the_index_unusable(indexed_copy: tuple[Path, Path]) -> None:
    folder, index_file = indexed_copy
    card = next(folder.glob("*sent_small_bert_L6_768*.md"))
    card.write_text(card.read_text(encoding="utf-8").replace("768", "512"), encoding="utf-8")
    assert index.read_index(index_file, folder) is None


def test_an_added_or_removed_card_makes_the_index_unusable(indexed_copy: tuple[Path, Path]) -> None:
    folder, index_file = indexed_copy
    first = sorted(folder.glob("*.md"))[0]
    (folder / "2024-01-01-new_en.md").write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    assert index.read_index(index_file, folder) is None
    (folder / "2024-01-01-new_en.md").unlink()
    assert index.read_index(index_file, folder) is not None
    first.unlink()
    assert index.read_index(index_file, folder) is None


@pytest.mark.parametrize(
    "content",
    ["", "not json", "[]", json.dumps({"format": index.FORMAT + 1, "cards": []}), json.dumps({"format": 1})],
)
def test_a_damaged_or_foreign_index_is_not_used(indexed_copy: tuple[Path, Path], content: str) -> None:
    folder, index_file = indexed_copy
    index_file.write_text(content)
    assert index.read_index(index_file, folder) is None
