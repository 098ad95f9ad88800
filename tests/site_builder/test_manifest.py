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
