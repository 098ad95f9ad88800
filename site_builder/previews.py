"""`cardhub build --previews`: on each embeddings model page whose model is already in the
runtime's cache, the cosine-similarity heat-map of a fixed set of probe sentences (pairs that
should be close, sentences that should not), computed at build time by the runtime, so that two
models can be compared at a glance. Nothing is downloaded: the runtime is asked in offline mode,
and a model that is not cached simply gets no picture.

Each result is kept in the output's cache folder by artifact, so a rebuild does not load the
model again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_builder.charts import Chart, heat_map

if TYPE_CHECKING:
    from registry import Card

# (sentence, group): sentences of one group should be close, of different groups not.
PROBES: tuple[tuple[str, str], ...] = (
    ("A man is playing a guitar.", "music"),
    ("Someone is playing an instrument.", "music"),
    ("The cat sleeps on the sofa.", "pets"),
    ("A kitten is napping on the couch.", "pets"),
    ("Stock markets fell sharply today.", "finance"),
    ("The patient was given antibiotics.", "medicine"),
)
SENTENCE_ANNOTATORS = {"BertSentenceEmbeddings": "sentence", "BertEmbeddings": "token"}


def _probe_key(artifact: str) -> str:
    text = artifact + "\0" + "\0".join(s for s, _ in PROBES)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def previews_for(cards: Iterable[Card], cache_folder: Path, settings: Any = None) -> dict[str, Chart]:
    """{card path: heat-map chart} for every supported, public card whose model is cached."""
    cache_folder.mkdir(parents=True, exist_ok=True)
    charts: dict[str, Chart] = {}
    for card in cards:
        level = SENTENCE_ANNOTATORS.get((card.annotator or "").rsplit(".", 1)[-1])
        if level is None or card.licensed or not card.artifact:
            continue
        stored = cache_folder / f"{_probe_key(card.artifact)}.json"
        matrix = json.loads(stored.read_text()) if stored.is_file() else _compute(card, level, settings)
        if matrix is None:
            continue
        if not stored.is_file():
            stored.write_text(json.dumps(matrix))
        charts[card.path] = heat_map(
            "chart-probes", f"How {card.name} places {len(PROBES)} probe sentences (cosine similarity)",
            [s for s, _ in PROBES], matrix,
        )  # fmt: skip
    return charts


def _compute(card: Card, level: str, settings: Any) -> list[list[float]] | None:
    import numpy as np

    import runtime
    from runtime.config import Settings
    from runtime.errors import RuntimeErrorBase

    offline = (settings or Settings.from_env()).with_(offline=True)
    try:
        model = runtime.load(card, settings=offline, progress=False)
        texts = [s for s, _ in PROBES]
        if level == "token":  # a token model: the mean of its token vectors stands for the sentence
            vectors = np.stack([v.mean(axis=0) for _, v in model.embed_tokens(texts)])
        else:
            vectors = model.embed(texts)
    except RuntimeErrorBase:
        return None  # not in the cache (or not runnable): no picture
    vectors = np.asarray(vectors, dtype=np.float64)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return [[round(float(v), 6) for v in row] for row in unit @ unit.T]
