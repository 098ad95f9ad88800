"""The embedding runtime: Spark NLP's BERT vectors from onnxruntime, without a JVM.

    import runtime
    model = runtime.load(card)            # fetch -> open_model_folder -> EmbeddingModel
    model = runtime.load("path/to/folder")
    model.embed(["I hate cancer"])

Importing this package is cheap: onnxruntime, tokenizers and the artifact code load in `load`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runtime.artifacts.model_folder import ModelFolder
    from runtime.card_facts import CardFacts
    from runtime.models import EmbeddingModel

__all__ = ["load"]

_FETCH_OPTIONS = ("settings", "url", "progress")


def load(card_or_path: CardFacts | ModelFolder | str | os.PathLike[str], **options: Any) -> EmbeddingModel:
    """A ready model from a card (downloaded or taken from the cache), a model folder on disk
    (Spark NLP or HuggingFace layout) or an already opened ModelFolder.

    Options: `settings`, `url`, `progress` go to `fetch`; the rest are ModelOptions (threads,
    batch_size, window, max_sentence_length, case_sensitive, annotator, cache_optimized)."""
    from runtime.artifacts.model_folder import ModelFolder
    from runtime.models import EmbeddingModel, ModelOptions, check_supported

    fetch_options = {key: options.pop(key) for key in _FETCH_OPTIONS if key in options}
    model_options = ModelOptions(**options)
    if isinstance(card_or_path, ModelFolder):
        return EmbeddingModel(card_or_path, None, model_options)
    from runtime.artifacts import open_model_folder

    if isinstance(card_or_path, (str, os.PathLike)):
        return EmbeddingModel(open_model_folder(Path(card_or_path)), None, model_options)
    from runtime.artifacts import fetch

    card = card_or_path
    _refuse_licensed(card)
    # Refuse before downloading hundreds of MB that we could not run.
    check_supported(model_options.annotator or card.annotator, card.name)
    folder = open_model_folder(fetch(card, **fetch_options), card)
    return EmbeddingModel(folder, card, model_options)


def _refuse_licensed(card: CardFacts) -> None:
    """A licensed model's artifact is not public: say so now, not after the download's retries."""
    reasons = list(getattr(card, "license_reasons", ()) or ())
    if reasons:
        from runtime.errors import LicenseRequiredError

        raise LicenseRequiredError(
            f"{card.path}: {card.name} ({card.language}) needs a license: {'; '.join(reasons)}. "
            "cardhub cannot download it from the public bucket (fix: download it with your license "
            "and load the unzipped folder: registry.load('/path/to/model_folder'))"
        )
