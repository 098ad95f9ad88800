from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from site_builder.build import build_site
from site_builder.errors import CardsNotFoundError, OutputDirError
from tests.site_builder.conftest import CORPUS, SEEDS


def _copy_seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "cards"
    shutil.copytree(SEEDS, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return folder


def test_full_build_writes_every_kind_of_output(built_site: Path) -> None:
    for name in (
        "index.html",
        "404.html",
        "sitemap.xml",
        "api/models.json",
        "facets/index.html",
        "static/site.css",
        "static/site.js",
        "static/highlight.css",
        "search/meta.js",
    ):
        assert (built_site / name).is_file(), name
    assert (built_site / "models/sent_small_bert_L6_768_en/2.6.0.html").is_file()
    assert (built_site / "api/models/sent_small_bert_L6_768_en/2.6.0.json").is_file()
    assert (built_site / "facets/task/embeddings.html").is_file()


def test_rebuild_after_one_change_parses_and_writes_only_that_card(tmp_path: Path) -> None:
    cards, out = _copy_seeds(tmp_path), tmp_path / "site"
    first = build_site(cards, out, workers=1)
    assert first.full and first.parsed == 5 and first.model_pages == 5
    unchanged = build_site(cards, out, workers=1)
    assert not unchanged.full and unchanged.parsed == 0 and unchanged.listing_pages == 0
    card = cards / "2020-08-25-sent_small_bert_L6_768_en.md"
    card.write_text(card.read_text().replace("title: Smaller BERT", "title: Renamed BERT"))
    page = out / "models/sent_small_bert_L6_768_en/2.6.0.html"
    before = page.stat().st_mtime_ns
    changed = build_site(cards, out, workers=1)
    assert changed.parsed == 1 and changed.model_pages == 1
    assert "Renamed BERT" in page.read_text() and page.stat().st_mtime_ns != before
    assert "Renamed BERT" in (out / "index.html").read_text()
    record = next(
        r for r in json.loads((out / "api/models.json").read_text()) if r["name"] == "sent_small_bert_L6_768"
    )
    assert record["title"].startswith("Renamed BERT")


def test_rebuild_moves_a_card_between_facet_pages_and_search_chunks(tmp_path: Path) -> None:
    cards, out = _copy_seeds(tmp_path), tmp_path / "site"
    build_site(cards, out, workers=1)
    card = cards / "2023-06-28-small_bert_L2_768_en.md"
    card.write_text(card.read_text().replace("task: Embeddings", "task: Zebra Tasks"))
    report = build_site(cards, out, workers=1)
    assert report.parsed == 1
    assert "Smaller BERT Embeddings (L-2_H-768_A-12)" not in (out / "facets/task/embeddings.html").read_text()
    assert "Smaller BERT Embeddings (L-2_H-768_A-12)" in (out / "facets/task/zebra-tasks.html").read_text()
    assert "Zebra Tasks" in (out / "index.html").read_text()  # the facet list on the index
    assert "Zebra Tasks" in (out / "facets/index.html").read_text()
    assert '["Zebra Tasks"]' in (out / "search/cols/task.js").read_text()
    fresh = tmp_path / "fresh"
    build_site(cards, fresh, workers=1)
    for chunk in (fresh / "search").rglob("*.js"):  # the patched index equals a fresh one
        assert (out / chunk.relative_to(fresh)).read_text() == chunk.read_text(), chunk.name
    # every listing page, the compact listing and nothing more: as a fresh build makes them
    def listing_files(site: Path) -> set[str]:
        return {p.relative_to(site).as_posix() for p in site.rglob("*.html") if "models" not in p.parts}

    assert listing_files(out) == listing_files(fresh)
    for name in [*listing_files(fresh), "api/listing.json"]:
        assert (out / name).read_text() == (fresh / name).read_text(), name


def test_rebuild_after_removal_deletes_the_pages_of_that_card(tmp_path: Path) -> None:
    cards, out = _copy_seeds(tmp_path), tmp_path / "site"
    build_site(cards, out, workers=1)
    (cards / "2023-06-28-small_bert_L2_768_en.md").unlink()
    report = build_site(cards, out, workers=1)
    assert report.cards == 4 and report.removed >= 2
    assert not (out / "models/small_bert_L2_768_en").exists()
    names = [r["name"] for r in json.loads((out / "api/models.json").read_text())]
    assert "small_bert_L2_768" not in names and len(names) == 4
    assert "small_bert_L2_768" not in (out / "sitemap.xml").read_text()


def test_new_version_moves_the_newest_mark(tmp_path: Path) -> None:
    cards, out = _copy_seeds(tmp_path), tmp_path / "site"
    build_site(cards, out, workers=1)
    old = cards / "2020-08-25-bert_base_cased_en.md"
    newer = (
        old.read_text()
        .replace("date: 2020-08-25", "date: 2024-05-01")
        .replace("edition: Spark NLP 2.6.0", "edition: Spark NLP 5.3.0")
    )
    (cards / "2024-05-01-bert_base_cased_en.md").write_text(newer)
    report = build_site(cards, out, workers=1)
    assert report.parsed == 2  # the new card, and the old one whose versions list changed
    old_page = (out / "models/bert_base_cased_en/2.6.0.html").read_text()
    assert "older version" in old_page and 'href="../../models/bert_base_cased_en/5.3.0.html"' in old_page
    newest = out / "models/bert_base_cased_en/5.3.0.html"
    assert "newest version" in newest.read_text()
    old.write_text(old.read_text().replace("date: 2020-08-25", "date: 2020-08-26"))
    assert build_site(cards, out, workers=1).parsed == 2  # its page, and its sibling's versions list
    assert "2.6.0 · Spark 2.4 · 2020-08-26" in newest.read_text()


def test_full_flag_ignores_the_manifest(tmp_path: Path) -> None:
    cards, out = _copy_seeds(tmp_path), tmp_path / "site"
    build_site(cards, out, workers=1)
    assert build_site(cards, out, workers=1, incremental=False).parsed == 5


def test_bad_folders_raise_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CardsNotFoundError, match="no such folder of cards"):
        build_site(tmp_path / "missing", tmp_path / "out")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputDirError, match="it is a file"):
        build_site(SEEDS, tmp_path / "file")
    cards = _copy_seeds(tmp_path)
    with pytest.raises(OutputDirError, match="holds the cards folder"):
        build_site(cards, tmp_path)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus/cards (the 161 real cards)")
def test_every_corpus_card_gets_a_page_on_both_cores(tmp_path: Path) -> None:
    report = build_site(CORPUS, tmp_path / "site", workers=2)
    records = json.loads((tmp_path / "site/api/models.json").read_text())
    assert report.cards == len(list(CORPUS.glob("*.md"))) == len(records)
    for record in records:
        assert (tmp_path / "site" / record["url"]).is_file(), record["url"]
    assert os.path.getsize(tmp_path / "site/index.html") < 120_000


def test_rebuild_after_a_title_change_equals_a_fresh_build(tmp_path: Path) -> None:
    cards, out = _copy_seeds(tmp_path), tmp_path / "site"
    build_site(cards, out, workers=1)
    card = cards / "2020-08-25-sent_small_bert_L6_768_en.md"
    card.write_text(card.read_text().replace("title: Smaller BERT", "title: Zzz Smaller BERT", 1))
    build_site(cards, out, workers=1)
    fresh = tmp_path / "fresh"
    build_site(cards, fresh, workers=1)
    names = [p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file()
             and not p.relative_to(fresh).as_posix().startswith((".cardhub", "static/"))]  # fmt: skip
    assert names
    for name in names:
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), name


@pytest.mark.parametrize("change", ["title", "task"])
def test_rebuild_with_many_listing_pages_equals_a_fresh_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    from site_builder import pages

    monkeypatch.setattr(pages, "PAGE_SIZE", 2)  # every facet value spans several pages
    cards, out = _copy_seeds(tmp_path), tmp_path / "site"
    build_site(cards, out, workers=1)
    card = cards / "2020-08-25-sent_small_bert_L6_768_en.md"
    if change == "title":
        card.write_text(card.read_text().replace("title: Smaller BERT", "title: Aaa Smaller BERT", 1))
    else:
        card.write_text(card.read_text().replace("task: Embeddings", "task: Zebra Tasks", 1))
    build_site(cards, out, workers=1)
    fresh = tmp_path / "fresh"
    build_site(cards, fresh, workers=1)
    def listing_pages(site: Path) -> list[str]:
        return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if "models" not in p.parts)

    listings = listing_pages(fresh)
    assert len([name for name in listings if name.startswith("facets/task/embeddings")]) >= 2
    assert listing_pages(out) == listings
    for name in listings:
        assert (out / name).read_text() == (fresh / name).read_text(), name
