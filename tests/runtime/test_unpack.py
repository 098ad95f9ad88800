"""Safe unpacking: escaping entries, links, zip bombs, truncated archives (also through fetch)."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from runtime.artifacts import fetch
from runtime.artifacts.cache import ModelCache
from runtime.artifacts.unpack import UnpackLimits, safe_member_path, unpack_zip
from runtime.config import Settings
from runtime.errors import CorruptArchiveError, UnsafeArchiveError
from tests.fixtures.http_server import ArtifactServer
from tests.fixtures.sparknlp_artifacts import make_card
from tests.runtime.conftest import ARTIFACT_PATH


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def test_plain_archive_unpacks(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", {"metadata/part-00000": b"{}", "x/y/z.bin": b"123"})
    out = tmp_path / "out"
    out.mkdir()
    written = unpack_zip(archive, out)
    assert sorted(p.relative_to(out).as_posix() for p in written) == ["metadata/part-00000", "x/y/z.bin"]
    assert (out / "x/y/z.bin").read_bytes() == b"123"


@pytest.mark.parametrize(
    "name", ["../evil.txt", "a/../../evil.txt", "/etc/evil.txt", "C:/evil.txt", "a\\..\\evil"]
)
def test_zip_slip_entries_are_refused_before_writing(tmp_path: Path, name: str) -> None:
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("good.txt", b"ok")
        zf.writestr(zipfile.ZipInfo(name), b"evil")
    out = tmp_path / "deep" / "out"
    out.mkdir(parents=True)
    with pytest.raises(UnsafeArchiveError, match="outside the target folder"):
        unpack_zip(archive, out, model="m (en)", url="http://h/a.zip")
    assert (
        not list(out.iterdir())
        and not (tmp_path / "evil.txt").exists()
        and not (tmp_path / "deep" / "evil.txt").exists()
    )


def test_symlink_entries_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "a.zip"
    info = zipfile.ZipInfo("link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(info, "/etc/passwd")
    (tmp_path / "out").mkdir()
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        unpack_zip(archive, tmp_path / "out")


def test_zip_bomb_by_ratio_is_refused(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "bomb.zip", {"zeros": bytes(50 * 1024 * 1024)})  # ~50 kB compressed
    assert archive.stat().st_size < 200_000
    (tmp_path / "out").mkdir()
    with pytest.raises(UnsafeArchiveError, match="zip bomb"):
        unpack_zip(archive, tmp_path / "out", model="m (en)", url="http://h/bomb.zip")
    assert not (tmp_path / "out" / "zeros").exists()


def test_zip_bomb_by_total_size_is_refused(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "many.zip", {f"f{i}": bytes(100_000) for i in range(20)})
    (tmp_path / "out").mkdir()
    with pytest.raises(UnsafeArchiveError, match="over the limit"):
        unpack_zip(archive, tmp_path / "out", limits=UnpackLimits(max_total_bytes=1_000_000))


def test_header_lying_about_size_is_caught_while_copying(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", {"f": b"A" * 10_000})
    data = bytearray(archive.read_bytes())
    # Patch the central directory's uncompressed size (offset 24 in the entry) to claim 10 bytes.
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    (tmp_path / "out").mkdir()
    with pytest.raises((UnsafeArchiveError, CorruptArchiveError)):
        unpack_zip(archive, tmp_path / "out")


def test_truncated_archive_is_reported_corrupt(tmp_path: Path, model_zip: Path) -> None:
    archive = tmp_path / "t.zip"
    archive.write_bytes(model_zip.read_bytes()[: model_zip.stat().st_size // 2])
    (tmp_path / "out").mkdir()
    with pytest.raises(CorruptArchiveError, match="corrupt or truncated"):
        unpack_zip(archive, tmp_path / "out", model="m (en)")


def test_safe_member_path_accepts_nested_relative_names() -> None:
    assert safe_member_path("fields/vocabulary/part-00000") is not None
    assert safe_member_path("../x") is None


def test_fetch_redownloads_a_truncated_zip_once(
    server: ArtifactServer, settings: Settings, model_zip: Path
) -> None:
    good = model_zip.read_bytes()
    url = server.add(ARTIFACT_PATH, good[: len(good) - 200])  # the server holds a damaged copy
    settings = settings.with_(check_sidecar=False)
    with pytest.raises(CorruptArchiveError, match=r"sent_tiny_bert \(en\).*twice") as info:
        fetch(make_card(download=url), settings=settings, progress=False)
    assert url in str(info.value)
    assert server.count(ARTIFACT_PATH) == 2  # downloaded once more, then a clear error
    assert not (settings.cache_dir / "sent_tiny_bert_en_5.0.0_3.0_1598351137007").exists()
    server.add(ARTIFACT_PATH, good)  # once the server is fixed, the next fetch succeeds
    folder = fetch(make_card(download=url), settings=settings, progress=False)
    assert ModelCache(settings.cache_dir).verify(folder.name) == []


def test_fetch_refuses_a_zip_slip_artifact(
    server: ArtifactServer, settings: Settings, tmp_path: Path
) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(zipfile.ZipInfo("../../escaped.txt"), b"evil")
    url = server.add(ARTIFACT_PATH, archive.read_bytes())
    with pytest.raises(UnsafeArchiveError) as info:
        fetch(make_card(download=url), settings=settings, progress=False)
    assert "sent_tiny_bert (en)" in str(info.value) and url in str(info.value)
    assert not list(settings.cache_dir.rglob("escaped.txt")) and not (tmp_path / "escaped.txt").exists()
    assert ModelCache(settings.cache_dir).entries() == []
