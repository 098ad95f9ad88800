"""`registry.load`: from a card name (through the mirror and the cache) or a folder to a model
whose vectors match PyTorch on the same weights."""

from __future__ import annotations

from pathlib import Path

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


def test_load_a_packaged_card_through_a_mirror_folder(tiny: TinyBert, tmp_path: Path) -> None:
    """The card's real download URL, rewritten to a local mirror that holds a tiny BERT under
    the card's artifact name (weights cannot be downloaded here)."""
    from runtime.config import Settings

    mirror = tmp_path / "mirror"
    target = mirror / "auxdata.johnsnowlabs.com" / "public" / "models" / f"{ARTIFACT}.zip"
    target.parent.mkdir(parents=True)
    zip_model_folder(tiny.folder, target)
    settings = Settings(cache_dir=tmp_path / "cache", mirror=str(mirror), trust_env=False)
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


def test_load_an_unknown_name_suggests() -> None:
    with pytest.raises(registry.ModelNotFoundError, match="did you mean: sent_small_bert_L6_768"):
        registry.load("sent_small_bert_L6_786")
