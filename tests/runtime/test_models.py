"""The model API end to end: Spark NLP folders (random tiny BERT, real MiniLM weights) through
`runtime.load`, checked against PyTorch (transformers) on the same input ids."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import runtime
from runtime.artifacts import open_model_folder
from runtime.errors import ModelFolderError, UnsupportedAnnotatorError
from runtime.models import EmbeddingModel, nlu_column
from runtime.tokenizer import spark_default_tokenize
from tests.fixtures.minilm import (
    export_minilm,
    load_torch_minilm,
    minilm_unavailable_reason,
    varied_sentences,
)
from tests.fixtures.sparknlp_artifacts import make_card, zip_model_folder
from tests.fixtures.tiny_bert import TinyBert, corpus, shared_tiny_bert, torch_unavailable_reason


def _need_torch() -> None:
    reason = torch_unavailable_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def tiny() -> TinyBert:
    _need_torch()
    return shared_tiny_bert()


@pytest.fixture(scope="module")
def tiny_tokens() -> TinyBert:
    _need_torch()
    return shared_tiny_bert(annotator="BertEmbeddings", case_sensitive=True)


def padded(rows: list[np.ndarray]) -> np.ndarray:
    out = np.zeros((len(rows), max(len(r) for r in rows)), dtype=np.int64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


def torch_pooled_one_by_one(bert: TinyBert, rows: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([bert.torch_outputs(padded([r]))[1] for r in rows])


def test_embed_matches_pytorch_in_input_order(tiny: TinyBert) -> None:
    model = runtime.load(tiny.folder, batch_size=4)
    texts = [*corpus()[:37], "", "Zoë!", "東京の人 loved crème brûlée — twice."]
    vectors = model.embed(texts)
    expected = torch_pooled_one_by_one(tiny, model.tokenizer.encode_batch(texts))
    assert vectors.shape == (len(texts), tiny.hidden) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, expected, atol=1e-5)
    assert model.level == "sentence" and model.dimension == tiny.hidden


def test_batch_size_does_not_change_vectors(tiny: TinyBert) -> None:
    texts = corpus()[:50]
    one = runtime.load(tiny.folder, batch_size=1).embed(texts)
    many = runtime.load(tiny.folder, batch_size=32, batch_tokens=None).embed(texts)
    few_tokens = runtime.load(tiny.folder, batch_size=32, batch_tokens=40).embed(texts)
    np.testing.assert_allclose(one, many, atol=1e-5)
    np.testing.assert_allclose(one, few_tokens, atol=1e-5)


def test_streaming_holds_one_window(tiny: TinyBert) -> None:
    model = runtime.load(tiny.folder, window=64)
    pulled = 0

    def texts() -> Iterator[str]:
        nonlocal pulled
        for i in range(10_000):
            pulled += 1
            yield f"sentence number {i}"

    stream = model.iter_embed(texts())
    first = next(stream)
    assert first.shape == (64, tiny.hidden)
    assert pulled == 64


def test_embed_tokens_takes_the_first_wordpiece_of_each_spark_token(tiny_tokens: TinyBert) -> None:
    model = runtime.load(tiny_tokens.folder)
    assert model.level == "token"
    texts = ["The patient loved crème brûlée!", "Zoë didn't re-run (rare) cases.", ""]
    results = model.embed_tokens(texts)
    assert [tokens for tokens, _ in results] == [
        ["The", "patient", "loved", "crème", "brûlée", "!"],
        ["Zoë", "didn't", "re-run", "(", "rare", ")", "cases", "."],
        [],
    ]
    for tokens, vectors in results:
        # Rebuild the row of each token's first piece from the pieces of the words alone.
        heads = [model.tokenizer.pieces(t.split("'")[0].split("-")[0])[1:-1] for t in tokens]
        ids = model.tokenizer.encode_tokens_batch([tokens])[0].ids
        hidden, _ = tiny_tokens.torch_outputs(padded([ids]))
        rows, row = [], 1
        for head in heads:
            rows.append(row)
            row += len(head)
        assert vectors.shape == (len(tokens), tiny_tokens.hidden)
        np.testing.assert_allclose(vectors, hidden[0, rows], atol=1e-5)


def test_int8_is_opt_in_close_to_fp32_and_batch_independent(tiny: TinyBert) -> None:
    pytest.importorskip("onnx")
    texts = corpus()[:40]
    fp32 = runtime.load(tiny.folder).embed(texts)
    int8 = runtime.load(tiny.folder, int8=True)
    assert "int8" in int8.session.onnx_path.name
    one, many = int8.embed(texts, batch_size=1), int8.embed(texts, batch_size=32)
    np.testing.assert_array_equal(one, many)  # weight-only: no activation scale over the batch
    cosines = np.sum(one * fp32, axis=1) / (np.linalg.norm(one, axis=1) * np.linalg.norm(fp32, axis=1))
    assert cosines.min() > 0.999
    assert np.abs(one - fp32).max() > 0  # it really is a different (quantized) graph


def test_predict_uses_nlu_column_names_from_the_card(tiny: TinyBert) -> None:
    card = make_card(name="sent_small_bert_L6_768").model_copy(
        update={"nlu_reference": "en.embed_sentence.small_bert_L6_768"}
    )
    model = EmbeddingModel(runtime.load(tiny.folder).folder, card)
    frame = model.predict(["I hate cancer", "Antibiotics aren't painkiller"], output_level="sentence")
    # The header printed in the seed card's Results section.
    assert list(frame.columns) == ["en_embed_sentence_small_bert_L6_768_embeddings", "sentence"]
    assert frame["sentence"].tolist() == ["I hate cancer", "Antibiotics aren't painkiller"]
    assert model.info is card


def test_predict_token_level(tiny_tokens: TinyBert) -> None:
    card = make_card(name="bert_base_cased", annotator="BertEmbeddings").model_copy(
        update={"nlu_reference": "en.embed.bert.base_cased"}
    )
    model = EmbeddingModel(runtime.load(tiny_tokens.folder).folder, card)
    frame = model.predict(["I love NLP", "Hi"])
    assert list(frame.columns) == ["token", "en_embed_bert_base_cased_embeddings"]
    assert frame["token"].tolist() == ["I", "love", "NLP", "Hi"]
    assert frame.index.tolist() == [0, 0, 0, 1]


def test_nlu_column_matches_the_seed_cards_results() -> None:
    registry = pytest.importorskip("registry")
    for name in ("sent_small_bert_L6_768", "bert_base_cased", "small_bert_L2_768"):
        card = registry.get(name, "en")
        level = "sentence" if card.annotator == "BertSentenceEmbeddings" else "token"
        assert card.results is not None
        assert nlu_column(card, level) in card.results.raw


def test_unsupported_annotator_names_the_supported_ones_before_downloading(tmp_path: Path) -> None:
    card = make_card(name="ner_dl", annotator="NerDLModel", download="http://127.0.0.1:9/nothing.zip")
    with pytest.raises(
        UnsupportedAnnotatorError, match=r"ner_dl.*NerDLModel.*BertSentenceEmbeddings.*BertEmbeddings"
    ):
        runtime.load(card)


def test_load_card_through_fetch_and_the_cache(tiny: TinyBert, tmp_path: Path) -> None:
    from runtime.config import Settings

    archive = zip_model_folder(tiny.folder, tmp_path / "sent_tiny_bert_en_5.0.0_3.0_1598351137007.zip")
    card = make_card(
        download=f"https://s3.amazonaws.com/auxdata.johnsnowlabs.com/public/models/{archive.name}"
    )
    settings = Settings(cache_dir=tmp_path / "cache", trust_env=False)
    model = runtime.load(card, settings=settings, url=archive.as_uri(), progress=False)
    assert model.info is card
    texts = ["The patient reported the results.", ""]
    expected = torch_pooled_one_by_one(tiny, model.tokenizer.encode_batch(texts))
    np.testing.assert_allclose(model.embed(texts), expected, atol=1e-5)


def test_cli_embeds_files_to_npy_jsonl_and_parquet(tiny: TinyBert, tmp_path: Path) -> None:
    import pandas as pd
    from click.testing import CliRunner

    from cardhub_cli.main import cli

    texts = ["hello world", "Zoë loved crème brûlée", "", "東京"]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    expected = runtime.load(tiny.folder).embed(texts)
    runner = CliRunner()
    for suffix in (".npy", ".jsonl", ".parquet"):
        out = tmp_path / f"out{suffix}"
        result = runner.invoke(cli, ["embed", str(tiny.folder), "--input", str(source), "--output", str(out)])
        assert result.exit_code == 0, result.output
        if suffix == ".npy":
            got = np.load(out)
        elif suffix == ".jsonl":
            got = np.array([json.loads(line)["embedding"] for line in out.read_text().splitlines()])
        else:
            got = np.stack(pd.read_parquet(out)["embedding"].to_list())
        np.testing.assert_allclose(got, expected, atol=1e-6)


def test_cli_token_model_and_usage_errors(tiny_tokens: TinyBert) -> None:
    from click.testing import CliRunner

    from cardhub_cli.main import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["embed", str(tiny_tokens.folder), "I love NLP"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["tokens"] == ["I", "love", "NLP"]
    bad = runner.invoke(cli, ["embed", str(tiny_tokens.folder), "x", "--output", "x.npy"])
    assert bad.exit_code == 2 and "token vectors" in bad.output
    neither = runner.invoke(cli, ["embed", str(tiny_tokens.folder)])
    assert neither.exit_code == 2 and "TEXT arguments or --input" in neither.output


# Real weights ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def minilm(tmp_path_factory: pytest.TempPathFactory) -> tuple[EmbeddingModel, object]:
    reason = minilm_unavailable_reason()
    if reason:
        pytest.skip(reason)
    torch_model = load_torch_minilm()
    folder = export_minilm(tmp_path_factory.mktemp("minilm"), max_sentence_length=256, model=torch_model)
    return runtime.load(folder, batch_size=16), torch_model


def _torch_run(torch_model: object, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import torch

    batch = torch.tensor(ids)
    with torch.no_grad():
        out = torch_model(  # type: ignore[operator]
            input_ids=batch, attention_mask=(batch != 0).long(), token_type_ids=torch.zeros_like(batch)
        )
    return out.last_hidden_state.numpy(), out.pooler_output.numpy()


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def check_pooled_parity(model: EmbeddingModel, torch_model: object, sentences: list[str]) -> None:
    ours = model.embed(sentences)
    rows = model.tokenizer.encode_batch(sentences)
    expected = np.concatenate([_torch_run(torch_model, padded([r]))[1] for r in rows])
    assert np.abs(ours - expected).max() <= 1e-4
    assert _cosines(ours, expected).min() >= 0.99999


def check_token_parity(model: EmbeddingModel, torch_model: object, sentences: list[str]) -> int:
    alignments = model.tokenizer.encode_tokens_batch(
        [[t.text for t in spark_default_tokenize(s)] for s in sentences]
    )
    ours, expected = [], []
    for (_, vectors), alignment in zip(model.iter_embed_tokens(sentences), alignments, strict=True):
        hidden, _ = _torch_run(torch_model, padded([alignment.ids]))
        ours.append(vectors)
        expected.append(hidden[0, alignment.rows[alignment.rows >= 0]])
    got, want = np.concatenate(ours), np.concatenate(expected)
    assert np.abs(got - want).max() <= 1e-4
    assert _cosines(got, want).min() >= 0.99999
    return len(got)


def test_minilm_parity_on_every_kind_of_text(minilm: tuple[EmbeddingModel, object]) -> None:
    """Default run: the fixed sentences (short, accents, CJK, emoji, punctuation, empty) and
    two long ones, pooled and token outputs."""
    model, torch_model = minilm
    sentences = varied_sentences(0)
    long_ones = [s for s in varied_sentences(120) if len(model.tokenizer.encode(s)) > 130][:2]
    assert len(long_ones) == 2
    check_pooled_parity(model, torch_model, sentences + long_ones)
    assert check_token_parity(model, torch_model, sentences + long_ones) > 200


@pytest.mark.slow
def test_minilm_pooled_parity_on_320_sentences(minilm: tuple[EmbeddingModel, object]) -> None:
    model, torch_model = minilm
    sentences = varied_sentences(320)
    rows = model.tokenizer.encode_batch(sentences)
    assert max(len(r) for r in rows) == 256 and sum(len(r) > 130 for r in rows) >= 10
    check_pooled_parity(model, torch_model, sentences)


@pytest.mark.slow
def test_minilm_token_parity_on_320_sentences(minilm: tuple[EmbeddingModel, object]) -> None:
    model, torch_model = minilm
    assert check_token_parity(model, torch_model, varied_sentences(320)) > 5000


def test_a_graph_onnxruntime_cannot_load_is_a_model_folder_error(tiny: TinyBert, tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(tiny.folder, folder, ignore=shutil.ignore_patterns("*_extracted"))
    opened = open_model_folder(folder)
    opened.onnx_path.write_bytes(b"not an onnx graph")
    with pytest.raises(ModelFolderError, match=r"broken.*cannot load this graph.*cardhub cache rm"):
        EmbeddingModel(opened)
