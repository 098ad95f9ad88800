"""What the embedding runtime needs from a model folder on disk, whatever its layout."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True, kw_only=True)
class ModelFolder:
    """A readable model folder: an unpacked Spark NLP download or a HuggingFace-style folder.

    A frozen dataclass, not a pydantic model: its values come from the folder readers, already
    typed, and a cold `registry.load` should not pay for building a validator it never needs."""

    path: Path
    layout: Literal["sparknlp", "huggingface"]
    annotator_class: str | None = None
    """From metadata/part-00000, e.g. 'com.johnsnowlabs.nlp.embeddings.BertSentenceEmbeddings'."""
    onnx_path: Path
    """The raw .onnx file on disk (extracted from the bert_*_onnx zip for Spark NLP folders);
    any external-data file sits beside it."""
    vocabulary: tuple[str, ...] | None = None
    """WordPiece vocabulary in id order; None when only tokenizer_json is given."""
    tokenizer_json: Path | None = None
    case_sensitive: bool = False
    max_sentence_length: int = 128
    batch_size: int = 8
    dimension: int | None = None
    card_mismatches: tuple[str, ...] = ()
    """Loose disagreements between the metadata and the card (dimension, maxSentenceLength);
    the metadata's values are used. Also emitted as warnings when the folder is opened."""
