"""`nlu.load(ref).predict(texts)`, the one-liner of the cards' NLU snippets, without Spark.

    from runtime.compat import nlu
    nlu.load("en.embed_sentence.small_bert_L6_768").predict(["I hate cancer"], output_level="sentence")

The reference is looked up among the cards' NLU snippets (the registry), the model is fetched
as `registry.load` does, and the texts go through the pipeline nlu builds for an embeddings
reference: DocumentAssembler (cleanup "shrink", nlu's default), SentenceDetector, Tokenizer for
token models, then the embeddings. The DataFrame has nlu's column names (`token`, `sentence`,
`document`, `<ref with _ for .>_embeddings`) and its index is the position of each input text.
Needs pandas; not pyspark, not Java.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from runtime.compat.annotation import DOCUMENT, SENTENCE_EMBEDDINGS, TOKEN, WORD_EMBEDDINGS, Annotation
from runtime.compat.plans import (
    AnnotatorPlan,
    DocumentPlan,
    SentenceEmbeddingsPlan,
    SentencePlan,
    TokenEmbeddingsPlan,
    TokenPlan,
)
from runtime.compat.pretrained import PretrainedModel, card_for_reference, pretrained
from runtime.models import check_supported, nlu_column

if TYPE_CHECKING:
    import pandas as pd

OutputLevel = Literal["document", "sentence", "token"]
_TEXT = "text"


def load(reference: str, verbose: bool = False, **_: Any) -> NluPipeline:
    """The pipeline of an nlu reference known to the registry; an unknown one fails with the
    closest known references."""
    card = card_for_reference(reference)
    annotator = (card.annotator or "").rsplit(".", 1)[-1]
    check_supported(annotator, card.name)
    return NluPipeline(reference, pretrained(card.name, card.language, annotator=annotator))


def _texts(data: Any) -> list[str]:
    if isinstance(data, str):
        return [data]
    if hasattr(data, "columns") and _TEXT in data.columns:  # a pandas DataFrame with a text column
        return [str(t) for t in data[_TEXT]]
    if isinstance(data, Iterable):
        return [str(t) for t in data]
    raise TypeError(
        f"predict takes a string, a list of strings or a DataFrame with a 'text' column, not {data!r}"
    )


def _vector(annotation: Annotation) -> list[float]:
    # nlu shows vectors as Python lists of the float32 values (Results blocks print 17 digits).
    return annotation.embeddings.tolist()


class NluPipeline:
    """What `nlu.load` returns: `predict`, and the pieces a reader may want to inspect."""

    def __init__(self, reference: str, model: PretrainedModel) -> None:
        self.reference = reference
        self.model = model
        self.level = check_supported(model.annotator, model.card.name)
        self.embeddings_column = nlu_column(model.card, self.level)

    def __repr__(self) -> str:
        return f"nlu pipeline {self.reference!r} ({self.model.annotator} {self.model.card.name})"

    def _plans(self, level: OutputLevel) -> list[AnnotatorPlan]:
        spec = self.model.spec()
        plans: list[AnnotatorPlan] = [
            DocumentPlan("DocumentAssembler", (_TEXT,), "document", DOCUMENT, cleanup_mode="shrink"),
        ]
        unit = "document"
        if level != "document":
            plans.append(SentencePlan("SentenceDetector", ("document",), "sentence", DOCUMENT, (DOCUMENT,)))
            unit = "sentence"
        if self.level == "token":
            plans.append(TokenPlan("Tokenizer", (unit,), "token", TOKEN, (DOCUMENT,)))
            plans.append(
                TokenEmbeddingsPlan(
                    "BertEmbeddings", (unit, "token"), "embeddings", WORD_EMBEDDINGS, (DOCUMENT, TOKEN),
                    model=spec,
                )
            )
        else:
            plans.append(
                SentenceEmbeddingsPlan(
                    "BertSentenceEmbeddings", (unit,), "embeddings", SENTENCE_EMBEDDINGS, (DOCUMENT,),
                    model=spec,
                )
            )
        return plans

    def annotate(self, texts: list[str], level: OutputLevel) -> list[dict[str, list[Annotation]]]:
        rows: list[dict[str, Any]] = [{_TEXT: text} for text in texts]
        for plan in self._plans(level):
            for row, annotated in zip(rows, plan.annotate_rows(rows), strict=True):
                row[plan.output_col] = annotated
        return rows

    def predict(self, data: Any, output_level: OutputLevel | None = None, **_: Any) -> pd.DataFrame:
        """One row per sentence, token or document of the inputs, with nlu's column names."""
        import pandas as pd

        level: OutputLevel = output_level or self.level
        if level not in ("document", "sentence", "token"):
            raise ValueError(f"output_level must be 'document', 'sentence' or 'token', not {output_level!r}")
        if level == "token" and self.level == "sentence":
            raise ValueError(
                f"{self.reference} gives one vector per sentence; use output_level='sentence' or "
                "'document' (token-level output needs a token embeddings model)"
            )
        column = self.embeddings_column
        index: list[int] = []
        records: list[dict[str, Any]] = []
        for position, row in enumerate(self.annotate(_texts(data), level)):
            vectors = row["embeddings"]
            if level == "token":
                token_at = {(t.begin, t.end): t.result for t in row["token"]}
                for vector in vectors:
                    records.append({"token": token_at[(vector.begin, vector.end)], column: _vector(vector)})
                    index.append(position)
            elif self.level == "sentence":
                for vector in vectors:
                    records.append({column: _vector(vector), level: vector.result})
                    index.append(position)
            else:
                units = row["document" if level == "document" else "sentence"]
                for unit in units:
                    inside = [v for v in vectors if v.begin >= unit.begin and v.end <= unit.end]
                    tokens = [t.result for t in row["token"] if t.begin >= unit.begin and t.end <= unit.end]
                    vectors_inside = [_vector(v) for v in inside]
                    records.append({level: unit.result, "token": tokens, column: vectors_inside})
                    index.append(position)
        columns = (
            ["token", column]
            if level == "token"
            else [column, level]
            if self.level == "sentence"
            else [level, "token", column]
        )
        return pd.DataFrame.from_records(records, index=index, columns=columns)
