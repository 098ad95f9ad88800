"""TensorFlow-era models: a `bert_tensorflow` / `bert_sentence_tensorflow` container converted to
ONNX once, kept beside the original, and loaded as ONNX from then on.

    onnx = ensure_converted(folder, "bert_sentence_tensorflow", label=..., vocab_size=...)

The converted model lives in `<folder>/<container>_converted/` (model.onnx and the marker
`.cardhub-converted.json` recording the converter and TensorFlow versions). It is written in a
staging folder beside it and renamed into place only once complete and verified, under a file
lock, so a killed conversion never leaves a half-converted model that a later load would take,
and concurrent loaders convert once. A converted model loads without importing TensorFlow;
only a conversion needs the `cardhub[tf]` extra (tensorflow-cpu, tf2onnx).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runtime.errors import ConversionError, TensorflowExtraMissing

if TYPE_CHECKING:
    from runtime.card_facts import CardFacts
    from runtime.tensorflow.record import ConversionRecord

# Finding a converted model imports nothing more than this module: a cached load stays as fast
# as an ONNX model's.
MARKER = ".cardhub-converted.json"
CONVERTED_SUFFIX = "_converted"
ONNX_FILE = "model.onnx"
INSTALL_COMMAND = "pip install 'cardhub[tf]'"
EXTRA_MODULES = ("tensorflow", "tf2onnx")

__all__ = ["conversion_record", "converted_onnx", "ensure_converted"]


def converted_folder(folder: Path, container: str) -> Path:
    return folder / f"{container}{CONVERTED_SUFFIX}"


def converted_onnx(folder: Path, container: str) -> Path | None:
    """The converted model's ONNX file when its conversion completed, else None."""
    target = converted_folder(folder, container)
    if (target / MARKER).is_file() and (target / ONNX_FILE).is_file():
        return target / ONNX_FILE
    return None


def conversion_record(folder: Path, container: str) -> ConversionRecord | None:
    from runtime.tensorflow.record import ConversionRecord

    return ConversionRecord.read(converted_folder(folder, container) / MARKER)


def missing_modules() -> list[str]:
    return [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is None]


def onnx_editions(card: CardFacts, store: Any = None) -> list[str]:
    """ONNX editions of the same model (name and language) in the registry, newest first, each
    as the call that loads it."""
    try:
        if store is None:
            import registry

            store = registry.default_registry()
        cards = store.versions(card.name, card.language)
    except Exception:  # the hint is a courtesy: never let it hide the real error
        return []
    return [
        f'registry.load("{c.name}", lang="{c.language}", version="{c.version}") '
        f"(edition {c.version}, {c.artifact or 'ONNX'})"
        for c in cards
        if c.engine == "onnx" and c.version
    ]


def missing_extra_message(
    folder: Path, container: str, label: str, card: CardFacts | None, store: Any = None
) -> str:
    missing = ", ".join(missing_modules()) or "tensorflow"
    command = f"cardhub convert {card.name} --lang {card.language}" if card else "cardhub convert NAME"
    message = (
        f"{label}: {folder / container} is a TensorFlow model (Spark NLP saved it before it used ONNX). "
        f"cardhub converts such a model to ONNX once, which needs the optional extra ({missing} not "
        f"installed): {INSTALL_COMMAND}. Then load it again (the download stays in the cache), or "
        f"convert it ahead of time with `{command}` on a machine that has the extra and copy the cache"
    )
    editions = onnx_editions(card, store) if card is not None else []
    if editions:
        message += ". The registry also holds an ONNX edition of this model: " + "; ".join(editions)
    return message


def ensure_converted(
    folder: Path, container: str, *, label: str, vocab_size: int, card: CardFacts | None = None
) -> Path:
    """The ONNX file of `folder`'s TensorFlow container, converting it first if needed (once,
    under a lock, verified against TensorFlow)."""
    done = converted_onnx(folder, container)
    if done is not None:
        return done
    if missing_modules():
        raise TensorflowExtraMissing(missing_extra_message(folder, container, label, card))
    from filelock import FileLock

    try:
        (folder / ".cardhub").mkdir(exist_ok=True)
        lock = FileLock(str(folder / ".cardhub" / f"{container}.convert.lock"))
        with lock:
            return _convert_locked(folder, container, label, vocab_size)
    except OSError as error:
        raise ConversionError(
            f"{label}: cannot write the converted model beside {folder / container} ({error}). Make the "
            "folder writable, or convert it where it is writable (`cardhub convert`) and copy it"
        ) from error


def _convert_locked(folder: Path, container: str, label: str, vocab_size: int) -> Path:
    done = converted_onnx(folder, container)
    if done is not None:  # another process converted it while we waited for the lock
        return done
    for stale in folder.glob(f".{container}-convert-*"):  # left by a killed converter
        shutil.rmtree(stale, ignore_errors=True)
    final = converted_folder(folder, container)
    if final.exists():
        shutil.rmtree(final)
    staging = Path(tempfile.mkdtemp(prefix=f".{container}-convert-", dir=folder))
    try:
        from runtime.tensorflow.convert import convert_container
        from runtime.tensorflow.layouts import read_signatures

        record = convert_container(folder / container, staging, read_signatures(folder), label, vocab_size)
        marker = staging / (MARKER + ".tmp")
        marker.write_text(record.to_json(), encoding="utf-8")
        os.replace(marker, staging / MARKER)
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final / ONNX_FILE
