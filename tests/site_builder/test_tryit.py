"""The try-it panel against a real `cardhub serve` (a separate process on loopback) with a real
tiny BERT (tests.fixtures.tiny_bert) whose zip a loopback artifact server hands out: the model is
pulled into an empty cache, embedded by the runtime in the server, and drawn in real Chromium.
The reference values come from `registry.load(<the unzipped folder>)` in this process. Also:
errors shown in the page, the static-host fallback, caps, and 20 concurrent requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.fixtures.http_server import ArtifactServer
from tests.fixtures.sparknlp_artifacts import zip_model_folder
from tests.fixtures.tiny_bert import TinyBert, shared_tiny_bert, torch_unavailable_reason

REPO = Path(__file__).resolve().parents[2]
SENTENCE = "models/sent_tiny_bert_en/5.0.0.html"
TOKEN = "models/tiny_bert_en/5.0.0.html"
TEXTS = ["The patient reported a fever.", "A small dog loved the results.",
         "Our team measured NLP pipelines."]

if torch_unavailable_reason():
    pytest.skip(str(torch_unavailable_reason()), allow_module_level=True)

CARD = """---
layout: model
title: {title}
author: John Snow Labs
name: {name}
date: 2024-02-01
task: Embeddings
language: en
edition: Spark NLP 5.0.0
spark_version: 3.0
tags: [en, open_source, embeddings]
supported: true
annotator: {annotator}
---

## Description

A tiny random BERT for tests.

{{:.btn-box}}
[Download]({url}){{:.button.button-orange.button-orange-trans.arr.button-icon}}

## Model Information

{{:.table-model}}
|---|---|
|Model Name:|{name}|
|Compatibility:|Spark NLP 5.0.0+|
|License:|Open Source|
|Edition:|Official|
|Language:|en|
|Dimension:|64|
"""


def _card(folder: Path, server: ArtifactServer, name: str, annotator: str, model: TinyBert) -> None:
    artifact = f"{name}_en_5.0.0_3.0_1706745600000"
    path = f"/auxdata.johnsnowlabs.com/public/models/{artifact}.zip"
    data = zip_model_folder(model.folder, folder.parent / f"{artifact}.zip").read_bytes()
    url = server.add(path, data)
    text = CARD.format(title=f"Tiny {annotator}", name=name, annotator=annotator, url=url)
    (folder / f"2024-02-01-{name}_en.md").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def artifacts() -> Iterator[ArtifactServer]:
    with ArtifactServer() as server:
        yield server


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory, artifacts: ArtifactServer) -> Path:
    cards = tmp_path_factory.mktemp("try_cards")
    # always the same keyword arguments: shared_tiny_bert caches by them
    sentence = shared_tiny_bert(annotator="BertSentenceEmbeddings")
    _card(cards, artifacts, "sent_tiny_bert", "BertSentenceEmbeddings", sentence)
    _card(cards, artifacts, "tiny_bert", "BertEmbeddings", shared_tiny_bert(annotator="BertEmbeddings"))
    return cards


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, cards: Path) -> Path:
    from site_builder.build import build_site

    out = tmp_path_factory.mktemp("try_site")
    build_site(cards, out, workers=1)
    return out


class Served:
    def __init__(self, site: Path, cache: Path) -> None:
        self.cache = cache
        env = {**os.environ, "CARDHUB_CACHE": str(cache), "NO_PROXY": "127.0.0.1,localhost",
               "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cardhub_cli", "serve", str(site), "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO,
        )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert "serving" in line, line + (self.process.stderr.read() if self.process.stderr else "")
        self.url = line.split(" at ", 1)[1].split()[0]

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def served(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(site, tmp_path_factory.mktemp("cache"))
    yield server
    server.close()


def post(base: str, payload: bytes, content_type: str = "application/json") -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(base + "api/try", data=payload, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def embed(base: str, page: str, texts: list[str]) -> dict[str, Any]:
    """POSTs until the model is pulled and run; returns the 200 answer."""
    for _ in range(600):
        status, answer = post(base, json.dumps({"model": page, "texts": texts}).encode())
        if status == 200:
            return answer
        assert status == 202, answer
        time.sleep(0.1)
    raise AssertionError("the model was never ready")


def reference(texts: list[str], annotator: str = "BertSentenceEmbeddings") -> Any:
    import registry

    return registry.load(shared_tiny_bert(annotator=annotator).folder)


def test_server_answers_with_the_runtime_values_and_refuses_what_it_must(served: Served) -> None:
    answer = embed(served.url, SENTENCE, TEXTS)
    vectors = reference(TEXTS).embed(TEXTS).astype(np.float64)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert np.allclose(answer["similarity"], unit @ unit.T, atol=1e-6)
    assert np.allclose(answer["head"], vectors[:, :8], atol=1e-6)
    tokens = embed(served.url, TOKEN, TEXTS[:1])["tokens"][0]
    expected_tokens, expected_vectors = reference(TEXTS, "BertEmbeddings").embed_tokens(TEXTS[:1])[0]
    assert [t["token"] for t in tokens] == expected_tokens
    assert np.allclose([t["head"] for t in tokens], expected_vectors[:, :8], atol=1e-6)
    # refusals, each a JSON error that says what to do
    assert post(served.url, json.dumps({"model": SENTENCE, "texts": []}).encode())[0] == 400
    status, answer = post(served.url, json.dumps({"model": SENTENCE, "texts": ["x"] * 17}).encode())
    assert status == 400 and "too many texts: 17 (at most 16)" in answer["error"]
    outside = json.dumps({"model": "models/../../etc/passwd", "texts": ["x"]}).encode()
    status, answer = post(served.url, outside)
    assert status == 404 and "not a model page of this catalog" in answer["error"]
    assert post(served.url, b"model=x", "application/x-www-form-urlencoded")[0] == 415
    status, answer = post(served.url, b"x" * (10 * 1024 * 1024))
    assert status == 413 and "at most 65536" in answer["error"]


def test_twenty_concurrent_requests_from_another_process_are_all_answered(served: Served) -> None:
    embed(served.url, SENTENCE, TEXTS)  # pulled and loaded
    client = textwrap.dedent(f"""
        import json, sys, urllib.request, concurrent.futures
        def one(i):
            texts = ["request %d" % i, "another sentence"]
            body = json.dumps({{"model": {SENTENCE!r}, "texts": texts}}).encode()
            req = urllib.request.Request({served.url!r} + "api/try", data=body,
                                         headers={{"Content-Type": "application/json"}})
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, json.loads(r.read())["texts"][0]
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            print(json.dumps(list(pool.map(one, range(20)))))
    """)
    before = served.rss_kb()
    started = time.perf_counter()
    for _ in range(3):
        run = subprocess.run([sys.executable, "-c", client], capture_output=True, text=True, timeout=300,
                             env={**os.environ, "NO_PROXY": "127.0.0.1"})  # fmt: skip
        assert run.returncode == 0, run.stderr
        answers = json.loads(run.stdout)
        assert [status for status, _ in answers] == [200] * 20
        assert [text for _, text in answers] == [f"request {i}" for i in range(20)]  # none lost or mixed up
    grown_mb = (served.rss_kb() - before) / 1024
    seconds = time.perf_counter() - started
    print(f"serve load: 3 rounds of 20 concurrent requests in {seconds:.1f} s, all 200; "
          f"server RSS {before / 1024:.0f} MB -> {served.rss_kb() / 1024:.0f} MB")
    assert grown_mb < 40, f"server memory grew by {grown_mb:.0f} MB over 60 requests"



@pytest.mark.browser
def test_panel_draws_the_heat_map_and_values_of_the_runtime(browser: Any, served: Served) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    page.goto(served.url + SENTENCE)
    expect(page.locator("[data-try-form]")).to_be_visible()
    assert not page.locator("[data-try-static]").is_visible()
    page.fill("#try-texts", "\n".join(TEXTS))
    page.get_by_role("button", name="Embed with sent_tiny_bert").click()
    expect(page.locator("rect.heat-cell")).to_have_count(9, timeout=60_000)
    cells = page.locator("rect.heat-cell")
    shown = np.zeros((3, 3))
    for i in range(9):
        cell = cells.nth(i)
        shown[int(cell.get_attribute("data-row")), int(cell.get_attribute("data-col"))] = float(
            cell.get_attribute("data-value"))  # fmt: skip
    vectors = reference(TEXTS).embed(TEXTS).astype(np.float64)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert np.allclose(shown, unit @ unit.T, atol=1e-6)
    heads = page.locator(".try-values tr").all()
    first = [float(td.get_attribute("data-value")) for td in heads[0].locator("td").all()]
    assert np.allclose(first, vectors[0, :8], atol=1e-6)
    # errors from the server, shown in the page
    page.fill("#try-texts", "  \n ")
    page.get_by_role("button", name="Embed with sent_tiny_bert").click()
    expect(page.locator("[data-try-error]")).to_contain_text("no text to embed")
    page.fill("#try-texts", "\n".join(f"sentence {i}" for i in range(17)))
    page.get_by_role("button", name="Embed with sent_tiny_bert").click()
    expect(page.locator("[data-try-error]")).to_contain_text("too many texts: 17 (at most 16)")
    page.close()


@pytest.mark.browser
def test_token_panel_shows_tokens_with_their_vectors(browser: Any, served: Served) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    page.goto(served.url + TOKEN)
    page.fill("#try-texts", TEXTS[0])
    page.get_by_role("button", name="Embed with tiny_bert").click()
    expect(page.locator(".try-values")).to_have_count(1, timeout=60_000)
    tokens, vectors = reference(TEXTS, "BertEmbeddings").embed_tokens(TEXTS[:1])[0]
    assert page.locator(".try-values th").all_inner_texts() == tokens
    cells = page.locator(".try-values tr").first.locator("td").all()
    first = [float(td.get_attribute("data-value")) for td in cells]
    assert np.allclose(first, vectors[0, :8], atol=1e-6)
    page.close()


@pytest.mark.browser
def test_static_host_and_file_urls_show_how_to_try_locally(browser: Any, site: Path) -> None:
    import functools
    import http.server

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    static = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=static.serve_forever, daemon=True).start()
    try:
        page = browser.new_page()
        for url in (f"http://127.0.0.1:{static.server_address[1]}/{SENTENCE}", (site / SENTENCE).as_uri()):
            page.goto(url)
            page.wait_for_load_state("networkidle")
            static_text = page.locator("[data-try-static]")
            assert static_text.is_visible(), url
            assert "cardhub serve" in static_text.inner_text()
            assert 'registry.load("sent_tiny_bert", "en")' in static_text.inner_text()
            assert not page.locator("[data-try-form]").is_visible()
        page.close()
    finally:
        static.shutdown()
        static.server_close()


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_on_the_panel_with_its_heat_map(browser: Any, served: Served, scheme: str) -> None:
    from playwright.sync_api import expect

    from tests.fixtures.browser import serious_violations

    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(served.url + SENTENCE)
    page.get_by_role("button", name="Embed with sent_tiny_bert").click()
    expect(page.locator("rect.heat-cell")).to_have_count(9, timeout=60_000)
    serious = serious_violations(page)
    shots = REPO / "build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"model-heatmap-{scheme}.png"), full_page=True)
    context.close()
    assert serious == []


def _build_with_previews(cards: Path, out: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARDHUB_CACHE": str(cache), "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "cardhub_cli", "build", str(cards), "--out", str(out), "--previews"]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, timeout=300)


def test_previews_draw_the_probe_heat_map_of_cached_models_only(
    served: Served, cards: Path, tmp_path: Path, browser: Any
) -> None:
    from site_builder.previews import PROBES

    empty = _build_with_previews(cards, tmp_path / "cold", tmp_path / "empty-cache")
    assert empty.returncode == 0, empty.stderr
    assert 'id="chart-probes"' not in (tmp_path / "cold" / SENTENCE).read_text()  # nothing downloaded
    embed(served.url, SENTENCE, TEXTS)  # the serve process pulled the model into its cache
    embed(served.url, TOKEN, TEXTS[:1])
    warm = _build_with_previews(cards, tmp_path / "warm", served.cache)
    assert warm.returncode == 0, warm.stderr
    page = (tmp_path / "warm" / SENTENCE).read_text()
    assert 'id="chart-probes"' in page and 'id="chart-probes"' in (tmp_path / "warm" / TOKEN).read_text()
    texts = [s for s, _ in PROBES]
    vectors = reference(texts).embed(texts).astype(np.float64)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    import re

    shown = [float(v) for v in re.findall(r'class="heat-cell"[^>]*data-value="([^"]+)"', page)]
    assert np.allclose(np.reshape(shown, (6, 6)), unit @ unit.T, atol=1e-6)
    # readable without JavaScript, light and dark, and pictured
    shots = REPO / "build" / "screenshots"
    for scheme in ("light", "dark"):
        context = browser.new_context(java_script_enabled=False, color_scheme=scheme,
                                      viewport={"width": 1280, "height": 900})  # fmt: skip
        tab = context.new_page()
        tab.goto((tmp_path / "warm" / SENTENCE).as_uri())
        assert tab.locator("#chart-probes svg[role=img]").is_visible()
        assert tab.locator("#chart-probes rect.heat-cell").count() == 36
        tab.screenshot(path=str(shots / f"model-probes-{scheme}.png"), full_page=True)
        context.close()
