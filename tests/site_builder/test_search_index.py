from __future__ import annotations

import json
import re

from site_builder.entries import Entry, place, tokens
from site_builder.search_index import ALPHABET, DOC_CHUNK, affected_by, build_index


def _entry(i: int, name: str, text: str, task: str, tags: str = "tag") -> Entry:
    title = name.replace("_", " ").title()
    return Entry(
        key=f"k{i}",
        name=name,
        language="en",
        title=title,
        date="2020-01-01",
        version="1.0.0",
        spark_version="3.0",
        facets={"task": [task], "language": ["en"]},
        tags=tags.split(),
        excerpt=text[:20],
        terms=" ".join(sorted(tokens(f"{name} {title} {tags} {text}"))),
        name_terms=" ".join(sorted(tokens(name))),
        title_terms=" ".join(sorted(tokens(title))),
        tag_terms=" ".join(sorted(tokens(tags))),
        errors=0,
        warnings=0,
        deprecated=False,
    )


def _load(text: str) -> tuple[str, object]:
    match = re.fullmatch(r'cardhubData\("([^"]+)",(.*)\);\n', text, re.S)
    assert match, text[:80]
    return match.group(1), json.loads(match.group(2))


def _postings(encoded: list[int]) -> dict[int, int]:
    """Independent decoding of the documented layout: delta * 8 + field."""
    out, total = {}, 0
    for value in encoded:
        total += value // 8
        out[total] = value % 8
    return out


def test_tokens_lowercase_split_and_drop_stopwords_and_single_letters() -> None:
    assert tokens("The sent_small_BERT-L6 of a model, v2") == {"sent", "small", "bert", "l6", "model", "v2"}


def test_index_chunks_hold_documents_terms_inner_parts_and_facet_columns() -> None:
    entries = [
        _entry(i, f"model_{i:03d}" + ("_biobert" if i == 3 else ""),
               "bert embeddings" if i % 2 else "ner clinical", "T" + str(i % 3))
        for i in range(DOC_CHUNK + 5)
    ]  # fmt: skip
    placements = place(entries)
    ordered = [(e, placements[e.key]) for e in entries]
    files = {name: _load(text) for name, text in build_index(ordered).items()}
    assert files["docs/0.js"][0] == "docs/0" and len(files["docs/0.js"][1]) == DOC_CHUNK  # type: ignore[arg-type]
    assert len(files["docs/1.js"][1]) == 5  # type: ignore[arg-type]
    bert = _postings(files["terms/be.js"][1]["t"]["bert"])  # type: ignore[index]
    assert bert == {i: 0 for i in range(len(entries)) if i % 2}  # in the description only
    model = _postings(files["terms/mo.js"][1]["t"]["model"])  # type: ignore[index]
    assert model == {i: 4 for i in range(len(entries))}  # "model" leads every name
    # "biobert" is in doc 3's name: its inner parts "iobert", "obert", "bert" point at it.
    assert _postings(files["terms/be.js"][1]["i"]["bert"]) == {3: 3}  # type: ignore[index]
    assert _postings(files["terms/bi.js"][1]["t"]["biobert"]) == {3: 3}  # type: ignore[index]  # third word
    inner_ob = files["terms/ob.js"][1]["i"]  # type: ignore[index]
    assert "bert" not in inner_ob and "obert" in inner_ob
    meta = files["meta.js"][1]
    assert meta["docs"] == len(entries) and len(meta["rank"]) == len(entries)  # type: ignore[index]
    column = files["cols/task.js"][1]
    decoded = [column["c"][ALPHABET.index(ch)] for ch in column["s"]]  # type: ignore[index]
    assert decoded == [["T" + str(i % 3)] for i in range(len(entries))]


def test_rank_prefers_recommended_supported_newest_and_recent() -> None:
    old = _entry(0, "a", "x", "T")
    status = {"status": ["Recommended", "Supported"]}
    recommended = Entry(**{**old.__dict__, "key": "k1", "name": "b", "digest": "", "facets": status,
                           "date": "2025-01-01"})  # fmt: skip
    deprecated = Entry(**{**old.__dict__, "key": "k2", "name": "c", "digest": "", "deprecated": True})
    placements = place([old, recommended, deprecated])
    files = build_index([(e, placements[e.key]) for e in (old, recommended, deprecated)])
    rank = _load(files["meta.js"])[1]["rank"]  # type: ignore[index]
    values = [ALPHABET.index(ch) for ch in rank]
    assert values[1] > values[0] > values[2] == 0


def test_index_payload_cannot_close_a_script_element() -> None:
    entry = _entry(0, "x", "</script><script>alert(1)</script>", "T")
    placements = place([entry])
    files = build_index([(entry, placements[entry.key])])
    assert all("</script" not in text for text in files.values())


def test_partial_index_equals_the_full_one_on_the_chunks_a_change_touches() -> None:
    entries = [
        _entry(i, f"model_{i:03d}", "bert embeddings" if i % 2 else "ner clinical", "T") for i in range(450)
    ]
    changed = _entry(301, "model_301", "totally different words", "U")
    after = [*entries[:301], changed, *entries[302:]]
    placements = place(after)
    ordered = [(e, placements[e.key]) for e in after]
    full = build_index(ordered)
    partial = build_index(ordered, affected_by([(301, entries[301], changed)]))
    expected = {f"docs/{301 // DOC_CHUNK}.js", "terms/to.js", "terms/be.js", "cols/task.js", "meta.js"}
    assert expected <= set(partial)
    assert "docs/0.js" not in partial and "terms/ne.js" not in partial and "terms/mo.js" not in partial
    assert all(full[name] == text for name, text in partial.items())


def test_patched_shards_equal_the_recomputed_ones() -> None:
    before = [
        _entry(i, f"model_{i:03d}", "bert embeddings" if i % 2 else "ner clinical", "T") for i in range(300)
    ]
    placements = place(before)
    old_files = build_index([(e, placements[e.key]) for e in before])
    # doc 7 gains "bertology" in its name (inner parts too), loses "ner" and "clinical"
    changed = _entry(7, "model_007_bertology", "bertology clinical words", "T")
    after = [*before[:7], changed, *before[8:]]
    placements = place(after)
    ordered = [(e, placements[e.key]) for e in after]
    patched = build_index(ordered, affected_by([(7, before[7], changed)]), old_files.get)
    full = build_index(ordered)
    assert {"terms/be.js", "terms/cl.js", "terms/wo.js", "terms/em.js", "terms/lo.js"} <= set(patched)
    assert all(full[name] == text for name, text in patched.items())
    shard = _load(patched["terms/be.js"])[1]
    assert 7 not in _postings(shard["t"]["bert"]) and _postings(shard["t"]["bertology"]) == {7: 3}  # type: ignore[index]
