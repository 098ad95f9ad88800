"""Search as people type it, in real headless Chromium over the built site: inner parts of
words, name parts, typos, ranking, and facet counts that follow the query; and the pictures
with JavaScript off."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.browser import CHROMIUM

pytestmark = pytest.mark.browser

if shutil.which(CHROMIUM) is None:
    pytest.skip(f"needs Debian chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install playwright)")



@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], errors


def _names(page: Any, site_url: str, text: str) -> list[str]:
    page.goto(site_url + "index.html")
    page.fill("#q", text)
    page.locator("[data-search-form] button[type=submit]").click()
    sync_api.expect(page.locator("[data-status]")).to_contain_text("match")
    return page.locator("[data-results] code").all_inner_texts()


def test_biobert_finds_the_biobert_model_first(page: Any, site_url: str) -> None:
    assert _names(page, site_url, "biobert")[0] == "sent_biobert_pubmed_base_cased"
    # "bert" is found inside "BioBERT" too: every BERT card, BioBERT included
    found = _names(page, site_url, "bert")
    assert "sent_biobert_pubmed_base_cased" in found and len(found) >= 5


def test_name_parts_find_small_bert_768(page: Any, site_url: str) -> None:
    found = _names(page, site_url, "small bert 768")
    assert sorted(found[:2]) == ["sent_small_bert_L6_768", "small_bert_L2_768"]
    assert _names(page, site_url, "L6")[0] == "sent_small_bert_L6_768"


def test_typos_are_tolerated_and_sentence_models_come_first(page: Any, site_url: str) -> None:
    found = _names(page, site_url, "sentense embedings")
    assert found, "no result for a query with two typos"
    sentence_models = {"sent_small_bert_L6_768", "sent_biobert_pubmed_base_cased",
                       "sent_bert_wiki_books_sst2", "sent_e5_small_v2", "sent_bge_base"}  # fmt: skip
    assert set(found[:6]) == sentence_models  # sent_bge_base has two versions
    # the recommended (and newest) one ranks first among equal matches
    assert found[0] == "sent_bge_base"


def test_facet_counts_follow_the_query(page: Any, site_url: str) -> None:
    page.goto(site_url + "index.html")
    task = page.locator("[data-facet='task'][data-value='Embeddings'] .count")
    assert task.inner_text() == "8"
    page.fill("#q", "biobert")
    sync_api.expect(page.locator("[data-status]")).to_contain_text("match")
    sync_api.expect(task).to_have_text("1")
    ner = page.locator("[data-facet='task'][data-value='Named Entity Recognition'] .count")
    sync_api.expect(ner).to_have_text("0")
    page.fill("#q", "")
    sync_api.expect(task).to_have_text("8")


def test_licensed_models_are_marked_in_results(page: Any, site_url: str) -> None:
    page.goto(site_url + "index.html?q=clinical")
    sync_api.expect(page.locator("[data-status]")).to_contain_text("match")
    assert "needs a license" in page.locator("[data-results] li").first.inner_text()


def test_pictures_are_there_without_javascript(browser: Any, site_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "index.html")
    for chart_id in ("chart-task", "chart-language", "chart-embeddings"):
        svg = page.locator(f"#{chart_id} svg[role=img]")
        assert svg.is_visible() and svg.bounding_box()["height"] > 10  # type: ignore[index]
    assert page.locator("#chart-task rect.chart-bar").count() >= 3
    page.locator("#chart-task details summary").click()
    assert page.locator("#chart-task table").is_visible()
    page.goto(site_url + "models/sent_bge_base_en/5.5.0.html")
    assert page.locator("#chart-versions circle.chart-dot").count() == 2
    assert page.locator("#chart-versions circle.newest").count() == 1
    context.close()


def test_compare_two_models_ticked_in_the_list(page: Any, site_url: str, built_site: Path) -> None:
    page.goto(site_url + "index.html")
    page.get_by_label("Compare Smaller BERT Sentence Embeddings (L-6_H-768_A-12)").check()
    page.fill("#q", "bge")
    sync_api.expect(page.locator("[data-status]")).to_contain_text("match")
    bge = "[data-results] li[data-url='models/sent_bge_base_en/6.1.0.html']"
    page.locator(f"{bge} .compare-box input").check()
    sync_api.expect(page.locator("[data-compare-count]")).to_have_text("2 of at most 4 selected to compare")
    page.locator("[data-compare-link]").click()
    page.wait_for_url("**/compare.html?m=*")
    assert "m=models%2Fsent_small_bert_L6_768_en%2F2.6.0.html" in page.url
    table = page.locator("table.compare")
    sync_api.expect(table).to_be_visible()
    expected = ["Smaller BERT Sentence Embeddings (L-6_H-768_A-12)", "BGE Base Sentence Embeddings"]
    assert table.locator("thead th").all_inner_texts() == expected
    dimension = table.locator("tbody tr", has=page.locator("th", has_text="Dimension"))
    assert dimension.locator("td").all_inner_texts() == ["768", "768"]
    versions = table.locator("tbody tr", has=page.locator("th", has_text="Versions")).locator("td").nth(1)
    assert versions.locator("li").count() == 2
    # the same comparison from file://, by its URL alone
    query = "?m=models/sent_bge_base_en/5.5.0.html&m=models/sent_e5_small_v2_en/5.5.2.html"
    page.goto((built_site / "compare.html").as_uri() + query)
    sync_api.expect(page.locator("table.compare thead th")).to_have_count(2)
