"""Spark NLP's Annotation record and its column schema, without pyspark.

Every annotator column holds `array<struct<annotatorType, begin, end, result, metadata, embeddings>>`
(spark-nlp python/sparknlp/annotation.py `Annotation.dataType`); begin and end are character
offsets into the document text, `end` inclusive, so `text[begin:end + 1] == result` for the
annotators that copy text. The pyspark `StructType` and the pyarrow type are built on demand so
that this module imports with neither installed (nlu and LightPipeline need neither).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql.types import ArrayType, StructType

# AnnotatorType constants (spark-nlp AnnotatorType.scala).
DOCUMENT = "document"
TOKEN = "token"
WORD_EMBEDDINGS = "word_embeddings"
SENTENCE_EMBEDDINGS = "sentence_embeddings"

_EMPTY_VECTOR = np.zeros(0, dtype=np.float32)


@dataclass(frozen=True, eq=False)
class Annotation:
    """One annotation, with Spark NLP's attribute names so that user code reading
    `a.annotatorType`, `a.result` or `a.embeddings` runs unchanged.

    `embeddings` is a float32 numpy array (empty for text annotators): no copy on the way out of
    the model; `list(a.embeddings)` gives Spark NLP's list."""

    annotatorType: str
    begin: int
    end: int
    result: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    embeddings: np.ndarray = field(default_factory=lambda: _EMPTY_VECTOR)

    def __repr__(self) -> str:
        # Spark NLP's own repr (annotation.py __str__): embeddings are left out.
        return (
            f"Annotation({self.annotatorType}, {self.begin}, {self.end}, {self.result}, "
            f"{dict(self.metadata)})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Annotation):
            return NotImplemented
        return (
            (self.annotatorType, self.begin, self.end, self.result, dict(self.metadata))
            == (other.annotatorType, other.begin, other.end, other.result, dict(other.metadata))
            and np.array_equal(self.embeddings, other.embeddings)
        )

    __hash__ = None  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        """The struct as a plain dict (embeddings as a list of floats), e.g. for JSON."""
        return {
            "annotatorType": self.annotatorType,
            "begin": self.begin,
            "end": self.end,
            "result": self.result,
            "metadata": dict(self.metadata),
            "embeddings": self.embeddings.tolist(),
        }

    @classmethod
    def from_struct(cls, struct: Mapping[str, Any]) -> Annotation:
        """From a struct as pyarrow's `to_pylist` or a pyspark Row's `asDict` gives it
        (metadata as a dict or as a list of key/value pairs)."""
        metadata = struct.get("metadata") or {}
        if not isinstance(metadata, Mapping):
            metadata = dict(metadata)
        vector = struct.get("embeddings")
        return cls(
            annotatorType=struct["annotatorType"],
            begin=int(struct["begin"]),
            end=int(struct["end"]),
            result=struct.get("result") or "",
            metadata=metadata,
            embeddings=_EMPTY_VECTOR if not vector else np.asarray(vector, dtype=np.float32),
        )


def spark_annotation_type() -> StructType:
    """`Annotation.dataType()` of Spark NLP, as a pyspark StructType."""
    from pyspark.sql.types import (
        ArrayType,
        FloatType,
        IntegerType,
        MapType,
        StringType,
        StructField,
        StructType,
    )

    return StructType(
        [
            StructField("annotatorType", StringType(), True),
            StructField("begin", IntegerType(), False),
            StructField("end", IntegerType(), False),
            StructField("result", StringType(), True),
            StructField("metadata", MapType(StringType(), StringType(), True), True),
            StructField("embeddings", ArrayType(FloatType(), False), True),
        ]
    )


def spark_annotation_array() -> ArrayType:
    from pyspark.sql.types import ArrayType

    return ArrayType(spark_annotation_type(), True)


def arrow_annotation_type() -> pa.DataType:
    import pyarrow as pa

    return pa.struct(
        [
            pa.field("annotatorType", pa.string()),
            pa.field("begin", pa.int32(), nullable=False),
            pa.field("end", pa.int32(), nullable=False),
            pa.field("result", pa.string()),
            pa.field("metadata", pa.map_(pa.string(), pa.string())),
            pa.field("embeddings", pa.list_(pa.field("element", pa.float32(), nullable=False))),
        ]
    )


def annotations_to_arrow(rows: Sequence[Sequence[Annotation]]) -> pa.Array:
    """An arrow `list<struct>` column, one list per row. Vectors go in as one float32 buffer
    (no Python float per value): 100,000 sentences of 384 floats would otherwise cost seconds."""
    import pyarrow as pa

    flat = [a for row in rows for a in row]
    row_offsets = np.zeros(len(rows) + 1, dtype=np.int32)
    np.cumsum([len(row) for row in rows], out=row_offsets[1:])
    sizes = np.fromiter((a.embeddings.size for a in flat), dtype=np.int32, count=len(flat))
    vector_offsets = np.zeros(len(flat) + 1, dtype=np.int32)
    np.cumsum(sizes, out=vector_offsets[1:])
    values = (
        np.concatenate([a.embeddings for a in flat]).astype(np.float32, copy=False)
        if flat
        else _EMPTY_VECTOR
    )
    struct_type = arrow_annotation_type()
    metadata_type = struct_type.field("metadata").type
    embeddings_type = struct_type.field("embeddings").type
    structs = pa.StructArray.from_arrays(
        [
            pa.array([a.annotatorType for a in flat], pa.string()),
            pa.array([a.begin for a in flat], pa.int32()),
            pa.array([a.end for a in flat], pa.int32()),
            pa.array([a.result for a in flat], pa.string()),
            pa.array([list(a.metadata.items()) for a in flat], metadata_type),
            pa.ListArray.from_arrays(pa.array(vector_offsets), pa.array(values, pa.float32())).cast(
                embeddings_type
            ),
        ],
        fields=list(struct_type),
    )
    return pa.ListArray.from_arrays(pa.array(row_offsets), structs)


def annotations_from_arrow(column: pa.Array | pa.ChunkedArray) -> list[list[Annotation]]:
    """The rows of an annotation column (a null row reads as no annotations)."""
    return [
        [Annotation.from_struct(struct) for struct in row] if row else []
        for row in column.to_pylist()
    ]
