"""What each Spark NLP annotator computes, as plain functions over annotations (no pyspark).

The pyspark stages (`runtime.compat.stages`), `LightPipeline` and `nlu` all call these, so a
pipeline gives the same annotations on a cluster, in one process and through nlu. Each function
follows the Scala annotator it names; the offsets and metadata are Spark NLP's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from runtime.compat.annotation import DOCUMENT, SENTENCE_EMBEDDINGS, TOKEN, WORD_EMBEDDINGS, Annotation

if TYPE_CHECKING:
    from runtime.compat.sentence_detector import SentenceDetectorOptions
    from runtime.compat.token_rules import TokenizerOptions
    from runtime.models import EmbeddingModel

# DocumentAssembler.assemble's cleanup modes (spark-nlp DocumentAssembler.scala). Java's `\s` is
# ASCII whitespace only, hence the explicit class. "\\n" in the *_full modes is the two
# characters backslash + n ("stringified" newlines).
_JAVA_SPACE = "[ \t\n\x0b\f\r]"
_CLEANUPS: dict[str, Callable[[str], str]] = {
    "disabled": lambda t: t,
    "inplace": lambda t: re.sub(_JAVA_SPACE, " ", t),
    "inplace_full": lambda t: re.sub(_JAVA_SPACE + r"|(?:\\r)?(?:\\n)|(?:\\t)", " ", t),
    "shrink": lambda t: re.sub(_JAVA_SPACE + "+", " ", t.strip()),
    "shrink_full": lambda t: re.sub(_JAVA_SPACE + r"+|(?:\\r)*(?:\\n)+|(?:\\t)+", " ", t.strip()),
    "each": lambda t: re.sub(_JAVA_SPACE + "[\n\t]", " ", t),
    "each_full": lambda t: re.sub(_JAVA_SPACE + r"(?:\n|\t|(?:\\r)?(?:\\n)|(?:\\t))", " ", t),
    "delete_full": lambda t: re.sub(r"(?:\\r)?(?:\\n)|(?:\\t)", "", t.strip()),
}
CLEANUP_MODES = tuple(_CLEANUPS)


def check_cleanup_mode(mode: str) -> str:
    normalized = mode.strip().lower()
    if normalized not in _CLEANUPS:
        raise ValueError(
            f"DocumentAssembler cleanupMode {mode!r} is not one of {', '.join(CLEANUP_MODES)}"
        )
    return normalized


def assemble_document(
    text: str | None, cleanup_mode: str = "disabled", metadata: Mapping[str, str] | None = None
) -> list[Annotation]:
    """DocumentAssembler.assemble: one document annotation covering the (cleaned) text. An
    empty text gives begin 0, end -1, as Spark NLP does."""
    cleaned = _CLEANUPS[check_cleanup_mode(cleanup_mode)](text or "")
    return [Annotation(DOCUMENT, 0, len(cleaned) - 1, cleaned, {"sentence": "0", **(metadata or {})})]


def _sentence_index(annotation: Annotation, default: int) -> int:
    try:
        return int(annotation.metadata.get("sentence", default))
    except ValueError:
        return default


def detect_sentences(
    documents: Sequence[Annotation], options: SentenceDetectorOptions | None = None
) -> list[Annotation]:
    """SentenceDetector.annotate: the sentences of all the row's documents, sorted by begin and
    then numbered, each carrying its document's metadata. Offsets are within each document's
    text: Spark NLP does not add the document's begin (always 0 from DocumentAssembler)."""
    from runtime.compat.sentence_detector import SentenceDetectorOptions, detect_sentences

    options = options or SentenceDetectorOptions()
    spans = [
        (span, document)
        for document in documents
        for span in detect_sentences(document.result, options)
    ]
    spans.sort(key=lambda pair: pair[0].begin)
    return [
        Annotation(DOCUMENT, span.begin, span.end, span.text, {**document.metadata, "sentence": str(index)})
        for index, (span, document) in enumerate(spans)
    ]


def tokenize(sentences: Sequence[Annotation], options: TokenizerOptions | None = None) -> list[Annotation]:
    """TokenizerModel.annotate: the tokens of each sentence, with document offsets and the
    sentence's index in metadata."""
    from runtime.compat.token_rules import TokenizerOptions, tokenize

    options = options or TokenizerOptions()
    out: list[Annotation] = []
    for sentence in sentences:
        index = str(_sentence_index(sentence, 0))
        for token in tokenize(sentence.result, options, offset=sentence.begin):
            out.append(Annotation(TOKEN, token.begin, token.end, token.text, {"sentence": index}))
    return out


@dataclass(frozen=True)
class TokenizedSentence:
    """A sentence with the tokens inside its span (TokenizedWithSentence.unpack)."""

    sentence: Annotation
    index: int
    tokens: tuple[Annotation, ...]


def group_tokens(sentences: Sequence[Annotation], tokens: Sequence[Annotation]) -> list[TokenizedSentence]:
    """Tokens are matched to sentences by span, as Spark NLP's unpack does (not by metadata)."""
    grouped: list[TokenizedSentence] = []
    for position, sentence in enumerate(sentences):
        inside = tuple(t for t in tokens if t.begin >= sentence.begin and t.end <= sentence.end)
        grouped.append(TokenizedSentence(sentence, _sentence_index(sentence, position), inside))
    return grouped


def embed_sentences(model: EmbeddingModel, rows: Sequence[Sequence[Annotation]]) -> list[list[Annotation]]:
    """BertSentenceEmbeddings over many rows at once: every sentence of every row goes to the
    model in one call, so that the runtime sorts and batches them together (Bert.predictSequence
    gives begin/end/result of the sentence and this metadata)."""
    flat = [sentence for row in rows for sentence in row]
    vectors = model.embed([s.result for s in flat]) if flat else np.zeros((0, 0), dtype=np.float32)
    out: list[list[Annotation]] = []
    position = 0
    for row in rows:
        annotated: list[Annotation] = []
        for order, sentence in enumerate(row):
            metadata = {
                **sentence.metadata,
                "sentence": str(_sentence_index(sentence, order)),
                "token": sentence.result,
                "pieceId": "-1",
                "isWordStart": "true",
            }
            annotated.append(
                Annotation(
                    SENTENCE_EMBEDDINGS, sentence.begin, sentence.end, sentence.result, metadata,
                    vectors[position],
                )
            )
            position += 1
        out.append(annotated)
    return out


def embed_tokens(
    model: EmbeddingModel, rows: Sequence[Sequence[TokenizedSentence]], case_sensitive: bool
) -> list[list[Annotation]]:
    """BertEmbeddings over many rows at once: one vector per token, at its first wordpiece;
    tokens with no wordpiece get none (Bert.predict + WordpieceEmbeddingsSentence.pack: result
    and metadata "token" are the token, lowercased for uncased models)."""
    sentences = [sentence for row in rows for sentence in row]
    embedded = model.iter_embed_token_lists([[t.result for t in s.tokens] for s in sentences])
    out: list[list[Annotation]] = []
    for row in rows:
        annotated: list[Annotation] = []
        for sentence, (kept, vectors, piece_ids) in zip(row, embedded, strict=False):
            for position, vector, piece_id in zip(kept, vectors, piece_ids, strict=True):
                token = sentence.tokens[int(position)]
                text = token.result if case_sensitive else token.result.lower()
                metadata = {
                    "sentence": str(sentence.index),
                    "token": text,
                    "pieceId": str(int(piece_id)),
                    "isWordStart": "true",
                    "isOOV": "false",
                }
                annotated.append(Annotation(WORD_EMBEDDINGS, token.begin, token.end, text, metadata, vector))
        out.append(annotated)
    return out

