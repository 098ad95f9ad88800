"""Open an unpacked model folder: a Spark NLP save (metadata, fields, bert_*_onnx, or
bert_*_tensorflow converted to ONNX once by runtime.tensorflow) or a HuggingFace-style folder
(model.onnx + vocab.txt / tokenizer.json)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runtime.artifacts.model_folder import ModelFolder
from runtime.artifacts.sequencefile import read_string_int_pairs
from runtime.artifacts.unpack import unpack_zip
from runtime.errors import ModelFolderError, UnsupportedArtifactError

if TYPE_CHECKING:
    from runtime.card_facts import CardFacts

ONNX_CONTAINERS = ("bert_sentence_onnx", "bert_onnx")
TENSORFLOW_CONTAINERS = ("bert_sentence_tensorflow", "bert_tensorflow")
OTHER_ENGINES = ("bert_sentence_openvino", "bert_openvino")
EXTRACTED_SUFFIX = "_extracted"
VOCABULARY_CACHE = ".cardhub/vocabulary.json"
HF_ONNX_CANDIDATES = ("model.onnx", "onnx/model.onnx")


def _label(card: CardFacts | None, path: Path) -> str:
    return f"model {card.name} ({card.language})" if card else f"model folder {path}"


def read_metadata(folder: Path) -> dict[str, Any]:
    """The one JSON line of metadata/part-00000 (Spark ML's DefaultParamsWriter format)."""
    meta_file = folder / "metadata" / "part-00000"
    try:
        line = meta_file.read_text(encoding="utf-8").strip().splitlines()[0]
        record = json.loads(line)
    except (OSError, IndexError, ValueError) as exc:
        raise ModelFolderError(f"{meta_file}:1: cannot read Spark ML metadata ({exc})") from exc
    if not isinstance(record, dict) or "class" not in record:
        raise ModelFolderError(f"{meta_file}:1: not Spark ML metadata (no 'class' key)")
    return record


def metadata_params(record: dict[str, Any]) -> dict[str, Any]:
    """paramMap over defaultParamMap, as Spark applies them."""
    params: dict[str, Any] = dict(record.get("defaultParamMap") or {})
    params.update(record.get("paramMap") or {})
    return params


def check_against_card(
    params: dict[str, Any], annotator_class: str, card: CardFacts, meta_file: Path
) -> tuple[str, ...]:
    """Compares the folder's metadata with the card.

    A different annotator class or case sensitivity changes the numbers, so it raises; a
    different dimension or maxSentenceLength (card tables are often loose about these; the
    metadata is what Spark NLP runs with) is returned and warned about."""
    label = f"{meta_file}:1: model {card.name} ({card.language})"
    errors: list[str] = []
    simple_class = annotator_class.rsplit(".", 1)[-1]
    if card.annotator and card.annotator != simple_class:
        errors.append(f"class {simple_class} but the card's annotator is {card.annotator}")
    info = card.model_information
    if (
        info
        and info.case_sensitive is not None
        and params.get("caseSensitive", info.case_sensitive) != info.case_sensitive
    ):
        errors.append(f"caseSensitive={params['caseSensitive']!r} but the card says {info.case_sensitive!r}")
    if errors:
        raise ModelFolderError(
            f"{label} does not match its card {card.path}: "
            + "; ".join(errors)
            + ". Fix the card, or pass the card that belongs to this artifact"
        )
    loose = [
        ("dimension", info.dimension if info else None),
        ("maxSentenceLength", info.max_sentence_length if info else None),
    ]
    mismatches = tuple(
        f"{key}={params[key]!r} in the metadata but {card_value!r} in the card {card.path}"
        for key, card_value in loose
        if card_value is not None and key in params and params[key] != card_value
    )
    for mismatch in mismatches:
        warnings.warn(f"{label}: {mismatch}; using the metadata's value", stacklevel=3)
    return mismatches


def _vocabulary_stamp(vocab_dir: Path) -> list[list[object]]:
    parts = sorted(p for p in vocab_dir.iterdir() if p.name.startswith("part-"))
    return [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in parts]


def _cached_vocabulary(folder: Path, stamp: list[list[object]]) -> tuple[str, ...] | None:
    try:
        record = json.loads((folder / VOCABULARY_CACHE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("source") != stamp:
        return None
    words = record.get("words")
    return tuple(words) if isinstance(words, list) else None


def _store_vocabulary(folder: Path, stamp: list[list[object]], words: tuple[str, ...]) -> None:
    target = folder / VOCABULARY_CACHE
    try:
        target.parent.mkdir(exist_ok=True)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"source": stamp, "words": words}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        pass  # a read-only folder: the vocabulary is simply decoded again next time


def read_vocabulary(folder: Path) -> tuple[str, ...]:
    """fields/vocabulary/ as a tuple in id order; ids must be exactly 0..n-1.

    Decoding ~30k Java-serialized tuples costs a few hundred ms, so the result is kept in
    `.cardhub/vocabulary.json` beside the folder's own files, keyed by the part files' size and
    mtime; a later open reads that in milliseconds."""
    vocab_dir = folder / "fields" / "vocabulary"
    if not vocab_dir.is_dir():
        raise ModelFolderError(f"{folder}: no fields/vocabulary/ folder; is this a BERT model folder?")
    stamp = _vocabulary_stamp(vocab_dir)
    cached = _cached_vocabulary(folder, stamp)
    if cached is not None:
        return cached
    pairs = read_string_int_pairs(vocab_dir)
    words: list[str | None] = [None] * len(pairs)
    for word, index in pairs:
        if not 0 <= index < len(words) or words[index] is not None:
            raise ModelFolderError(
                f"{vocab_dir}: vocabulary ids are not 0..{len(pairs) - 1} without repeats "
                f"(saw {index} for {word!r})"
            )
        words[index] = word
    vocabulary = tuple(w for w in words if w is not None)
    _store_vocabulary(folder, stamp, vocabulary)
    return vocabulary


def _pick_onnx_member(names: list[str], container: str) -> str:
    onnx = [n for n in names if n.endswith(".onnx")]
    if len(onnx) == 1:
        return onnx[0]
    same_name = [n for n in names if n.rsplit("/", 1)[-1] == container]
    if len(same_name) == 1:
        return same_name[0]
    if len(names) == 1:
        return names[0]
    raise ModelFolderError(f"cannot tell which of {names} is the ONNX model inside {container}")


def extract_onnx(folder: Path, container: str, label: str) -> Path:
    """Unzips `<folder>/<container>` into `<folder>/<container>_extracted/` once, atomically;
    returns the .onnx path (external-data files sit beside it under their own names)."""
    target = folder / (container + EXTRACTED_SUFFIX)
    archive = folder / container
    if not target.is_dir():
        staging = Path(tempfile.mkdtemp(prefix=f".{container}-", dir=folder))
        try:
            unpack_zip(archive, staging, model=label)
            try:
                os.rename(staging, target)
            except OSError:
                if not target.is_dir():  # lost a race to another process: keep theirs
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    with zipfile.ZipFile(archive) as zf:
        names = [i.filename for i in zf.infolist() if not i.is_dir()]
    member = target / _pick_onnx_member(names, container)
    if not member.is_file():
        raise ModelFolderError(f"{label}: {member} is missing; delete {target} and open the folder again")
    return member


def find_model_container(folder: Path, label: str) -> str:
    """The model file's name: an ONNX container, else a TensorFlow one (converted on open)."""
    for name in ONNX_CONTAINERS + TENSORFLOW_CONTAINERS:
        if (folder / name).is_file():
            return name
    for name in OTHER_ENGINES:
        if (folder / name).exists():
            raise UnsupportedArtifactError(
                f"{label}: OpenVINO artifact ({folder / name}); the runtime runs ONNX only"
            )
    raise ModelFolderError(
        f"{label}: {folder} holds none of {', '.join(ONNX_CONTAINERS + TENSORFLOW_CONTAINERS)}"
    )


def open_sparknlp_folder(folder: Path, card: CardFacts | None) -> ModelFolder:
    label = _label(card, folder)
    record = read_metadata(folder)
    params = metadata_params(record)
    annotator_class = str(record["class"])
    mismatches: tuple[str, ...] = ()
    if card is not None:
        mismatches = check_against_card(params, annotator_class, card, folder / "metadata" / "part-00000")
    container = find_model_container(folder, label)
    dimension = params.get("dimension")
    vocabulary = read_vocabulary(folder)
    if container in TENSORFLOW_CONTAINERS:
        # runtime.tensorflow imports no TensorFlow until a conversion is actually needed
        from runtime.tensorflow import ensure_converted

        onnx_path = ensure_converted(folder, container, label=label, vocab_size=len(vocabulary), card=card)
    else:
        onnx_path = extract_onnx(folder, container, label)
    return ModelFolder(
        path=folder,
        layout="sparknlp",
        annotator_class=annotator_class,
        onnx_path=onnx_path,
        vocabulary=vocabulary,
        case_sensitive=bool(params.get("caseSensitive", False)),
        max_sentence_length=int(params.get("maxSentenceLength", 128)),
        batch_size=int(params.get("batchSize", 8)),
        dimension=int(dimension) if dimension is not None else None,
        card_mismatches=mismatches,
    )


def _hf_case_sensitive(folder: Path) -> bool | None:
    config = folder / "tokenizer_config.json"
    try:
        lower = json.loads(config.read_text()).get("do_lower_case")
    except (OSError, ValueError, AttributeError):
        return None
    return None if lower is None else not bool(lower)


def open_huggingface_folder(folder: Path, card: CardFacts | None) -> ModelFolder:
    label = _label(card, folder)
    onnx = next((folder / c for c in HF_ONNX_CANDIDATES if (folder / c).is_file()), None)
    vocab_txt, tokenizer_json = folder / "vocab.txt", folder / "tokenizer.json"
    if onnx is None or not (vocab_txt.is_file() or tokenizer_json.is_file()):
        raise ModelFolderError(
            f"{label}: {folder} is neither a Spark NLP model folder (metadata/part-00000) nor a "
            "HuggingFace-style folder (model.onnx with vocab.txt or tokenizer.json)"
        )
    vocabulary = None
    if vocab_txt.is_file():
        vocabulary = tuple(vocab_txt.read_text(encoding="utf-8").splitlines())
    info = card.model_information if card else None
    case_sensitive = _hf_case_sensitive(folder)
    if case_sensitive is None:
        case_sensitive = bool(info.case_sensitive) if info and info.case_sensitive is not None else False
    return ModelFolder(
        path=folder,
        layout="huggingface",
        annotator_class=card.annotator if card else None,
        onnx_path=onnx,
        vocabulary=vocabulary,
        tokenizer_json=tokenizer_json if tokenizer_json.is_file() else None,
        case_sensitive=case_sensitive,
        max_sentence_length=(info.max_sentence_length if info and info.max_sentence_length else 128),
        dimension=info.dimension if info else None,
    )


def open_model_folder(path: Path, card: CardFacts | None = None) -> ModelFolder:
    """Reads a model folder of either layout; see the module docstring."""
    folder = Path(path)
    if not folder.is_dir():
        raise ModelFolderError(f"{_label(card, folder)}: {folder} is not a folder")
    if (folder / "metadata" / "part-00000").is_file():
        return open_sparknlp_folder(folder, card)
    return open_huggingface_folder(folder, card)
