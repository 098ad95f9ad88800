"""Which card `pretrained(name, lang)` would pick: among the cards with that (name, language),
those whose library and Spark versions are not newer than the caller's, the newest by the
artifact's timestamp (the card's date where the download link has none)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

EPOCH_MS = re.compile(r"_(\d{10,})$")


class Published(Protocol):
    """What resolution reads: a `Card`, or the packaged index's entry for one."""

    @property
    def artifact(self) -> str | None: ...
    @property
    def date(self) -> dt.date | None: ...
    @property
    def version(self) -> str | None: ...
    @property
    def spark_versions(self) -> Sequence[str]: ...


CardT = TypeVar("CardT", bound=Published)


def version_tuple(text: str | None) -> tuple[int, ...]:
    """'2.6.0' -> (2, 6, 0); anything unreadable sorts first."""
    if not text:
        return ()
    parts = re.findall(r"\d+", text)
    return tuple(int(p) for p in parts)


def is_compatible(found: str | None, current: str | None) -> bool:
    """`found` is usable by a caller on `current`: not newer, comparing as many parts as
    `found` gives (so 2.4 serves 2.4.5, 3.0 does not serve 2.4)."""
    if current is None or found is None:
        return True
    found_parts, current_parts = version_tuple(found), version_tuple(current)
    return (
        found_parts <= current_parts[: len(found_parts)] or found_parts[: len(current_parts)] == current_parts
    )


def published_at(card: Published) -> dt.datetime:
    """When the artifact was published: the epoch-ms in its file name, else the card's date."""
    match = EPOCH_MS.search(card.artifact or "")
    if match:
        return dt.datetime.fromtimestamp(int(match.group(1)) / 1000, tz=dt.UTC)
    day = card.date or dt.date.min
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def newest_first(cards: Iterable[CardT]) -> list[CardT]:
    return sorted(cards, key=published_at, reverse=True)


def pick(
    candidates: Iterable[CardT], version: str | None = None, spark_version: str | None = None
) -> CardT | None:
    compatible = [
        card
        for card in candidates
        if is_compatible(card.version, version)
        and (not card.spark_versions or any(is_compatible(s, spark_version) for s in card.spark_versions))
    ]
    ordered = newest_first(compatible)
    return ordered[0] if ordered else None
