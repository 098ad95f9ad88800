"""The on-disk model cache: `<root>/<key>/` folders, each complete only with its marker.

Layout under the cache root:
    <key>/                      an unpacked model; `.cardhub-complete.json` inside marks it usable
    .staging-<key>-XXXX/        a folder being unpacked (renamed to <key>/ when complete)
    .downloads/<key>.zip.part   a partial download (resumable across processes)
    .locks/<key>.lock           the per-model file lock: one process downloads, the others wait
    .checksums/<key>.json       url, size and sha256 recorded on first download (trust on first
                                use); later downloads of the same key must match it
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from filelock import BaseFileLock

    from runtime.artifacts.cache_records import CacheEntry, ChecksumRecord

MARKER = ".cardhub-complete.json"
_HASH_CHUNK = 1024 * 1024


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_HASH_CHUNK):
            digest.update(block)
    return digest.hexdigest()


class ModelCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def folder(self, key: str) -> Path:
        return self.root / key

    def is_complete(self, key: str) -> bool:
        return (self.root / key / MARKER).is_file()

    def lock(self, key: str, timeout: float = -1) -> BaseFileLock:
        from filelock import FileLock

        locks = self.root / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        return FileLock(str(locks / f"{key}.lock"), timeout=timeout)

    def download_path(self, key: str) -> Path:
        return self.root / ".downloads" / f"{key}.zip"

    def new_staging(self, key: str) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".staging-{key}-", dir=self.root))

    def clean_stale(self, key: str) -> None:
        """Removes leftovers of dead writers; call only while holding `lock(key)`."""
        for staging in self.root.glob(f".staging-{key}-*"):
            shutil.rmtree(staging, ignore_errors=True)
        final = self.folder(key)
        if final.exists() and not self.is_complete(key):
            shutil.rmtree(final, ignore_errors=True)

    def commit(self, staging: Path, entry: CacheEntry) -> Path:
        """Writes the marker into `staging` and renames it into place; call while holding the lock."""
        marker_tmp = staging / (MARKER + ".tmp")
        marker_tmp.write_text(entry.model_dump_json(indent=1))
        os.replace(marker_tmp, staging / MARKER)
        final = self.folder(entry.key)
        if final.exists():
            shutil.rmtree(final)
        os.rename(staging, final)
        return final

    def entry(self, key: str) -> CacheEntry | None:
        from runtime.artifacts.cache_records import CacheEntry

        try:
            return CacheEntry.model_validate_json((self.root / key / MARKER).read_text())
        except (OSError, ValueError):
            return None

    def entries(self) -> list[CacheEntry]:
        if not self.root.is_dir():
            return []
        found = (self.entry(p.name) for p in sorted(self.root.iterdir()) if not p.name.startswith("."))
        return [e for e in found if e is not None]

    def incomplete(self) -> list[Path]:
        """Folders without their marker: never used, shown by `cache list` so they can be removed."""
        if not self.root.is_dir():
            return []
        return [
            p
            for p in sorted(self.root.iterdir())
            if p.is_dir() and not (p / MARKER).is_file() and not p.name.startswith(".")
        ]

    def remove(self, key: str) -> bool:
        with self.lock(key):
            final = self.folder(key)
            existed = final.exists()
            # Rename first so that a reader never sees a half-deleted folder with its marker.
            if existed:
                doomed = self.root / f".staging-{key}-removing-{time.time_ns()}"
                os.rename(final, doomed)
                shutil.rmtree(doomed, ignore_errors=True)
            for leftover in (self.download_path(key),):
                for path in (
                    leftover,
                    leftover.with_name(leftover.name + ".part"),
                    leftover.with_name(leftover.name + ".part.json"),
                ):
                    path.unlink(missing_ok=True)
            return existed

    def verify(self, key: str) -> list[str]:
        """Problems found re-hashing a cached model's files; empty when it is intact."""
        entry = self.entry(key)
        if entry is None:
            return [f"{self.folder(key)}: no completion marker; remove it with `cardhub cache rm`"]
        problems: list[str] = []
        folder = self.folder(key)
        for relative, record in entry.files.items():
            path = folder / relative
            if not path.is_file():
                problems.append(f"{path}: missing")
            elif path.stat().st_size != record.size:
                problems.append(f"{path}: size {path.stat().st_size}, expected {record.size}")
            elif sha256_file(path) != record.sha256:
                problems.append(f"{path}: sha256 differs from the one recorded at download")
        return problems + self._verify_converted(folder)

    @staticmethod
    def _verify_converted(folder: Path) -> list[str]:
        """Problems in the ONNX conversions of TensorFlow containers (runtime.tensorflow), checked
        against the file hashes their markers recorded."""
        from runtime.tensorflow import MARKER as CONVERTED
        from runtime.tensorflow.record import ConversionRecord

        problems: list[str] = []
        for marker in sorted(folder.glob(f"*/{CONVERTED}")):
            record = ConversionRecord.read(marker)
            if record is None:
                problems.append(f"{marker}: unreadable conversion marker; `cardhub cache rm` then load again")
                continue
            for relative, facts in record.files.items():
                path = marker.parent / relative
                if not path.is_file():
                    problems.append(f"{path}: missing")
                elif sha256_file(path) != facts["sha256"]:
                    problems.append(f"{path}: sha256 differs from the one recorded at conversion")
        return problems

    def _checksum_path(self, key: str) -> Path:
        return self.root / ".checksums" / f"{key}.json"

    def known_checksum(self, key: str) -> ChecksumRecord | None:
        from runtime.artifacts.cache_records import ChecksumRecord

        try:
            return ChecksumRecord.model_validate_json(self._checksum_path(key).read_text())
        except (OSError, ValueError):
            return None

    def record_checksum(self, key: str, record: ChecksumRecord) -> None:
        path = self._checksum_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(record.model_dump(), indent=1))
        os.replace(tmp, path)
