"""The completion marker of a converted model: what was converted, by which versions, how close
it came to TensorFlow, and the files written. Plain JSON, so that reading it imports neither
pydantic nor TensorFlow."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from runtime.artifacts.cache import sha256_file
from runtime.tensorflow import MARKER


@dataclass(frozen=True)
class ConversionRecord:
    source: str
    """The container converted, e.g. `bert_sentence_tensorflow`."""
    source_size: int
    layout: str
    converter: str
    converter_version: str
    tensorflow_version: str
    opset: int
    max_abs_diff: float
    """Largest |ONNX - TensorFlow| over the verification probes."""
    seconds: float
    created: float
    files: dict[str, dict[str, int | str]] = field(default_factory=dict)
    """Relative path -> {size, sha256} of every file written."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def read(cls, path: Path) -> ConversionRecord | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except (OSError, ValueError, TypeError):
            return None


def file_records(folder: Path) -> dict[str, dict[str, int | str]]:
    return {
        p.relative_to(folder).as_posix(): {"size": p.stat().st_size, "sha256": sha256_file(p)}
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MARKER
    }
