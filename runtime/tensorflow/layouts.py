"""What a Spark NLP TensorFlow container (`bert_tensorflow` / `bert_sentence_tensorflow`) holds,
read without importing TensorFlow.

The container is a zip written by TensorflowWrapper.saveToFile / saveToFileV1V2 (spark-nlp
src/main/scala/com/johnsnowlabs/ml/tensorflow/TensorflowWrapper.scala): `saved_model.pb`, which
is a plain GraphDef (`graph.toGraphDef`), not a SavedModel proto, and a TF checkpoint. Spark NLP
restores it by running the graph's own saver op, fed the checkpoint prefix. Three layouts follow
from its reader and writer; docs/runtime.md cites the lines each one follows:

- `root-checkpoint`: `variables.data-00000-of-00001` + `variables.index` beside the graph,
  prefix `<folder>/variables` (TensorflowWrapper.read -> unpackWithoutBundle +
  processInitAllTableOp; constants VariablesKey, VariablesPathValue, VariablesIdxValue).
- `part-checkpoint`: `variables*/part-00000-of-00001.{data-00000-of-00001,index}`, prefix
  `<that folder>/part-00000-of-00001` (TensorflowWrapper.readChkPoints, the files a sharded
  saver leaves before saveToFileV1V2 replaces them by the root ones).
- Either checkpoint with a TF2 graph (a SavedModel imported by loadSavedModel and written by
  saveToFileV1V2): the legacy saver op `save/restore_all` is missing, and the restore op and
  filename tensor come from the model's signature map (`restoreOpName_`,
  `filenameTensorName_`; defaults `StatefulPartitionedCall_2`, `saver_filename`).

Tensor names come from the signature map in `fields/signatures/` (MapFeature "signatures", an
object file of `scala.Tuple2(String, String)`), else ModelSignatureManager.apply's TF1 defaults:
`input_ids:0`, `input_mask:0`, `segment_ids:0` -> `sequence_output:0`, `pooled_output:0`
(ModelSignatureConstants *V1; keys normalized by toAdoptedKeys).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from runtime.errors import TensorflowLayoutError

GRAPH_FILE = "saved_model.pb"
ROOT_PREFIX = "variables"
PART_PREFIX = "part-00000-of-00001"
LEGACY_RESTORE_OP = "save/restore_all"
LEGACY_FILENAME_TENSOR = "save/Const:0"
LEGACY_SAVE_TENSOR = "save/control_dependency:0"
TF2_RESTORE_OP = "StatefulPartitionedCall_2"
TF2_FILENAME_TENSOR = "saver_filename:0"
TF2_SAVE_TENSOR = "StatefulPartitionedCall_1:0"

INPUT_KEYS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_KEYS = ("last_hidden_state", "pooler_output")
TF1_NAMES = {
    "input_ids": "input_ids:0",
    "attention_mask": "input_mask:0",
    "token_type_ids": "segment_ids:0",
    "last_hidden_state": "sequence_output:0",
    "pooler_output": "pooled_output:0",
}
# ModelSignatureConstants.toAdoptedKeys: the spellings a signature map may use for each key.
ADOPTED_KEYS = {
    "input_ids": "input_ids",
    "input_word_ids": "input_ids",
    "input_mask": "attention_mask",
    "attention_mask": "attention_mask",
    "segment_ids": "token_type_ids",
    "input_type_ids": "token_type_ids",
    "token_type_ids": "token_type_ids",
    "sequence_output": "last_hidden_state",
    "bert_encoder": "last_hidden_state",
    "last_hidden_state": "last_hidden_state",
    "pooled_output": "pooler_output",
    "pooler_output": "pooler_output",
}
_DATA_SHARD = re.compile(r"\.data-(\d{5})-of-(\d{5})$")

CheckpointKind = Literal["root-checkpoint", "part-checkpoint"]


@dataclass(frozen=True)
class TensorflowLayout:
    """Where the graph and checkpoint are inside an unzipped container, and how to restore it."""

    kind: CheckpointKind
    graph: Path
    checkpoint_prefix: Path
    """Prefix of the checkpoint files (`<prefix>.index`, `<prefix>.data-*`)."""
    tensor_names: dict[str, str]
    """Adopted key (input_ids, attention_mask, token_type_ids, last_hidden_state,
    pooler_output) -> tensor name in the graph."""
    signature_source: Literal["fields/signatures", "TF1 defaults"]
    restore_ops: tuple[tuple[str, str, str], ...]
    """(restore op, filename tensor, save tensor) to try in order, as processInitAllTableOp does:
    the legacy saver first, then the TF2 saver named by the signature map."""

    def describe(self) -> str:
        return f"{self.kind}, tensor names from {self.signature_source}"


def files_found(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _checkpoint_prefix(folder: Path) -> tuple[CheckpointKind, Path] | None:
    if (folder / f"{ROOT_PREFIX}.index").is_file() and _has_data(folder / ROOT_PREFIX):
        return "root-checkpoint", folder / ROOT_PREFIX
    for candidate in sorted(p for p in folder.glob(f"{ROOT_PREFIX}*") if p.is_dir()):
        prefix = candidate / PART_PREFIX
        if (candidate / f"{PART_PREFIX}.index").is_file() and _has_data(prefix):
            return "part-checkpoint", prefix
    return None


def _has_data(prefix: Path) -> bool:
    shards = [p for p in prefix.parent.glob(f"{prefix.name}.data-*") if _DATA_SHARD.search(p.name)]
    if not shards:
        return False
    total = int(_DATA_SHARD.search(shards[0].name).group(2))  # type: ignore[union-attr]
    return len(shards) == total


def tensor_names(signatures: dict[str, str] | None) -> dict[str, str]:
    """The graph's tensor names per adopted key; the TF1 defaults fill what the map lacks."""
    names = dict(TF1_NAMES)
    for key, value in (signatures or {}).items():
        adopted = ADOPTED_KEYS.get(key)
        if adopted:
            names[adopted] = value if ":" in value else f"{value}:0"
    return names


def restore_ops(signatures: dict[str, str] | None) -> tuple[tuple[str, str, str], ...]:
    legacy = (LEGACY_RESTORE_OP, LEGACY_FILENAME_TENSOR, LEGACY_SAVE_TENSOR)
    signatures = signatures or {}
    tf2 = (
        signatures.get("restoreOpName_", TF2_RESTORE_OP).removesuffix(":0"),
        _tensor(signatures.get("filenameTensorName_", TF2_FILENAME_TENSOR)),
        _tensor(signatures.get("saveTensorName_", TF2_SAVE_TENSOR)),
    )
    return (legacy, tf2)


def _tensor(name: str) -> str:
    return name if ":" in name else f"{name}:0"


def detect_layout(folder: Path, signatures: dict[str, str] | None, label: str) -> TensorflowLayout:
    """The layout of an unzipped TensorFlow container; TensorflowLayoutError naming the files
    found when it is none of the layouts Spark NLP writes."""
    graph = folder / GRAPH_FILE
    checkpoint = _checkpoint_prefix(folder)
    if not graph.is_file() or checkpoint is None:
        if (folder / "variables" / "variables.index").is_file():
            hint = (
                "a TF SavedModel folder (variables/variables.*), which is what Spark NLP's "
                "loadSavedModel imports, not what it saves"
            )
        else:
            hint = "an unknown layout"
        raise TensorflowLayoutError(
            f"{label}: the TensorFlow container holds {files_found(folder) or 'no files'}: {hint}. "
            f"cardhub reads {GRAPH_FILE} (a GraphDef) with a checkpoint {ROOT_PREFIX}.index + "
            f"{ROOT_PREFIX}.data-* at the root or under {ROOT_PREFIX}*/{PART_PREFIX}.*, as Spark NLP's "
            "TensorflowWrapper writes them. Re-save the model with Spark NLP, or use an ONNX edition"
        )
    kind, prefix = checkpoint
    return TensorflowLayout(
        kind=kind,
        graph=graph,
        checkpoint_prefix=prefix,
        tensor_names=tensor_names(signatures),
        signature_source="fields/signatures" if signatures else "TF1 defaults",
        restore_ops=restore_ops(signatures),
    )


def read_signatures(model_folder: Path) -> dict[str, str] | None:
    """The model's `fields/signatures/` map (None when the folder has none, as 2.x models)."""
    from runtime.artifacts.sequencefile import JavaObject, read_object_file

    folder = model_folder / "fields" / "signatures"
    if not folder.is_dir():
        return None
    mapping: dict[str, str] = {}
    for item in read_object_file(folder):
        key = item.fields.get("_1") if isinstance(item, JavaObject) else None
        value = item.fields.get("_2") if isinstance(item, JavaObject) else None
        if not isinstance(key, str) or not isinstance(value, str):
            raise TensorflowLayoutError(
                f"{folder}: expected scala.Tuple2(String, String) items in the signature map, "
                f"found {item!r:.80}; the model folder is damaged: download it again"
            )
        mapping[key] = value
    return mapping or None
