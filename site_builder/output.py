"""Writing the site's files. Model pages render on every core (forked workers read the cards
from memory, so nothing big is pickled); listings, search chunks and the API are rendered in
memory and written only when their content changed since the previous build."""

from __future__ import annotations

import bisect
import dataclasses
import functools
import html
import itertools
import json
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_builder import charts, pages
from site_builder.conformance import REPORT_PAGE, CardConformance, ConformanceReport
from site_builder.entries import FACETS, Entry, Placement, conformance_status
from site_builder.manifest import Manifest, content_digest
from site_builder.search_index import affected_by, build_index

if TYPE_CHECKING:
    from registry import Card

PARALLEL_THRESHOLD = 300
# Heavy fields stay in the per-model JSON only, so that api/models.json stays a catalog (findings
# become counts there: on 10,000 cards their messages alone would weigh tens of MB).
LIST_RECORD_EXCLUDE = {"body", "sections", "front_matter", "unknown_front_matter", "lines", "snippets",
                       "results", "findings"}  # fmt: skip
Ordered = Sequence[tuple[Entry, Placement]]


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _write_if_changed(out: Path, name: str, text: str, old: Manifest | None, new: Manifest) -> bool:
    digest = content_digest(text)
    new.digests[name] = digest
    if old is not None and old.digests.get(name) == digest and (out / name).exists():
        return False
    write_text(out / name, text)
    return True


def _unlink(path: Path) -> int:
    try:
        path.unlink()
    except FileNotFoundError:
        return 0
    return 1


def remove_outdated(
    out: Path, old: Manifest | None, new: Manifest, candidates: set[str] | None = None
) -> int:
    """Deletes the pages and JSON of cards that are gone or moved to another URL. `candidates`:
    the only keys whose URL can have changed (the touched cards and the other versions of
    their models)."""
    if old is None:
        return 0
    removed = 0
    keys = old.urls.keys() if candidates is None else candidates & old.urls.keys()
    moved = []
    for key in keys:
        url = old.urls[key][0]
        if new.urls.get(key, ("",))[0] != url:
            moved.append(url)
            removed += _unlink(out / url) + _unlink(out / "api" / url.replace(".html", ".json"))
            removed += _unlink(out / pages.compare_data_url(url))
    for group in {url.rsplit("/", 1)[0] for url in moved}:
        for folder in (out / group, out / "api" / group):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
    return removed


# --- model pages -------------------------------------------------------------------------------

_JOB: tuple[Path, list[Card], dict[str, Entry], dict[str, Placement], dict[str, charts.Chart],
            dict[str, CardConformance]] | None = None


def _render_card(index: int) -> tuple[str, str]:
    assert _JOB is not None
    out, cards, entries, placements, pictures, verdicts = _JOB
    card = cards[index]
    key = card.path
    placement = placements[key]
    versions = [(entries[k], placements[k]) for k in placement.siblings]
    verdict = verdicts.get(key)
    html = pages.render_model_page(card, placement, versions, pictures.get(key), verdict)
    write_text(out / placement.url, html)
    data = pages.compare_data(card, placement, versions, pictures.get(key), verdict)
    write_text(out / pages.compare_data_url(placement.url), data)
    json_path = out / "api" / placement.url.replace(".html", ".json")
    own = card.model_dump_json(indent=1)
    if verdict is not None:  # the verdict beside the card's fields, spliced before the closing brace
        own = f'{own[:-2]},\n "conformance": {json.dumps(verdict.to_json(), ensure_ascii=False)}\n}}'
    write_text(json_path, own)
    record = card.model_dump_json(exclude=LIST_RECORD_EXCLUDE)
    head: dict[str, object] = {"url": placement.url, "json": json_path.relative_to(out).as_posix(),
                               "errors": len(card.errors), "warnings": len(card.warnings)}  # fmt: skip
    if verdict is not None:
        summary = verdict.to_json()
        # In the catalog, the verdict without the diffs (they are in the card's own record).
        summary["snippets"] = [{k: s[k] for k in ("language", "line", "verdict", "error_line")}
                               for s in summary["snippets"]]  # fmt: skip
        head["conformance"] = summary
    return key, json.dumps(head, separators=(",", ":"), ensure_ascii=False)[:-1] + "," + record[1:]


def write_model_pages(
    out: Path, cards: dict[str, Card], entries: dict[str, Entry], placements: dict[str, Placement],
    workers: int | None, pictures: dict[str, charts.Chart] | None = None,
    verdicts: dict[str, CardConformance] | None = None,
) -> dict[str, str]:
    """Renders and writes the page and JSON of each card; returns the models.json record of each."""
    global _JOB
    card_list = list(cards.values())
    _JOB = (out, card_list, entries, placements, pictures or {}, verdicts or {})
    try:
        # Twice the cores: writing thousands of small files waits on the disk as much as it computes.
        workers = workers or 2 * (os.cpu_count() or 1)
        indexes = range(len(card_list))
        can_fork = "fork" in multiprocessing.get_all_start_methods()
        if workers < 2 or len(card_list) < PARALLEL_THRESHOLD or not can_fork:
            return dict(map(_render_card, indexes))
        # fork: the workers inherit _JOB; only indexes and finished records cross processes.
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return dict(pool.imap_unordered(_render_card, indexes, chunksize=64))
    finally:
        _JOB = None


# --- listings ----------------------------------------------------------------------------------


def patched_counts(old: dict[str, dict[str, int]], changes: Changes) -> dict[str, dict[str, int]]:
    """The previous build's facet counts with each changed card's values moved."""
    counts = {facet: dict(values) for facet, values in old.items()}
    for _, before, after in changes:
        for entry, step in ((before, -1), (after, 1)):
            for facet, values in (entry.facets.items() if entry else ()):
                per_value = counts.setdefault(facet, {})
                for value in values:
                    per_value[value] = per_value.get(value, 0) + step
                    if per_value[value] == 0:
                        del per_value[value]
    return {facet: values for facet, values in counts.items() if values}


def facet_counts(ordered: Ordered) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for entry, _ in ordered:
        for facet, values in entry.facets.items():
            per_value = counts[facet]
            for value in values:
                per_value[value] = per_value.get(value, 0) + 1
    return dict(counts)


@dataclasses.dataclass(frozen=True)
class _Page:
    """One listing page before rendering: its members and what decides its HTML."""

    url: str
    heading: str
    members: Ordered
    number: int
    page_urls: Sequence[str]
    total: int
    search: bool
    facet: tuple[str, str] | None = None  # (facet, value) of a facet listing; None for the index

    def digest(self, extra: str) -> str:
        # Entry digests stand for the rows: far cheaper than building and comparing the rows.
        parts = [self.heading, str(self.number), str(self.total), extra, *self.page_urls]
        parts += [f"{entry.digest}{place.url}{int(place.newest)}" for entry, place in self.members]
        return content_digest("\n".join(parts))

    def listing(self) -> pages.Listing:
        rows = [pages.row_for(entry, placement) for entry, placement in self.members]
        intro = "" if self.search else "Every model card with this value."
        return pages.Listing(url=self.url, heading=self.heading, rows=rows, number=self.number,
                             page_urls=self.page_urls, total=self.total, search=self.search, intro=intro)


def _index_url(number: int) -> str:
    return "index.html" if number == 1 else f"pages/{number}.html"


def _listing_pages(
    ordered: Ordered, values: set[tuple[str, str]] | None = None,
    positions: dict[str, list[int]] | None = None,
) -> list[_Page]:
    """Every listing page: the index (with search and facets on its first page), then one
    paginated listing per facet value; with `values`, only the facet pages of those values.
    `positions` receives each value's member positions in `ordered` (see `facet_key`)."""
    listings = _paginate(ordered, "All models", _index_url, True) if values is None else []
    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    if values is not None:  # a few values: one quick pass over the cards for each
        for facet, value in values:
            found = [i for i, item in enumerate(ordered) if value in item[0].facets.get(facet, ())]
            if found:
                members[(facet, value)] = found
    else:
        for index, item in enumerate(ordered):
            for facet, facet_values in item[0].facets.items():
                for value in facet_values:
                    members[(facet, value)].append(index)
    labels = dict(FACETS)
    for (facet, value), found in sorted(members.items()):
        if positions is not None:
            positions[facet_key(facet, value)] = found
        url_of = functools.partial(pages.facet_url, facet, value)
        items = [ordered[i] for i in found]
        listings += _paginate(items, f"{labels[facet]}: {value}", url_of, False, (facet, value))
    return listings


def facet_key(facet: str, value: str) -> str:
    return f"{facet}\0{value}"


def _paginate(
    members: Ordered, heading: str, url_of: Callable[[int], str], search: bool,
    facet: tuple[str, str] | None = None,
) -> list[_Page]:
    size = pages.PAGE_SIZE
    numbers = range(1, max(1, -(-len(members) // size)) + 1)
    urls = [url_of(n) for n in numbers]
    return [_Page(url=urls[n - 1], heading=heading, members=members[(n - 1) * size : n * size], number=n,
                  page_urls=urls, total=len(members), search=search and n == 1, facet=facet)
            for n in numbers]  # fmt: skip


Changes = Sequence[tuple[int, Entry | None, Entry]]


def changed_documents(
    ordered: Ordered, old: Manifest | None, new: Manifest, candidates: set[str] | None = None
) -> Changes | None:
    """(position, entry before, entry after) of every card whose listing row changed, when every
    card kept its position (same cards, same order); None when positions moved. `candidates`:
    the only keys that can have changed (the others kept their entry and URL)."""
    if old is None or old.record_order != [entry.key for entry, _ in ordered]:
        return None
    if candidates is not None:
        position = {key: index for index, key in enumerate(old.record_order)}
        found = [(position[key], old.entries.get(key), new.entries[key]) for key in candidates
                 if key in position and (old.entries[key].digest != new.entries[key].digest
                                         or old.urls.get(key) != new.urls[key])]  # fmt: skip
        return sorted(found, key=lambda change: change[0])
    return [(position, old.entries.get(e.key), e) for position, (e, _) in enumerate(ordered)
            if old.entries[e.key].digest != e.digest or old.urls.get(e.key) != new.urls[e.key]]  # fmt: skip


def _touched_listings(changes: Changes) -> tuple[set[int], set[tuple[str, str]]]:
    """The index page numbers and the facet values whose pages a change can alter."""
    numbers = {1} | {position // pages.PAGE_SIZE + 1 for position, _, _ in changes}
    values = {(facet, value) for _, before, after in changes for entry in (before, after) if entry
              for facet, vals in entry.facets.items() for value in vals}  # fmt: skip
    return numbers, values


def write_listings(
    out: Path, ordered: Ordered, old: Manifest | None, new: Manifest, changes: Changes | None,
    conformance_summary: str = "",
) -> int:
    """Writes the index, its further pages, every facet value's pages and the facet overview;
    returns how many were (re)written. With `changes`, only the pages they touch are checked."""
    incremental = changes is not None and old is not None and bool(old.facet_counts)
    if incremental and changes is not None and old is not None:
        counts = patched_counts(old.facet_counts, changes)
    else:
        counts = facet_counts(ordered)
    new.facet_counts = counts
    if incremental and changes is not None and old is not None:
        points = dict(old.chart_points)
        for _, _, after in changes:
            point = _chart_point(after, new.urls[after.key][1])
            if point is None:
                points.pop(after.key, None)
            else:
                points[after.key] = point
    else:
        points = {e.key: point for e, p in ordered if (point := _chart_point(e, p.newest)) is not None}
    new.chart_points = points
    preview = pages.facet_groups(counts, pages.FACET_PREVIEW)
    total = len(ordered)
    written = 0
    touched = _touched_listings(changes) if changes is not None and old is not None else None
    if incremental and touched is not None and old is not None:
        todo = _touched_pages(ordered, touched, old, new, changes or ())
    else:
        new.facet_positions = {}
        todo = _listing_pages(ordered, None, new.facet_positions)
    for page in todo:
        unchanged = touched is not None and old is not None and not _is_touched(page, touched)
        if unchanged and old is not None and page.url in old.digests:
            new.digests[page.url] = old.digests[page.url]
            continue
        facets = preview if page.search else []
        charts = index_charts(counts, list(points.values())) if page.search else []
        extra = repr((facets, [c.rows for c in charts], conformance_summary)) if page.search else ""
        digest = page.digest(extra)
        new.digests[page.url] = digest
        if old is not None and old.digests.get(page.url) == digest and (out / page.url).exists():
            continue
        html = pages.render_listing(page.listing(), facets, total, charts, conformance_summary)
        write_text(out / page.url, html)
        written += 1
    overview_key = content_digest(repr(sorted((k, sorted(v.items())) for k, v in counts.items())))
    if old is None or old.digests.get("#facet-counts") != overview_key:
        overview = pages.render_facet_overview(pages.facet_groups(counts, None), total)
        written += _write_if_changed(out, "facets/index.html", overview, old, new)
    else:
        new.digests["facets/index.html"] = old.digests["facets/index.html"]
    new.digests["#facet-counts"] = overview_key
    _remove_vanished(out, old, new, prefixes=("pages/", "facets/"))
    return written


def _chart_point(entry: Entry, newest: bool) -> tuple[int, int] | None:
    dimension = entry.facets.get("dimension")
    if newest and entry.size and dimension and dimension[0].isdigit():
        return int(dimension[0]), entry.size
    return None


def index_charts(counts: dict[str, dict[str, int]], points: list[tuple[int, int]]) -> list[charts.Chart]:
    """The index's pictures: models by task and by language, and for embeddings (newest
    versions) dimension against size."""
    made = [
        charts.bar_chart("chart-task", "Model cards by task", counts.get("task", {})),
        charts.bar_chart("chart-language", "Model cards by language", counts.get("language", {})),
        charts.scatter("chart-embeddings", "Embeddings: dimension against size (newest versions)", points),
    ]
    return [chart for chart in made if chart is not None]


def _touched_pages(
    ordered: Ordered, touched: tuple[set[int], set[tuple[str, str]]], old: Manifest, new: Manifest,
    changes: Changes,
) -> list[_Page]:
    """Only the listing pages a change can alter: the touched index pages; for a facet value the
    changed cards joined or left, all its pages; for one whose members stayed the same, the
    pages holding a changed card, found from the members' positions kept in the manifest. The
    other pages keep their previous digests (and files)."""
    numbers, values = touched
    new.digests.update({name: digest for name, digest in old.digests.items()
                        if name == "index.html" or name.startswith(("pages/", "facets/"))})  # fmt: skip
    new.facet_positions = dict(old.facet_positions)
    size = pages.PAGE_SIZE
    urls = [_index_url(n) for n in range(1, max(1, -(-len(ordered) // size)) + 1)]
    todo = [_Page(url=urls[n - 1], heading="All models", members=ordered[(n - 1) * size : n * size],
                  number=n, page_urls=urls, total=len(ordered), search=n == 1)
            for n in sorted(numbers) if n <= len(urls)]  # fmt: skip
    labels = dict(FACETS)
    for facet, value in sorted(values):
        stayed = all((value in before.facets.get(facet, ()) if before else False)
                     == (value in after.facets.get(facet, ())) for _, before, after in changes)  # fmt: skip
        known = old.facet_positions.get(facet_key(facet, value))
        if stayed and known:
            value_urls = [pages.facet_url(facet, value, n) for n in range(1, -(-len(known) // size) + 1)]
            held = sorted({bisect.bisect_left(known, position) // size + 1 for position, _, after in changes
                           if value in after.facets.get(facet, ())})  # fmt: skip
            for number in held:
                items = [ordered[i] for i in known[(number - 1) * size : number * size]]
                todo.append(_Page(url=value_urls[number - 1], heading=f"{labels[facet]}: {value}",
                                  members=items, number=number, page_urls=value_urls, total=len(known),
                                  search=False, facet=(facet, value)))  # fmt: skip
            continue
        number = 1  # its members changed, and maybe its page count: forget its old pages
        while (url := pages.facet_url(facet, value, number)) in new.digests:
            del new.digests[url]
            number += 1
        new.facet_positions.pop(facet_key(facet, value), None)
        todo += _listing_pages(ordered, {(facet, value)}, new.facet_positions)
    return todo


def _is_touched(page: _Page, touched: tuple[set[int], set[tuple[str, str]]]) -> bool:
    numbers, values = touched
    if page.facet is None:
        return page.number in numbers
    return page.facet in values


def _remove_vanished(out: Path, old: Manifest | None, new: Manifest, prefixes: tuple[str, ...]) -> None:
    if old is not None:
        for name in old.digests:
            if name.startswith(prefixes) and name not in new.digests:
                _unlink(out / name)


# --- search index, API, site files ---------------------------------------------------------------


def write_search_index(
    out: Path, ordered: Ordered, old: Manifest | None, new: Manifest, changes: Changes | None
) -> None:
    """Rewrites only the chunks `changes` touch when every document kept its id (the same
    cards in the same order); otherwise every chunk, and deletes the ones no longer made."""
    only = None
    if changes is not None and old is not None:
        only = affected_by(changes)
        new.digests.update({name: d for name, d in old.digests.items() if name.startswith("search/")})
    def previous(name: str) -> str | None:
        path = out / "search" / name
        return path.read_text(encoding="utf-8") if path.is_file() else None

    for name, text in build_index(ordered, only, previous).items():
        _write_if_changed(out, f"search/{name}", text, old, new)
    if only is None:
        _remove_vanished(out, old, new, prefixes=("search/",))


def write_api(
    out: Path, records: dict[str, str], ordered_keys: Sequence[str], old: Manifest | None
) -> tuple[list[str], list[int]]:
    """api/models.json: one record per line, so that a rebuild replaces only the changed lines.
    Returns the order of the records and their sizes in bytes, for the next build's manifest."""
    path = out / "api" / "models.json"
    same_order = old is not None and old.record_order == list(ordered_keys)
    if same_order and old is not None and len(old.record_sizes) == len(ordered_keys) and path.exists():
        return list(ordered_keys), _patch_api(path, records, ordered_keys, old.record_sizes)
    previous: dict[str, bytes] = {}
    if old is not None and path.exists():  # bytes: no need to decode 20 MB to move lines around
        lines = path.read_bytes().split(b"\n")[1:-2]
        previous = dict(zip(old.record_order, (line.rstrip(b",") for line in lines), strict=False))
    fresh = {key: record.encode("utf-8") for key, record in records.items()}
    lines = [fresh.get(key) or previous[key] for key in ordered_keys]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"[\n" + b",\n".join(lines) + b"\n]\n")
    return list(ordered_keys), [len(line) for line in lines]


def _patch_api(
    path: Path, records: dict[str, str], ordered_keys: Sequence[str], sizes: list[int]
) -> list[int]:
    """Rewrites models.json with the changed records replaced, copying the unchanged byte ranges
    file to file (no decoding, no splitting of tens of MB): O(changes) Python work."""
    sizes = list(sizes)
    offsets = list(itertools.accumulate((size + 2 for size in sizes), initial=2))  # "[\n", ",\n" after each
    position = {key: index for index, key in enumerate(ordered_keys)} if records else {}
    changed = sorted((position[key], record.encode("utf-8")) for key, record in records.items()
                     if key in position)  # fmt: skip
    tmp = path.with_suffix(".json.tmp")
    with path.open("rb") as source, tmp.open("wb") as target:
        cursor = 0
        for index, data in changed:
            _copy_range(source, target, cursor, offsets[index] - cursor)
            target.write(data)
            cursor = offsets[index] + sizes[index]
            sizes[index] = len(data)
        _copy_range(source, target, cursor, path.stat().st_size - cursor)
    os.replace(tmp, path)
    return sizes


def _copy_range(source: Any, target: Any, start: int, length: int) -> None:
    source.seek(start)
    target.flush()
    left = length
    while left > 0:
        try:  # in the kernel where it can
            copied = os.copy_file_range(source.fileno(), target.fileno(), left, start + length - left)
        except (AttributeError, OSError):
            copied = 0
        if copied <= 0:
            chunk = source.read(min(left, 1 << 20))
            if not chunk:
                return
            target.write(chunk)
            target.flush()
            copied = len(chunk)
        left -= copied


LISTING_FIELDS = ("name", "language", "version", "task", "date", "page", "record", "download", "s3",
                  "licensed", "conformance")  # fmt: skip
LISTING = "api/listing.json"


def _listing_row(entry: Entry, url: str) -> list[object]:
    task = entry.facets["task"][0] if entry.facets.get("task") else None
    record = "api/" + url[: -len(".html")] + ".json"
    return [entry.name, entry.language, entry.version, task, entry.date, url, record,
            entry.download or None, entry.s3 or None, entry.licensed,
            conformance_status(entry) or None]  # fmt: skip


def _listing_unchanged(changes: Changes, old: Manifest, new: Manifest) -> bool:
    for _, before, after in changes:
        old_url = old.urls.get(after.key, ("",))[0]
        if before is None or _listing_row(before, old_url) != _listing_row(after, new.urls[after.key][0]):
            return False
    return True


def write_listing_json(
    out: Path, ordered: Ordered, old: Manifest | None, new: Manifest, changes: Changes | None
) -> None:
    """api/listing.json: the compact listing (name, language, version, task, date, links), a
    small fraction of api/models.json. Rewritten only when a row of it changed."""
    known = old is not None and LISTING in old.digests and (out / LISTING).exists()
    if known and old is not None and changes is not None and _listing_unchanged(changes, old, new):
        new.digests[LISTING] = old.digests[LISTING]
        return
    rows = ",\n".join(json.dumps(_listing_row(e, p.url), ensure_ascii=False, separators=(",", ":"))
                      for e, p in ordered)  # fmt: skip
    fields = json.dumps(list(LISTING_FIELDS))
    _write_if_changed(out, LISTING, f'{{"fields":{fields},\n"models":[\n{rows}\n]}}\n', old, new)


def write_conformance_page(
    out: Path, report: ConformanceReport | None, ordered: Ordered, old: Manifest | None, new: Manifest
) -> None:
    """conformance.html, the report page, when the build was given a report; removed otherwise."""
    if report is not None:
        html = pages.render_conformance_report(report, pages.report_rows(report, ordered), len(ordered))
        _write_if_changed(out, REPORT_PAGE, html, old, new)
    elif old is not None and REPORT_PAGE in old.digests:
        _unlink(out / REPORT_PAGE)


def write_site_files(
    out: Path, ordered: Ordered, base_url: str, old: Manifest | None, new: Manifest,
    pages_too: Sequence[str] = (),
) -> None:
    """sitemap.xml (the index, the facet overview, `pages_too` and every model page), 404.html,
    compare.html and the static assets."""
    urls = ["index.html", "facets/index.html", *pages_too, *(placement.url for _, placement in ordered)]
    base = html.escape(base_url)
    sitemap = "\n".join(f"<url><loc>{base}{url}</loc></url>" for url in urls)
    urlset = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    text = f'<?xml version="1.0" encoding="UTF-8"?>\n{urlset}\n{sitemap}\n</urlset>\n'
    _write_if_changed(out, "sitemap.xml", text, old, new)
    _write_if_changed(out, "404.html", pages.render_not_found(len(ordered)), old, new)
    _write_if_changed(out, "compare.html", pages.render_compare(len(ordered)), old, new)
    static = Path(__file__).parent / "static"
    for asset in sorted(static.iterdir()):
        _write_if_changed(out, f"static/{asset.name}", asset.read_text(encoding="utf-8"), old, new)
    from site_builder.render import pygments_css

    _write_if_changed(out, "static/highlight.css", pygments_css(), old, new)
