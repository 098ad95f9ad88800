"""Conformance verdicts on the built catalog, in real headless Chromium, with and without
JavaScript: a verified and a failing card's badges (linking to the diff), the report page and
the "Conformance" facet.

The report is real: `runtime.conformance.conform` runs the cards' NLU snippets in its sandbox
against the real MiniLM served from loopback (tests/fixtures/conformance_cards.py, Results printed
by PyTorch): the sentence card passes; the token card with one value moved by 0.01 fails; seed
004's Python is a syntax error; seed bert_base_cased's model is not on the mirror (not run); seed
sent_small_bert_L6_768 is in the catalog but not in the report (no badge)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.browser import CHROMIUM, serious_violations_at
from tests.helpers import CARDS

pytestmark = [pytest.mark.browser, pytest.mark.slow]
if shutil.which(CHROMIUM) is None:
    pytest.skip(f"needs Debian chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install playwright)")

VERIFIED = "models/sent_minilm_conform_en/5.0.0.html"
FAILING = "models/minilm_conform_en/5.0.0.html"
ERROR = "models/sent_biobert_pubmed_base_cased_en/2.6.0.html"
NOT_RUN = "models/bert_base_cased_en/2.6.0.html"
UNREPORTED = "models/sent_small_bert_L6_768_en/2.6.0.html"
SENTENCE_TITLE, TOKEN_TITLE = "MiniLM sentence embeddings (fixture)", "MiniLM token embeddings (fixture)"
SEEDS = ("2020-08-25-sent_biobert_pubmed_base_cased_en.md", "2020-08-25-bert_base_cased_en.md")


def nlu_only(text: str) -> str:
    """The card without its pipeline snippet (the one that starts with the elided `...`): its NLU
    snippet needs no Spark, which keeps this module quick."""
    start = text.index("```python\n...\n")
    end = text.index("```\n", start + 3) + len("```\n")
    return text[:start] + text[end:]


@pytest.fixture(scope="module")
def conformed_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from runtime.config import Settings
    from runtime.conformance.records import Limits
    from runtime.conformance.report import write_json
    from runtime.conformance.runner import ConformOptions, conform
    from site_builder.build import build_site
    from tests.fixtures.conformance_cards import build_minilm_cards, variant
    from tests.fixtures.http_server import ArtifactServer
    from tests.fixtures.minilm import minilm_unavailable_reason
    from tests.runtime.conformance.conftest import isolation_unavailable_reason

    reason = minilm_unavailable_reason() or isolation_unavailable_reason()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("conformed")
    mirror, minilm = build_minilm_cards(root / "minilm")
    cards = root / "cards"
    cards.mkdir()
    verified = cards / minilm["sentence"].name
    verified.write_text(nlu_only(minilm["sentence"].read_text(encoding="utf-8")), encoding="utf-8")
    perturbed = variant(minilm["token"], root / "perturbed" / minilm["token"].name, "perturbed")
    failing = cards / perturbed.name
    failing.write_text(nlu_only(perturbed.read_text(encoding="utf-8")), encoding="utf-8")
    for seed in SEEDS:
        shutil.copy(CARDS / seed, cards / seed)
    shutil.copy(CARDS / "2020-08-25-sent_small_bert_L6_768_en.md", cards)
    with ArtifactServer(root=mirror) as server:
        settings = Settings(cache_dir=root / "cache", mirror=server.base_url, trust_env=False)
        options = ConformOptions(settings=settings, limits=Limits(wall_seconds=120), jobs=2)
        reports = conform([verified, failing, *(cards / seed for seed in SEEDS)], options)
    report = write_json(reports, root / "report.json", atol=options.atol)
    out = root / "site"
    build_site(cards, out, workers=1, conformance=report)
    yield out


@pytest.fixture(scope="module")
def conformed_url(conformed_site: Path) -> Iterator[str]:
    from site_builder.serve import make_server

    server = make_server(conformed_site, port=0, try_it=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _badge(page: Any) -> Any:
    return page.locator(".badges .badge.conformance")


def _check_badges_and_report(page: Any, url: str, today: str) -> None:
    """What holds with and without JavaScript."""
    page.goto(url + VERIFIED)
    badge = _badge(page)
    assert badge.inner_text().startswith("conformance: verified") and today in badge.inner_text()
    assert "cardhub" in badge.inner_text()  # the runtime version
    assert page.locator("#conformance tbody tr").count() == 1  # the NLU snippet
    assert page.locator("#conformance tbody td.conf-pass").count() == 1

    page.goto(url + FAILING)
    badge = _badge(page)
    assert badge.inner_text().startswith("conformance: fails") and today in badge.inner_text()
    badge.locator("a").click()
    assert "#conformance-nlu-" in page.url
    row = page.locator(page.url[page.url.index("#") :])
    assert row.is_visible() and row.locator("td.conf-fail").is_visible()
    diff = row.locator("pre.diff").inner_text()
    assert "expected" in diff and "got" in diff and "atol 0.0001" in diff

    page.goto(url + ERROR)
    assert _badge(page).inner_text().startswith("conformance: error")
    assert "SyntaxError: unterminated string literal" in page.locator("#conformance").inner_text()
    page.goto(url + NOT_RUN)
    assert _badge(page).inner_text().startswith("conformance: not run")
    page.goto(url + UNREPORTED)
    assert _badge(page).count() == 0 and page.locator("#conformance").count() == 0

    page.goto(url + "conformance.html")
    rows = page.locator(".conformance-report tbody tr")
    assert rows.count() == 4
    assert rows.first.locator("td").first.inner_text().strip() == "fails"  # problems first
    assert "expected" in rows.first.locator("pre.diff").inner_text()
    text = page.locator("main").inner_text()
    assert "verified: 1" in text and "fails: 1" in text and "error: 1" in text and "not run: 1" in text
    assert "sent_small_bert_L6_768" not in text
    rows.first.locator("a").first.click()
    page.wait_for_url("**/" + FAILING + "#conformance")


def test_badges_report_page_and_facet_with_javascript(browser: Any, conformed_url: str) -> None:
    import datetime as dt

    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _check_badges_and_report(page, conformed_url, dt.date.today().isoformat())

    page.goto(conformed_url + "index.html")
    group = page.locator("[data-facet-group='conformance']")
    assert group.get_attribute("open") is not None
    page.locator("[data-facet='conformance'][data-value='Verified']").click()
    sync_api.expect(page.locator("[data-status]")).to_contain_text("match")
    assert "conformance=Verified" in page.url
    assert page.locator("[data-results] .model-link").all_inner_texts() == [SENTENCE_TITLE]
    assert "conformance: verified" in page.locator("[data-results] .meta").first.inner_text()
    page.locator("[data-facet='conformance'][data-value='Verified']").click()  # off again
    page.fill("#q", "minilm")
    sync_api.expect(page.locator("[data-status]")).to_contain_text("2 models match")
    metas = page.locator("[data-results] .meta").all_inner_texts()
    assert sorted(m.rsplit("conformance: ", 1)[1] for m in metas) == ["fails", "verified"]

    page.goto(f"{conformed_url}compare.html?m={VERIFIED}&m={FAILING}&m={UNREPORTED}")
    row = page.locator("table.compare tr", has=page.locator("th", has_text="Conformance"))
    cells = row.locator("td").all_inner_texts()
    today = dt.date.today().isoformat()
    assert cells == [f"verified ({today})", f"fails ({today})", "no report"]
    row.locator("a").nth(1).click()
    page.wait_for_url("**/" + FAILING + "#conformance")
    context.close()
    assert errors == []


def test_badges_report_page_and_facet_without_javascript(browser: Any, conformed_url: str) -> None:
    import datetime as dt

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _check_badges_and_report(page, conformed_url, dt.date.today().isoformat())

    page.goto(conformed_url + "index.html")
    assert "Card conformance: 4 cards run on" in page.locator("main").inner_text()
    page.locator("[data-facet='conformance'][data-value='Verified']").click()
    page.wait_for_url("**/facets/conformance/verified.html")
    assert page.locator("[data-results] .model-link").all_inner_texts() == [SENTENCE_TITLE]
    page.goto(conformed_url + "facets/conformance/fails.html")
    assert page.locator("[data-results] .model-link").all_inner_texts() == [TOKEN_TITLE]
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["conformance.html", FAILING])
def test_axe_finds_no_serious_violation_in_the_verdicts(
    browser: Any, conformed_url: str, path: str, scheme: str
) -> None:
    assert serious_violations_at(browser, conformed_url + path, scheme) == []
