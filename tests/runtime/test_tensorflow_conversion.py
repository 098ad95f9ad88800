"""The conversion's cache rules (runtime.tensorflow): killed converters leave nothing a later load
takes as good, concurrent loaders convert once, and without the extra a load fails with the
install command (and names an ONNX edition when the registry holds one)."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import registry
import runtime
from runtime.artifacts.cache import ModelCache, sha256_file
from runtime.config import Settings
from runtime.errors import TensorflowExtraMissing
from runtime.models import EmbeddingModel
from runtime.tensorflow import (
    INSTALL_COMMAND,
    conversion_record,
    converted_folder,
    converted_onnx,
    missing_extra_message,
)
from tests.fixtures.http_server import ArtifactServer
from tests.fixtures.sparknlp_artifacts import zip_model_folder
from tests.fixtures.tf_bert import TfBert, make_tf_bert, tensorflow_unavailable_reason
from tests.fixtures.tiny_bert import corpus

REPO = Path(__file__).resolve().parents[2]
CONTAINER = "bert_sentence_tensorflow"
TF_MISSING = tensorflow_unavailable_reason()
needs_tf = pytest.mark.skipif(TF_MISSING is not None, reason=str(TF_MISSING))

LOAD = """
import json, sys
import runtime
model = runtime.load(sys.argv[1])
print(json.dumps({
    "converted_here": "runtime.tensorflow.convert" in sys.modules,
    "onnx": str(model.folder.onnx_path),
    "vector": model.embed(["Zoë loved crème brûlée."]).tolist(),
}))
"""


@pytest.fixture(scope="module")
def bert(tmp_path_factory: pytest.TempPathFactory) -> TfBert:
    if TF_MISSING:
        pytest.skip(TF_MISSING)
    return make_tf_bert(tmp_path_factory.mktemp("tf-bert"), layout="tf1")


def fresh_copy(bert: TfBert, target: Path) -> Path:
    shutil.copytree(bert.folder, target)
    return target


def start_load(folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", LOAD, str(folder)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def assert_complete_or_absent(folder: Path) -> bool:
    """True when a converted model is in place; then every file it records is intact."""
    target = converted_folder(folder, CONTAINER)
    if not target.exists():
        return False
    record = conversion_record(folder, CONTAINER)
    assert record is not None, f"{target} exists without its marker"
    for name, facts in record.files.items():
        assert sha256_file(target / name) == facts["sha256"], f"{target / name} differs from its record"
    return True


def tf_pooled(bert: TfBert, model: EmbeddingModel, texts: list[str]) -> np.ndarray:
    rows = model.tokenizer.encode_batch(texts)
    return np.concatenate([bert.tf_outputs(np.asarray([row]))[1] for row in rows])


@needs_tf
@pytest.mark.slow
def test_sigkill_at_random_points_never_leaves_a_half_converted_model(bert: TfBert, tmp_path: Path) -> None:
    folder = fresh_copy(bert, tmp_path / "model")
    # How long one whole conversion takes in a child here, so that the kills spread over it.
    timing = fresh_copy(bert, tmp_path / "timing")
    started = time.perf_counter()
    assert start_load(timing).wait(timeout=300) == 0
    duration = time.perf_counter() - started
    rng = random.Random(1234)
    interrupted = 0
    for _ in range(10):
        child = start_load(folder)
        time.sleep(rng.uniform(0.1, 0.95) * duration)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        if assert_complete_or_absent(folder):
            shutil.rmtree(converted_folder(folder, CONTAINER))  # finished before the kill: start over
        else:
            interrupted += bool(list(folder.glob(f".{CONTAINER}-convert-*")))
    assert interrupted >= 5, f"only {interrupted} of 10 kills landed during a conversion"
    model = runtime.load(folder)  # cleans the leftovers under the lock and converts again
    assert not list(folder.glob(f".{CONTAINER}-convert-*"))
    assert assert_complete_or_absent(folder)
    texts = corpus()[:20]
    np.testing.assert_allclose(model.embed(texts), tf_pooled(bert, model, texts), atol=1e-4)


@needs_tf
@pytest.mark.slow
def test_four_processes_loading_an_unconverted_model_convert_it_once(bert: TfBert, tmp_path: Path) -> None:
    folder = fresh_copy(bert, tmp_path / "model")
    children = [start_load(folder) for _ in range(4)]
    reports = []
    for child in children:
        out, _ = child.communicate(timeout=300)
        assert child.returncode == 0
        reports.append(json.loads(out))
    assert sum(r["converted_here"] for r in reports) == 1, [r["converted_here"] for r in reports]
    assert {r["onnx"] for r in reports} == {str(converted_onnx(folder, CONTAINER))}
    vectors = np.asarray([r["vector"] for r in reports])
    np.testing.assert_array_equal(vectors, np.repeat(vectors[:1], 4, axis=0))
    model = runtime.load(folder)
    text = ["Zoë loved crème brûlée."]
    np.testing.assert_allclose(vectors[0], tf_pooled(bert, model, text), atol=1e-4)


@needs_tf
def test_without_the_extra_the_load_names_the_model_and_the_install_command(
    bert: TfBert, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A machine without TensorFlow (sys.modules entries of None make the modules unfindable)."""
    card = registry.get("sent_bert_wiki_books_sst2")
    settings = Settings(cache_dir=tmp_path / "cache", trust_env=False, retries=0)
    with ArtifactServer() as server:
        path = f"/auxdata.johnsnowlabs.com/public/models/{card.artifact}.zip"
        server.add_file(path, zip_model_folder(bert.folder, tmp_path / "model.zip"))
        settings = settings.with_(mirror=server.base_url)
        with monkeypatch.context() as patched:
            patched.setitem(sys.modules, "tensorflow", None)
            patched.setitem(sys.modules, "tf2onnx", None)
            with pytest.raises(TensorflowExtraMissing) as caught:
                registry.load("sent_bert_wiki_books_sst2", settings=settings, progress=False)
        message = str(caught.value)
        assert "sent_bert_wiki_books_sst2 (en)" in message and "is a TensorFlow model" in message
        assert INSTALL_COMMAND in message and "tensorflow, tf2onnx not installed" in message
        assert "cardhub convert sent_bert_wiki_books_sst2 --lang en" in message
        assert "ONNX edition" not in message  # the registry holds none of this model
        # the download stays in the cache: with the extra, the same call converts and loads
        assert ModelCache(settings.cache_dir).is_complete(card.artifact)
        model = registry.load("sent_bert_wiki_books_sst2", settings=settings.with_(offline=True))
    texts = corpus()[:10]
    np.testing.assert_allclose(model.embed(texts), tf_pooled(bert, model, texts), atol=1e-4)
    # `cardhub cache verify` covers the converted files too
    store = ModelCache(settings.cache_dir)
    assert store.verify(card.artifact) == []
    onnx = converted_onnx(store.folder(card.artifact), CONTAINER)
    assert onnx is not None
    onnx.write_bytes(onnx.read_bytes()[:-1] + b"\x00")
    assert store.verify(card.artifact) == [f"{onnx}: sha256 differs from the one recorded at conversion"]


def test_the_message_names_an_onnx_edition_of_the_same_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cards = tmp_path / "cards"
    cards.mkdir()
    original = next(registry.packaged_cards_dir().glob("*sent_bert_wiki_books_sst2_en.md"))
    shutil.copy(original, cards / original.name)
    onnx = original.read_text(encoding="utf-8")
    for old, new in (
        ("date: 2021-08-31", "date: 2023-06-28"),
        ("edition: Spark NLP 3.2.0", "edition: Spark NLP 5.0.0\nengine: onnx"),
        ("_en_3.2.0_3.0_1630412133457.zip", "_en_5.0.0_3.0_1687953630830.zip"),
    ):
        assert old in onnx
        onnx = onnx.replace(old, new)
    (cards / "2023-06-28-sent_bert_wiki_books_sst2_en.md").write_text(onnx, encoding="utf-8")
    store = registry.Registry.from_dir(cards)
    tensorflow_card = store.get("sent_bert_wiki_books_sst2", "en", "3.2.0")
    assert tensorflow_card.engine == "tensorflow"
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    message = missing_extra_message(
        tmp_path, CONTAINER, "model sent_bert_wiki_books_sst2 (en)", tensorflow_card, store
    )
    assert INSTALL_COMMAND in message
    assert (
        'The registry also holds an ONNX edition of this model: registry.load("sent_bert_wiki_books_sst2", '
        'lang="en", version="5.0.0")' in message
    )
