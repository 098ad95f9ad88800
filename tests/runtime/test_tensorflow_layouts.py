"""runtime.tensorflow.layouts: what a Spark NLP TensorFlow container holds, read without
TensorFlow. The expected names are Spark NLP's own constants (ModelSignatureConstants,
TensorflowWrapper), written out here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runtime.errors import TensorflowLayoutError, UnsupportedArtifactError
from runtime.tensorflow.layouts import detect_layout, read_signatures, restore_ops, tensor_names
from tests.fixtures.tf_bert import spark_write_string_map


def touch(folder: Path, *names: str) -> Path:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"x")
    return folder


def test_root_checkpoint_with_tf1_names(tmp_path: Path) -> None:
    folder = touch(tmp_path, "saved_model.pb", "variables.data-00000-of-00001", "variables.index")
    layout = detect_layout(folder, None, "model m (en)")
    assert layout.kind == "root-checkpoint" and layout.checkpoint_prefix == folder / "variables"
    assert layout.tensor_names == {
        "input_ids": "input_ids:0",
        "attention_mask": "input_mask:0",
        "token_type_ids": "segment_ids:0",
        "last_hidden_state": "sequence_output:0",
        "pooler_output": "pooled_output:0",
    }
    assert layout.restore_ops[0] == ("save/restore_all", "save/Const:0", "save/control_dependency:0")
    assert layout.signature_source == "TF1 defaults"


def test_part_checkpoint_of_a_sharded_save(tmp_path: Path) -> None:
    folder = touch(
        tmp_path,
        "saved_model.pb",
        "variables_temp/part-00000-of-00001.data-00000-of-00001",
        "variables_temp/part-00000-of-00001.index",
    )
    layout = detect_layout(folder, None, "m")
    assert layout.kind == "part-checkpoint"
    assert layout.checkpoint_prefix == folder / "variables_temp" / "part-00000-of-00001"


def test_a_checkpoint_missing_a_data_shard_is_not_taken(tmp_path: Path) -> None:
    folder = touch(tmp_path, "saved_model.pb", "variables.data-00000-of-00002", "variables.index")
    with pytest.raises(TensorflowLayoutError, match=r"variables\.data-00000-of-00002"):
        detect_layout(folder, None, "m")


def test_an_unknown_layout_names_the_files_found(tmp_path: Path) -> None:
    folder = touch(tmp_path, "model.h5", "assets/vocab.txt")
    with pytest.raises(UnsupportedArtifactError) as caught:
        detect_layout(folder, None, "model sent_x (en)")
    message = str(caught.value)
    assert "model sent_x (en)" in message and "['assets/vocab.txt', 'model.h5']" in message
    assert "an unknown layout" in message


def test_a_savedmodel_bundle_is_named_as_such(tmp_path: Path) -> None:
    folder = touch(
        tmp_path, "saved_model.pb", "variables/variables.data-00000-of-00001", "variables/variables.index"
    )
    with pytest.raises(TensorflowLayoutError, match="loadSavedModel imports, not what it saves"):
        detect_layout(folder, None, "m")


def test_signature_map_keys_are_adopted_as_spark_nlp_does() -> None:
    """ModelSignatureConstants.toAdoptedKeys: several spellings per key; values get ':0'."""
    names = tensor_names(
        {
            "input_word_ids": "serving_default_input_word_ids",
            "input_mask": "serving_default_input_mask:0",
            "input_type_ids": "serving_default_input_type_ids:0",
            "bert_encoder": "StatefulPartitionedCall:3",
            "saveTensorName_": "StatefulPartitionedCall_1",
        }
    )
    assert names == {
        "input_ids": "serving_default_input_word_ids:0",
        "attention_mask": "serving_default_input_mask:0",
        "token_type_ids": "serving_default_input_type_ids:0",
        "last_hidden_state": "StatefulPartitionedCall:3",
        "pooler_output": "pooled_output:0",  # not in the map: the TF1 default
    }


def test_the_tf2_saver_comes_from_the_map_after_the_legacy_one() -> None:
    legacy = ("save/restore_all", "save/Const:0", "save/control_dependency:0")
    assert restore_ops(None) == (
        legacy,
        ("StatefulPartitionedCall_2", "saver_filename:0", "StatefulPartitionedCall_1:0"),
    )
    custom = {"restoreOpName_": "restore_x", "filenameTensorName_": "file_x", "saveTensorName_": "save_x"}
    assert restore_ops(custom) == (legacy, ("restore_x", "file_x:0", "save_x:0"))


@pytest.mark.spark
def test_read_signatures_from_a_spark_written_map(spark: Any, tmp_path: Path) -> None:
    mapping = {
        "input_ids": "serving_default_input_ids:0",
        "pooler_output": "StatefulPartitionedCall:1",
        "restoreOpName_": "StatefulPartitionedCall_2",
        "ünïcode_key": "naïve:0",
    }
    spark_write_string_map(spark, tmp_path / "fields" / "signatures", mapping)
    assert read_signatures(tmp_path) == mapping
    assert read_signatures(tmp_path / "elsewhere") is None
