from __future__ import annotations

from pathlib import Path

from site_builder.entries import Entry, entry_for, facet_values, place, plain_text, safe_slug

SEED = Path(__file__).resolve().parents[2] / "cards" / "2020-08-25-sent_small_bert_L6_768_en.md"


def _entry(
    key: str,
    name: str = "m",
    version: str | None = "1.0.0",
    date: str | None = "2020-01-01",
    spark: str | None = "3.0",
) -> Entry:
    return Entry(
        key=key,
        name=name,
        language="en",
        title="T",
        date=date,
        version=version,
        spark_version=spark,
        facets={},
        tags=[],
        excerpt="",
        errors=0,
        warnings=0,
        deprecated=False,
    )


def test_safe_slug_keeps_plain_names_and_hashes_unsafe_ones() -> None:
    assert safe_slug("sent_small_bert_L6_768_en") == "sent_small_bert_L6_768_en"
    assert safe_slug("Named Entity Recognition", lower=True) == "named-entity-recognition"
    hostile = safe_slug("../../etc<script>")
    assert "/" not in hostile and "<" not in hostile and not hostile.startswith(".")
    assert safe_slug("a<b") != safe_slug("a>b")  # same visible slug, kept apart by the hash


def test_plain_text_drops_markup_and_link_targets() -> None:
    assert plain_text("A [paper](https://x.y/z) with **bold** `code`") == "A paper with bold code"


def test_place_orders_versions_newest_first_and_disambiguates_equal_versions() -> None:
    entries = [
        _entry("a", version="2.6.0", date="2020-08-25", spark="2.4"),
        _entry("b", version="3.0.0", date="2021-03-01"),
        _entry("c", version="2.6.0", date="2020-09-01", spark="3.0"),
        _entry("d", name="other"),
    ]
    placed = place(entries)
    assert placed["b"].newest and not placed["a"].newest and placed["d"].newest
    assert placed["b"].siblings == ("b", "c", "a")
    assert placed["b"].url == "models/m_en/3.0.0.html"
    assert placed["c"].url == "models/m_en/2.6.0_spark3.0.html"
    assert placed["a"].url == "models/m_en/2.6.0_spark2.4.html"
    assert len({p.url for p in placed.values()}) == 4


def test_place_numbers_cards_that_agree_on_everything() -> None:
    placed = place([_entry("x1"), _entry("x2")])
    assert sorted(p.url for p in placed.values()) == [
        "models/m_en/1.0.0_spark3.0_2020-01-01-2.html",
        "models/m_en/1.0.0_spark3.0_2020-01-01.html",
    ]


def test_entry_and_facets_of_a_seed_card() -> None:
    from registry.parse import parse_card

    card = parse_card(SEED)
    facets = facet_values(card)
    assert facets["task"] == ["Embeddings"] and facets["language"] == ["en"]
    assert facets["annotator"] == ["BertSentenceEmbeddings"] and facets["edition"] == ["Spark NLP"]
    assert facets["dimension"] == ["768"] and facets["case"] == ["Case insensitive"]
    assert facets["status"] == ["Supported"] and facets["license"] == ["Open Source"]
    entry = entry_for(card)
    assert entry.version == "2.6.0" and entry.excerpt.startswith("This is one of the smaller BERT models")
    assert Entry.from_row(entry.to_row()) == entry


def test_place_reusing_the_previous_build_agrees_with_placing_afresh() -> None:
    base = [_entry("a", version="1.0.0"), _entry("b", name="n2"), _entry("c", name="n3", version="2.0.0")]
    previous = {k: (p.url, p.newest, p.siblings) for k, p in place(base).items()}
    added = [*base, _entry("d", name="n2", version="9.0.0", date="2024-01-01")]  # a new version of n2
    changed = [base[0], base[1], _entry("c", name="n3", version="3.0.0")]
    removed = [base[0], base[2]]
    for entries, touched in ((added, {"d"}), (changed, {"c"}), (removed, {"b"})):
        assert place(entries, previous, touched) == place(entries)
    assert place(added, previous, {"d"})["b"].newest is False
