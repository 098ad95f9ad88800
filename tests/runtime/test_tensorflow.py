"""TensorFlow-era models end to end: small BERTs saved by TensorFlow in each layout Spark NLP
writes, packaged with a Spark-written vocabulary, served from loopback under the seed cards'
real artifact names, loaded with `registry.load`, and compared with TensorFlow's own outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import registry
from runtime.config import Settings
from runtime.models import EmbeddingModel
from runtime.tensorflow import conversion_record, converted_onnx
from runtime.tokenizer import spark_default_tokenize
from tests.fixtures.http_server import ArtifactServer
from tests.fixtures.minilm import varied_sentences
from tests.fixtures.sparknlp_artifacts import zip_model_folder
from tests.fixtures.tf_bert import TfBert, make_tf_bert, tensorflow_unavailable_reason
from tests.fixtures.tiny_bert import corpus

TF_MISSING = tensorflow_unavailable_reason()
pytestmark = [
    pytest.mark.skipif(TF_MISSING is not None, reason=str(TF_MISSING)),
    pytest.mark.spark,
    pytest.mark.slow,
]
REPO = Path(__file__).resolve().parents[2]
TOLERANCE = 1e-4


@dataclass
class Case:
    """One seed card, the layout its TensorFlow model is saved in, and the annotator it is."""

    card: str
    layout: str
    annotator: str
    case_sensitive: bool
    container: str


CASES = [
    Case("sent_small_bert_L6_768", "tf1", "BertSentenceEmbeddings", False, "bert_sentence_tensorflow"),
    Case(
        "sent_biobert_pubmed_base_cased",
        "tf1-parts",
        "BertSentenceEmbeddings",
        True,
        "bert_sentence_tensorflow",
    ),
    Case("sent_bert_wiki_books_sst2", "tf2", "BertSentenceEmbeddings", False, "bert_sentence_tensorflow"),
    Case("bert_base_cased", "tf1", "BertEmbeddings", True, "bert_tensorflow"),
]


def sentences() -> list[str]:
    """120 varied sentences: accents, CJK, emoji, punctuation, casing, some past 128 pieces."""
    return corpus()[::5][:60] + varied_sentences(60, seed=3)


@pytest.fixture(scope="module")
def models(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, TfBert]:
    root = tmp_path_factory.mktemp("tf-models")
    return {
        case.card: make_tf_bert(
            root / case.card,
            layout=case.layout,
            annotator=case.annotator,
            case_sensitive=case.case_sensitive,
            spark=spark,
        )
        for case in CASES
    }


@pytest.fixture(scope="module")
def served(models: dict[str, TfBert], tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArtifactServer]:
    """The loopback server holding every model's zip under its card's artifact path."""
    zips = tmp_path_factory.mktemp("tf-zips")
    with ArtifactServer() as server:
        for name, bert in models.items():
            artifact = registry.get(name).artifact
            path = f"/auxdata.johnsnowlabs.com/public/models/{artifact}.zip"
            server.add_file(path, zip_model_folder(bert.folder, zips / f"{artifact}.zip"))
        yield server


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the module: a later test takes the conversions of an earlier one."""
    return tmp_path_factory.mktemp("tf-cache")


def settings_for(server: ArtifactServer, cache: Path) -> Settings:
    return Settings(cache_dir=cache, mirror=server.base_url, trust_env=False, retries=0)


def load(name: str, settings: Settings) -> EmbeddingModel:
    with warnings.catch_warnings():
        # the tiny BERT stands in for a 768-wide model: the folder's metadata wins, with a warning
        warnings.filterwarnings("ignore", message=".*dimension=64 in the metadata but 768")
        model: EmbeddingModel = registry.load(name, settings=settings, progress=False)
    return model


def tf_pooled(bert: TfBert, rows: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([bert.tf_outputs(np.asarray([row]))[1] for row in rows])


def tf_token_vectors(bert: TfBert, model: EmbeddingModel, text: str) -> np.ndarray:
    tokens = [t.text for t in spark_default_tokenize(text)]
    alignment = model.tokenizer.encode_tokens_batch([tokens])[0]
    hidden, _ = bert.tf_outputs(np.asarray([alignment.ids]))
    return hidden[0, alignment.rows[alignment.rows >= 0]]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.card}-{c.layout}")
def test_registry_load_converts_once_and_matches_tensorflow(
    case: Case, models: dict[str, TfBert], served: ArtifactServer, cache: Path
) -> None:
    bert = models[case.card]
    model = load(case.card, settings_for(served, cache))
    folder = model.folder.path
    assert model.folder.onnx_path == converted_onnx(folder, case.container)
    record = conversion_record(folder, case.container)
    assert record is not None and record.converter == "tf2onnx" and record.max_abs_diff <= TOLERANCE
    import tensorflow as tf
    import tf2onnx

    assert (record.tensorflow_version, record.converter_version) == (tf.__version__, tf2onnx.__version__)
    expected_layout = "part-checkpoint" if case.layout == "tf1-parts" else "root-checkpoint"
    names = "fields/signatures" if case.layout == "tf2" else "TF1 defaults"
    assert record.layout == f"{expected_layout}, tensor names from {names}"
    # the runtime's names and int64 inputs, like every other ONNX model it runs
    inputs = {i.name: i.type for i in model.session.session.get_inputs()}
    assert inputs == dict.fromkeys(("input_ids", "attention_mask", "token_type_ids"), "tensor(int64)")
    assert {o.name for o in model.session.session.get_outputs()} == {"last_hidden_state", "pooler_output"}

    texts = sentences()
    assert len(texts) >= 100
    pooled = model.embed(texts)
    worst_pooled = float(np.abs(pooled - tf_pooled(bert, model.tokenizer.encode_batch(texts))).max())
    worst_tokens = 0.0
    for text, (tokens, vectors) in zip(texts, model.embed_tokens(texts), strict=True):
        expected = tf_token_vectors(bert, model, text)
        assert vectors.shape == expected.shape == (len(tokens), bert.hidden)
        worst_tokens = max(worst_tokens, float(np.abs(vectors - expected).max(initial=0.0)))
    assert worst_pooled <= TOLERANCE and worst_tokens <= TOLERANCE, (worst_pooled, worst_tokens)
    assert np.abs(pooled).max() > 0.1  # the outputs are not degenerate

    # the optimized-graph cache applies to converted graphs too
    assert any(model.folder.onnx_path.parent.glob("model.ort-*.optimized.onnx"))


CACHED_LOAD = """
import json, sys, warnings
warnings.simplefilter("ignore")
import registry
model = registry.load(sys.argv[1])
vectors = model.embed(["I hate cancer", "Antibiotics aren't painkiller"])
heavy = sorted(m for m in ("tensorflow", "tf2onnx", "runtime.tensorflow.convert") if m in sys.modules)
print(json.dumps({"heavy": heavy, "vectors": vectors.tolist(), "onnx": str(model.folder.onnx_path)}))
"""


def test_a_converted_model_loads_in_a_new_process_without_tensorflow(
    models: dict[str, TfBert], served: ArtifactServer, cache: Path
) -> None:
    settings = settings_for(served, cache)
    name = "sent_bert_wiki_books_sst2"
    first = load(name, settings)
    env = {**os.environ, "CARDHUB_CACHE": str(settings.cache_dir), "CARDHUB_OFFLINE": "1"}
    child = subprocess.run(
        [sys.executable, "-c", CACHED_LOAD, name],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(child.stdout)
    assert report["heavy"] == [], f"a load of a converted model imported {report['heavy']}"
    assert report["onnx"] == str(first.folder.onnx_path)
    texts = ["I hate cancer", "Antibiotics aren't painkiller"]
    np.testing.assert_allclose(
        np.asarray(report["vectors"], dtype=np.float32),
        tf_pooled(models[name], first.tokenizer.encode_batch(texts)),
        atol=TOLERANCE,
    )


def test_cardhub_convert_ahead_of_time_and_cache_list(served: ArtifactServer, tmp_path: Path) -> None:
    """`cardhub convert` fills the cache for machines without TensorFlow; `cache list` shows it."""
    cache = tmp_path / "cache"
    env = {**os.environ, "CARDHUB_CACHE": str(cache), "CARDHUB_MIRROR": served.base_url}
    command = [sys.executable, "-m", "cardhub_cli", "convert", "sent_small_bert_L6_768", "--lang", "en"]
    first = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert "converted" in first.stdout and "bert_sentence_tensorflow_converted/model.onnx" in first.stdout
    again = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert "already converted" in again.stdout
    listing = subprocess.run(
        [sys.executable, "-m", "cardhub_cli", "cache", "list"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    line = next(row for row in listing.stdout.splitlines() if row.startswith("sent_small_bert_L6_768_en"))
    assert "tensorflow, converted to onnx" in line
