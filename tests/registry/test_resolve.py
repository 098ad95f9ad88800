from __future__ import annotations

import datetime as dt

import pytest

from registry import resolve
from registry.card import Card, Edition, Link, Links


def card(version: str, spark: str, epoch: int | None, date: dt.date | None = None) -> Card:
    url = f"https://s3.amazonaws.com/b/m/x_en_{version}_{spark}_{epoch}.zip" if epoch else None
    return Card(
        path=f"{version}.md",
        name="x",
        language="en",
        title="x",
        edition=Edition(raw=f"Spark NLP {version}", product="Spark NLP", version=version),
        spark_version=spark,
        spark_versions=[spark],
        date=date,
        links=Links(download=Link(url=url, line=1)) if url else Links(),
    )


@pytest.mark.parametrize(
    ("found", "current", "ok"),
    [
        ("2.6.0", "3.2.0", True),
        ("3.2.0", "2.6.0", False),
        ("2.4", "2.4.5", True),
        ("3.0", "2.4", False),
        ("5.0.0", "5", True),
        ("2.6.0", None, True),
        (None, "2.6.0", True),
        ("3.0", "3.0", True),
    ],
)
def test_is_compatible(found: str | None, current: str | None, ok: bool) -> None:
    assert resolve.is_compatible(found, current) is ok


def test_pick_newest_compatible() -> None:
    old, mid, new = (
        card("2.6.0", "2.4", 1598351137007),
        card("3.2.0", "3.0", 1630412133457),
        card("5.0.0", "3.0", 1687953630830),
    )
    assert resolve.pick([old, mid, new]) is new
    assert resolve.pick([old, mid, new], version="4.4.0") is mid
    assert resolve.pick([old, mid, new], version="3.2.0", spark_version="2.4") is old
    assert resolve.pick([mid, new], version="2.0.0") is None


def test_published_at_prefers_the_artifact_timestamp() -> None:
    with_epoch = card("2.6.0", "2.4", 1598351137007, date=dt.date(2030, 1, 1))
    assert resolve.published_at(with_epoch).date() == dt.date(2020, 8, 25)
    without = card("2.6.0", "2.4", None, date=dt.date(2021, 1, 2))
    assert resolve.published_at(without).date() == dt.date(2021, 1, 2)
