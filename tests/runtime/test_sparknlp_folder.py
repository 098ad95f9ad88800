"""Opening model folders: Spark NLP layout (Spark-written) and HuggingFace-style folders."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from runtime.artifacts import open_model_folder
from runtime.errors import ModelFolderError, UnsupportedArtifactError
from tests.fixtures.sparknlp_artifacts import TEST_VOCAB, build_sparknlp_model, make_card, tiny_onnx_bytes

ONNX = tiny_onnx_bytes()


@pytest.mark.spark
def test_spark_written_folder_opens_with_params_vocab_and_onnx(spark: Any, tmp_path: Path) -> None:
    folder = build_sparknlp_model(
        tmp_path / "m",
        onnx_bytes=ONNX,
        vocab=TEST_VOCAB,
        case_sensitive=True,
        max_sentence_length=64,
        dimension=32,
        batch_size=4,
        spark=spark,
    )
    assert (folder / "metadata" / "_SUCCESS").exists()  # written by Spark's saveAsTextFile
    model = open_model_folder(folder, make_card(case_sensitive=True, dimension=32))
    assert model.layout == "sparknlp"
    assert model.annotator_class == "com.johnsnowlabs.nlp.embeddings.BertSentenceEmbeddings"
    assert model.vocabulary == tuple(TEST_VOCAB)
    assert (model.case_sensitive, model.max_sentence_length, model.batch_size, model.dimension) == (
        True,
        64,
        4,
        32,
    )
    assert model.onnx_path.read_bytes() == ONNX
    assert model.onnx_path.parent == folder / "bert_sentence_onnx_extracted"


def test_extracted_onnx_runs_in_onnxruntime(tmp_path: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    np = pytest.importorskip("numpy")
    pytest.importorskip("onnx", reason="the onnx package builds the tiny graph")
    folder = build_sparknlp_model(
        tmp_path / "m", onnx_bytes=ONNX, vocab=TEST_VOCAB, annotator="BertEmbeddings"
    )
    model = open_model_folder(folder)
    assert model.onnx_path.parent.name == "bert_onnx_extracted"
    session = ort.InferenceSession(str(model.onnx_path), providers=["CPUExecutionProvider"])
    ids = np.array([[2, 5, 3]], dtype=np.int64)
    assert session.run(None, {"input_ids": ids})[0].tolist() == ids.tolist()


def test_onnx_is_extracted_once(tmp_path: Path) -> None:
    folder = build_sparknlp_model(tmp_path / "m", onnx_bytes=ONNX, vocab=TEST_VOCAB)
    first = open_model_folder(folder).onnx_path
    stamp = first.stat().st_mtime_ns
    second = open_model_folder(folder).onnx_path
    assert first == second and second.stat().st_mtime_ns == stamp
    assert not [p for p in folder.iterdir() if p.name.startswith(".bert")]  # no staging left behind


def test_metadata_that_contradicts_the_card_is_reported(tmp_path: Path) -> None:
    folder = build_sparknlp_model(tmp_path / "m", onnx_bytes=ONNX, vocab=TEST_VOCAB, case_sensitive=False)
    card = make_card(case_sensitive=True, annotator="BertEmbeddings")
    with pytest.raises(ModelFolderError) as info:
        open_model_folder(folder, card)
    message = str(info.value)
    assert "metadata/part-00000:1" in message and "sent_tiny_bert (en)" in message
    assert "caseSensitive=False" in message and "BertEmbeddings" in message


def test_loose_card_values_warn_and_the_metadata_wins(tmp_path: Path) -> None:
    folder = build_sparknlp_model(tmp_path / "m", onnx_bytes=ONNX, vocab=TEST_VOCAB, dimension=768)
    with pytest.warns(UserWarning, match=r"dimension=768 in the metadata but 512"):
        model = open_model_folder(folder, make_card(case_sensitive=False, dimension=512))
    assert model.dimension == 768 and len(model.card_mismatches) == 1


def test_tensorflow_artifact_is_recognized(tmp_path: Path) -> None:
    """Without the tf extra: the install command; with it: a layout error naming the files."""
    folder = build_sparknlp_model(tmp_path / "m", onnx_bytes=b"pb", vocab=TEST_VOCAB, engine="tensorflow")
    with pytest.raises(UnsupportedArtifactError, match=r"TensorFlow model|TensorFlow container holds"):
        open_model_folder(folder, make_card())


def test_vocabulary_with_gaps_is_refused(tmp_path: Path) -> None:
    folder = build_sparknlp_model(tmp_path / "m", onnx_bytes=ONNX, vocab=TEST_VOCAB)
    from tests.fixtures.sparknlp_artifacts import write_object_file

    vocab = folder / "fields" / "vocabulary"
    for part in vocab.iterdir():
        part.unlink()
    write_object_file(vocab, [("a", 0), ("b", 2)], partitions=1)
    with pytest.raises(ModelFolderError, match="vocabulary ids"):
        open_model_folder(folder)


def test_huggingface_folder_with_vocab_txt(tmp_path: Path) -> None:
    (tmp_path / "model.onnx").write_bytes(ONNX)
    (tmp_path / "vocab.txt").write_text("\n".join(TEST_VOCAB) + "\n", encoding="utf-8")
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": False}))
    model = open_model_folder(tmp_path, make_card(dimension=384))
    assert model.layout == "huggingface" and model.vocabulary == tuple(TEST_VOCAB)
    assert (
        model.case_sensitive is True and model.dimension == 384 and model.onnx_path == tmp_path / "model.onnx"
    )


def test_huggingface_folder_with_tokenizer_json_only(tmp_path: Path) -> None:
    (tmp_path / "onnx").mkdir()
    (tmp_path / "onnx" / "model.onnx").write_bytes(ONNX)
    (tmp_path / "tokenizer.json").write_text("{}")
    model = open_model_folder(tmp_path)
    assert model.vocabulary is None and model.tokenizer_json == tmp_path / "tokenizer.json"
    assert model.case_sensitive is False


def test_unknown_folder_says_what_it_expected(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("hi")
    with pytest.raises(ModelFolderError, match="neither a Spark NLP model folder"):
        open_model_folder(tmp_path)
    with pytest.raises(ModelFolderError, match="not a folder"):
        open_model_folder(tmp_path / "missing")


def test_inner_zip_follows_spark_nlp_naming(tmp_path: Path) -> None:
    folder = build_sparknlp_model(tmp_path / "m", onnx_bytes=ONNX, vocab=TEST_VOCAB)
    with zipfile.ZipFile(folder / "bert_sentence_onnx") as zf:
        assert zf.namelist() == ["bert_sentence_onnx"]  # OnnxWrapper.saveToFile's layout


def test_zip_of_an_opened_folder_leaves_out_what_cardhub_added(tmp_path: Path) -> None:
    from tests.fixtures.sparknlp_artifacts import zip_model_folder

    folder = build_sparknlp_model(tmp_path / "m", onnx_bytes=ONNX, vocab=TEST_VOCAB)
    open_model_folder(folder)
    assert (folder / ".cardhub" / "vocabulary.json").is_file()
    with zipfile.ZipFile(zip_model_folder(folder, tmp_path / "m.zip")) as zf:
        names = zf.namelist()
    assert "bert_sentence_onnx" in names and "metadata/part-00000" in names
    assert not [n for n in names if n.startswith(".cardhub") or "_extracted" in n]


def test_decoded_vocabulary_is_reused_until_the_part_files_change(tmp_path: Path) -> None:
    from tests.fixtures.sparknlp_artifacts import write_object_file

    folder = build_sparknlp_model(tmp_path / "m", onnx_bytes=ONNX, vocab=TEST_VOCAB)
    assert open_model_folder(folder).vocabulary == tuple(TEST_VOCAB)
    cache = folder / ".cardhub" / "vocabulary.json"
    record = json.loads(cache.read_text(encoding="utf-8"))
    record["words"] = ["marker"] * len(TEST_VOCAB)
    cache.write_text(json.dumps(record), encoding="utf-8")
    assert open_model_folder(folder).vocabulary == ("marker",) * len(TEST_VOCAB)  # served from the cache
    vocab_dir = folder / "fields" / "vocabulary"
    for part in vocab_dir.glob("part-*"):
        part.unlink()
    write_object_file(vocab_dir, [("x", 0), ("y", 1)], partitions=1)
    assert open_model_folder(folder).vocabulary == ("x", "y")  # parts changed: decoded again
