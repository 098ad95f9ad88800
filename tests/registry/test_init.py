"""`registry.load`: from a card name (through the mirror and the cache) or a folder to a model
whose vectors match PyTorch on the same weights."""

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
from tests.fixtures.sparknlp_artifacts import zip_model_folder
from tests.fixtures.tiny_bert import TinyBert, shared_tiny_bert, torch_unavailable_reason

TORCH_MISSING = torch_unavailable_reason()
pytestmark = pytest.mark.skipif(TORCH_MISSING is not None, reason=str(TORCH_MISSING))

ARTIFACT = "sent_small_bert_L6_768_en_2.6.0_2.4_1598351137007"


@pytest.fixture(scope="module")
def tiny() -> TinyBert:
    return shared_tiny_bert()


def torch_pooled(tiny: TinyBert, rows: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([tiny.torch_outputs(np.asarray([row], dtype=np.int64))[1] for row in rows])


def test_load_a_folder(tiny: TinyBert) -> None:
    model = registry.load(tiny.folder)
    texts = ["I hate cancer", "Antibiotics aren't painkiller"]
    np.testing.assert_allclose(
        model.embed(texts), torch_pooled(tiny, model.tokenizer.encode_batch(texts)), atol=1e-5
    )


REPO = Path(__file__).resolve().parents[2]
CACHED_LOAD = """
import json, sys, warnings
import registry
warnings.simplefilter("ignore")  # the tiny BERT's dimension differs from the card's
model = registry.load("sent_small_bert_L6_768")
vectors = model.embed(["I hate cancer", "Antibiotics aren't painkiller"])
loaded = sorted(m for m in ("pydantic", "registry.card", "registry.parse") if m in sys.modules)
print(json.dumps({"loaded": loaded, "vectors": vectors.tolist(), "artifact": model.info.artifact}))
"""


def _mirror_settings(tiny: TinyBert, tmp_path: Path) -> Any:
    """Settings whose mirror holds a tiny BERT under the card's real artifact name (weights
    cannot be downloaded here)."""
    from runtime.config import Settings

    mirror = tmp_path / "mirror"
    target = mirror / "auxdata.johnsnowlabs.com" / "public" / "models" / f"{ARTIFACT}.zip"
    target.parent.mkdir(parents=True)
    zip_model_folder(tiny.folder, target)
    return Settings(cache_dir=tmp_path / "cache", mirror=str(mirror), trust_env=False)


def test_load_a_packaged_card_through_a_mirror_folder(tiny: TinyBert, tmp_path: Path) -> None:
    """The card's real download URL, rewritten to a local mirror."""
    settings = _mirror_settings(tiny, tmp_path)
    # The tiny BERT stands in for a 768-wide model: the folder's metadata wins, with a warning.
    with pytest.warns(UserWarning, match="dimension=64 in the metadata but 768 in the card"):
        model = registry.load("sent_small_bert_L6_768", settings=settings, progress=False)
    assert model.info.name == "sent_small_bert_L6_768" and model.info.artifact == ARTIFACT
    assert (tmp_path / "cache").is_dir() and any((tmp_path / "cache").rglob("*"))
    texts = ["I hate cancer", "Antibiotics aren't painkiller"]
    vectors = model.embed(texts)
    np.testing.assert_allclose(vectors, torch_pooled(tiny, model.tokenizer.encode_batch(texts)), atol=1e-5)
    frame = model.predict(texts, output_level="sentence")
    assert "en_embed_sentence_small_bert_L6_768_embeddings" in frame.columns and len(frame) == 2


def test_a_cached_load_by_name_needs_neither_pydantic_nor_the_parser(tiny: TinyBert, tmp_path: Path) -> None:
    """A new process loads the packaged card from the cache through the packaged index; the
    card record is parsed only when `info` is read."""
    settings = _mirror_settings(tiny, tmp_path)
    with pytest.warns(UserWarning):
        registry.load("sent_small_bert_L6_768", settings=settings, progress=False)
    env = {**os.environ, "CARDHUB_CACHE": str(settings.cache_dir), "CARDHUB_OFFLINE": "1"}
    child = subprocess.run(
        [sys.executable, "-c", CACHED_LOAD], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    report = json.loads(child.stdout)
    assert report["loaded"] == [], f"a cached load imported {report['loaded']}"
    assert report["artifact"] == ARTIFACT
    model = registry.load(tiny.folder)
    texts = ["I hate cancer", "Antibiotics aren't painkiller"]
    np.testing.assert_allclose(
        np.asarray(report["vectors"], dtype=np.float32),
        torch_pooled(tiny, model.tokenizer.encode_batch(texts)),
        atol=1e-5,
    )


def test_load_an_unknown_name_suggests() -> None:
    with pytest.raises(registry.ModelNotFoundError, match="did you mean: sent_small_bert_L6_768"):
        registry.load("sent_small_bert_L6_786")
