"""The pyspark stages on real pyspark (`local[2]`, one session per test run): the seed cards'
pipelines, written as in the cards, give Spark NLP's annotation schema and the vectors of
`registry.load(name)`."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import registry
from runtime.compat.annotation import spark_annotation_array
from tests.fixtures.compat_models import SEED_MODELS

pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings("ignore:.*in the metadata but.*")]

# What the cards elide with `...` (Spark NLP's docs define these names the same way).
PRELUDE = """
from pyspark.ml import Pipeline
import pandas as pd
from runtime.compat.sparknlp.base import *
from runtime.compat.sparknlp.annotator import *
document_assembler = DocumentAssembler().setInputCol("text").setOutputCol("document")
sentence_detector = SentenceDetector().setInputCols(["document"]).setOutputCol("sentence")
tokenizer = Tokenizer().setInputCols(["sentence"]).setOutputCol("token")
"""
TEXTS = ["I hate cancer. It hurts.", "Antibiotics aren't painkiller", "I love NLP"]


def _runnable(code: str) -> tuple[str, bool]:
    """The snippet, or its longest runnable head when it does not parse (seed 004's unclosed
    string in the DataFrame literal, which the conformance runner reports as an error)."""
    lines = code.splitlines()
    for end in range(len(lines), 0, -1):
        head = "\n".join(lines[:end])
        try:
            ast.parse(head)
        except SyntaxError:
            continue
        return head, end == len(lines)
    return "", False


def run_card_snippet(name: str, spark: Any) -> dict[str, Any]:
    """Executes the card's own python snippet after the prelude; returns its namespace."""
    card = registry.get(name)
    snippet = card.snippet("python")
    assert snippet is not None
    code, whole = _runnable(snippet.code)
    namespace: dict[str, Any] = {"spark": spark}
    exec(compile(PRELUDE, "<prelude>", "exec"), namespace)
    exec(compile(code, f"{card.path}:{snippet.line}", "exec"), namespace)
    namespace["__whole__"] = whole
    return namespace


def _embeddings_stage(namespace: dict[str, Any]) -> Any:
    from runtime.compat.stages import BertEmbeddings, BertSentenceEmbeddings

    return next(v for v in namespace.values() if isinstance(v, (BertEmbeddings, BertSentenceEmbeddings)))


@pytest.mark.parametrize("name", sorted(SEED_MODELS))
def test_a_seed_pipeline_as_written_gives_spark_nlp_annotations_and_registry_vectors(
    name: str, spark: Any, seed_models: str
) -> None:
    namespace = run_card_snippet(name, spark)
    stage = _embeddings_stage(namespace)
    pipeline = namespace["nlp_pipeline"]
    data = spark.createDataFrame([[t] for t in TEXTS], ["text"]).repartition(2)
    result = pipeline.fit(data).transform(data)
    column = stage.getOutputCol()
    assert result.schema[column].dataType == spark_annotation_array()
    assert result.schema[column].metadata == {"annotatorType": stage.outputAnnotatorType}
    tokens = ["token"] if "token" in result.columns else []
    rows = result.select("text", "sentence", *tokens, column).collect()
    assert sorted(r["text"] for r in rows) == sorted(TEXTS)
    model = registry.load(name)
    for row in rows:
        sentences = [s.result for s in row["sentence"]]
        assert sentences == [row["text"][s.begin : s.end + 1] for s in row["sentence"]]
        annotations = row[column]
        if stage.outputAnnotatorType == "sentence_embeddings":
            assert [(a.begin, a.end, a.result) for a in annotations] == [
                (s.begin, s.end, s.result) for s in row["sentence"]
            ]
            assert [a.metadata["sentence"] for a in annotations] == [str(i) for i in range(len(sentences))]
            got = np.array([a.embeddings for a in annotations], dtype=np.float32)
            np.testing.assert_allclose(got, model.embed(sentences), atol=1e-6, rtol=0)
        else:
            embedded = model.embed_tokens(sentences)
            expected = [vector for _, vectors in embedded for vector in vectors]
            tokens = [token for tokens, _ in embedded for token in tokens]
            cased = SEED_MODELS[name][1]
            assert [a.result for a in annotations] == [t if cased else t.lower() for t in tokens]
            assert [(a.begin, a.end) for a in annotations] == [(t.begin, t.end) for t in row["token"]]
            got = np.array([a.embeddings for a in annotations], dtype=np.float32)
            np.testing.assert_allclose(got, np.array(expected), atol=1e-6, rtol=0)


def test_seed_000s_dataframe_literal_embeds_one_row_where_its_results_show_two(
    spark: Any, tiny_seed_models: str
) -> None:
    """NOTES §1: pyspark takes `[['I hate cancer', "Antibiotics aren't painkiller"]]` as ONE row."""
    namespace = run_card_snippet("sent_small_bert_L6_768", spark)
    rows = namespace["result"].collect()
    assert len(rows) == 1 and rows[0]["text"] == "I hate cancer"
    assert [a.result for a in rows[0]["sentence_embeddings"]] == ["I hate cancer"]


def test_seed_004s_python_does_not_parse(tiny_seed_models: str) -> None:
    snippet = registry.get("sent_biobert_pubmed_base_cased").snippet("python")
    assert snippet is not None
    assert _runnable(snippet.code)[1] is False


def test_embeddings_finisher_gives_arrays_and_vectors(spark: Any, tiny_seed_models: str) -> None:
    from pyspark.ml import Pipeline
    from pyspark.ml.linalg import DenseVector

    from runtime.compat.sparknlp.annotator import BertEmbeddings, Tokenizer
    from runtime.compat.sparknlp.base import DocumentAssembler, EmbeddingsFinisher

    stages = [
        DocumentAssembler().setInputCol("text").setOutputCol("document"),
        Tokenizer().setInputCols("document").setOutputCol("token"),
        BertEmbeddings.pretrained("small_bert_L2_768").setInputCols("document", "token").setOutputCol("emb"),
    ]
    data = spark.createDataFrame([["I love NLP"], ["Tokens, and more tokens!"]], ["text"])
    arrays = Pipeline(stages=[*stages, EmbeddingsFinisher().setInputCols("emb")]).fit(data).transform(data)
    vectors = (
        Pipeline(stages=[*stages, EmbeddingsFinisher().setInputCols("emb").setOutputCols("vec")
                         .setOutputAsVector(True).setCleanAnnotations(True)])
        .fit(data).transform(data)
    )
    assert "emb" not in vectors.columns and "vec" in vectors.columns
    for plain, vector in zip(arrays.collect(), vectors.collect(), strict=True):
        assert len(plain["finished_emb"]) == len(plain["emb"]) == len(vector["vec"])
        for value, annotation, dense in zip(plain["finished_emb"], plain["emb"], vector["vec"], strict=True):
            assert isinstance(dense, DenseVector)
            np.testing.assert_array_equal(np.float32(value), np.float32(annotation.embeddings))
            np.testing.assert_array_equal(np.float32(dense.toArray()), np.float32(value))


def test_a_fitted_pipeline_saves_and_loads(spark: Any, tiny_seed_models: str, tmp_path: Path) -> None:
    from pyspark.ml import Pipeline, PipelineModel

    from runtime.compat.sparknlp.annotator import BertSentenceEmbeddings, SentenceDetector
    from runtime.compat.sparknlp.base import DocumentAssembler

    pipeline = Pipeline(
        stages=[
            DocumentAssembler().setInputCol("text").setOutputCol("document").setCleanupMode("shrink"),
            SentenceDetector().setInputCols("document").setOutputCol("sentence").setMinLength(3),
            BertSentenceEmbeddings.pretrained("sent_bert_wiki_books_sst2").setInputCols("sentence")
            .setOutputCol("vectors").setBatchSize(2).setMaxSentenceLength(16),
        ]
    )
    data = spark.createDataFrame([["  One sentence.  And  another one here. "]], ["text"])
    fitted = pipeline.fit(data)
    fitted.write().overwrite().save(str(tmp_path / "model"))
    loaded = PipelineModel.load(str(tmp_path / "model"))
    embeddings = loaded.stages[2]
    assert (embeddings.getBatchSize(), embeddings.getMaxSentenceLength()) == (2, 16)
    assert loaded.stages[0].getCleanupMode() == "shrink" and loaded.stages[1].getMinLength() == 3
    before = fitted.transform(data).collect()[0]["vectors"]
    after = loaded.transform(data).collect()[0]["vectors"]
    assert [a.result for a in after] == ["One sentence.", "And another one here."]
    for a, b in zip(before, after, strict=True):
        assert (a.begin, a.end, a.metadata) == (b.begin, b.end, b.metadata)
        np.testing.assert_array_equal(a.embeddings, b.embeddings)


def test_a_wrong_input_column_says_what_to_set(spark: Any, tiny_seed_models: str) -> None:
    from pyspark.ml import Pipeline

    from runtime.compat.sparknlp.annotator import BertEmbeddings
    from runtime.compat.sparknlp.base import DocumentAssembler
    from runtime.errors import PipelineError

    stages = [
        DocumentAssembler().setInputCol("text").setOutputCol("document"),
        BertEmbeddings.pretrained("bert_base_cased").setInputCols("document", "token").setOutputCol("emb"),
    ]
    data = spark.createDataFrame([["I love NLP"]], ["text"])
    with pytest.raises(PipelineError, match=r"BertEmbeddings: wrong or missing inputCols.*no column token.*"
                       r"setInputCols"):
        Pipeline(stages=stages).fit(data).transform(data)


def test_pretrained_refuses_a_model_of_another_annotator(tiny_seed_models: str) -> None:
    from runtime.compat.sparknlp.annotator import BertEmbeddings
    from runtime.errors import WrongAnnotatorError

    with pytest.raises(WrongAnnotatorError, match=r'BertSentenceEmbeddings\.pretrained\("sent_small_bert_L6'):
        BertEmbeddings.pretrained("sent_small_bert_L6_768", "en")


def test_partitions_and_arrow_batches_do_not_change_the_vectors(spark: Any, tiny_seed_models: str) -> None:
    """Rows spread over 5 partitions and small Arrow batches give the vectors LightPipeline
    computes in one process (batching and sorting are invisible in the numbers)."""
    from pyspark.ml import Pipeline

    from runtime.compat.sparknlp.annotator import BertSentenceEmbeddings, SentenceDetector
    from runtime.compat.sparknlp.base import DocumentAssembler, LightPipeline

    texts = [f"Sentence number {i} is {'long ' * (i % 7)}here. A second one, {i}." for i in range(60)]
    pipeline = Pipeline(
        stages=[
            DocumentAssembler().setInputCol("text").setOutputCol("document"),
            SentenceDetector().setInputCols("document").setOutputCol("sentence"),
            BertSentenceEmbeddings.pretrained("sent_small_bert_L6_768").setInputCols("sentence")
            .setOutputCol("vectors").setBatchSize(3),
        ]
    )
    data = spark.createDataFrame([[t] for t in texts], ["text"]).repartition(5)
    previous = spark.conf.get("spark.sql.execution.arrow.maxRecordsPerBatch")
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "4")
    try:
        fitted = pipeline.fit(data)
        rows = {r["text"]: r["vectors"] for r in fitted.transform(data).collect()}
    finally:
        spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", previous)
    light = LightPipeline(fitted).fullAnnotate(texts)
    for text, annotated in zip(texts, light, strict=True):
        expected = annotated["vectors"]
        assert len(rows[text]) == len(expected) == 2
        for got, want in zip(rows[text], expected, strict=True):
            np.testing.assert_allclose(np.float32(got.embeddings), want.embeddings, atol=1e-6, rtol=0)


def test_consecutive_annotators_run_in_one_python_pass(spark: Any, tiny_seed_models: str) -> None:
    """The assembler, detector, tokenizer and embeddings of a card's pipeline cross from the JVM
    to Python once (one MapInArrow in the physical plan), and each stage's own output is still
    a DataFrame with its column."""
    from pyspark.ml import Pipeline

    namespace = run_card_snippet("small_bert_L2_768", spark)
    data = spark.createDataFrame([["I love NLP. Me too."]], ["text"])
    fitted = namespace["nlp_pipeline"].fit(data)
    result = fitted.transform(data)
    plan = result._jdf.queryExecution().executedPlan().toString()
    assert plan.count("MapInArrow") == 1, plan
    partial = Pipeline(stages=fitted.stages[:2]).fit(data).transform(data)
    assert [s.result for s in partial.collect()[0]["sentence"]] == ["I love NLP.", "Me too."]
    assert [t.result for t in result.collect()[0]["token"]] == ["I", "love", "NLP", ".", "Me", "too", "."]


def test_explode_sentences_gives_a_row_per_sentence(spark: Any, tiny_seed_models: str) -> None:
    from pyspark.ml import Pipeline

    from runtime.compat.sparknlp.annotator import BertSentenceEmbeddings, SentenceDetector
    from runtime.compat.sparknlp.base import DocumentAssembler

    pipeline = Pipeline(
        stages=[
            DocumentAssembler().setInputCol("text").setOutputCol("document"),
            SentenceDetector().setInputCols("document").setOutputCol("sentence").setExplodeSentences(True),
            BertSentenceEmbeddings.pretrained("sent_small_bert_L6_768").setInputCols("sentence")
            .setOutputCol("vectors"),
        ]
    )
    data = spark.createDataFrame([["One here. Two here."], [""]], ["text"])
    rows = pipeline.fit(data).transform(data).collect()
    assert [[s.result for s in r["sentence"]] for r in rows] == [["One here."], ["Two here."]]
    assert [[v.result for v in r["vectors"]] for r in rows] == [["One here."], ["Two here."]]
    assert [r["text"] for r in rows] == ["One here. Two here."] * 2
