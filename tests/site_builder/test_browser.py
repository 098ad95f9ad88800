"""The built site in real headless Chromium (Debian's /usr/bin/chromium through Playwright):
search, facets, model page, code tabs, copy; the same pages without JavaScript; axe; the hostile
card; screenshots of the index and a model page, light and dark, under build/screenshots/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.browser import CHROMIUM, serious_violations_at

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
MODEL = "models/sent_small_bert_L6_768_en/2.6.0.html"
VERSIONS = "models/sent_bge_base_en/5.5.0.html"  # two versions: a timeline
LICENSED = "models/ner_clinical_large_en/5.3.0.html"
COMPARE = "compare.html?m=models/sent_bge_base_en/6.1.0.html&m=models/sent_small_bert_L6_768_en/2.6.0.html"

if shutil.which(CHROMIUM) is None:
    pytest.skip(f"needs Debian chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install playwright)")



@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], errors


def _wait_for_results(page: Any) -> None:
    # A locator assertion, not wait_for_function: the page's CSP forbids string evaluation.
    sync_api.expect(page.locator("[data-status]")).to_contain_text("match")


def test_search_facet_model_page_tabs_and_copy(page: Any, site_url: str) -> None:
    page.goto(site_url + "index.html")
    assert page.locator("[data-results] > li").count() == 10
    page.fill("#q", "small bert")
    _wait_for_results(page)
    assert page.locator("[data-status]").inner_text() == "2 models match."
    assert "q=small+bert" in page.url
    page.fill("#q", "")
    # The search input is debounced: wait until the cleared query has been applied.
    sync_api.expect(page.locator("[data-status]")).to_contain_text("of 10 model cards")
    page.locator("[data-facet='annotator'][data-value='BertSentenceEmbeddings']").click()
    _wait_for_results(page)
    assert page.locator("[data-status]").inner_text() == "6 models match."
    assert "annotator=BertSentenceEmbeddings" in page.url
    assert page.locator("[data-facet='annotator'][aria-pressed='true']").count() == 1
    page.get_by_role("link", name="Smaller BERT Sentence Embeddings (L-6_H-768_A-12)").click()
    page.wait_for_url("**/" + MODEL)
    python, scala = page.locator("#code-python"), page.locator("#code-scala")
    assert python.is_visible() and not scala.is_visible()
    page.get_by_role("tab", name="Scala").click()
    assert scala.is_visible() and not python.is_visible()
    assert page.get_by_role("tab", name="Scala").get_attribute("aria-selected") == "true"
    page.get_by_role("button", name="Copy Scala code").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert 'BertSentenceEmbeddings.pretrained("sent_small_bert_L6_768", "en")' in copied
    page.get_by_role("button", name="Copy S3 URI").click()
    s3 = "s3://auxdata.johnsnowlabs.com/public/models/sent_small_bert_L6_768_en_2.6.0_2.4_1598351137007.zip"
    assert page.evaluate("navigator.clipboard.readText()") == s3


def test_shared_url_restores_the_filtered_view(page: Any, site_url: str) -> None:
    page.goto(site_url + "index.html?q=bert&task=Embeddings")
    _wait_for_results(page)
    assert page.input_value("#q") == "bert"
    assert (
        page.locator("[data-facet='task'][data-value='Embeddings']").get_attribute("aria-pressed") == "true"
    )
    titles = page.locator("[data-results] .model-link").all_inner_texts()
    # Embeddings cards with a word starting with "bert" or holding it (BioBERT).
    assert sorted(titles) == sorted(
        [
            "BERT Embeddings (Base Cased)",
            "BioBERT Sentence Embeddings (Pubmed)",
            "Smaller BERT Sentence Embeddings (L-6_H-768_A-12)",
            "Smaller BERT Embeddings (L-2_H-768_A-12)",
            "BERT Sentence Embeddings trained on Wikipedia and BooksCorpus and fine-tuned on SST-2",
        ]
    )


def test_works_from_file_urls(page: Any, built_site: Path) -> None:
    page.goto((built_site / "index.html").as_uri() + "?q=biobert")
    _wait_for_results(page)
    assert page.locator("[data-results] .model-link").all_inner_texts() == [
        "BioBERT Sentence Embeddings (Pubmed)"
    ]


def test_without_javascript_everything_is_listed_and_readable(browser: Any, site_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "index.html")
    assert page.locator("[data-results] > li").count() == 10
    assert not page.locator("#q").is_visible()  # the search form needs JavaScript: hidden, not broken
    page.locator("[data-facet='task'][data-value='Embeddings']").click()
    page.wait_for_url("**/facets/task/embeddings.html")
    assert page.locator("[data-results] > li").count() == 8
    page.goto(site_url + MODEL)
    for language in ("python", "scala", "nlu"):
        assert page.locator(f"#code-{language}").is_visible()
    assert not page.get_by_role("button", name="Copy S3 URI").is_visible()
    assert page.get_by_text("s3://auxdata.johnsnowlabs.com/public/models/sent_small_bert").is_visible()
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["index.html", MODEL, "facets/index.html", "facets/task/embeddings.html",
                                  VERSIONS, LICENSED, COMPARE])
def test_axe_finds_no_serious_or_critical_violation(
    browser: Any, site_url: str, path: str, scheme: str
) -> None:
    assert serious_violations_at(browser, site_url + path, scheme) == []


def test_hostile_card_executes_nothing(page: Any, site_url: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(site_url + "index.html?q=xss")
    _wait_for_results(page)
    link = page.locator("[data-results] .model-link").first
    assert "<script>" in link.inner_text()  # shown as text
    link.click()
    page.wait_for_load_state("load")
    assert "xss_card" in page.url
    for element in page.locator("main a, main button, main details, main b").all():
        if element.is_visible():
            element.hover()
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    assert page.locator("main script, main iframe, main object, main form").count() == 0


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_of_index_and_model_page(browser: Any, site_url: str, scheme: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for name, path in (("index", "index.html"), ("model", MODEL), ("model-versions", VERSIONS),
                       ("model-licensed", LICENSED), ("compare", COMPARE)):
        page.goto(site_url + path)
        page.wait_for_load_state("networkidle")
        target = SCREENSHOTS / f"{name}-{scheme}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
    context.close()
