from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from site_builder.build import build_site
from site_builder.errors import CardsNotFoundError, OutputDirError, SiteError
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


# --- conformance verdicts (cardhub build --conformance) -------------------------------------------

VERIFIED, FAILS = "2020-08-25-bert_base_cased_en.md", "2021-08-31-sent_bert_wiki_books_sst2_en.md"
ERROR, NOT_RUN = "2020-08-25-sent_biobert_pubmed_base_cased_en.md", "2023-06-28-small_bert_L2_768_en.md"
UNREPORTED = "2020-08-25-sent_small_bert_L6_768_en.md"
PAGES = {
    VERIFIED: "models/bert_base_cased_en/2.6.0.html",
    FAILS: "models/sent_bert_wiki_books_sst2_en/3.2.0.html",
    ERROR: "models/sent_biobert_pubmed_base_cased_en/2.6.0.html",
    NOT_RUN: "models/small_bert_L2_768_en/5.0.0.html",
    UNREPORTED: "models/sent_small_bert_L6_768_en/2.6.0.html",
}


def _report(cards: Path, path: Path, fails: bool = True) -> Path:
    """A report as `cardhub conform --json` writes it (the runtime's writer), for four of the seeds."""
    from runtime.conformance.records import SnippetReport
    from runtime.conformance.report import write_json

    def record(card: str, language: str, line: int, verdict: str, **more: object) -> SnippetReport:
        return SnippetReport(card=str(cards / card), name=card, language=language, line=line,
                             verdict=verdict, runtime_version="cardhub 9.9 (onnxruntime 1.0)", **more)  # type: ignore[arg-type]  # fmt: skip

    diff = ("row 1, column 'x', value 2: expected -0.0448, got -0.0548 (|diff| 0.01 > atol 0.0001)",)
    records = [
        record(VERIFIED, "python", 35, "pass"), record(VERIFIED, "nlu", 56, "pass"),
        record(VERIFIED, "scala", 45, "skip", reason="Scala snippet"),
        record(FAILS, "python", 41, "fail", reason="output differs", diff=diff) if fails
        else record(FAILS, "python", 41, "pass"),
        record(FAILS, "nlu", 57, "pass"),
        record(ERROR, "python", 32, "error", error_line=38, reason="SyntaxError: unterminated string"),
        record(NOT_RUN, "python", 41, "skip", reason="artifact unreachable offline"),
    ]  # fmt: skip
    return write_json(records, path, atol=1e-4)


def _api(out: Path) -> dict[str, dict]:
    return {r["json"]: r for r in json.loads((out / "api/models.json").read_text())}


def test_a_conformance_report_puts_each_verdict_on_the_catalog(tmp_path: Path) -> None:
    cards, out = _copy_seeds(tmp_path), tmp_path / "site"
    report = build_site(cards, out, workers=1, conformance=_report(cards, tmp_path / "report.json"))
    assert "1 verified, 1 fails, 1 error, 1 not run" in report.summary()
    pages = {card: (out / url).read_text() for card, url in PAGES.items()}
    for card, status in ((VERIFIED, "verified"), (FAILS, "fails"), (ERROR, "error"), (NOT_RUN, "not run")):
        assert f"conformance: <strong>{status}</strong>" in pages[card], card
        assert "cardhub 9.9 (onnxruntime 1.0)" in pages[card] and 'id="conformance"' in pages[card]
    assert 'href="#conformance-python-41"' in pages[FAILS] and "expected -0.0448, got -0.0548" in pages[FAILS]
    assert 'href="#conformance-python-32"' in pages[ERROR] and "SyntaxError" in pages[ERROR]
    assert 'href="#conformance"' in pages[VERIFIED]
    assert "conformance" not in pages[UNREPORTED].lower()  # no report for it, no badge
    api = _api(out)
    statuses = {key: record.get("conformance", {}).get("status") for key, record in api.items()}
    assert statuses == {"api/" + url.replace(".html", ".json"): status for url, status in (
        (PAGES[VERIFIED], "verified"), (PAGES[FAILS], "fails"), (PAGES[ERROR], "error"),
        (PAGES[NOT_RUN], "not run"), (PAGES[UNREPORTED], None))}  # fmt: skip
    own = json.loads((out / "api" / PAGES[FAILS].replace(".html", ".json")).read_text())
    assert own["name"] == "sent_bert_wiki_books_sst2" and own["conformance"]["snippets"][0]["diff"] == list(
        ("row 1, column 'x', value 2: expected -0.0448, got -0.0548 (|diff| 0.01 > atol 0.0001)",))
    listing = json.loads((out / "api/listing.json").read_text())
    column = listing["fields"].index("conformance")
    found = sorted(str(row[column]) for row in listing["models"])
    assert found == ["None", "error", "fails", "not run", "verified"]
    verified_page = (out / "facets/conformance/verified.html").read_text()
    assert "bert_base_cased" in verified_page and "sent_bert_wiki_books_sst2" not in verified_page
    assert (out / "facets/conformance/not-run.html").is_file()
    assert (out / "search/cols/conformance.js").is_file()
    page = (out / "conformance.html").read_text()
    for card in (VERIFIED, FAILS, ERROR, NOT_RUN):
        assert f'href="{PAGES[card]}#conformance"' in page
    assert "sent_small_bert_L6_768" not in page and "expected -0.0448" in page
    assert "conformance.html" in (out / "sitemap.xml").read_text()
    assert "Card conformance</a>: 4 cards run on" in (out / "index.html").read_text()


def test_a_rebuild_follows_the_report(tmp_path: Path) -> None:
    cards, out = _copy_seeds(tmp_path), tmp_path / "site"
    report = _report(cards, tmp_path / "report.json")
    build_site(cards, out, workers=1, conformance=report)
    assert build_site(cards, out, workers=1, conformance=report).parsed == 0
    # The same run with one snippet fixed (same date): only the card whose verdict changed is redone.
    fixed = _report(cards, tmp_path / "fixed.json", fails=False)
    data = json.loads(fixed.read_text())
    data["created"] = json.loads(report.read_text())["created"]
    fixed.write_text(json.dumps(data))
    assert build_site(cards, out, workers=1, conformance=fixed).parsed == 1
    assert "conformance: <strong>verified</strong>" in (out / PAGES[FAILS]).read_text()
    assert not (out / "facets/conformance/fails.html").exists()
    without = build_site(cards, out, workers=1)
    assert without.parsed == 4 and not (out / "conformance.html").exists()
    assert not (out / "facets/conformance").exists() or not any((out / "facets/conformance").iterdir())
    assert all("conformance" not in record for record in _api(out).values())
    assert "conformance" not in (out / PAGES[VERIFIED]).read_text().lower()
    assert "Card conformance" not in (out / "index.html").read_text()


def test_a_card_edited_after_the_report_shows_no_verdict_of_its_own(tmp_path: Path) -> None:
    cards, out = _copy_seeds(tmp_path), tmp_path / "site"
    report = _report(cards, tmp_path / "report.json")
    card = cards / VERIFIED
    card.write_text(card.read_text().replace("## Description", "## Description\n\nEdited."), encoding="utf-8")
    build_site(cards, out, workers=1, conformance=report)
    page = (out / PAGES[VERIFIED]).read_text()
    assert "conformance: <strong>not run</strong>" in page and "was edited after the report" in page
    record = _api(out)["api/" + PAGES[VERIFIED].replace(".html", ".json")]
    assert record["conformance"]["earlier_status"] == "verified"


def test_the_catalog_shows_findings_as_validate_reports_them(tmp_path: Path) -> None:
    """The nearest cardhub.toml / [tool.cardhub] and inline suppressions apply to the pages and
    the API, as to `cardhub validate`; a configuration change rebuilds everything."""
    cards, out = _copy_seeds(tmp_path), tmp_path / "site"
    page = out / "models/sent_small_bert_L6_768_en/2.6.0.html"
    build_site(cards, out, workers=1)
    assert "is not indented under" in page.read_text()  # CH104's message
    before = {r["name"]: r["warnings"] for r in _api(out).values()}
    (tmp_path / "cardhub.toml").write_text('ignore = ["CH104"]\n', encoding="utf-8")  # above the cards
    rebuilt = build_site(cards, out, workers=1)
    assert rebuilt.full
    after = {r["name"]: r["warnings"] for r in _api(out).values()}
    assert after["sent_small_bert_L6_768"] == before["sent_small_bert_L6_768"] - 1
    assert after["bert_base_cased"] == before["bert_base_cased"] - 1
    assert "is not indented under" not in page.read_text()
    (tmp_path / "cardhub.toml").write_text('ignore = ["CH9"]\nwhat = 1\n', encoding="utf-8")
    with pytest.raises(SiteError, match=r"cardhub\.toml"):
        build_site(cards, out, workers=1)
