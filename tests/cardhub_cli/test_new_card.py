"""`cardhub new`: cards written from the test models validate cleanly, load through
`registry.load` and build into the site."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.fixtures.minilm import minilm_unavailable_reason
from tests.fixtures.tiny_bert import TinyBert, make_tiny_bert, torch_unavailable_reason
from tests.helpers import ROOT

pytestmark = pytest.mark.skipif(
    torch_unavailable_reason() is not None, reason=str(torch_unavailable_reason())
)


def cardhub(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from cardhub_cli.main import cli; cli()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def sentence_model(tmp_path_factory: pytest.TempPathFactory) -> TinyBert:
    return make_tiny_bert(tmp_path_factory.mktemp("sentence"), hidden=32)


@pytest.fixture(scope="module")
def token_model(tmp_path_factory: pytest.TempPathFactory) -> TinyBert:
    return make_tiny_bert(
        tmp_path_factory.mktemp("token"), hidden=32, annotator="BertEmbeddings", case_sensitive=True
    )


def _new(tmp_path: Path, model: Path, name: str, *extra: str) -> Path:
    out = tmp_path / "cards"
    result = cardhub("new", str(model), "--name", name, "--out", str(out), *extra, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [card] = out.glob(f"*-{name}_en.md")
    return card


def _assert_validates_cleanly(card: Path) -> None:
    result = cardhub("validate", "--no-cache", "--strict", str(card), cwd=card.parent)
    assert result.returncode == 0 and result.stdout.strip() == "1 cards: 0 errors, 0 warnings", result.stdout


def test_a_sentence_model_folder_gives_a_clean_card_that_loads_and_builds(
    sentence_model: TinyBert, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import registry
    from registry import index
    from registry.store import Registry
    from runtime.config import Settings
    from site_builder.build import build_site
    from tests.fixtures.sparknlp_artifacts import zip_model_folder

    path = _new(tmp_path, sentence_model.folder, "tiny_sent_bert")
    _assert_validates_cleanly(path)
    text = path.read_text(encoding="utf-8")
    assert "annotator: BertSentenceEmbeddings" in text and "|Dimension:|32|" in text
    assert 'BertSentenceEmbeddings.pretrained("tiny_sent_bert", "en")' in text
    assert "nlu.load('en.embed_sentence.tiny_sent_bert')" in text

    # the upstream Results section, its block empty until `cardhub conform --update` fills it
    assert "</div>\n\n## Results\n\n```bash\n```\n\n{:.model-param}\n## Model Information\n" in text

    cards = Registry.from_dir(path.parent)
    card = cards.get("tiny_sent_bert", "en")
    assert card.annotator == "BertSentenceEmbeddings" and card.findings == []
    assert card.results is not None and card.results.raw == ""
    assert text.split("\n")[card.results.line - 2 : card.results.line] == ["```bash", "```"]
    assert card.model_information is not None and card.model_information.dimension == 32
    # registry.load resolves the name in this folder's registry and fetches the artifact the card
    # names (served from a local zip named as the card's download link says)
    assert card.artifact is not None
    archive = zip_model_folder(sentence_model.folder, tmp_path / f"{card.artifact}.zip")
    monkeypatch.setattr(registry, "default_registry", lambda: cards)
    monkeypatch.setattr(index, "find", lambda *args, **kwargs: None)
    settings = Settings(cache_dir=tmp_path / "model-cache", trust_env=False)
    model = registry.load("tiny_sent_bert", "en", settings=settings, url=archive.as_uri(), progress=False)
    assert model.info.name == "tiny_sent_bert"
    reference = registry.load(sentence_model.folder)
    texts = ["I love NLP", "The patient reported the results."]
    np.testing.assert_allclose(model.embed(texts), reference.embed(texts), atol=1e-6)

    report = build_site(path.parent, tmp_path / "site", workers=1)
    pages = [
        p for p in (tmp_path / "site").rglob("*.html") if "tiny_sent_bert" in p.read_text(encoding="utf-8")
    ]
    assert pages, report


def test_a_zip_and_a_token_model(token_model: TinyBert, tmp_path: Path) -> None:
    from tests.fixtures.sparknlp_artifacts import zip_model_folder

    archive = zip_model_folder(token_model.folder, tmp_path / "download.zip")
    path = _new(tmp_path, archive, "tiny_token_bert")
    _assert_validates_cleanly(path)
    text = path.read_text(encoding="utf-8")
    assert "annotator: BertEmbeddings" in text and "|Input Labels:|[sentence, token]|" in text
    assert "|Case sensitive:|true|" in text and 'Tokenizer().setInputCols("sentence")' in text


def test_a_huggingface_onnx_folder_needs_its_annotator(sentence_model: TinyBert, tmp_path: Path) -> None:
    folder = tmp_path / "hf"
    folder.mkdir()
    shutil.copy(sentence_model.onnx_path, folder / "model.onnx")
    (folder / "vocab.txt").write_text("\n".join(sentence_model.vocab) + "\n", encoding="utf-8")
    refused = cardhub("new", str(folder), "--name", "tiny_hf", "--out", str(tmp_path / "cards"), cwd=tmp_path)
    assert refused.returncode == 1 and "--annotator" in refused.stderr
    path = _new(
        tmp_path, folder, "tiny_hf", "--annotator", "BertSentenceEmbeddings", "--edition", "Spark NLP 5.2.0"
    )
    _assert_validates_cleanly(path)
    assert "tiny_hf_en_5.2.0_3.0_" in path.read_text(encoding="utf-8")
    again = cardhub(
        "new",
        str(folder),
        "--name",
        "tiny_hf",
        "--annotator",
        "BertEmbeddings",
        "--out",
        str(tmp_path / "cards"),
        cwd=tmp_path,
    )
    assert again.returncode == 1 and "exists" in again.stderr


@pytest.mark.skipif(minilm_unavailable_reason() is not None, reason=str(minilm_unavailable_reason()))
def test_minilm(tmp_path: Path) -> None:
    from tests.fixtures.minilm import export_minilm

    folder = export_minilm(tmp_path / "minilm")
    path = _new(tmp_path, folder, "minilm_l6_test")
    _assert_validates_cleanly(path)
    assert "|Dimension:|384|" in path.read_text(encoding="utf-8")
