"""The packaged index: what `registry.load(name)` needs from each packaged card, ready to read.

A load by name must find the card and hand the runtime its artifact link, annotator, case
sensitivity and the like. Parsing the packaged cards for that means importing pydantic and the
parser, about half of a cold start; this index (JSON beside this module) holds those facts for
every card in `cards/`, with each card file's SHA-256. It is used only while every hash still
matches the packaged cards, so an edited, added or removed card falls back to parsing them all.

Regenerate it after changing a card or what the parser reads from one (a test fails until you do):

    python -m registry.index
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry import resolve

if TYPE_CHECKING:
    from registry.card import Card
    from registry.store import Registry

INDEX_FILE = Path(__file__).with_name("packaged_index.json")
FORMAT = 1
"""Bumped when the entries change shape; an index of another format is not used."""


@dataclass(frozen=True)
class IndexedLink:
    url: str
    line: int


@dataclass(frozen=True)
class IndexedLinks:
    download: IndexedLink | None = None
    s3: IndexedLink | None = None


@dataclass(frozen=True)
class IndexedModelInformation:
    case_sensitive: bool | None = None
    dimension: int | None = None
    max_sentence_length: int | None = None


@dataclass(frozen=True, kw_only=True)
class IndexEntry:
    """One card as the resolver and the runtime read it (see `runtime.card_facts`)."""

    path: str
    name: str
    language: str
    date: dt.date | None
    version: str | None
    spark_versions: tuple[str, ...]
    artifact: str | None
    annotator: str | None
    nlu_reference: str | None
    links: IndexedLinks
    model_information: IndexedModelInformation | None
    license_reasons: tuple[str, ...] = ()

    @property
    def licensed(self) -> bool:
        return bool(self.license_reasons)

    def record(self) -> Card:
        """The full record of this card, from the default registry (parsed on first use)."""
        from registry import default_registry

        for card in default_registry().cards:
            if Path(card.path) == Path(self.path):
                return card
        raise LookupError(f"{self.path} is no longer among the packaged cards")


def entry_of(card: Card) -> dict[str, Any]:
    """The index's JSON for one card (its path is stored relative to the cards folder)."""
    info = card.model_information
    links = {
        kind: {"url": link.url, "line": link.line} if link else None
        for kind, link in (("download", card.links.download), ("s3", card.links.s3))
    }
    return {
        "name": card.name,
        "language": card.language,
        "date": card.date.isoformat() if card.date else None,
        "version": card.version,
        "spark_versions": list(card.spark_versions),
        "artifact": card.artifact,
        "annotator": card.annotator,
        "nlu_reference": card.nlu_reference,
        "links": links,
        "license_reasons": card.license_reasons,
        "model_information": (
            {
                "case_sensitive": info.case_sensitive,
                "dimension": info.dimension,
                "max_sentence_length": info.max_sentence_length,
            }
            if info
            else None
        ),
    }


def _link(data: dict[str, Any] | None) -> IndexedLink | None:
    return IndexedLink(**data) if data else None


def _entry(data: dict[str, Any], path: Path) -> IndexEntry:
    info = data["model_information"]
    return IndexEntry(
        path=str(path),
        name=data["name"],
        language=data["language"],
        date=dt.date.fromisoformat(data["date"]) if data["date"] else None,
        version=data["version"],
        spark_versions=tuple(data["spark_versions"]),
        artifact=data["artifact"],
        annotator=data["annotator"],
        nlu_reference=data["nlu_reference"],
        links=IndexedLinks(download=_link(data["links"]["download"]), s3=_link(data["links"]["s3"])),
        model_information=IndexedModelInformation(**info) if info else None,
        license_reasons=tuple(data.get("license_reasons", ())),
    )


def card_files(folder: Path) -> list[str]:
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.md"))


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_index(registry: Registry, folder: Path) -> dict[str, Any]:
    """The index of `registry`, whose cards were read from `folder`."""
    cards = {Path(card.path).resolve().relative_to(folder.resolve()).as_posix(): card for card in registry}
    return {
        "format": FORMAT,
        "cards": [
            {"file": name, "sha256": file_sha256(folder / name), **entry_of(cards[name])}
            for name in card_files(folder)
        ],
    }


def read_index(index_file: Path, folder: Path) -> list[IndexEntry] | None:
    """The entries of `index_file` for the cards in `folder`; None when it is missing, of another
    format, or any card file was added, removed or changed since it was written."""
    try:
        data = json.loads(index_file.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return None
        indexed = data["cards"]
        if [item["file"] for item in indexed] != card_files(folder):
            return None
        if any(file_sha256(folder / item["file"]) != item["sha256"] for item in indexed):
            return None
        return [_entry(item, folder / item["file"]) for item in indexed]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


@lru_cache(maxsize=1)
def packaged_entries() -> list[IndexEntry] | None:
    from registry import packaged_cards_dir

    return read_index(INDEX_FILE, packaged_cards_dir())


def find(name: str, lang: str = "en", version: str | None = None) -> IndexEntry | None:
    """The packaged card `registry.get(name, lang, version)` would return, from the index; None
    when the index cannot answer (stale, or no such card: `get` then says why)."""
    entries = packaged_entries()
    if entries is None:
        return None
    return resolve.pick((e for e in entries if e.name == name and e.language == lang), version)


def main() -> None:
    from registry import default_registry, packaged_cards_dir

    folder = packaged_cards_dir()
    index = build_index(default_registry(), folder)
    INDEX_FILE.write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{INDEX_FILE}: {len(index['cards'])} cards from {folder}")


if __name__ == "__main__":
    main()
