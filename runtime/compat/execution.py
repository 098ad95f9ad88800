"""Running plans on Spark: each stage is one `mapInArrow` over the DataFrame.

Why `mapInArrow` (Spark >= 3.3) rather than `mapInPandas` or a pandas UDF: annotation columns
are `array<struct<..., map, array<float>>>`; Arrow carries them as they are, while pandas would
turn each struct into Python objects on the way in and out. Vectors leave the model as one
float32 buffer per batch (`annotations_to_arrow`), never as Python floats.

Each Python worker loads a model once (`ModelSpec.load`, kept for the life of the worker) and
gets whole Arrow batches (`spark.sql.execution.arrow.maxRecordsPerBatch` rows): the sentences of
all the rows of a batch are tokenized, length-sorted and run together.

Model files reach the executors through the cache folder: on `local[*]` masters the driver's
cache path is the workers' path. On a cluster, either put `CARDHUB_CACHE` on storage every node
mounts at the same path (nothing is copied), or let the stage ship the folder with
`SparkContext.addFile(folder, recursive=True)` (done once per folder and job when the master is
not local); a worker that does not find the path uses the copy in `SparkFiles`.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runtime.compat.annotation import annotations_from_arrow, annotations_to_arrow, spark_annotation_array
from runtime.compat.plans import AnnotatorPlan, FinisherPlan

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

_SHIPPED: set[tuple[int, str]] = set()


def column_types(dataset: DataFrame) -> dict[str, str | None]:
    """Column name -> annotator type from the column metadata Spark NLP sets (None: other)."""
    return {f.name: (f.metadata or {}).get("annotatorType") for f in dataset.schema.fields}


def _rows(
    batch: pa.RecordBatch, columns: tuple[str, ...], text_columns: tuple[str, ...]
) -> list[dict[str, Any]]:
    values: dict[str, list[Any]] = {}
    for name in columns:
        column = batch.column(batch.schema.get_field_index(name))
        values[name] = column.to_pylist() if name in text_columns else annotations_from_arrow(column)
    return [{name: values[name][i] for name in columns} for i in range(batch.num_rows)]


def _annotate_batches(
    plans: tuple[AnnotatorPlan, ...], text_columns: tuple[str, ...], batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """Runs the plans one after the other on each batch, keeping the annotations they hand each
    other as Python objects, and appends one column per plan."""
    import pyarrow as pa

    produced = {plan.output_col for plan in plans}
    needed = (c for plan in plans for c in (*plan.input_cols, *_extra_columns(plan)))
    read = tuple(dict.fromkeys(c for c in needed if c and c not in produced))
    for batch in batches:
        rows = _rows(batch, read, text_columns)
        arrays, names = list(batch.columns), list(batch.schema.names)
        for plan in plans:
            annotated = plan.annotate_rows(rows)
            for row, row_annotations in zip(rows, annotated, strict=True):
                row[plan.output_col] = row_annotations
            arrays.append(annotations_to_arrow(annotated))
            names.append(plan.output_col)
        yield pa.RecordBatch.from_arrays(arrays, names=names)


def _extra_columns(plan: AnnotatorPlan) -> tuple[str, ...]:
    return tuple(c for c in (getattr(plan, "id_col", None), getattr(plan, "metadata_col", None)) if c)


def ship_model_folder(dataset: DataFrame, path: str) -> None:
    """On a non-local master, send the model folder to the executors (once per context)."""
    context = dataset.sparkSession.sparkContext
    if (context.master or "").startswith("local"):
        return
    key = (id(context), path)
    if key not in _SHIPPED:
        context.addFile(path, recursive=True)
        _SHIPPED.add(key)


@dataclass(frozen=True)
class _Fused:
    """How a DataFrame this module returned was made: `source` + the plans, in one mapInArrow."""

    output: weakref.ref[DataFrame]
    source: DataFrame
    plans: tuple[AnnotatorPlan, ...]


# id(DataFrame returned by annotate) -> how it was made. A stage given the previous stage's
# output extends that mapInArrow instead of stacking another one on it: the rows cross from
# the JVM to Python once for the whole chain of annotators, and the annotations between them
# are never encoded to Arrow and decoded again.
_MADE: dict[int, _Fused] = {}


def _made_by_us(dataset: DataFrame) -> _Fused | None:
    fused = _MADE.get(id(dataset))
    if fused is None or fused.output() is not dataset:
        return None
    return fused


def annotate(dataset: DataFrame, plan: AnnotatorPlan) -> DataFrame:
    """The dataset with the plan's output column appended (Spark NLP's annotation schema and
    the column metadata `annotatorType` that the next stage checks)."""
    from functools import partial

    from pyspark.sql.types import StructField, StructType

    plan.check_inputs(column_types(dataset))
    upstream = _made_by_us(dataset)
    source, plans = (upstream.source, (*upstream.plans, plan)) if upstream else (dataset, (plan,))
    outputs = [p.output_col for p in plans]
    if len(set(outputs)) != len(outputs):  # a stage overwrites an earlier one's column: no fusing
        source, plans = dataset, (plan,)
        outputs = [plan.output_col]
    text_columns = tuple(name for name, kind in column_types(source).items() if kind is None)
    for each in plans:
        model = getattr(each, "model", None)
        if model is not None:
            ship_model_folder(source, model.path)
    if any(name in source.columns for name in outputs):
        source = source.drop(*[name for name in outputs if name in source.columns])
    annotation_fields = [StructField(name, spark_annotation_array(), True) for name in outputs]
    schema = StructType([*source.schema.fields, *annotation_fields])
    mapped = source.mapInArrow(partial(_annotate_batches, plans, text_columns), schema)
    for each in plans:
        mapped = mapped.withMetadata(each.output_col, {"annotatorType": each.output_type})
    for key in [k for k, made in _MADE.items() if made.output() is None]:
        del _MADE[key]
    _MADE[id(mapped)] = _Fused(weakref.ref(mapped), source, plans)
    return mapped


def _finish_batches(plan: FinisherPlan, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa

    for batch in batches:
        arrays = list(batch.columns)
        names = list(batch.schema.names)
        for source, target in zip(plan.input_cols, plan.output_cols, strict=True):
            column = batch.column(batch.schema.get_field_index(source))
            # list<struct<..., embeddings: list<float>>> -> list<list<float>>, buffers reused:
            # the offsets index the whole child array, whatever the batch's own offset.
            vectors = column.values.field("embeddings")
            arrays.append(pa.ListArray.from_arrays(column.offsets, vectors))
            names.append(target)
        if plan.clean_annotations:
            keep = [i for i, name in enumerate(names) if name not in plan.input_cols]
            arrays, names = [arrays[i] for i in keep], [names[i] for i in keep]
        yield pa.RecordBatch.from_arrays(arrays, names=names)


def finish(dataset: DataFrame, plan: FinisherPlan) -> DataFrame:
    """EmbeddingsFinisher.transform: `array<array<float>>` columns (or arrays of ML vectors)."""
    from functools import partial

    from pyspark.sql.types import ArrayType, FloatType, StructField, StructType

    available = column_types(dataset)
    plan.check_inputs(available)
    fields = [f for f in dataset.schema.fields if f.name not in plan.output_cols]
    fields += [StructField(n, ArrayType(ArrayType(FloatType(), False), True), True) for n in plan.output_cols]
    if plan.clean_annotations:
        fields = [f for f in fields if f.name not in plan.input_cols]
    kept = dataset.drop(*[c for c in plan.output_cols if c in available])
    finished = kept.mapInArrow(partial(_finish_batches, plan), StructType(fields))
    if not plan.output_as_vector:
        return finished
    from pyspark.ml.functions import array_to_vector
    from pyspark.sql import functions as F

    for name in plan.output_cols:
        finished = finished.withColumn(name, F.transform(name, lambda v: array_to_vector(v)))
    return finished
