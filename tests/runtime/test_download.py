"""Downloads from a real loopback server with injected faults."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from runtime.artifacts.download import _write_meta, download, fetch_sidecar_sha256, part_path
from runtime.config import Settings
from runtime.errors import DownloadError
from tests.fixtures.http_server import ArtifactServer

PATH = "/bucket/models/blob.zip"


@pytest.fixture(scope="module")
def blob() -> bytes:
    return os.urandom(3 * 1024 * 1024 + 123)


def _get(server: ArtifactServer, settings: Settings, dest: Path) -> bytes:
    result = download(server.url(PATH), dest, model="m (en)", settings=settings, progress=False)
    assert result.path == dest and not part_path(dest).exists()
    assert result.sha256 == hashlib.sha256(dest.read_bytes()).hexdigest()
    return dest.read_bytes()


def test_plain_download(server: ArtifactServer, settings: Settings, tmp_path: Path, blob: bytes) -> None:
    server.add(PATH, blob)
    assert _get(server, settings, tmp_path / "a.zip") == blob
    assert server.count(PATH, status=200) == 1


def test_dropped_connection_resumes_with_range(
    server: ArtifactServer, settings: Settings, tmp_path: Path, blob: bytes
) -> None:
    server.add(PATH, blob)
    server.fault(PATH, drop_after=1_000_000, drop_times=3)
    assert _get(server, settings, tmp_path / "a.zip") == blob
    ranges = [r.range for r in server.log if r.path == PATH]
    assert ranges == [None, "bytes=1000000-", "bytes=2000000-", "bytes=3000000-"]
    assert [r.status for r in server.log] == [200, 206, 206, 206]


def test_partial_file_from_an_earlier_process_is_resumed(
    server: ArtifactServer, settings: Settings, tmp_path: Path, blob: bytes
) -> None:
    dest = tmp_path / "a.zip"
    server.add(PATH, blob)
    part_path(dest).write_bytes(blob[:500_000])  # what a killed process leaves behind
    _write_meta(dest, server.url(PATH), '"' + hashlib.sha256(blob).hexdigest()[:16] + '"')
    assert _get(server, settings, dest) == blob
    assert [(r.range, r.status) for r in server.log] == [("bytes=500000-", 206)]


def test_changed_file_restarts_instead_of_splicing(
    server: ArtifactServer, settings: Settings, tmp_path: Path, blob: bytes
) -> None:
    dest = tmp_path / "a.zip"
    old = b"x" * len(blob)
    part_path(dest).write_bytes(old[:700_000])
    _write_meta(dest, server.url(PATH), '"' + hashlib.sha256(old).hexdigest()[:16] + '"')
    server.add(PATH, blob)  # new ETag: If-Range fails, the server sends the whole new file
    assert _get(server, settings, dest) == blob
    assert [(r.range, r.status) for r in server.log] == [("bytes=700000-", 200)]


def test_part_of_another_url_is_discarded(
    server: ArtifactServer, settings: Settings, tmp_path: Path, blob: bytes
) -> None:
    dest = tmp_path / "a.zip"
    part_path(dest).write_bytes(b"z" * 1000)
    _write_meta(dest, "http://127.0.0.1:1/other.zip", None)
    server.add(PATH, blob)
    assert _get(server, settings, dest) == blob
    assert [r.range for r in server.log] == [None]


def test_404_fails_at_once_naming_model_and_url(
    server: ArtifactServer, settings: Settings, tmp_path: Path
) -> None:
    url = server.url("/missing.zip")
    with pytest.raises(DownloadError) as info:
        download(url, tmp_path / "a.zip", model="sent_x (en)", settings=settings, progress=False)
    assert "sent_x (en)" in str(info.value) and url in str(info.value) and "404" in str(info.value)
    assert server.count("/missing.zip") == 1  # permanent: not retried


def test_500_then_success(server: ArtifactServer, settings: Settings, tmp_path: Path, blob: bytes) -> None:
    server.add(PATH, blob)
    server.fault(PATH, statuses=[500, 503])
    assert _get(server, settings, tmp_path / "a.zip") == blob
    assert [r.status for r in server.log] == [500, 503, 200]


def test_persistent_500_gives_up_after_the_retries(
    server: ArtifactServer, settings: Settings, tmp_path: Path
) -> None:
    server.add(PATH, b"data")
    server.fault(PATH, statuses=[500] * 10)
    with pytest.raises(DownloadError, match=r"m \(en\).*blob.zip.*3 attempts.*HTTP 500"):
        download(server.url(PATH), tmp_path / "a.zip", model="m (en)", settings=settings, progress=False)
    assert server.count(PATH) == 3


def test_slow_server_times_out_then_resumes(
    server: ArtifactServer, settings: Settings, tmp_path: Path
) -> None:
    server.add(PATH, b"y" * 200_000)
    server.fault(PATH, stall=1.5)  # every response stalls longer than the 0.3 s read timeout
    with pytest.raises(DownloadError, match=r"m \(en\).*timed out"):
        download(
            server.url(PATH),
            tmp_path / "a.zip",
            model="m (en)",
            settings=settings.with_(read_timeout=0.3, retries=1),
            progress=False,
        )
    server.fault(PATH)
    assert (
        download(server.url(PATH), tmp_path / "a.zip", model="m (en)", settings=settings, progress=False).size
        == 200_000
    )


def test_unreachable_server_names_model_and_url(settings: Settings, tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/x.zip"  # discard port: connection refused
    with pytest.raises(DownloadError) as info:
        download(url, tmp_path / "a.zip", model="m (en)", settings=settings.with_(retries=1), progress=False)
    assert url in str(info.value) and "m (en)" in str(info.value)


def test_sidecar_checksum_is_found_when_published(
    server: ArtifactServer, settings: Settings, blob: bytes
) -> None:
    digest = hashlib.sha256(blob).hexdigest()
    server.add(PATH, blob)
    server.add(PATH + ".sha256", f"{digest}  blob.zip\n".encode())
    assert fetch_sidecar_sha256(server.url(PATH), settings) == digest
    assert fetch_sidecar_sha256(server.url("/nothing.zip"), settings) is None


def test_file_url_is_copied(tmp_path: Path, settings: Settings, blob: bytes) -> None:
    source = tmp_path / "src.zip"
    source.write_bytes(blob)
    result = download(source.as_uri(), tmp_path / "out.zip", model="m (en)", settings=settings)
    assert result.path.read_bytes() == blob and result.sha256 == hashlib.sha256(blob).hexdigest()
    with pytest.raises(DownloadError, match="does not exist"):
        download((tmp_path / "nope.zip").as_uri(), tmp_path / "o2.zip", model="m (en)", settings=settings)


def test_proxy_variables_are_honoured(
    server: ArtifactServer, settings: Settings, tmp_path: Path, blob: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.add(PATH, blob)
    monkeypatch.setenv("HTTP_PROXY", server.base_url)
    monkeypatch.setenv("http_proxy", server.base_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    upstream = "http://artifacts.example.invalid" + PATH  # unresolvable: only the proxy can fetch it
    result = download(upstream, tmp_path / "a.zip", model="m (en)", settings=settings.with_(trust_env=True))
    assert result.path.read_bytes() == blob
    assert server.proxied == [upstream]
    with pytest.raises(DownloadError, match=r"artifacts\.example\.invalid"):  # trust_env off: no proxy
        download(upstream, tmp_path / "b.zip", model="m (en)", settings=settings.with_(retries=0))


def test_progress_bar_on_does_not_disturb_the_download(
    server: ArtifactServer,
    settings: Settings,
    tmp_path: Path,
    blob: bytes,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.add(PATH, blob)
    result = download(server.url(PATH), tmp_path / "a.zip", model="m (en)", settings=settings, progress=True)
    assert result.path.read_bytes() == blob
    assert capsys.readouterr().out == ""  # the bar goes to stderr, never into stdout
