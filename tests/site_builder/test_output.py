from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from site_builder.output import facet_counts
from site_builder.pages import CSP


class _Audit(HTMLParser):
    """Collects every script, event-handler attribute and URL attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str | None] = []
        self.handlers: list[str] = []
        self.urls: list[str] = []
        self.csp: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values.get("src"))
        if tag == "meta" and values.get("http-equiv") == "Content-Security-Policy":
            self.csp.append(values.get("content"))
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"{tag} {name}")
            if name in ("href", "src", "action", "formaction", "data") and value is not None:
                self.urls.append(value)


def _audit(path: Path) -> _Audit:
    audit = _Audit()
    audit.feed(path.read_text(encoding="utf-8"))
    return audit


def test_no_page_carries_a_script_handler_or_script_url_from_a_card(built_site: Path) -> None:
    pages = sorted(built_site.rglob("*.html"))
    xss_pages = [p for p in pages if "xss_card" in str(p)]
    assert len(pages) > 20 and xss_pages
    for page in pages:
        audit = _audit(page)
        assert all(src and src.endswith("static/site.js") for src in audit.scripts), (page, audit.scripts)
        assert audit.handlers == [], (page, audit.handlers)
        bad = [u for u in audit.urls if u.strip().lower().startswith(("javascript:", "data:", "vbscript:"))]
        assert bad == [], (page, bad)
        assert audit.csp == [CSP], page
    text = xss_pages[0].read_text()
    assert "&lt;script&gt;window.__xss = &#39;title&#39;&lt;/script&gt;" in text  # shown as text, inert


def test_hostile_card_data_in_search_chunks_is_inert(built_site: Path) -> None:
    for chunk in (built_site / "search").rglob("*.js"):
        text = chunk.read_text()
        assert text.startswith("cardhubData(") and "</script" not in text, chunk


def test_models_json_is_an_array_of_records_with_name_and_url(built_site: Path) -> None:
    records = json.loads((built_site / "api/models.json").read_text())
    assert isinstance(records, list) and len(records) == 10
    names = {r["name"] for r in records}
    assert {"sent_small_bert_L6_768", "bert_base_cased", "small_bert_L2_768"} <= names
    seed = next(r for r in records if r["name"] == "sent_small_bert_L6_768")
    assert seed["url"] == "models/sent_small_bert_L6_768_en/2.6.0.html" and seed["language"] == "en"
    assert seed["model_information"]["dimension"] == 768 and "body" not in seed
    assert seed["errors"] == 2  # the seed's real defects (NOTES §1): python DataFrame rows, scala quotes
    assert seed["json"] == "api/models/sent_small_bert_L6_768_en/2.6.0.json"
    full = json.loads((built_site / "api/models/sent_small_bert_L6_768_en/2.6.0.json").read_text())
    assert seed["warnings"] == sum(f["severity"] == "warning" for f in full["findings"])
    assert full["name"] == "sent_small_bert_L6_768" and full["body"].lstrip().startswith("## Description")


def test_sitemap_is_valid_xml_listing_every_model_page(built_site: Path) -> None:
    tree = ET.parse(built_site / "sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text or "" for e in tree.getroot().findall("s:url/s:loc", ns)]
    assert "http://127.0.0.1:8000/index.html" in locs
    assert "http://127.0.0.1:8000/models/sent_small_bert_L6_768_en/2.6.0.html" in locs
    assert len(locs) == 2 + 10


def test_not_found_page_links_from_the_host_root(built_site: Path) -> None:
    text = (built_site / "404.html").read_text()
    assert "Page not found" in text and 'href="/index.html"' in text


def test_facet_counts_count_cards_per_value(built_site: Path) -> None:
    from registry import Registry
    from site_builder.entries import entry_for, place

    cards = Registry.from_dir(Path(__file__).resolve().parents[2] / "cards").cards
    entries = [entry_for(c) for c in cards]
    placements = place(entries)
    counts = facet_counts([(e, placements[e.key]) for e in entries])
    assert counts["language"] == {"en": 5}
    assert sum(counts["task"].values()) == 5


def test_compact_listing_has_one_row_per_card_with_identity_and_links(built_site: Path) -> None:
    listing = json.loads((built_site / "api/listing.json").read_text())
    fields = listing["fields"]
    rows = [dict(zip(fields, row, strict=True)) for row in listing["models"]]
    full = json.loads((built_site / "api/models.json").read_text())
    assert len(rows) == len(full)
    by_name = {row["name"]: row for row in rows}
    small = by_name["sent_small_bert_L6_768"]
    assert small["language"] == "en" and small["version"] == "2.6.0" and small["task"] == "Embeddings"
    assert small["page"] == "models/sent_small_bert_L6_768_en/2.6.0.html"
    assert (built_site / small["record"]).is_file() and (built_site / small["page"]).is_file()
    assert small["s3"].startswith("s3://") and small["download"].endswith(".zip")
    assert small["licensed"] is False
    assert by_name["ner_clinical_large"]["licensed"] is True
    compact = (built_site / "api/listing.json").stat().st_size
    assert compact * 5 < (built_site / "api/models.json").stat().st_size
