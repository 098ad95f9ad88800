from __future__ import annotations

import json
import re

from site_builder.entries import Entry, place, tokens
from site_builder.search_index import DOC_CHUNK, affected_by, build_index


def _entry(i: int, name: str, text: str, task: str) -> Entry:
    return Entry(
        key=f"k{i}",
        name=name,
        language="en",
        title=name.replace("_", " ").title(),
        date="2020-01-01",
        version="1.0.0",
        spark_version="3.0",
        facets={"task": [task], "language": ["en"]},
        tags=["tag"],
        excerpt=text[:20],
        terms=" ".join(sorted(tokens(f"{name} {text}"))),
        strong_terms=" ".join(sorted(tokens(name))),
        errors=0,
        warnings=0,
        deprecated=False,
    )


def _load(text: str) -> tuple[str, object]:
    match = re.fullmatch(r'cardhubData\("([^"]+)",(.*)\);\n', text, re.S)
    assert match, text[:80]
    return match.group(1), json.loads(match.group(2))


def _undelta(deltas: list[int]) -> list[int]:
    out, total = [], 0
    for d in deltas:
        total += d
        out.append(total)
    return out


def test_tokens_lowercase_split_and_drop_stopwords_and_single_letters() -> None:
    assert tokens("The sent_small_BERT-L6 of a model, v2") == {"sent", "small", "bert", "l6", "model", "v2"}


def test_index_chunks_hold_documents_terms_and_facets() -> None:
    entries = [
        _entry(i, f"model_{i:03d}", "bert embeddings" if i % 2 else "ner clinical", "T" + str(i % 3))
        for i in range(DOC_CHUNK + 5)
    ]
    placements = place(entries)
    ordered = [(e, placements[e.key]) for e in entries]
    files = {name: _load(text) for name, text in build_index(ordered).items()}
    assert files["docs/0.js"][0] == "docs/0" and len(files["docs/0.js"][1]) == DOC_CHUNK  # type: ignore[arg-type]
    assert len(files["docs/1.js"][1]) == 5  # type: ignore[arg-type]
    bert = files["terms/be.js"][1]["w"]["bert"]  # type: ignore[index]
    assert _undelta(bert) == [i for i in range(len(entries)) if i % 2]
    strong = files["terms/mo.js"][1]["s"]["model"]  # type: ignore[index]
    assert _undelta(strong) == list(range(len(entries)))  # "model" is in every name
    meta = files["meta.js"][1]
    assert meta["docs"] == len(entries) and meta["facets"]["task"] == {"T0": "t0", "T1": "t1", "T2": "t2"}  # type: ignore[index]
    assert _undelta(files["facets/task/t1.js"][1]) == [i for i in range(len(entries)) if i % 3 == 1]  # type: ignore[arg-type]


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
    assert {
        "docs/1.js",
        "terms/to.js",
        "terms/be.js",
        "facets/task/u.js",
        "facets/task/t.js",
        "meta.js",
    } <= set(partial)
    assert "docs/0.js" not in partial and "terms/ne.js" not in partial
    assert all(full[name] == text for name, text in partial.items())


def test_patched_shards_equal_the_recomputed_ones() -> None:
    before = [
        _entry(i, f"model_{i:03d}", "bert embeddings" if i % 2 else "ner clinical", "T") for i in range(300)
    ]
    placements = place(before)
    old_files = build_index([(e, placements[e.key]) for e in before])
    changed = _entry(7, "model_007", "bertology clinical words", "T")
    after = [*before[:7], changed, *before[8:]]
    placements = place(after)
    ordered = [(e, placements[e.key]) for e in after]
    patched = build_index(ordered, affected_by([(7, before[7], changed)]), old_files.get)
    full = build_index(ordered)
    assert {"terms/be.js", "terms/cl.js", "terms/wo.js", "terms/em.js"} <= set(patched)
    assert all(full[name] == text for name, text in patched.items())
    bert = _load(patched["terms/be.js"])[1]["w"]  # type: ignore[index]
    assert 7 not in _undelta(bert["bert"]) and _undelta(bert["bertology"]) == [7]
