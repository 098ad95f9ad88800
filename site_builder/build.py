"""`cardhub build`: the registry rendered into a static site, as a straight pipeline.

    scan cards -> parse what changed -> place every card (stable URLs) -> render model pages
    -> render listings (index, facet pages) -> write search index -> write API -> write sitemap,
    404 and assets -> save the manifest

A full build and a rebuild run the same pipeline: a rebuild starts from the previous build's
manifest (site_builder.manifest) and re-parses and re-writes only what changed."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import gc
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from site_builder import output
from site_builder.conformance import REPORT_PAGE, CardConformance, read_report
from site_builder.entries import Entry, Placement, entry_for, place
from site_builder.errors import CardsNotFoundError, OutputDirError, SiteError
from site_builder.manifest import Manifest, builder_fingerprint, load_manifest, scan_cards
from site_builder.pages import use_template_cache
from site_builder.render import use_highlight_cache

if TYPE_CHECKING:
    from registry import Card
    from registry.config import Config

DEFAULT_BASE_URL = "http://127.0.0.1:8000/"
CACHE = ".cardhub-cache"


@dataclasses.dataclass(frozen=True)
class BuildReport:
    cards: int
    parsed: int
    model_pages: int
    listing_pages: int
    removed: int
    full: bool
    seconds: float
    errors: int
    warnings: int
    conformance: str = ""  # what the conformance report gave, when the build was given one

    def summary(self) -> str:
        kind = "full build" if self.full else "rebuild"
        text = (f"{kind}: {self.cards} cards ({self.parsed} parsed), {self.model_pages} model pages and "
                f"{self.listing_pages} listing pages written, {self.removed} files removed, "
                f"in {self.seconds:.2f} s; cards with errors: {self.errors}, with warnings: {self.warnings}")
        return f"{text}\n{self.conformance}" if self.conformance else text


def build_site(
    cards_dir: str | Path,
    out_dir: str | Path,
    *,
    base_url: str = DEFAULT_BASE_URL,
    workers: int | None = None,
    incremental: bool = True,
    previews: bool = False,
    conformance: str | Path | None = None,
) -> BuildReport:
    """Builds (or brings up to date) the static catalog of the cards under `cards_dir`.

    `conformance`: a `cardhub conform --json` report; the cards it covers get their verdict
    (badge, section, facet, API field) and the site a report page. Without it, no card has one."""
    # The build allocates hundreds of thousands of small objects and frees none until the end:
    # the cyclic garbage collector would scan them again and again for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(cards_dir, out_dir, base_url, workers, incremental, previews,
                      Path(conformance) if conformance is not None else None)
    finally:
        if collecting:
            gc.enable()


def _build(
    cards_dir: str | Path, out_dir: str | Path, base_url: str, workers: int | None, incremental: bool,
    previews: bool = False, conformance: Path | None = None,
) -> BuildReport:
    started = time.perf_counter()
    cards_root, out = _check_folders(cards_dir, out_dir)
    base_url = base_url.rstrip("/") + "/"
    config = _config(cards_root)
    # With or without previews, or under another rule configuration, the pages differ: switching
    # starts a full build.
    fingerprint = builder_fingerprint() + ("+previews" if previews else "") + "+rules:" + config.key()
    old = load_manifest(out, fingerprint, str(cards_root), base_url) if incremental else None
    new = Manifest(fingerprint=fingerprint, cards_dir=str(cards_root), base_url=base_url)

    new.stats = scan_cards(cards_root)
    report = read_report(conformance, new.stats) if conformance is not None else None
    verdicts = report.cards if report else {}
    new.conformance = {key: verdict.digest() for key, verdict in verdicts.items()}
    changed, removed = _diff(old, new.stats)
    changed = _with_new_verdicts(changed, old, new)
    parsed = _parse(changed, workers, config)
    new.entries = _entries(old, parsed, removed, verdicts)
    new.dirty = None if old is None else set(parsed) | set(removed)
    touched = set(changed) | set(removed)
    placements = place(list(new.entries.values()), old.urls if old else None, touched)
    new.urls = {key: (p.url, p.newest, p.siblings) for key, p in placements.items()}

    stale = _stale_keys(old, new, touched)
    parsed.update(_parse([k for k in stale if k not in parsed], workers, config))
    removed_files = output.remove_outdated(out, old, new, touched | set(stale))
    if old is None:  # made by another builder version, maybe: start afresh
        shutil.rmtree(out / CACHE, ignore_errors=True)
    use_highlight_cache(out / CACHE / "highlight")
    use_template_cache(out / CACHE / "templates")
    pictures = {}
    if previews:
        from site_builder.previews import previews_for

        pictures = previews_for(parsed.values(), out / CACHE / "previews")
    records = output.write_model_pages(out, parsed, new.entries, placements, workers, pictures, verdicts)
    ordered = _same_order(old, new, placements, set(changed) | set(stale), removed)
    if ordered is None:
        ordered = _index_order(new.entries, placements)
    changes = output.changed_documents(ordered, old, new, touched | set(stale))
    # api/models.json is tens of MB on a big catalog: write it while the listings render.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as writer:
        api = writer.submit(output.write_api, out, records, [entry.key for entry, _ in ordered], old)
        headline = report.headline() if report else ""
        listing_pages = output.write_listings(out, ordered, old, new, changes, headline)
        output.write_search_index(out, ordered, old, new, changes)
        output.write_listing_json(out, ordered, old, new, changes)
        output.write_conformance_page(out, report, ordered, old, new)
        output.write_site_files(out, ordered, base_url, old, new, [REPORT_PAGE] if report else [])
        new.record_order, new.record_sizes = api.result()
    new.save(out)
    entries = new.entries.values()
    return BuildReport(
        cards=len(new.entries), parsed=len(parsed), model_pages=len(parsed), listing_pages=listing_pages,
        removed=removed_files, full=old is None, seconds=time.perf_counter() - started,
        errors=sum(1 for e in entries if e.errors), warnings=sum(1 for e in entries if e.warnings),
        conformance=report.summary() if report else "",
    )  # fmt: skip


def _check_folders(cards_dir: str | Path, out_dir: str | Path) -> tuple[Path, Path]:
    cards_root = Path(cards_dir).resolve()
    if not cards_root.is_dir():
        raise CardsNotFoundError(str(cards_dir))
    out = Path(out_dir).resolve()
    if out.exists() and not out.is_dir():
        raise OutputDirError(str(out_dir), "it is a file")
    if out == cards_root or cards_root.is_relative_to(out):
        raise OutputDirError(str(out_dir), "it holds the cards folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputDirError(str(out_dir), exc.strerror or str(exc)) from exc
    if not os.access(out, os.W_OK):
        raise OutputDirError(str(out_dir), "not writable")
    return cards_root, out


def _diff(old: Manifest | None, stats: dict[str, tuple[int, int]]) -> tuple[list[str], list[str]]:
    if old is None:
        return sorted(stats), []
    changed = sorted(path for path, stat in stats.items() if old.stats.get(path) != stat)
    removed = sorted(path for path in old.stats if path not in stats)
    return changed, removed


def _config(cards_root: Path) -> Config:
    """The rule configuration `cardhub validate` would use on these cards: the nearest
    cardhub.toml or [tool.cardhub] from the cards folder upwards."""
    from registry.config import load_config
    from registry.errors import ConfigError

    try:
        return load_config(start=cards_root)
    except ConfigError as exc:
        raise SiteError(f"{exc} (the catalog shows findings as `cardhub validate` reports them)") from exc


def _parse(paths: Iterable[str], workers: int | None, config: Config | None = None) -> dict[str, Card]:
    """Parses and validates the cards; duplicate-artifact checks run across the cards parsed
    together (all of them on a full build); then inline suppressions and `config`, as
    `cardhub validate` applies them."""
    paths = list(paths)
    if not paths:
        return {}
    from registry import Registry

    registry = Registry.from_paths(paths, workers).settled(config)
    return {card.path: card for card in registry.cards}


def _with_new_verdicts(changed: list[str], old: Manifest | None, new: Manifest) -> list[str]:
    """`changed` plus the cards whose conformance verdict came, went or changed since the last
    build: their page, API record, listing row and facet value show it."""
    if old is None or old.conformance == new.conformance:
        return changed
    keys = {key for key in old.conformance.keys() | new.conformance.keys()
            if old.conformance.get(key) != new.conformance.get(key) and key in new.stats}  # fmt: skip
    return sorted(keys.union(changed))


def _entries(
    old: Manifest | None, parsed: dict[str, Card], removed: list[str], verdicts: dict[str, CardConformance]
) -> dict[str, Entry]:
    entries = dict(old.entries) if old else {}
    for key in removed:
        entries.pop(key, None)
    for key, card in parsed.items():
        verdict = verdicts.get(key)
        entries[key] = entry_for(card, key, verdict.facet_value if verdict else None)
    return entries


def _stale_keys(old: Manifest | None, new: Manifest, touched: set[str]) -> list[str]:
    """Cards whose page must be re-rendered although their file did not change: their URL, newest
    flag or versions changed, or another version of the same model changed (its label and link
    appear on every version's page)."""
    if old is None:
        return []
    # Only versions of a touched card's model get new placements (entries.place reuses the
    # others): look among those, not through the whole catalog.
    candidates: set[str] = set()
    for key in touched:
        for manifest in (old, new):
            known = manifest.urls.get(key)
            if known is not None:
                candidates.update(known[2])
    return sorted(
        key for key in candidates - touched
        if key in new.urls and (old.urls.get(key) != new.urls[key] or touched.intersection(new.urls[key][2]))
    )  # fmt: skip


def _same_order(
    old: Manifest | None, new: Manifest, placements: dict[str, Placement], touched: set[str],
    removed: list[str],
) -> list[tuple[Entry, Placement]] | None:
    """The previous build's order, when no card came or went and no touched card changed its
    name, language or place among its versions (then sorting again would give the same order)."""
    if old is None or removed or len(old.record_order) != len(new.entries):
        return None
    for key in touched:
        before, after = old.entries.get(key), new.entries[key]
        if before is None or (before.name, before.language) != (after.name, after.language):
            return None
        if old.urls.get(key) != new.urls[key]:
            return None
    return [(new.entries[key], placements[key]) for key in old.record_order]


def _index_order(
    entries: dict[str, Entry], placements: dict[str, Placement]
) -> list[tuple[Entry, Placement]]:
    """The order of the index and of the search documents: by name, language, newest first."""
    rank = {key: placement.siblings.index(key) for key, placement in placements.items()}
    ordered = sorted(entries.values(), key=lambda e: (e.name.casefold(), e.name, e.language, rank[e.key]))
    return [(entry, placements[entry.key]) for entry in ordered]

