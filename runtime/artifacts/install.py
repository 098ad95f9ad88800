"""Filling the cache on a miss: download under the cache's lock, verify, unpack into staging,
prepare the folder and rename it into place with its marker (see `cache.py`)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from runtime.artifacts.cache import ModelCache
from runtime.artifacts.cache_records import CacheEntry, ChecksumRecord, manifest
from runtime.artifacts.download import Downloaded, download, fetch_sidecar_sha256, part_path
from runtime.artifacts.resolve import ResolvedArtifact
from runtime.artifacts.sparknlp_folder import ONNX_CONTAINERS, extract_onnx, read_vocabulary
from runtime.artifacts.unpack import UnpackLimits, unpack_zip
from runtime.config import Settings
from runtime.errors import ChecksumError, CorruptArchiveError, ModelFolderError, UnsafeArchiveError


def _expected_checksums(
    artifact: ResolvedArtifact, cache: ModelCache, settings: Settings, sha256: str | None
) -> list[tuple[str, str]]:
    """(source, sha256) pairs the download must match."""
    expected: list[tuple[str, str]] = []
    if sha256:
        expected.append(("the caller", sha256.lower()))
    if settings.check_sidecar:
        sidecar = fetch_sidecar_sha256(artifact.url, settings)
        if sidecar:
            expected.append((f"{artifact.url}.sha256", sidecar))
    known = cache.known_checksum(artifact.cache_key)
    if known:
        expected.append((f"the checksum recorded at first download ({known.url})", known.sha256))
    return expected


def _verify(
    downloaded: Downloaded, expected: list[tuple[str, str]], artifact: ResolvedArtifact, cache: ModelCache
) -> None:
    for source, digest in expected:
        if downloaded.sha256 != digest:
            downloaded.path.unlink(missing_ok=True)
            raise ChecksumError(
                f"model {artifact.model}: {artifact.url} has sha256 {downloaded.sha256} "
                f"({downloaded.size} bytes) but {source} says {digest}; the download was deleted and "
                "nothing was cached. Retry; if the artifact legitimately changed, remove "
                f"{cache.root / '.checksums' / (artifact.cache_key + '.json')}"
            )


def _download(
    artifact: ResolvedArtifact, cache: ModelCache, settings: Settings, progress: bool | None
) -> Downloaded:
    return download(
        artifact.url,
        cache.download_path(artifact.cache_key),
        model=artifact.model,
        settings=settings,
        progress=progress,
    )


def _prepare_folder(folder: Path, model: str) -> None:
    """Extracts the inner ONNX zip and decodes the vocabulary now, so that the cached folder is
    complete (and covered by the manifest) before anyone opens it."""
    for container in ONNX_CONTAINERS:
        if (folder / container).is_file():
            extract_onnx(folder, container, f"model {model}")
            break
    if (folder / "fields" / "vocabulary").is_dir():
        read_vocabulary(folder)


def _unpack_verified(
    artifact: ResolvedArtifact,
    cache: ModelCache,
    settings: Settings,
    progress: bool | None,
    expected: list[tuple[str, str]],
) -> tuple[Path, Downloaded]:
    """Downloads, verifies and unpacks into a staging folder; a corrupt archive is fetched once more."""
    limits = UnpackLimits(
        max_total_bytes=settings.max_unpacked_bytes, max_ratio=settings.max_compression_ratio
    )
    for attempt in (1, 2):
        downloaded = _download(artifact, cache, settings, progress)
        _verify(downloaded, expected, artifact, cache)
        staging = cache.new_staging(artifact.cache_key)
        try:
            unpack_zip(downloaded.path, staging, model=artifact.model, url=artifact.url, limits=limits)
            try:
                _prepare_folder(staging, artifact.model)
            except (ModelFolderError, UnsafeArchiveError) as exc:
                raise type(exc)(
                    f"model {artifact.model}: the artifact from {artifact.url} is unusable: {exc}"
                ) from exc
            return staging, downloaded
        except CorruptArchiveError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            downloaded.path.unlink(missing_ok=True)
            if attempt == 2:
                raise CorruptArchiveError(
                    f"model {artifact.model}: {artifact.url} is not a valid zip even after downloading it "
                    f"twice ({exc}); the artifact on the server is damaged: try CARDHUB_MIRROR or report it"
                ) from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            downloaded.path.unlink(missing_ok=True)
            raise
    raise AssertionError("unreachable")


def install(
    artifact: ResolvedArtifact,
    cache: ModelCache,
    settings: Settings,
    progress: bool | None = None,
    sha256: str | None = None,
) -> Path:
    """Downloads, verifies and unpacks `artifact` into the cache; returns the cached folder.
    Waits for another process filling the same entry and takes its result."""
    key = artifact.cache_key
    with cache.lock(key):
        if cache.is_complete(key):  # another process finished while we waited for the lock
            return cache.folder(key)
        cache.clean_stale(key)
        expected = _expected_checksums(artifact, cache, settings, sha256)
        staging, downloaded = _unpack_verified(artifact, cache, settings, progress, expected)
        if cache.known_checksum(key) is None:
            cache.record_checksum(
                key, ChecksumRecord(url=artifact.url, size=downloaded.size, sha256=downloaded.sha256)
            )
        entry = CacheEntry(
            key=key,
            model=artifact.model,
            url=artifact.url,
            archive_size=downloaded.size,
            archive_sha256=downloaded.sha256,
            created=time.time(),
            files=manifest(staging),
        )
        folder = cache.commit(staging, entry)
        downloaded.path.unlink(missing_ok=True)
        part_path(downloaded.path).unlink(missing_ok=True)
        return folder
