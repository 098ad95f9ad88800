"""The cache's records: the completion marker of a cached model and the checksum recorded on a
first download. Pydantic models, in their own module so that finding a model in the cache
(`ModelCache.is_complete`) imports no pydantic."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from runtime.artifacts.cache import MARKER, sha256_file

# The validators are built on first use, not at import.
_RECORD = ConfigDict(frozen=True, defer_build=True)


class FileRecord(BaseModel):
    model_config = _RECORD
    size: int
    sha256: str


class CacheEntry(BaseModel):
    """What the completion marker of one cached model says."""

    model_config = _RECORD

    key: str
    model: str
    url: str
    archive_size: int
    archive_sha256: str
    created: float
    files: dict[str, FileRecord]
    """Every file of the unpacked folder (relative POSIX path), for `cardhub cache verify`."""


class ChecksumRecord(BaseModel):
    model_config = _RECORD
    url: str
    size: int
    sha256: str


def manifest(folder: Path) -> dict[str, FileRecord]:
    files: dict[str, FileRecord] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MARKER):
        files[path.relative_to(folder).as_posix()] = FileRecord(
            size=path.stat().st_size, sha256=sha256_file(path)
        )
    return files
