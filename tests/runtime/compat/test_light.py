"""LightPipeline: Spark NLP's dict shapes from the same stages, in this process, with no Java."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import registry
from runtime.errors import PipelineError

pytest.importorskip("pyspark", reason="the stages are pyspark stages (pip install 'cardhub[spark]')")
pytestmark = pytest.mark.filterwarnings("ignore:.*in the metadata but.*")
REPO = Path(__file__).resolve().parents[3]


def token_pipeline() -> Any:
    from pyspark.ml import Pipeline

    from runtime.compat.sparknlp.annotator import BertEmbeddings, SentenceDetector, Tokenizer
    from runtime.compat.sparknlp.base import DocumentAssembler, EmbeddingsFinisher

    return Pipeline(
        stages=[
            DocumentAssembler().setInputCol("text").setOutputCol("document"),
            SentenceDetector().setInputCols(["document"]).setOutputCol("sentence"),
            Tokenizer().setInputCols(["sentence"]).setOutputCol("token"),
            BertEmbeddings.pretrained("bert_base_cased", "en").setInputCols("sentence", "token")
            .setOutputCol("embeddings"),
            EmbeddingsFinisher().setInputCols("embeddings"),
        ]
    )


def test_annotate_gives_results_per_output_column(tiny_seed_models: str) -> None:
    from runtime.compat.sparknlp.base import LightPipeline

    light = LightPipeline(token_pipeline())
    result = light.annotate("Dr. Smith paid $2.50. He left.")
    assert result == {
        "document": ["Dr. Smith paid $2.50. He left."],
        "sentence": ["Dr. Smith paid $2.50.", "He left."],
        "token": ["Dr", ".", "Smith", "paid", "$2.50", ".", "He", "left", "."],
        "embeddings": ["Dr", ".", "Smith", "paid", "$2.50", ".", "He", "left", "."],
    }
    many = light.annotate(["One.", "Two words"])
    assert isinstance(many, list) and [r["token"] for r in many] == [["One", "."], ["Two", "words"]]


def test_full_annotate_gives_annotations_with_offsets_and_registry_vectors(tiny_seed_models: str) -> None:
    from runtime.compat.annotation import Annotation
    from runtime.compat.sparknlp.base import LightPipeline

    text = "I love NLP. Spark too"
    [full] = LightPipeline(token_pipeline()).fullAnnotate(text)
    assert set(full) == {"document", "sentence", "token", "embeddings"}
    assert full["sentence"][1] == Annotation("document", 12, 20, "Spark too", {"sentence": "1"})
    assert repr(full["token"][0]) == "Annotation(token, 0, 0, I, {'sentence': '0'})"
    for annotation in full["embeddings"]:
        assert text[annotation.begin : annotation.end + 1] == annotation.result  # a cased model
        assert annotation.annotatorType == "word_embeddings"
        assert set(annotation.metadata) == {"sentence", "token", "pieceId", "isWordStart", "isOOV"}
    model = registry.load("bert_base_cased")
    expected = np.concatenate([v for _, v in model.embed_tokens(["I love NLP.", "Spark too"])])
    got = np.stack([a.embeddings for a in full["embeddings"]])
    np.testing.assert_allclose(got, expected, atol=1e-6, rtol=0)


def test_parse_embeddings_prints_the_vectors(tiny_seed_models: str) -> None:
    from runtime.compat.sparknlp.base import LightPipeline

    result = LightPipeline(token_pipeline(), parse_embeddings=True).annotate("NLP")
    [full] = LightPipeline(token_pipeline()).fullAnnotate("NLP")
    assert result["embeddings"] == [" ".join(str(float(v)) for v in full["embeddings"][0].embeddings)]


def test_a_stage_it_cannot_run_is_refused_or_skipped(tiny_seed_models: str) -> None:
    from pyspark.ml import Transformer

    from runtime.compat.sparknlp.base import DocumentAssembler, LightPipeline

    class Identity(Transformer):  # a plain pyspark stage: no annotator plan
        def _transform(self, dataset: Any) -> Any:
            return dataset

    stages = [DocumentAssembler().setInputCol("text"), Identity()]
    with pytest.raises(PipelineError, match="setIgnoreUnsupported"):
        LightPipeline(stages).annotate("text")
    assert LightPipeline(stages).setIgnoreUnsupported(True).annotate("text") == {"document": ["text"]}


NO_JAVA = """
import json, shutil, warnings
warnings.simplefilter("ignore")
assert shutil.which("java") is None
from pyspark.ml import Pipeline
from runtime.compat.sparknlp.base import DocumentAssembler, LightPipeline
from runtime.compat.sparknlp.annotator import BertSentenceEmbeddings, SentenceDetector
from runtime.compat import sparknlp
pipeline = Pipeline(stages=[
    DocumentAssembler().setInputCol("text").setOutputCol("document"),
    SentenceDetector().setInputCols(["document"]).setOutputCol("sentence"),
    BertSentenceEmbeddings.pretrained("sent_small_bert_L6_768").setInputCols("sentence").setOutputCol("e"),
])
annotated = LightPipeline(pipeline).fullAnnotate("No JVM here. None at all.")[0]
try:
    sparknlp.start()
    started = "started"
except Exception as error:
    started = f"{type(error).__name__}: {error}"
print(json.dumps({"sentences": [a.result for a in annotated["e"]], "start": started}))
"""


def test_light_pipeline_runs_without_java_and_start_says_what_to_install(tiny_seed_models: str) -> None:
    import registry as reg

    reg.load("sent_small_bert_L6_768")  # fills the cache, so that the child runs offline
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "java").exists())
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env.update(PATH=path, CARDHUB_OFFLINE="1")
    child = subprocess.run(
        [sys.executable, "-c", NO_JAVA], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout)
    assert report["sentences"] == ["No JVM here.", "None at all."]
    assert report["start"].startswith("JavaUnavailableError: no Java runtime: Spark needs Java 17")
    assert "\n" not in report["start"] and "apt-get install default-jre-headless" in report["start"]


def test_a_stage_whose_model_folder_is_gone_fetches_its_card_again(
    tiny_seed_models: str, tmp_path: Path
) -> None:
    """A pipeline saved on one machine names that machine's cache folder; elsewhere the stage
    fetches the same card again instead of failing on a missing path."""
    from runtime.compat.sparknlp.annotator import BertSentenceEmbeddings
    from runtime.compat.sparknlp.base import DocumentAssembler, LightPipeline

    stage = BertSentenceEmbeddings.pretrained("sent_bert_wiki_books_sst2")
    stage.setInputCols("document").setOutputCol("e")
    cached = stage.getOrDefault(stage.modelPath)
    stage._set(modelPath=str(tmp_path / "another-machine" / "cache" / "gone"))
    light = LightPipeline([DocumentAssembler().setInputCol("text").setOutputCol("document"), stage])
    [annotated] = light.fullAnnotate("Still here")
    assert stage.getOrDefault(stage.modelPath) == cached
    expected = registry.load("sent_bert_wiki_books_sst2").embed(["Still here"])[0]
    np.testing.assert_allclose(annotated[stage.getOutputCol()][0].embeddings, expected, atol=1e-6, rtol=0)
