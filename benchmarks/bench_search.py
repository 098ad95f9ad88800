"""Search benchmark: cardhub's static index against Pagefind (PyPI `pagefind`) on the same site.

Builds the 10,000-card site of bench_site.py (variants `<name>_v<i>` of the real cards), indexes
its model pages with Pagefind as well (`python -m pagefind --site DIR --glob "models/**/*.html"`),
serves the folder on 127.0.0.1 and runs 30 queries in headless Chromium (Debian's
/usr/bin/chromium through Playwright) with both engines' JavaScript APIs (cardhub's
`window.cardhubSearch(q, 10)`, Pagefind's `search(q)` plus `data()` of the first 10 results), so
that neither UI's input debounce is counted. Prints, for each engine:

- index build time (cardhub: the search chunks from the build's entries; Pagefind: its CLI);
- bytes transferred for the first query on a fresh page (the engine's script included) and for
  the next query on the same page (median over the queries), as served (no compression) and as
  gzip would send them (Pagefind's index files are compressed already);
- time from the query to the first 10 result rows (median over the 30 queries, cold and next);
- recall@10 against the models a person would expect first, and the rank of the first of them.

    python benchmarks/bench_search.py [--cards 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_site import make_variants

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip

# (query as a person types it, the real models they would expect first). Three carry typos.
QUERIES: list[tuple[str, set[str]]] = [
    ("biobert", {"biobert_clinical_base_cased", "biobert_discharge_base_cased", "biobert_pmc_base_cased",
                 "biobert_pubmed_base_cased", "biobert_pubmed_large_cased",
                 "biobert_pubmed_pmc_base_cased", "sent_biobert_pubmed_base_cased"}),
    ("small bert 768", {"sent_small_bert_L6_768", "small_bert_L2_768"}),
    ("sentense embedings", {"sent_small_bert_L6_768", "sent_biobert_pubmed_base_cased",
                            "sent_bert_wiki_books_sst2", "e5_large_v2", "e5_small_v2", "instructor_base",
                            "tfhub_use", "tfhub_use_lg",
                            "sbiobert_base_cased_mli_openvino", "sent_biovocabbert_pipeline",
                            "sent_bert_base_uncased_2022_nvidia_test_2_pipeline"}),
    ("glove", {"glove_100d", "glove_6B_300", "glove_840B_300"}),
    ("albert", {"albert_base_uncased", "albert_large_uncased", "albert_xlarge_uncased",
                "albert_xxlarge_uncased"}),
    ("roberta", {"roberta_embeddings_SecRoBERTa", "xlmroberta_embeddings_cino_large",
                 "xlm_roberta_token_classifier_ner_40_lang_pipeline"}),
    ("distilbert", {"indic_transformers_te_distilbert_spark_nlp", "distilbert_base_cased",
                    "distilbert_embeddings_base_uncased_letters_from_jenny"}),
    ("e5", {"e5_large_v2", "e5_small_v2"}),
    ("bge", {"bge_small_en_v1.5"}),
    ("universal sentence encoder", {"tfhub_use", "tfhub_use_lg"}),
    ("deidentifcation", {"clinical_deidentification", "ner_deid_enriched", "ner_deid_large",
                         "deidentify_large"}),
    ("posology", {"ner_posology_en", "ner_posology_large_en", "ner_posology_small_en", "posology_re",
                  "ner_oncology_unspecific_posology_pipeline"}),
    ("xlnet", {"xlnet_base_cased", "xlnet_large_cased"}),
    ("elmo", {"elmo"}),
    ("wikiner", {"wikiner_6B_100", "wikiner_6B_300", "wikiner_840B_300"}),
    ("assertion", {"assertion_dl_en", "assertion_ml_en", "assertion_dl_large_en", "assertion_jsl_augmented"}),
    ("sarcasm", {"classifierdl_use_sarcasm"}),
    ("spell checker", {"spellcheck_dl", "spellcheck_clinical_pipeline"}),
    ("camembert", {"camembert_embeddings_dummy_model"}),
    ("icd10", {"sbiobertresolve_icd10cm_slim_billable_hcc"}),
    ("finbert", {"bert_classifier_finbert_fls"}),
    ("word2vec", {"word2vec_wac_200", "w2v_cc_300d"}),
    ("bert large uncased", {"bert_large_uncased"}),
    ("ner clinical large", {"ner_clinical_large", "ner_clinical_large_en"}),
    ("relation extraction", {"re_drug_drug_interaction_clinical", "re_clinical_en", "posology_re"}),
    ("lemmatizer", {"lemma", "lemma_spacylookup"}),
    ("qwen embedding", {"Qwen3_Embedding_0.6B_Q8_0_gguf"}),
    ("summarization", {"legsum_proposal", "bart_large_cnn"}),
    ("finnish bert", {"bert_base_finnish_uncased"}),
    ("clincal analysis", {"clinical_analysis"}),
]  # fmt: skip

PAGEFIND_QUERY = """async (q) => {
  window.__pf = window.__pf || await import("/pagefind/pagefind.js");
  const started = performance.now();
  const found = await window.__pf.search(q);
  const rows = await Promise.all(found.results.slice(0, 10).map((r) => r.data()));
  return [performance.now() - started, rows.map((r) => r.url)];
}"""
CARDHUB_QUERY = """async (q) => {
  const started = performance.now();
  const rows = await window.cardhubSearch(q, 10);
  return [performance.now() - started, rows.map((r) => r[0])];
}"""


def base_name(url: str) -> str:
    """`models/<name>_v<i>_<lang>/<version>.html` (either engine's URL) -> the real card's name."""
    folder = url.strip("/").split("/")[-2] if "/models/" in "/" + url else url
    name = folder.rsplit("_", 1)[0]
    return re.sub(r"_v\d+$", "", name)


def build(cards: int, work: Path) -> tuple[Path, float]:
    from site_builder.build import build_site

    make_variants(cards, work / "cards")
    out = work / "site"
    started = time.perf_counter()
    build_site(work / "cards", out, incremental=False)
    return out, time.perf_counter() - started


def cardhub_index_seconds(site: Path) -> tuple[float, int, int]:
    """Time to make every search chunk from the build's entries, and the index's size and files."""
    from site_builder.build import _index_order
    from site_builder.entries import Placement
    from site_builder.manifest import MANIFEST_NAME, load_manifest
    from site_builder.search_index import build_index

    data = __import__("marshal").loads((site / MANIFEST_NAME).read_bytes())
    manifest = load_manifest(site, data["fingerprint"], data["cards_dir"], data["base_url"])
    assert manifest is not None
    placements = {key: Placement(url, url.rsplit("/", 1)[1][: -len(".html")], newest, tuple(siblings))
                  for key, (url, newest, siblings) in manifest.urls.items()}  # fmt: skip
    ordered = _index_order(manifest.entries, placements)
    started = time.perf_counter()
    files = build_index(ordered)
    scratch = Path(tempfile.mkdtemp(prefix="bench_search_index_"))
    for name, text in files.items():
        (scratch / name).parent.mkdir(parents=True, exist_ok=True)
        (scratch / name).write_text(text, encoding="utf-8")
    seconds = time.perf_counter() - started
    shutil.rmtree(scratch)
    folder = site / "search"
    return seconds, sum(f.stat().st_size for f in folder.rglob("*.js")), sum(1 for _ in folder.rglob("*.js"))


def pagefind_index(site: Path) -> tuple[float, int, int]:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site), "--glob", "models/**/*.html",
                    "--quiet"], check=True)  # fmt: skip
    seconds = time.perf_counter() - started
    folder = site / "pagefind"
    files = [f for f in folder.rglob("*") if f.is_file()]
    return seconds, sum(f.stat().st_size for f in files), len(files)


def _size(site: Path, url: str, base: str) -> tuple[int, int]:
    path = site / url[len(base):].split("?", 1)[0]
    data = path.read_bytes()
    return len(data), len(gzip.compress(data))


def available(site: Path) -> dict[str, int]:
    """How many cards of each real model the site holds (its variants)."""
    from site_builder.manifest import MANIFEST_NAME

    data = __import__("marshal").loads((site / MANIFEST_NAME).read_bytes())
    counts: dict[str, int] = {}
    for url, _, _ in data["urls"].values():
        name = base_name(url)
        counts[name] = counts.get(name, 0) + 1
    return counts


def run_queries(site: Path, engine: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from site_builder.serve import make_server

    server = make_server(site, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    script = PAGEFIND_QUERY if engine == "pagefind" else CARDHUB_QUERY
    engine_files = ("pagefind/",) if engine == "pagefind" else ("search/", "static/site.js")
    first_bytes, next_bytes, cold, warm, recalls, firsts = [], [], [], [], [], []
    counts = available(site)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for index, (text, expected) in enumerate(QUERIES):
                context = browser.new_context(bypass_csp=True)  # Pagefind's wasm needs it under our CSP
                page = context.new_page()
                fetched: list[str] = []
                page.on("requestfinished", lambda request, into=fetched: into.append(request.url))
                page.goto(base + "index.html")
                page.wait_for_load_state("networkidle")
                kept = [u for u in fetched if u.endswith("static/site.js")] if engine == "cardhub" else []
                fetched[:] = kept
                seconds, urls = page.evaluate(script, text)
                cold.append(seconds)
                first_bytes.append(_bytes(site, fetched, base, engine_files))
                names = [base_name(u) for u in urls]
                hits = [n in expected for n in names]
                relevant = sum(counts.get(name, 0) for name in expected)
                recalls.append(sum(hits) / max(1, min(relevant, 10)))
                firsts.append(hits.index(True) + 1 if any(hits) else None)
                fetched.clear()
                follow = QUERIES[(index + 1) % len(QUERIES)][0]
                seconds, _ = page.evaluate(script, follow)
                warm.append(seconds)
                next_bytes.append(_bytes(site, fetched, base, engine_files))
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return {"first": first_bytes, "next": next_bytes, "cold": cold, "warm": warm, "recall": recalls,
            "firsts": firsts}  # fmt: skip


def _bytes(site: Path, urls: list[str], base: str, prefixes: tuple[str, ...]) -> tuple[int, int]:
    raw = packed = 0
    for url in set(urls):
        if url.startswith(base) and url[len(base):].startswith(prefixes):
            size = _size(site, url, base)
            raw, packed = raw + size[0], packed + size[1]
    return raw, packed


def _median_bytes(values: list[tuple[int, int]]) -> str:
    raw = statistics.median(v[0] for v in values) / 1000
    packed = statistics.median(v[1] for v in values) / 1000
    return f"{raw:.1f} kB ({packed:.1f} kB gzip)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="build here and keep the result")
    args = parser.parse_args()
    if shutil.which(CHROMIUM) is None:
        raise SystemExit(f"needs Debian chromium at {CHROMIUM}")
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_search_"))
    site, build_seconds = build(args.cards, work)
    print(f"{args.cards} cards built in {build_seconds:.1f} s in {work}")
    ours = cardhub_index_seconds(site)
    theirs = pagefind_index(site)
    results = {"cardhub": run_queries(site, "cardhub"), "pagefind": run_queries(site, "pagefind")}
    rows = [
        ("index build time", f"{ours[0]:.2f} s", f"{theirs[0]:.2f} s"),
        ("index on disk", f"{ours[1] / 1e6:.1f} MB in {ours[2]} files",
         f"{theirs[1] / 1e6:.1f} MB in {theirs[2]} files"),
    ]  # fmt: skip
    for label, key in (("bytes, first query (median)", "first"), ("bytes, next query (median)", "next")):
        rows.append((label, _median_bytes(results["cardhub"][key]), _median_bytes(results["pagefind"][key])))
    for label, key in (("query to 10 rows, first (median)", "cold"), ("query to 10 rows, next", "warm")):
        rows.append((label, f"{statistics.median(results['cardhub'][key]):.1f} ms",
                     f"{statistics.median(results['pagefind'][key]):.1f} ms"))  # fmt: skip
    for engine in ("cardhub", "pagefind"):
        found = [r for r in results[engine]["firsts"] if r is not None]
        results[engine]["summary"] = (
            f"{statistics.mean(results[engine]['recall']):.2f}",
            f"median {statistics.median(found) if found else '-'}, none in top 10: "
            f"{len(results[engine]['firsts']) - len(found)}/{len(QUERIES)}",
        )
    for label, at in (("recall@10 (mean of 30)", 0), ("rank of first expected", 1)):
        rows.append((label, results["cardhub"]["summary"][at], results["pagefind"]["summary"][at]))
    print("\n| figure | cardhub | Pagefind 1.5.2 |\n|---|---|---|")
    for label, a, b in rows:
        print(f"| {label} | {a} | {b} |")
    print("\nper query (recall@10, first expected rank): cardhub / Pagefind")
    for i, (text, _) in enumerate(QUERIES):
        a, b = results["cardhub"], results["pagefind"]
        print(f"  {text!r}: {a['recall'][i]:.1f}, {a['firsts'][i]} / {b['recall'][i]:.1f}, {b['firsts'][i]}")


if __name__ == "__main__":
    main()
