"""`pretrained(name, lang)` and `nlu.load(ref)`: from a model name to a model folder in the cache,
resolved exactly as `registry.load` resolves it, and the model loaded once per process.

The driver resolves and downloads; what a Spark worker needs is a `ModelSpec` (the folder's path
and the options that change the numbers), which pickles small and loads the model in the worker
on first use. Workers are reused across tasks (`spark.python.worker.reuse`, on by default), so
each worker process builds one onnxruntime session per model for the whole job.
"""

from __future__ import annotations

import difflib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from runtime.errors import UnknownModelReferenceError, WrongAnnotatorError

if TYPE_CHECKING:
    from runtime.card_facts import CardFacts
    from runtime.config import Settings
    from runtime.models import EmbeddingModel

_LOADED: dict[ModelSpec, EmbeddingModel] = {}
_LOADING = threading.Lock()


@dataclass(frozen=True)
class ModelSpec:
    """Everything a process needs to load the same model with the same numbers."""

    path: str
    annotator: str
    case_sensitive: bool
    max_sentence_length: int
    batch_size: int = 8
    threads: int | None = None

    def load(self) -> EmbeddingModel:
        """The model, loaded once per process and shared by every stage that names it."""
        with _LOADING:
            model = _LOADED.get(self)
            if model is None:
                import runtime

                model = runtime.load(
                    local_model_path(self.path),
                    annotator=self.annotator,
                    case_sensitive=self.case_sensitive,
                    max_sentence_length=self.max_sentence_length,
                    batch_size=self.batch_size,
                    threads=self.threads,
                )
                _LOADED[self] = model
            return model


def local_model_path(path: str) -> Path:
    """The model folder on this machine: the path itself (a local or shared cache), or the
    copy Spark distributed with `SparkContext.addFile` (see `runtime.compat.execution`)."""
    folder = Path(path)
    if folder.is_dir():
        return folder
    try:
        from pyspark import SparkFiles

        distributed = Path(SparkFiles.get(folder.name))
    except Exception:  # no SparkContext or no SparkFiles root in this process
        return folder
    return distributed if distributed.is_dir() else folder


@dataclass(frozen=True)
class PretrainedModel:
    """A card resolved and its artifact in the cache: what `pretrained()` and `nlu.load` hold."""

    card: CardFacts
    path: Path
    annotator: str
    case_sensitive: bool
    max_sentence_length: int
    batch_size: int
    dimension: int | None

    def spec(self, **changes: object) -> ModelSpec:
        values: dict[str, object] = {
            "path": str(self.path),
            "annotator": self.annotator,
            "case_sensitive": self.case_sensitive,
            "max_sentence_length": self.max_sentence_length,
            "batch_size": self.batch_size,
        }
        values.update({key: value for key, value in changes.items() if value is not None})
        return ModelSpec(**values)  # type: ignore[arg-type]


def find_card(name: str, lang: str = "en", version: str | None = None) -> CardFacts:
    """The card `registry.load(name, lang, version)` would use."""
    from registry import get, index

    return index.find(name, lang, version) or get(name, lang, version)


def pretrained(
    name: str,
    lang: str = "en",
    version: str | None = None,
    *,
    annotator: str,
    settings: Settings | None = None,
) -> PretrainedModel:
    """Resolves `name`/`lang` through the registry, fetches the artifact (cache, mirror and
    offline rules of `registry.load`) and reads the folder's parameters."""
    from runtime.artifacts import fetch, open_model_folder

    card = find_card(name, lang, version)
    declared = (card.annotator or "").rsplit(".", 1)[-1]
    if declared and declared != annotator:
        raise WrongAnnotatorError(
            f"{name} ({lang}) is a {declared} model (card {card.path}); load it with "
            f'{declared}.pretrained("{name}", "{lang}") instead of {annotator}.pretrained'
        )
    folder = open_model_folder(fetch(card, settings=settings), card)
    info = card.model_information
    return PretrainedModel(
        card=card,
        path=folder.path,
        annotator=annotator,
        case_sensitive=folder.case_sensitive,
        max_sentence_length=folder.max_sentence_length,
        batch_size=folder.batch_size,
        dimension=folder.dimension or (info.dimension if info else None),
    )


def _known_references() -> dict[str, CardFacts]:
    from registry import default_registry, index

    cards: list[CardFacts] = list(index.packaged_entries() or default_registry().cards)
    references: dict[str, CardFacts] = {}
    for card in cards:
        if card.nlu_reference:
            references.setdefault(card.nlu_reference, card)
    return references


def card_for_reference(reference: str) -> CardFacts:
    """The card whose NLU snippet loads `reference` (e.g. 'en.embed_sentence.small_bert_L6_768');
    the language prefix may be left out for English, as nlu allows."""
    known = _known_references()
    wanted = reference.strip()
    for candidate in (wanted, f"en.{wanted}"):
        if candidate in known:
            return known[candidate]
    close = difflib.get_close_matches(wanted, list(known), n=3, cutoff=0.5)
    hint = f"; closest known: {', '.join(close)}" if close else ""
    raise UnknownModelReferenceError(
        f"nlu reference {reference!r} is not in the registry ({len(known)} references from the "
        f"cards' NLU snippets){hint}"
    )
