"""What one pipeline stage does, as a small picklable value that runs anywhere.

A pyspark stage turns into a plan when it transforms; the plan goes to the Spark workers (it
pickles to a few hundred bytes: options and a `ModelSpec`, never a model) and is what
`LightPipeline` and `nlu` run in the driver's process. A plan annotates many rows at once, so
that the embedding plans send every sentence of a partition's batch to the model in one call.

A row is a mapping from column name to value: the text for DocumentAssembler's input, a list of
`Annotation` for annotation columns. As in Spark NLP's `annotate(combinedAnnotations)`, an
annotator reads the annotations of all its input columns together and picks them by type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runtime.compat import annotators
from runtime.compat.annotation import DOCUMENT, SENTENCE_EMBEDDINGS, TOKEN, WORD_EMBEDDINGS, Annotation
from runtime.errors import PipelineError

if TYPE_CHECKING:
    from runtime.compat.pretrained import ModelSpec
    from runtime.compat.sentence_detector import SentenceDetectorOptions
    from runtime.compat.token_rules import TokenizerOptions

Row = Mapping[str, Any]


def _combined(row: Row, columns: Sequence[str], wanted: str) -> list[Annotation]:
    return [a for column in columns for a in (row.get(column) or ()) if a.annotatorType == wanted]


@dataclass(frozen=True)
class AnnotatorPlan:
    """Base of the plans: which columns a stage reads and writes, and the types it needs."""

    stage: str
    input_cols: tuple[str, ...]
    output_col: str
    output_type: str = ""
    input_types: tuple[str, ...] = ()

    def check_inputs(self, available: Mapping[str, str | None]) -> None:
        """`available` maps the columns present to their annotator type (None: not an
        annotation column). Raises Spark NLP's error, with what would fix it."""
        types = [available.get(column) for column in self.input_cols]
        missing = [c for c in self.input_cols if c not in available]
        if missing or not set(self.input_types) <= set(types):
            present = ", ".join(f"{c} ({t or 'not annotations'})" for c, t in available.items())
            raise PipelineError(
                f"{self.stage}: wrong or missing inputCols {list(self.input_cols)}: it needs "
                f"annotations of type {', '.join(self.input_types)}"
                + (f"; no column {', '.join(missing)}" if missing else "")
                + f". Columns present: {present or 'none'}. Set setInputCols(...) to the output "
                "columns of the stages before it"
            )

    def annotate_rows(self, rows: Sequence[Row]) -> list[list[Annotation]]:
        raise NotImplementedError


@dataclass(frozen=True)
class DocumentPlan(AnnotatorPlan):
    cleanup_mode: str = "disabled"
    id_col: str | None = None
    metadata_col: str | None = None

    def check_inputs(self, available: Mapping[str, str | None]) -> None:
        if self.input_cols[0] not in available:
            raise PipelineError(
                f"DocumentAssembler: the data has no column {self.input_cols[0]!r} (columns: "
                f"{', '.join(available) or 'none'}); setInputCol(...) names the text column"
            )

    def annotate_rows(self, rows: Sequence[Row]) -> list[list[Annotation]]:
        out = []
        for row in rows:
            metadata = dict(row.get(self.metadata_col) or {}) if self.metadata_col else {}
            if self.id_col:
                metadata["id"] = str(row.get(self.id_col))
            out.append(annotators.assemble_document(row.get(self.input_cols[0]), self.cleanup_mode, metadata))
        return out


@dataclass(frozen=True)
class SentencePlan(AnnotatorPlan):
    options: SentenceDetectorOptions | None = None

    def annotate_rows(self, rows: Sequence[Row]) -> list[list[Annotation]]:
        return [
            annotators.detect_sentences(_combined(row, self.input_cols, DOCUMENT), self.options)
            for row in rows
        ]


@dataclass(frozen=True)
class TokenPlan(AnnotatorPlan):
    options: TokenizerOptions | None = None

    def annotate_rows(self, rows: Sequence[Row]) -> list[list[Annotation]]:
        return [annotators.tokenize(_combined(row, self.input_cols, DOCUMENT), self.options) for row in rows]


@dataclass(frozen=True)
class SentenceEmbeddingsPlan(AnnotatorPlan):
    model: ModelSpec | None = None

    def annotate_rows(self, rows: Sequence[Row]) -> list[list[Annotation]]:
        assert self.model is not None
        sentences = [_combined(row, self.input_cols, DOCUMENT) for row in rows]
        return annotators.embed_sentences(self.model.load(), sentences)


@dataclass(frozen=True)
class TokenEmbeddingsPlan(AnnotatorPlan):
    model: ModelSpec | None = None

    def annotate_rows(self, rows: Sequence[Row]) -> list[list[Annotation]]:
        assert self.model is not None
        grouped = [
            annotators.group_tokens(
                _combined(row, self.input_cols, DOCUMENT), _combined(row, self.input_cols, TOKEN)
            )
            for row in rows
        ]
        return annotators.embed_tokens(self.model.load(), grouped, self.model.case_sensitive)


@dataclass(frozen=True)
class FinisherPlan:
    """EmbeddingsFinisher: vectors out of embeddings columns (not an annotator: no annotations)."""

    input_cols: tuple[str, ...]
    output_cols: tuple[str, ...]
    output_as_vector: bool = False
    clean_annotations: bool = False
    embedding_types: tuple[str, ...] = field(default=(WORD_EMBEDDINGS, SENTENCE_EMBEDDINGS))

    def check_inputs(self, available: Mapping[str, str | None]) -> None:
        for column in self.input_cols:
            if available.get(column) not in self.embedding_types:
                raise PipelineError(
                    f"EmbeddingsFinisher: input column {column!r} is "
                    + (f"of type {available[column]}" if column in available else "missing")
                    + "; it needs the output column of an embeddings annotator "
                    f"({', '.join(self.embedding_types)})"
                )
