"""Safe zip extraction: no entry may leave the target folder, be a link, or unpack to an absurd size."""

from __future__ import annotations

import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from runtime.errors import CorruptArchiveError, UnsafeArchiveError

_COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class UnpackLimits:
    max_total_bytes: int = 16 * 1024**3
    max_ratio: float = 1000.0
    """Largest uncompressed/compressed ratio accepted for entries over `ratio_floor_bytes`."""
    ratio_floor_bytes: int = 1024 * 1024


def _where(model: str | None, url: str | None, archive: Path) -> str:
    what = f"model {model}: " if model else ""
    source = f" (from {url})" if url else ""
    return f"{what}archive {archive}{source}"


def safe_member_path(name: str) -> PurePosixPath | None:
    """The relative path an entry may be written to, or None when it would escape the folder."""
    if "\\" in name or "\x00" in name:
        return None
    path = PurePosixPath(name)
    if path.is_absolute() or (path.parts and path.parts[0].endswith(":")):
        return None
    if any(part == ".." for part in path.parts):
        return None
    return path


def _is_link(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return stat.S_ISLNK(mode) if mode else False


def check_archive(zf: zipfile.ZipFile, archive: Path, limits: UnpackLimits, where: str) -> None:
    """Refuses escaping names, links and zip bombs before a single byte is written."""
    total = 0
    for info in zf.infolist():
        if safe_member_path(info.filename) is None:
            raise UnsafeArchiveError(
                f"{where}: entry {info.filename!r} would be written outside the target folder "
                "(absolute path or '..'); the archive was not unpacked. Delete it and get a clean copy"
            )
        if _is_link(info):
            raise UnsafeArchiveError(
                f"{where}: entry {info.filename!r} is a symbolic link; links are refused. "
                "Get the artifact from its original source"
            )
        total += info.file_size
        big = info.file_size > limits.ratio_floor_bytes
        if big and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise UnsafeArchiveError(
                f"{where}: entry {info.filename!r} expands {info.compress_size} -> {info.file_size} bytes "
                f"(ratio over {limits.max_ratio:g}); refused as a likely zip bomb"
            )
    if total > limits.max_total_bytes:
        raise UnsafeArchiveError(
            f"{where}: unpacks to {total} bytes, over the limit of {limits.max_total_bytes}; refused as "
            "a likely zip bomb (raise Settings.max_unpacked_bytes if the model really is that large)"
        )


def _extract_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, where: str) -> None:
    # Counting while copying: the declared size in the header is not trusted.
    written = 0
    with zf.open(info) as source, target.open("wb") as out:
        while block := source.read(_COPY_CHUNK):
            written += len(block)
            if written > info.file_size:
                raise UnsafeArchiveError(f"{where}: entry {info.filename!r} is larger than it declares")
            out.write(block)


def unpack_zip(
    archive: Path,
    dest: Path,
    *,
    model: str | None = None,
    url: str | None = None,
    limits: UnpackLimits | None = None,
) -> list[Path]:
    """Extracts `archive` into the existing folder `dest`; returns the files written.

    Raises CorruptArchiveError for a truncated / non-zip / CRC-failing file and
    UnsafeArchiveError for escaping entries, links and zip bombs."""
    limits = limits or UnpackLimits()
    where = _where(model, url, archive)
    root = dest.resolve()
    written: list[Path] = []
    try:
        with zipfile.ZipFile(archive) as zf:
            check_archive(zf, archive, limits, where)
            for info in zf.infolist():
                relative = safe_member_path(info.filename)
                assert relative is not None  # check_archive refused the others
                target = root.joinpath(*relative.parts)
                if not target.resolve().is_relative_to(root):
                    raise UnsafeArchiveError(f"{where}: entry {info.filename!r} resolves outside {root}")
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                _extract_member(zf, info, target, where)
                written.append(target)
    except (zipfile.BadZipFile, EOFError, zlib.error, zipfile.LargeZipFile) as exc:
        raise CorruptArchiveError(f"{where} is corrupt or truncated ({exc})") from exc
    return written
