"""Spark NLP's annotators as real pyspark ML stages, with Spark NLP's param names and setters.

They live in `pyspark.ml.Pipeline`s, `fit`/`transform` DataFrames (see `runtime.compat.execution`)
and `write().save()` / `load()` like any Python-only pyspark stage (`DefaultParamsWritable`).
Each stage hands a plan (`runtime.compat.plans`) to the executor; `LightPipeline` runs the same
plans in this process, which is why a stage's logic lives in the plan and not here.

Importing this module needs pyspark, not Java: stages can be built and run through
`LightPipeline` on a machine with no JVM.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pyspark import keyword_only
from pyspark.ml import Estimator, Model, Transformer
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsWritable
from pyspark.sql import DataFrame

from runtime.compat import execution
from runtime.compat.annotation import DOCUMENT, SENTENCE_EMBEDDINGS, TOKEN, WORD_EMBEDDINGS
from runtime.compat.annotators import check_cleanup_mode
from runtime.compat.plans import (
    AnnotatorPlan,
    DocumentPlan,
    FinisherPlan,
    SentenceEmbeddingsPlan,
    SentencePlan,
    TokenEmbeddingsPlan,
    TokenPlan,
)
from runtime.compat.pretrained import ModelSpec, PretrainedModel, pretrained

S = TypeVar("S", bound="AnnotatorStage")


def _param(name: str, doc: str, converter: Any) -> Param[Any]:
    return Param(Params._dummy(), name, doc, typeConverter=converter)


def _columns(values: tuple[Any, ...]) -> list[str]:
    """Spark NLP's setInputCols accepts a list or several names."""
    if len(values) == 1 and isinstance(values[0], (list, tuple)):
        return [str(v) for v in values[0]]
    return [str(v) for v in values]


class _Stage(Params, DefaultParamsReadable, DefaultParamsWritable):
    """Setters and getters by name, as Spark NLP's Python wrappers write them."""

    def _get(self, name: str) -> Any:
        return self.getOrDefault(self.getParam(name))


class AnnotatorStage(_Stage):
    """inputCols / outputCol, the plan, and transform through `execution.annotate`."""

    inputCols = _param("inputCols", "previous annotations columns", TypeConverters.toListString)
    outputCol = _param("outputCol", "output annotation column", TypeConverters.toString)
    lazyAnnotator = _param("lazyAnnotator", "whether the annotator runs lazily", TypeConverters.toBoolean)

    outputAnnotatorType = ""
    inputAnnotatorTypes: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self._setDefault(lazyAnnotator=False)

    def setInputCols(self: S, *value: Any) -> S:
        return self._set(inputCols=_columns(value))

    def getInputCols(self) -> list[str]:
        return list(self._get("inputCols"))

    def setOutputCol(self: S, value: str) -> S:
        return self._set(outputCol=value)

    def getOutputCol(self) -> str:
        return str(self._get("outputCol"))

    def setLazyAnnotator(self: S, value: bool) -> S:
        return self._set(lazyAnnotator=value)

    def getLazyAnnotator(self) -> bool:
        return bool(self._get("lazyAnnotator"))

    def _plan_fields(self) -> dict[str, Any]:
        return {
            "stage": type(self).__name__,
            "input_cols": tuple(self.getInputCols()),
            "output_col": self.getOutputCol(),
            "output_type": self.outputAnnotatorType,
            "input_types": self.inputAnnotatorTypes,
        }

    def plan(self) -> AnnotatorPlan:
        raise NotImplementedError

    def _transform(self, dataset: DataFrame) -> DataFrame:
        return execution.annotate(dataset, self.plan())


class DocumentAssembler(_Stage, Transformer):
    """Text column -> one `document` annotation per row."""

    inputCol = _param("inputCol", "input text column for processing", TypeConverters.toString)
    outputCol = _param("outputCol", "output annotation column", TypeConverters.toString)
    idCol = _param("idCol", "id column for row reference", TypeConverters.toString)
    metadataCol = _param("metadataCol", "metadata for document column", TypeConverters.toString)
    cleanupMode = _param("cleanupMode", "text cleanup before annotating", TypeConverters.toString)

    outputAnnotatorType = DOCUMENT

    @keyword_only
    def __init__(self) -> None:
        super().__init__()
        self._setDefault(outputCol="document", cleanupMode="disabled")

    def setInputCol(self, value: str) -> DocumentAssembler:
        return self._set(inputCol=value)

    def getInputCol(self) -> str:
        return str(self._get("inputCol"))

    def setOutputCol(self, value: str) -> DocumentAssembler:
        return self._set(outputCol=value)

    def getOutputCol(self) -> str:
        return str(self._get("outputCol"))

    def setIdCol(self, value: str) -> DocumentAssembler:
        return self._set(idCol=value)

    def setMetadataCol(self, value: str) -> DocumentAssembler:
        return self._set(metadataCol=value)

    def setCleanupMode(self, value: str) -> DocumentAssembler:
        return self._set(cleanupMode=check_cleanup_mode(value))

    def getCleanupMode(self) -> str:
        return str(self._get("cleanupMode"))

    def plan(self) -> DocumentPlan:
        return DocumentPlan(
            stage="DocumentAssembler",
            input_cols=(self.getInputCol(),),
            output_col=self.getOutputCol(),
            output_type=DOCUMENT,
            cleanup_mode=self.getCleanupMode(),
            id_col=self.getOrDefault(self.idCol) if self.isDefined(self.idCol) else None,
            metadata_col=self.getOrDefault(self.metadataCol) if self.isDefined(self.metadataCol) else None,
        )

    def _transform(self, dataset: DataFrame) -> DataFrame:
        return execution.annotate(dataset, self.plan())


# Param name -> (options field, converter), for the two rule-based annotators.
_SENTENCE_PARAMS = {
    "useAbbreviations": ("use_abbreviations", TypeConverters.toBoolean),
    "detectLists": ("detect_lists", TypeConverters.toBoolean),
    "useCustomBoundsOnly": ("use_custom_bounds_only", TypeConverters.toBoolean),
    "customBounds": ("custom_bounds", TypeConverters.toListString),
    "customBoundsStrategy": ("custom_bounds_strategy", TypeConverters.toString),
    "splitLength": ("split_length", TypeConverters.toInt),
    "minLength": ("min_length", TypeConverters.toInt),
    "maxLength": ("max_length", TypeConverters.toInt),
}
_TOKENIZER_PARAMS = {
    "targetPattern": ("target_pattern", TypeConverters.toString),
    "prefixPattern": ("prefix_pattern", TypeConverters.toString),
    "suffixPattern": ("suffix_pattern", TypeConverters.toString),
    "infixPatterns": ("infix_patterns", TypeConverters.toListString),
    "exceptions": ("exceptions", TypeConverters.toListString),
    "caseSensitiveExceptions": ("case_sensitive_exceptions", TypeConverters.toBoolean),
    "contextChars": ("context_chars", TypeConverters.toListString),
    "splitPattern": ("split_pattern", TypeConverters.toString),
    "splitChars": ("split_chars", TypeConverters.toListString),
    "minLength": ("min_length", TypeConverters.toInt),
    "maxLength": ("max_length", TypeConverters.toInt),
}


def _options(stage: _Stage, table: dict[str, tuple[str, Any]], options_type: Any) -> Any:
    """The options record from the params the user set (the rest keep Spark NLP's defaults)."""
    values = {}
    for name, (field_name, _) in table.items():
        param = stage.getParam(name)
        if stage.isSet(param):
            value = stage.getOrDefault(param)
            values[field_name] = tuple(value) if isinstance(value, list) else value
    return options_type(**values)


def _add_params(cls: type, table: dict[str, tuple[str, Any]]) -> None:
    """Declares each param with a Spark NLP-style setX / getX pair."""
    for name, (_, converter) in table.items():
        setattr(cls, name, _param(name, name, converter))
        suffix = name[0].upper() + name[1:]

        def setter(self: Any, value: Any, _name: str = name) -> Any:
            return self._set(**{_name: value})

        def getter(self: Any, _name: str = name) -> Any:
            return self._get(_name)

        setattr(cls, f"set{suffix}", setter)
        setattr(cls, f"get{suffix}", getter)


class SentenceDetector(AnnotatorStage, Transformer):
    """Spark NLP's default rule-based sentence detector (`runtime.compat.sentence_detector`)."""

    outputAnnotatorType = DOCUMENT
    inputAnnotatorTypes = (DOCUMENT,)

    explodeSentences = _param("explodeSentences", "one row per sentence", TypeConverters.toBoolean)

    @keyword_only
    def __init__(self) -> None:
        super().__init__()
        self._setDefault(inputCols=["document"], outputCol="sentence", explodeSentences=False)

    def setExplodeSentences(self, value: bool) -> SentenceDetector:
        return self._set(explodeSentences=value)

    def getExplodeSentences(self) -> bool:
        return bool(self._get("explodeSentences"))

    def _transform(self, dataset: DataFrame) -> DataFrame:
        annotated = execution.annotate(dataset, self.plan())
        if not self.getExplodeSentences():
            return annotated
        # Spark NLP's explode: a row per sentence, the other columns repeated, the sentence
        # column an array of that one annotation; a row with no sentence disappears.
        from pyspark.sql import functions as F

        column = self.getOutputCol()
        exploded = annotated.withColumn(column, F.explode(column)).withColumn(column, F.array(column))
        return exploded.withMetadata(column, {"annotatorType": self.outputAnnotatorType})

    def plan(self) -> SentencePlan:
        from runtime.compat.sentence_detector import SentenceDetectorOptions

        return SentencePlan(
            **self._plan_fields(), options=_options(self, _SENTENCE_PARAMS, SentenceDetectorOptions)
        )


_add_params(SentenceDetector, _SENTENCE_PARAMS)


class TokenizerModel(AnnotatorStage, Model):
    """The fitted Tokenizer: Spark NLP's default rules (`runtime.compat.token_rules`)."""

    outputAnnotatorType = TOKEN
    inputAnnotatorTypes = (DOCUMENT,)

    @keyword_only
    def __init__(self) -> None:
        super().__init__()
        self._setDefault(outputCol="token")

    def plan(self) -> TokenPlan:
        from runtime.compat.token_rules import TokenizerOptions

        return TokenPlan(**self._plan_fields(), options=_options(self, _TOKENIZER_PARAMS, TokenizerOptions))


class Tokenizer(AnnotatorStage, Estimator):
    """An Estimator like Spark NLP's (its fit learns nothing from the data here: exceptions and
    patterns are params); `fit` gives a TokenizerModel with the same params."""

    outputAnnotatorType = TOKEN
    inputAnnotatorTypes = (DOCUMENT,)

    @keyword_only
    def __init__(self) -> None:
        super().__init__()
        self._setDefault(outputCol="token")

    def fitted(self) -> TokenizerModel:
        """The model `fit` returns, without needing a DataFrame (LightPipeline uses this)."""
        model = TokenizerModel()
        for param, value in self.extractParamMap().items():
            if self.isSet(param):
                model._set(**{param.name: value})
        return model

    def _fit(self, dataset: DataFrame) -> TokenizerModel:
        return self.fitted()


for _tokenizer_class in (Tokenizer, TokenizerModel):
    _add_params(_tokenizer_class, _TOKENIZER_PARAMS)


class _BertStage(AnnotatorStage, Model):
    """What BertEmbeddings and BertSentenceEmbeddings share: the model and its parameters."""

    caseSensitive = _param("caseSensitive", "whether to ignore case in tokens", TypeConverters.toBoolean)
    maxSentenceLength = _param("maxSentenceLength", "max sentence length (<= 512)", TypeConverters.toInt)
    batchSize = _param("batchSize", "sentences per model run", TypeConverters.toInt)
    dimension = _param("dimension", "number of embedding dimensions", TypeConverters.toInt)
    threads = _param("threads", "onnxruntime intra-op threads per worker", TypeConverters.toInt)
    modelPath = _param("modelPath", "model folder (in the cardhub cache)", TypeConverters.toString)
    modelName = _param("modelName", "registry name of the model", TypeConverters.toString)
    modelLang = _param("modelLang", "language of the model card", TypeConverters.toString)

    default_model = ""

    @keyword_only
    def __init__(self) -> None:
        super().__init__()
        self._setDefault(caseSensitive=False, maxSentenceLength=128, batchSize=8, dimension=768)

    @classmethod
    def pretrained(cls, name: str | None = None, lang: str = "en", remote_loc: str | None = None) -> Any:
        """The model a card names, resolved and cached as `registry.load(name, lang)` does.
        `remote_loc` (Spark NLP's bucket override) is accepted and not used: cardhub reads the
        location from the card (set CARDHUB_MIRROR to fetch from elsewhere)."""
        model = pretrained(name or cls.default_model, lang, annotator=cls.__name__)
        return cls().from_pretrained(model)

    @classmethod
    def load(cls, path: str) -> Any:
        """A stage saved by `write().save()`, or an unpacked Spark NLP model folder (what the
        card's Download link holds), as Spark NLP's own `load` reads it."""
        from pathlib import Path

        metadata = Path(path) / "metadata" / "part-00000"
        if metadata.is_file() and '"com.johnsnowlabs.' in metadata.read_text(errors="replace")[:500]:
            from runtime.artifacts import open_model_folder

            folder = open_model_folder(Path(path))
            stage = cls()._set(
                modelPath=str(folder.path),
                caseSensitive=folder.case_sensitive,
                maxSentenceLength=folder.max_sentence_length,
                batchSize=folder.batch_size,
            )
            return stage._set(dimension=folder.dimension) if folder.dimension else stage
        return super().load(path)

    def from_pretrained(self, model: PretrainedModel) -> Any:
        self._set(
            modelPath=str(model.path),
            modelName=model.card.name,
            modelLang=model.card.language,
            caseSensitive=model.case_sensitive,
            maxSentenceLength=model.max_sentence_length,
            batchSize=model.batch_size,
        )
        if model.dimension:
            self._set(dimension=model.dimension)
        return self

    def _refetch_if_moved(self) -> None:
        """A pipeline saved on one machine and loaded on another names a cache folder that may
        not exist here: fetch the same card again (the cache, mirror and offline rules apply)."""
        from pathlib import Path

        path = Path(str(self.getOrDefault(self.modelPath)))
        if path.is_dir() or not self.isDefined(self.modelName):
            return
        lang = self.getOrDefault(self.modelLang) if self.isDefined(self.modelLang) else "en"
        model = pretrained(str(self.getOrDefault(self.modelName)), lang, annotator=type(self).__name__)
        self._set(modelPath=str(model.path))

    def setCaseSensitive(self, value: bool) -> Any:
        return self._set(caseSensitive=value)

    def getCaseSensitive(self) -> bool:
        return bool(self._get("caseSensitive"))

    def setMaxSentenceLength(self, value: int) -> Any:
        if not 2 < int(value) <= 512:
            raise ValueError(f"{type(self).__name__}.setMaxSentenceLength({value}): BERT takes 3..512")
        return self._set(maxSentenceLength=value)

    def getMaxSentenceLength(self) -> int:
        return int(self._get("maxSentenceLength"))

    def setBatchSize(self, value: int) -> Any:
        return self._set(batchSize=value)

    def getBatchSize(self) -> int:
        return int(self._get("batchSize"))

    def setDimension(self, value: int) -> Any:
        return self._set(dimension=value)

    def getDimension(self) -> int:
        return int(self._get("dimension"))

    def setThreads(self, value: int) -> Any:
        return self._set(threads=value)

    def model_spec(self) -> ModelSpec:
        if not self.isDefined(self.modelPath):
            raise ValueError(
                f"{type(self).__name__} has no model: create it with "
                f'{type(self).__name__}.pretrained("<name>", "<lang>")'
            )
        threads = self.getOrDefault(self.threads) if self.isDefined(self.threads) else None
        self._refetch_if_moved()
        return ModelSpec(
            path=str(self.getOrDefault(self.modelPath)),
            annotator=type(self).__name__,
            case_sensitive=self.getCaseSensitive(),
            max_sentence_length=self.getMaxSentenceLength(),
            batch_size=self.getBatchSize(),
            threads=threads,
        )

    def plan(self) -> SentenceEmbeddingsPlan | TokenEmbeddingsPlan:
        raise NotImplementedError

    def _transform(self, dataset: DataFrame) -> DataFrame:
        plan = self.plan()
        if not self.isDefined(self.threads):
            # Workers share the machine: one onnxruntime thread per concurrent task.
            from dataclasses import replace

            from runtime.compat.session import threads_per_task

            threads = threads_per_task(dataset.sparkSession)
            plan = replace(plan, model=replace(self.model_spec(), threads=threads))
        return execution.annotate(dataset, plan)


class BertSentenceEmbeddings(_BertStage):
    """One vector per sentence: BERT's pooled output."""

    outputAnnotatorType = SENTENCE_EMBEDDINGS
    inputAnnotatorTypes = (DOCUMENT,)
    default_model = "sent_small_bert_L2_768"

    def plan(self) -> SentenceEmbeddingsPlan:
        return SentenceEmbeddingsPlan(**self._plan_fields(), model=self.model_spec())


class BertEmbeddings(_BertStage):
    """One vector per token: BERT's last hidden state at the token's first wordpiece."""

    outputAnnotatorType = WORD_EMBEDDINGS
    inputAnnotatorTypes = (DOCUMENT, TOKEN)
    default_model = "small_bert_L2_768"

    def plan(self) -> TokenEmbeddingsPlan:
        return TokenEmbeddingsPlan(**self._plan_fields(), model=self.model_spec())


class EmbeddingsFinisher(_Stage, Transformer):
    """Embeddings annotations -> `array<array<float>>` (or arrays of ML vectors) per row."""

    inputCols = _param("inputCols", "embeddings annotation columns", TypeConverters.toListString)
    outputCols = _param("outputCols", "finished output columns", TypeConverters.toListString)
    cleanAnnotations = _param("cleanAnnotations", "remove the input columns", TypeConverters.toBoolean)
    outputAsVector = _param("outputAsVector", "ML vectors instead of arrays", TypeConverters.toBoolean)

    @keyword_only
    def __init__(self) -> None:
        super().__init__()
        self._setDefault(cleanAnnotations=False, outputAsVector=False, outputCols=[])

    def setInputCols(self, *value: Any) -> EmbeddingsFinisher:
        return self._set(inputCols=_columns(value))

    def getInputCols(self) -> list[str]:
        return list(self._get("inputCols"))

    def setOutputCols(self, *value: Any) -> EmbeddingsFinisher:
        return self._set(outputCols=_columns(value))

    def getOutputCols(self) -> list[str]:
        return list(self._get("outputCols")) or [f"finished_{c}" for c in self.getInputCols()]

    def setCleanAnnotations(self, value: bool) -> EmbeddingsFinisher:
        return self._set(cleanAnnotations=value)

    def setOutputAsVector(self, value: bool) -> EmbeddingsFinisher:
        return self._set(outputAsVector=value)

    def plan(self) -> FinisherPlan:
        inputs, outputs = tuple(self.getInputCols()), tuple(self.getOutputCols())
        if len(inputs) != len(outputs):
            raise ValueError(
                f"EmbeddingsFinisher: {len(inputs)} inputCols but {len(outputs)} outputCols; "
                "give one output column per input column, or none for finished_<input>"
            )
        return FinisherPlan(
            inputs, outputs, bool(self._get("outputAsVector")), bool(self._get("cleanAnnotations"))
        )

    def _transform(self, dataset: DataFrame) -> DataFrame:
        return execution.finish(dataset, self.plan())
