from __future__ import annotations

import os
from pathlib import Path

from site_builder.entries import Entry
from site_builder.manifest import Manifest, builder_fingerprint, content_digest, load_manifest, scan_cards


def test_scan_finds_markdown_cards_recursively_with_their_stat(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.md").write_text("x")
    (tmp_path / "sub" / "b.md").write_text("yy")
    (tmp_path / "c.txt").write_text("no")
    found = scan_cards(tmp_path)
    assert sorted(found) == [str(tmp_path / "a.md"), str(tmp_path / "sub" / "b.md")]
    assert found[str(tmp_path / "sub" / "b.md")][1] == 2
    os.utime(tmp_path / "a.md", ns=(1, 123456789))
    assert scan_cards(tmp_path)[str(tmp_path / "a.md")][0] == 123456789


def test_manifest_round_trips_and_is_ignored_when_made_differently(tmp_path: Path) -> None:
    entry = Entry(
        key="k",
        name="n",
        language="en",
        title="t",
        date=None,
        version=None,
        spark_version=None,
        facets={"task": ["T"]},
        tags=[],
        excerpt="",
        errors=1,
        warnings=0,
        deprecated=True,
    )
    manifest = Manifest(
        fingerprint="f",
        cards_dir="/c",
        base_url="http://x/",
        stats={"k": (1, 2)},
        entries={"k": entry},
        urls={"k": ("models/n_en/x.html", True, ("k",))},
        digests={"index.html": "d"},
        record_order=["k"],
    )
    manifest.save(tmp_path)
    loaded = load_manifest(tmp_path, "f", "/c", "http://x/")
    assert loaded is not None and loaded.entries == {"k": entry} and loaded.urls == manifest.urls
    assert loaded.stats == {"k": (1, 2)} and loaded.record_order == ["k"]
    assert load_manifest(tmp_path, "other", "/c", "http://x/") is None
    assert load_manifest(tmp_path, "f", "/elsewhere", "http://x/") is None
    assert load_manifest(tmp_path / "missing", "f", "/c", "http://x/") is None


def test_fingerprint_is_stable_and_digest_tells_contents_apart() -> None:
    assert builder_fingerprint() == builder_fingerprint()
    assert content_digest("a") != content_digest("b") and content_digest("a") == content_digest(b"a")


def test_a_rebuild_rewrites_only_the_entry_buckets_of_the_cards_it_parsed(tmp_path: Path) -> None:
    import shutil

    from site_builder.build import build_site
    from site_builder.manifest import ENTRIES_DIR, bucket_of

    cards = tmp_path / "cards"
    seeds = Path(__file__).resolve().parents[2] / "cards"
    shutil.copytree(seeds, cards, ignore=shutil.ignore_patterns("*.py"))
    out = tmp_path / "site"
    build_site(cards, out, workers=1)
    before = {p.name: p.stat().st_mtime_ns for p in (out / ENTRIES_DIR).iterdir()}
    card = cards / "2023-06-28-small_bert_L2_768_en.md"
    card.write_text(card.read_text().replace("title: Smaller BERT", "title: Renamed Smaller BERT"))
    report = build_site(cards, out, workers=1)
    after = {p.name: p.stat().st_mtime_ns for p in (out / ENTRIES_DIR).iterdir()}
    rewritten = {name for name in after if after[name] != before.get(name)}
    assert rewritten == {f"{bucket_of(str(card.resolve()))}.marshal"}
    assert report.parsed == 1
    again = build_site(cards, out, workers=1)  # the manifest reads back whole
    assert again.parsed == 0 and again.cards == 5
