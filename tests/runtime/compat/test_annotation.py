"""The annotation record: Spark NLP's schema, and an exact trip through Arrow."""

from __future__ import annotations

import numpy as np
import pytest

from runtime.compat.annotation import (
    Annotation,
    annotations_from_arrow,
    annotations_to_arrow,
    arrow_annotation_type,
)

pa = pytest.importorskip("pyarrow")


def test_rows_go_through_arrow_unchanged() -> None:
    rows = [
        [
            Annotation("document", 0, 9, "I love NLP", {"sentence": "0"}),
            Annotation("sentence_embeddings", 0, 9, "I love NLP", {"sentence": "0", "token": "I love NLP"},
                       np.array([0.1, -2.5, 3e-8], dtype=np.float32)),
        ],
        [],
        [Annotation("token", 3, 3, "😀", {"sentence": "1"}, np.zeros(0, dtype=np.float32))],
    ]
    column = annotations_to_arrow(rows)
    assert column.type == pa.list_(arrow_annotation_type())
    back = annotations_from_arrow(column)
    assert back == rows
    assert back[0][1].embeddings.dtype == np.float32


def test_a_sliced_batch_reads_its_own_rows() -> None:
    rows = [[Annotation("token", i, i, str(i), {}, np.full(2, i, dtype=np.float32))] for i in range(5)]
    sliced = annotations_to_arrow(rows).slice(2, 2)
    assert annotations_from_arrow(sliced) == rows[2:4]


def test_repr_is_spark_nlps() -> None:
    annotation = Annotation("token", 0, 1, "Hi", {"sentence": "0"}, np.ones(3, dtype=np.float32))
    assert repr(annotation) == "Annotation(token, 0, 1, Hi, {'sentence': '0'})"
    assert annotation.as_dict()["embeddings"] == [1.0, 1.0, 1.0]


def test_the_spark_schema_is_spark_nlps() -> None:
    pytest.importorskip("pyspark")
    from pyspark.sql.types import ArrayType, FloatType, IntegerType, MapType, StringType

    from runtime.compat.annotation import spark_annotation_type

    fields = {f.name: f for f in spark_annotation_type().fields}
    assert list(fields) == ["annotatorType", "begin", "end", "result", "metadata", "embeddings"]
    assert fields["begin"].dataType == IntegerType() and not fields["begin"].nullable
    assert fields["metadata"].dataType == MapType(StringType(), StringType(), True)
    assert fields["embeddings"].dataType == ArrayType(FloatType(), False)
