"""`LightPipeline`: a fitted pipeline run on strings in this process, without a SparkSession.

Spark NLP's LightPipeline (nlp/LightPipeline.scala) folds over the stages: DocumentAssembler
assembles the target, each annotator annotates its input columns, finishers and unknown stages
pass. Ours runs the same plans as the Spark stages. Two differences, both for speed and neither
visible in the results: a list of texts goes through each stage together (the embedding stages
then batch the sentences of all texts), where Scala annotates text by text in parallel threads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, overload

from runtime.compat.annotation import SENTENCE_EMBEDDINGS, WORD_EMBEDDINGS, Annotation
from runtime.compat.plans import AnnotatorPlan, DocumentPlan
from runtime.errors import PipelineError


def _nested_stages(stage: Any) -> list[Any] | None:
    """The stages of a PipelineModel (a list attribute) or a Pipeline (getStages), else None."""
    if isinstance(getattr(stage, "stages", None), list):
        return list(stage.stages)
    if hasattr(stage, "getStages") and not hasattr(stage, "plan"):
        return list(stage.getStages())
    return None


def _stages_of(pipeline: Any) -> list[Any]:
    """The stages of a PipelineModel, a Pipeline or a list of stages, nested pipelines inlined."""
    stages = list(pipeline) if isinstance(pipeline, (list, tuple)) else _nested_stages(pipeline)
    if stages is None:
        raise TypeError(
            f"LightPipeline takes a PipelineModel, a Pipeline or a list of stages, not {pipeline!r}"
        )
    flat: list[Any] = []
    for stage in stages:
        nested = _nested_stages(stage)
        flat.extend(_stages_of(nested) if nested is not None else [stage])
    return flat


def _plans(stages: Sequence[Any], ignore_unsupported: bool) -> list[AnnotatorPlan]:
    from runtime.compat.stages import EmbeddingsFinisher, Tokenizer

    plans: list[AnnotatorPlan] = []
    for stage in stages:
        if isinstance(stage, Tokenizer):
            stage = stage.fitted()
        if isinstance(stage, EmbeddingsFinisher):
            continue  # Scala's fold passes finishers that are not `Finisher` through unchanged
        plan = getattr(stage, "plan", None)
        if plan is None:
            if ignore_unsupported:
                continue
            raise PipelineError(
                f"stage {stage!r} is not a cardhub annotator and cannot run in a LightPipeline; "
                "call setIgnoreUnsupported(True) to skip it"
            )
        plans.append(plan())
    if not plans or not isinstance(plans[0], DocumentPlan):
        raise PipelineError("a LightPipeline starts with a DocumentAssembler")
    return plans


class LightPipeline:
    """`LightPipeline(pipeline_model).annotate(text)` with Spark NLP's dict shapes."""

    def __init__(self, pipelineModel: Any, parse_embeddings: bool = False) -> None:
        self.pipeline_model = pipelineModel
        self.parse_embeddings = parse_embeddings
        self._ignore_unsupported = False
        self._stages = _stages_of(pipelineModel)
        self._plans: list[AnnotatorPlan] | None = None

    def setIgnoreUnsupported(self, value: bool) -> LightPipeline:
        self._ignore_unsupported = bool(value)
        self._plans = None
        return self

    def getIgnoreUnsupported(self) -> bool:
        return self._ignore_unsupported

    def _run(self, texts: Sequence[str]) -> list[dict[str, list[Annotation]]]:
        if self._plans is None:
            self._plans = _plans(self._stages, self._ignore_unsupported)
        plans = self._plans
        source = plans[0].input_cols[0]
        rows: list[dict[str, Any]] = [{source: text} for text in texts]
        available: dict[str, str | None] = {source: None}
        for plan in plans:
            plan.check_inputs(available)
            for row, annotated in zip(rows, plan.annotate_rows(rows), strict=True):
                row[plan.output_col] = annotated
            available[plan.output_col] = plan.output_type
        for row in rows:
            del row[source]
        return rows

    @overload
    def fullAnnotate(self, target: str) -> list[dict[str, list[Annotation]]]: ...
    @overload
    def fullAnnotate(self, target: Iterable[str]) -> list[dict[str, list[Annotation]]]: ...

    def fullAnnotate(self, target: str | Iterable[str]) -> list[dict[str, list[Annotation]]]:
        """One dict per text: output column -> its annotations (a str gives a list of one)."""
        return self._run([target] if isinstance(target, str) else list(target))

    def _results(self, annotations: dict[str, list[Annotation]]) -> dict[str, list[str]]:
        def shown(a: Annotation) -> str:
            if self.parse_embeddings and a.annotatorType in (WORD_EMBEDDINGS, SENTENCE_EMBEDDINGS):
                return " ".join(str(float(v)) for v in a.embeddings)
            return a.result

        return {column: [shown(a) for a in values] for column, values in annotations.items()}

    @overload
    def annotate(self, target: str) -> dict[str, list[str]]: ...
    @overload
    def annotate(self, target: list[str]) -> list[dict[str, list[str]]]: ...

    def annotate(self, target: str | list[str]) -> dict[str, list[str]] | list[dict[str, list[str]]]:
        """Output column -> the results of its annotations; a list gives one dict per text."""
        if isinstance(target, str):
            return self._results(self._run([target])[0])
        if not isinstance(target, list):
            raise TypeError("target for annotation may be 'str' or 'list'")
        return [self._results(row) for row in self._run(target)]

    def transform(self, dataframe: Any) -> Any:
        return self.pipeline_model.transform(dataframe)
