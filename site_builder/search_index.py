"""The client-side search index, in small chunks so that a query loads only what it needs.

Chunks are JavaScript files calling `cardhubData(name, value)` rather than JSON: a page opened
from file:// may load scripts but not fetch() JSON. Layout under `search/`:

- `meta.js`: number of documents, doc chunk size, facet labels, and `rank`: one character per
  document (recommended, supported, newest version, year of the card) for ranking;
- `docs/<n>.js`: result rows for documents n*DOC_CHUNK .. (url, name, language, title, version,
  task, excerpt, deprecated, newest, licensed, conformance status or ""); small, so that the
  first results cost a few kB;
- `terms/<xx>.js`: under "t" every term starting with `xx`, under "i" every inner part of a
  name, title or tag word starting with `xx` (the "bert" of "biobert": a query word also
  matches inside words), each with its postings: the sorted document ids, delta-encoded, times
  eight plus the best field the term is in (4 one of the name's first two words, 3 elsewhere in
  the name, 2 title, 1 tags, 0 description);
- `cols/<facet>.js`: one or two characters per document naming its value(s) of the facet, so
  that the page can filter by facet and count each value among the results of any query.

Document ids are positions in the index's order (by name, language, newest version first)."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from site_builder.entries import FACETS, Entry, Placement, conformance_status, ordered_tokens

DOC_CHUNK = 16
MIN_INNER = 3  # shortest inner part indexed (and shortest query word matched inside words)
HEAD, NAME, TITLE, TAGS, TEXT = 4, 3, 2, 1, 0
HEAD_WORDS = 2  # "sent_biobert_pubmed" is about biobert; "bert_classifier_rct_biobert" less so
FIELD_BITS = 3
# Characters of the rank string and facet columns: printable ASCII without '"' and '\\', so
# that no character needs escaping in JSON.
ALPHABET = "".join(chr(c) for c in range(35, 127) if c != 92)


def shard_of(term: str) -> str:
    return term[:2]


def _chunk(name: str, value: object) -> str:
    # "</" closes nothing in a .js file, but escaping it keeps the payload inert anywhere.
    payload = json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f"cardhubData({json.dumps(name)},{payload});\n"


def _read_chunk(text: str) -> Any:
    start, end = text.index(",") + 1, text.rindex(");")
    return json.loads(text[start:end].replace("<\\/", "</"))


def contributions(entry: Entry) -> tuple[dict[str, int], dict[str, int]]:
    """What one document puts into the index: {term: best field} and {inner part: best field}."""
    name, title = set(entry.name_terms.split()), set(entry.title_terms.split())
    tags = set(entry.tag_terms.split())
    head = set(ordered_tokens(entry.name)[:HEAD_WORDS])
    terms: dict[str, int] = {}
    for term in entry.terms.split():
        terms[term] = (HEAD if term in head else NAME if term in name else TITLE if term in title
                       else TAGS if term in tags else TEXT)  # fmt: skip
    inner: dict[str, int] = {}
    for term, field in terms.items():
        if field == TEXT or len(term) <= MIN_INNER:
            continue
        for offset in range(1, len(term) - MIN_INNER + 1):
            part = term[offset:]
            if inner.get(part, -1) < field:
                inner[part] = field
    return terms, inner


def _encode(postings: Sequence[tuple[int, int]]) -> list[int]:
    previous, out = 0, []
    for doc_id, field in postings:
        out.append(((doc_id - previous) << FIELD_BITS) + field)
        previous = doc_id
    return out


def _decode(values: Sequence[int]) -> dict[int, int]:
    doc_id, out = 0, {}
    for value in values:
        doc_id += value >> FIELD_BITS
        out[doc_id] = value & ((1 << FIELD_BITS) - 1)
    return out


@dataclasses.dataclass(frozen=True)
class Affected:
    """The chunks a rebuild must rewrite when the documents kept their ids: the term shards and
    doc chunks of the changed documents, before and after the change."""

    shards: frozenset[str]
    doc_chunks: frozenset[int]
    changes: tuple[tuple[int, Entry | None, Entry], ...] = ()


def affected_by(changed: Sequence[tuple[int, Entry | None, Entry]]) -> Affected:
    """`changed`: (document id, entry before, entry after) of each changed document. Only keys a
    document gained, lost or moved to another field matter: the others keep its postings."""
    shards: set[str] = set()
    chunks: set[int] = set()
    for doc_id, before, after in changed:
        chunks.add(doc_id // DOC_CHUNK)
        old = contributions(before) if before else ({}, {})
        new = contributions(after)
        for old_table, new_table in zip(old, new, strict=True):
            shards.update(shard_of(key) for key in old_table.keys() | new_table.keys()
                          if old_table.get(key) != new_table.get(key))  # fmt: skip
    return Affected(frozenset(shards), frozenset(chunks), tuple(changed))


def build_index(
    ordered: Sequence[tuple[Entry, Placement]],
    only: Affected | None = None,
    previous: Callable[[str], str | None] | None = None,
) -> dict[str, str]:
    """The chunk files of the index, as {path under search/: content}: all of them, or `only`
    those a change affects (plus meta.js). With `previous` (the text of a chunk as last
    written), the affected term shards and the rank string are patched rather than recomputed
    from every document."""
    files: dict[str, str] = {}
    for start in range(0, len(ordered), DOC_CHUNK):
        if only is None or start // DOC_CHUNK in only.doc_chunks:
            rows = [_doc_row(e, p) for e, p in ordered[start : start + DOC_CHUNK]]
            files[f"docs/{start // DOC_CHUNK}.js"] = _chunk(f"docs/{start // DOC_CHUNK}", rows)
    if only is not None and previous is not None:
        files.update(_patched_term_chunks(only, previous, ordered))
    else:
        files.update(_term_chunks(ordered, None if only is None else only.shards))
    for facet, _ in FACETS:
        if only is None or any((before.facets.get(facet) if before else None) != after.facets.get(facet)
                               for _, before, after in only.changes):  # fmt: skip
            files[f"cols/{facet}.js"] = _chunk(f"cols/{facet}", facet_column(ordered, facet))
    meta = {"docs": len(ordered), "chunk": DOC_CHUNK, "labels": dict(FACETS), "rank": ""}
    last = previous("meta.js") if only is not None and previous is not None else None
    last_rank = _read_chunk(last).get("rank", "") if last else ""
    if only is not None and len(last_rank) == len(ordered):
        rank = list(last_rank)
        for doc_id, _, _ in only.changes:
            rank[doc_id] = _rank_char(*ordered[doc_id])
        meta["rank"] = "".join(rank)
    else:
        meta["rank"] = rank_string(ordered)
    files["meta.js"] = _chunk("meta", meta)
    return files


def rank_string(ordered: Sequence[tuple[Entry, Placement]]) -> str:
    """One character per document: recommended (32), supported (16), newest version (8) and the
    card's year since 2019 (0-7); 0 for a deprecated card. Ranks ties between equal matches."""
    return "".join(_rank_char(entry, placement) for entry, placement in ordered)


def _rank_char(entry: Entry, placement: Placement) -> str:
    if entry.deprecated:
        return ALPHABET[0]
    status = entry.facets.get("status", ())
    year = int(entry.date[:4]) if entry.date and entry.date[:4].isdigit() else 2019
    value = min(7, max(0, year - 2019))
    value += 32 * ("Recommended" in status) + 16 * ("Supported" in status) + 8 * placement.newest
    return ALPHABET[value]


def facet_column(ordered: Sequence[tuple[Entry, Placement]], facet: str) -> dict[str, object]:
    """{"c": the distinct value sets, "w": characters per document, "s": one code per document}:
    code k (base len(ALPHABET)) names the value set c[k]; c[0] is the empty set."""
    combos: dict[tuple[str, ...], int] = {(): 0}
    codes = []
    for entry, _ in ordered:
        values = tuple(entry.facets.get(facet, ()))
        codes.append(combos.setdefault(values, len(combos)))
    base = len(ALPHABET)
    width = 1 if len(combos) <= base else 2
    if width == 1:
        text = "".join(ALPHABET[code] for code in codes)
    else:
        text = "".join(ALPHABET[code // base] + ALPHABET[code % base] for code in codes)
    return {"c": [list(values) for values in combos], "w": width, "s": text}


def _doc_row(entry: Entry, placement: Placement) -> list[object]:
    task = (entry.facets.get("task") or [""])[0]
    return [placement.url, entry.name, entry.language, entry.title, entry.version or "", task,
            entry.excerpt, int(entry.deprecated), int(placement.newest), int(entry.licensed),
            conformance_status(entry)]  # fmt: skip


def _term_chunks(ordered: Sequence[tuple[Entry, Placement]], shards: frozenset[str] | None) -> dict[str, str]:
    tables: dict[str, dict[str, dict[str, list[tuple[int, int]]]]] = {}
    for doc_id, (entry, _) in enumerate(ordered):
        for table_key, table in zip("ti", contributions(entry), strict=True):
            for key, field in table.items():
                shard = key[:2]
                if shards is not None and shard not in shards:
                    continue
                shard_tables = tables.setdefault(shard, {"t": defaultdict(list), "i": defaultdict(list)})
                shard_tables[table_key][key].append((doc_id, field))
    for shard in shards or ():  # a shard whose last key went away must be rewritten empty
        tables.setdefault(shard, {"t": defaultdict(list), "i": defaultdict(list)})
    return {
        f"terms/{shard}.js": _chunk(f"terms/{shard}", {
            table_key: {key: _encode(postings) for key, postings in sorted(table.items())}
            for table_key, table in data.items()})
        for shard, data in tables.items()
    }  # fmt: skip


def _patched_term_chunks(
    only: Affected, previous: Callable[[str], str | None], ordered: Sequence[tuple[Entry, Placement]]
) -> dict[str, str]:
    """The affected shards, from their previous text: each changed document leaves the keys it
    lost, joins the keys it gained and moves where its field changed; no other posting list is
    decoded. O(size of those shards), not O(catalog)."""
    files: dict[str, str] = {}
    missing: set[str] = set()
    changes = [(doc_id, contributions(before) if before else ({}, {}), contributions(after))
               for doc_id, before, after in only.changes]  # fmt: skip
    for shard in sorted(only.shards):
        text = previous(f"terms/{shard}.js")
        if text is None:
            missing.add(shard)
            continue
        tables = _read_chunk(text)
        for index, table_key in enumerate("ti"):
            table: dict[str, list[int]] = tables.setdefault(table_key, {})
            for doc_id, old, new in changes:
                old_keys, new_keys = old[index], new[index]
                for key in {k for k in (*old_keys, *new_keys) if k[:2] == shard}:
                    if old_keys.get(key) == new_keys.get(key):
                        continue
                    postings = _decode(table.get(key, []))
                    postings.pop(doc_id, None)
                    if key in new_keys:
                        postings[doc_id] = new_keys[key]
                    table[key] = _encode(sorted(postings.items()))
            tables[table_key] = {key: ids for key, ids in sorted(table.items()) if ids}
        files[f"terms/{shard}.js"] = _chunk(f"terms/{shard}", tables)
    if missing:
        files.update(_term_chunks(ordered, frozenset(missing)))
    return files
