"""The client-side search index, in small chunks so that no page loads a big file.

Chunks are JavaScript files calling `cardhubData(name, value)` rather than JSON: a page opened
from file:// may load scripts but not fetch() JSON. Layout under `search/`:

- `meta.js`: number of documents, chunk size, the facet values and their file slugs;
- `docs/<n>.js`: rows for documents n*DOC_CHUNK .. (url, name, language, title, version, task,
  excerpt, deprecated, newest);
- `terms/<xx>.js`: the terms starting with `xx`, each with its sorted document ids delta-encoded,
  under "w" (anywhere) and "s" (in the name, title or tags; ranked higher);
- `facets/<facet>/<value>.js`: delta-encoded ids of the documents having that value.

Document ids are positions in the index's order (by name, language, newest version first)."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from site_builder.entries import FACETS, Entry, Placement, safe_slug

DOC_CHUNK = 200


def shard_of(term: str) -> str:
    return term[:2]


def _deltas(ids: Sequence[int]) -> list[int]:
    previous, out = 0, []
    for doc_id in ids:
        out.append(doc_id - previous)
        previous = doc_id
    return out


def _chunk(name: str, value: object) -> str:
    # "</" closes nothing in a .js file, but escaping it keeps the payload inert anywhere.
    payload = json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f"cardhubData({json.dumps(name)},{payload});\n"


@dataclasses.dataclass(frozen=True)
class Affected:
    """The chunks a rebuild must rewrite when the documents kept their ids: the term shards, doc
    chunks and facet values of the changed documents, before and after the change."""

    shards: frozenset[str]
    doc_chunks: frozenset[int]
    facet_values: frozenset[tuple[str, str]]
    changes: tuple[tuple[int, Entry | None, Entry], ...] = ()


def affected_by(changed: Sequence[tuple[int, Entry | None, Entry]]) -> Affected:
    """`changed`: (document id, entry before, entry after) of each changed document. Only terms
    and facet values a document gained or lost matter: the others keep its id."""
    shards: set[str] = set()
    chunks: set[int] = set()
    values: set[tuple[str, str]] = set()
    for doc_id, before, after in changed:
        chunks.add(doc_id // DOC_CHUNK)
        for attribute in ("terms", "strong_terms"):
            gained_or_lost = set(getattr(after, attribute).split()) ^ set(
                getattr(before, attribute).split() if before else ())
            shards.update(shard_of(term) for term in gained_or_lost)
        values.update(_facet_pairs(after) ^ (_facet_pairs(before) if before else set()))
    return Affected(frozenset(shards), frozenset(chunks), frozenset(values), tuple(changed))


def _facet_pairs(entry: Entry) -> set[tuple[str, str]]:
    return {(facet, value) for facet, values in entry.facets.items() for value in values}


def build_index(
    ordered: Sequence[tuple[Entry, Placement]],
    only: Affected | None = None,
    previous: Callable[[str], str | None] | None = None,
) -> dict[str, str]:
    """The chunk files of the index, as {path under search/: content}: all of them, or `only`
    those a change affects (plus meta.js). With `previous` (the text of a chunk as last
    written), the affected term shards are patched rather than recomputed from every document."""
    files: dict[str, str] = {}
    for start in range(0, len(ordered), DOC_CHUNK):
        if only is None or start // DOC_CHUNK in only.doc_chunks:
            rows = [_doc_row(e, p) for e, p in ordered[start : start + DOC_CHUNK]]
            files[f"docs/{start // DOC_CHUNK}.js"] = _chunk(f"docs/{start // DOC_CHUNK}", rows)
    if only is not None and previous is not None:
        files.update(_patched_term_chunks(only, previous, ordered))
    else:
        files.update(_term_chunks(ordered, None if only is None else only.shards))
    facet_slugs: dict[str, dict[str, str]] = {}
    for facet, postings in _facet_postings(ordered).items():
        facet_slugs[facet] = {}
        for value, ids in sorted(postings.items()):
            slug = safe_slug(value, lower=True)
            facet_slugs[facet][value] = slug
            if only is None or (facet, value) in only.facet_values:
                files[f"facets/{facet}/{slug}.js"] = _chunk(f"facets/{facet}/{slug}", _deltas(ids))
    meta = {"docs": len(ordered), "chunk": DOC_CHUNK, "facets": facet_slugs, "labels": dict(FACETS)}
    files["meta.js"] = _chunk("meta", meta)
    return files


def _doc_row(entry: Entry, placement: Placement) -> list[object]:
    task = (entry.facets.get("task") or [""])[0]
    return [placement.url, entry.name, entry.language, entry.title, entry.version or "", task,
            entry.excerpt, int(entry.deprecated), int(placement.newest)]  # fmt: skip


def _term_chunks(ordered: Sequence[tuple[Entry, Placement]], shards: frozenset[str] | None) -> dict[str, str]:
    anywhere: dict[str, list[int]] = defaultdict(list)
    strong: dict[str, list[int]] = defaultdict(list)
    for doc_id, (entry, _) in enumerate(ordered):
        for term in entry.terms.split():
            if shards is None or term[:2] in shards:
                anywhere[term].append(doc_id)
        for term in entry.strong_terms.split():
            if shards is None or term[:2] in shards:
                strong[term].append(doc_id)
    tables: dict[str, dict[str, dict[str, list[int]]]] = defaultdict(lambda: {"w": {}, "s": {}})
    for shard in shards or ():  # a shard whose last term went away must be rewritten empty
        tables.setdefault(shard, {"w": {}, "s": {}})
    for term, ids in sorted(anywhere.items()):
        tables[shard_of(term)]["w"][term] = _deltas(ids)
    for term, ids in sorted(strong.items()):
        tables[shard_of(term)]["s"][term] = _deltas(ids)
    return {f"terms/{shard}.js": _chunk(f"terms/{shard}", data) for shard, data in tables.items()}


def _read_chunk(text: str) -> Any:
    start, end = text.index(",") + 1, text.rindex(");")
    return json.loads(text[start:end])


def _patched_term_chunks(
    only: Affected, previous: Callable[[str], str | None], ordered: Sequence[tuple[Entry, Placement]]
) -> dict[str, str]:
    """The affected shards, from their previous text: each changed document's id leaves the
    terms it lost and joins the terms it gained; no other posting list is decoded. O(size of
    those shards), not O(catalog)."""
    files: dict[str, str] = {}
    missing: set[str] = set()
    for shard in sorted(only.shards):
        text = previous(f"terms/{shard}.js")
        if text is None:
            missing.add(shard)
            continue
        tables = _read_chunk(text)
        for table_key, attribute in (("w", "terms"), ("s", "strong_terms")):
            table: dict[str, list[int]] = tables[table_key]
            for doc_id, before, after in only.changes:
                old_words = getattr(before, attribute).split() if before else []
                old_terms = {t for t in old_words if t[:2] == shard}
                new_terms = {t for t in getattr(after, attribute).split() if t[:2] == shard}
                for term in old_terms ^ new_terms:
                    ids = set(_undelta(table.get(term, [])))
                    ids.symmetric_difference_update({doc_id})
                    table[term] = _deltas(sorted(ids))
            tables[table_key] = {term: ids for term, ids in sorted(table.items()) if ids}
        files[f"terms/{shard}.js"] = _chunk(f"terms/{shard}", tables)
    if missing:
        files.update(_term_chunks(ordered, frozenset(missing)))
    return files


def _undelta(deltas: Sequence[int]) -> list[int]:
    total, out = 0, []
    for delta in deltas:
        total += delta
        out.append(total)
    return out


def _facet_postings(ordered: Sequence[tuple[Entry, Placement]]) -> dict[str, dict[str, list[int]]]:
    postings: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for doc_id, (entry, _) in enumerate(ordered):
        for facet, values in entry.facets.items():
            for value in values:
                postings[facet][value].append(doc_id)
    return postings
