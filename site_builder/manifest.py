"""The build manifest kept in the output folder, so that a rebuild re-parses and re-renders only
what changed: each card file's stat signature and entry, the placement of every page, a digest
of every listing page and search chunk, and the builder's own fingerprint (templates, assets,
code): when that changes, everything is rebuilt."""

from __future__ import annotations

import dataclasses
import hashlib
import marshal
import os
import zlib
from pathlib import Path
from typing import Any

from site_builder.entries import Entry

# marshal, not JSON: loading and saving it is part of every rebuild, and marshal is several times
# faster on ten thousand entries; it holds only plain values (no code, unlike pickle).
MANIFEST_NAME = ".cardhub-build.marshal"
# The entries (the biggest part) live in buckets beside it, so that a rebuild rewrites only the
# buckets of the cards it parsed, not every card's entry.
ENTRIES_DIR = ".cardhub-entries"
BUCKETS = 64
FORMAT = 4


def builder_fingerprint() -> str:
    """Digest of everything besides the cards that decides the output."""
    package = Path(__file__).parent
    digest = hashlib.sha1()
    for path in sorted([*package.glob("*.py"), *package.glob("templates/*"), *package.glob("static/*")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclasses.dataclass
class Manifest:
    fingerprint: str
    cards_dir: str
    base_url: str
    stats: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)  # path -> (mtime_ns, size)
    entries: dict[str, Entry] = dataclasses.field(default_factory=dict)
    urls: dict[str, tuple[str, bool, tuple[str, ...]]] = dataclasses.field(default_factory=dict)
    digests: dict[str, str] = dataclasses.field(default_factory=dict)  # output file -> content digest
    record_order: list[str] = dataclasses.field(default_factory=list)  # card paths, as in models.json
    record_sizes: list[int] = dataclasses.field(default_factory=list)  # their bytes in models.json
    # facet -> value -> number of cards, patched by a rebuild instead of counted again
    facet_counts: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    # facet\0value -> positions of its cards in the index order: its pages, without a scan
    facet_positions: dict[str, list[int]] = dataclasses.field(default_factory=dict)
    # key -> (dimension, size) of the newest embeddings cards: the index's scatter chart
    chart_points: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)
    # key -> digest of the card's conformance verdict (site_builder.conformance), for the cards a
    # report covered: a card whose verdict came, went or changed is rendered again
    conformance: dict[str, str] = dataclasses.field(default_factory=dict)
    # keys whose entry was added, changed or removed since the manifest was loaded; None: all
    dirty: set[str] | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "fingerprint": self.fingerprint,
            "cards_dir": self.cards_dir,
            "base_url": self.base_url,
            "stats": self.stats,
            "urls": self.urls,
            "digests": self.digests,
            "record_order": self.record_order,
            "record_sizes": self.record_sizes,
            "facet_counts": self.facet_counts,
            "chart_points": self.chart_points,
            "facet_positions": self.facet_positions,
            "conformance": self.conformance,
        }

    def save(self, out_dir: Path) -> None:
        """Writes the entry buckets that hold a dirty key (all of them when `dirty` is None),
        then the manifest itself."""
        folder = out_dir / ENTRIES_DIR
        folder.mkdir(exist_ok=True)
        todo = set(range(BUCKETS)) if self.dirty is None else {bucket_of(key) for key in self.dirty}
        if todo:
            buckets: dict[int, dict[str, tuple[Any, ...]]] = {bucket: {} for bucket in todo}
            for key, entry in self.entries.items():
                rows = buckets.get(bucket_of(key))
                if rows is not None:
                    rows[key] = entry.to_row()
            for bucket, rows in buckets.items():
                tmp = folder / f"{bucket}.tmp"
                tmp.write_bytes(marshal.dumps(rows))
                os.replace(tmp, folder / f"{bucket}.marshal")
        tmp = out_dir / (MANIFEST_NAME + ".tmp")
        tmp.write_bytes(marshal.dumps(self.to_data()))
        os.replace(tmp, out_dir / MANIFEST_NAME)


def bucket_of(key: str) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogateescape")) % BUCKETS


def _load_entries(out_dir: Path) -> dict[str, Entry] | None:
    entries: dict[str, Entry] = {}
    for bucket in range(BUCKETS):
        try:
            rows = marshal.loads((out_dir / ENTRIES_DIR / f"{bucket}.marshal").read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return None
        entries.update((key, Entry.from_row(row)) for key, row in rows.items())
    return entries


def load_manifest(out_dir: Path, fingerprint: str, cards_dir: str, base_url: str) -> Manifest | None:
    """The previous build's manifest, or None when there is none or it was made differently
    (other cards folder, base URL, builder version): then everything is rebuilt."""
    try:
        data = marshal.loads((out_dir / MANIFEST_NAME).read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    same = (data.get("format"), data.get("fingerprint"), data.get("cards_dir"), data.get("base_url"))
    if same != (FORMAT, fingerprint, cards_dir, base_url):
        return None
    entries = _load_entries(out_dir)
    if entries is None:
        return None
    return Manifest(
        fingerprint=fingerprint,
        cards_dir=cards_dir,
        base_url=base_url,
        stats=data["stats"],
        entries=entries,
        urls=data["urls"],
        digests=data["digests"],
        record_order=data["record_order"],
        record_sizes=data.get("record_sizes", []),
        facet_counts=data.get("facet_counts", {}),
        chart_points=data.get("chart_points", {}),
        facet_positions=data.get("facet_positions", {}),
        conformance=data.get("conformance", {}),
    )


def scan_cards(cards_dir: Path) -> dict[str, tuple[int, int]]:
    """Every *.md under `cards_dir` with its (mtime_ns, size), as the registry would find them."""
    found: dict[str, tuple[int, int]] = {}
    pending = [str(cards_dir)]
    while pending:
        with os.scandir(pending.pop()) as listing:
            for item in listing:
                if item.is_dir() and not item.name.startswith("."):
                    pending.append(item.path)
                elif item.name.endswith(".md") and item.is_file():
                    stat = item.stat()
                    found[item.path] = (stat.st_mtime_ns, stat.st_size)
    return found


def content_digest(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.blake2b(data, digest_size=12).hexdigest()
