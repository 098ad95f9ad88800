"""fetch() and the cache: atomic, locked, verified, resumable across crashes, offline-capable."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runtime.artifacts import fetch, open_model_folder
from runtime.artifacts.cache import MARKER, ModelCache
from runtime.config import Settings
from runtime.errors import ChecksumError, DownloadError, OfflineCacheMiss
from tests.fixtures.http_server import ArtifactServer
from tests.fixtures.sparknlp_artifacts import TEST_VOCAB, build_sparknlp_model, make_card, zip_model_folder
from tests.runtime.conftest import ARTIFACT_PATH

REPO = Path(__file__).resolve().parents[2]
KEY = "sent_tiny_bert_en_5.0.0_3.0_1598351137007"
CHILD = """
import sys
from pathlib import Path
from runtime.artifacts import fetch
from runtime.config import Settings
from tests.fixtures.sparknlp_artifacts import make_card
card = make_card(download=sys.argv[1])
settings = Settings(cache_dir=Path(sys.argv[2]), retries=3, backoff=0.05, read_timeout=10, trust_env=False)
print(fetch(card, settings=settings, progress=False))
"""


def _child(url: str, cache: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(cache)],
        cwd=REPO,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.fixture(scope="module")
def big_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3 MB model zip (incompressible ONNX payload) so downloads take long enough to interrupt."""
    root = tmp_path_factory.mktemp("big")
    folder = build_sparknlp_model(root / "f", onnx_bytes=os.urandom(3 * 1024 * 1024), vocab=TEST_VOCAB)
    return zip_model_folder(folder, root / f"{KEY}.zip")


def _assert_cached_intact(settings: Settings, source_zip: Path) -> None:
    cache = ModelCache(settings.cache_dir)
    entry = cache.entry(KEY)
    assert entry is not None, "no completed cache entry"
    assert entry.archive_sha256 == hashlib.sha256(source_zip.read_bytes()).hexdigest()
    assert cache.verify(KEY) == []


def test_fetch_downloads_once_then_serves_from_cache(
    server: ArtifactServer, settings: Settings, model_zip: Path
) -> None:
    url = server.add(ARTIFACT_PATH, model_zip.read_bytes())
    card = make_card(download=url)
    folder = fetch(card, settings=settings, progress=False)
    assert folder == settings.cache_dir / KEY and (folder / MARKER).is_file()
    assert fetch(card, settings=settings, progress=False) == folder
    assert server.count(ARTIFACT_PATH) == 1
    assert open_model_folder(folder, card).vocabulary == tuple(TEST_VOCAB)
    _assert_cached_intact(settings, model_zip)
    assert not list(settings.cache_dir.glob(".staging-*")) and not list(
        (settings.cache_dir / ".downloads").iterdir()
    )


def test_folder_without_marker_is_never_used(
    server: ArtifactServer, settings: Settings, model_zip: Path
) -> None:
    half = settings.cache_dir / KEY
    (half / "metadata").mkdir(parents=True)  # what an interrupted upstream unzip leaves
    url = server.add(ARTIFACT_PATH, model_zip.read_bytes())
    folder = fetch(make_card(download=url), settings=settings, progress=False)
    assert server.count(ARTIFACT_PATH) == 1 and (folder / "fields" / "vocabulary").is_dir()


def test_offline_without_cache_names_model_url_and_the_fix(settings: Settings) -> None:
    url = "http://127.0.0.1:9/auxdata/sent_tiny_bert_en_5.0.0_3.0_1598351137007.zip"
    with pytest.raises(OfflineCacheMiss) as info:
        fetch(make_card(download=url), settings=settings.with_(offline=True))
    message = str(info.value)
    for part in ("sent_tiny_bert (en)", url, "cardhub pull sent_tiny_bert --lang en", "CARDHUB_MIRROR"):
        assert part in message


def test_offline_with_cache_makes_no_request(
    server: ArtifactServer, settings: Settings, model_zip: Path
) -> None:
    url = server.add(ARTIFACT_PATH, model_zip.read_bytes())
    folder = fetch(make_card(download=url), settings=settings, progress=False)
    before = len(server.log)
    assert fetch(make_card(download=url), settings=settings.with_(offline=True)) == folder
    assert len(server.log) == before


def test_a_cache_hit_loads_neither_the_downloader_nor_the_unpacker(
    server: ArtifactServer, settings: Settings, model_zip: Path
) -> None:
    """A cold `registry.load` of a cached model pays only for what a hit needs."""
    url = server.add(ARTIFACT_PATH, model_zip.read_bytes())
    folder = fetch(make_card(download=url), settings=settings, progress=False)
    code = CHILD + (
        "heavy = [m for m in ('runtime.artifacts.download', 'runtime.artifacts.unpack', "
        "'runtime.artifacts.install', 'urllib.request') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, url, str(settings.cache_dir)],
        cwd=REPO,
        text=True,
        capture_output=True,
        check=True,
    )
    printed_folder, heavy = done.stdout.strip().splitlines()
    assert Path(printed_folder) == folder and heavy == "[]"
    assert server.count(ARTIFACT_PATH) == 1


def test_sidecar_checksum_mismatch_caches_nothing(
    server: ArtifactServer, settings: Settings, model_zip: Path
) -> None:
    url = server.add(ARTIFACT_PATH, model_zip.read_bytes())
    server.add(ARTIFACT_PATH + ".sha256", b"0" * 64 + b"  x.zip\n")
    with pytest.raises(ChecksumError) as info:
        fetch(make_card(download=url), settings=settings, progress=False)
    assert "sent_tiny_bert (en)" in str(info.value) and url in str(info.value)
    assert not ModelCache(settings.cache_dir).is_complete(KEY)
    assert not (settings.cache_dir / KEY).exists()
    assert not list((settings.cache_dir / ".downloads").iterdir())


def test_changed_artifact_fails_against_the_checksum_recorded_first(
    server: ArtifactServer, settings: Settings, model_zip: Path, big_zip: Path
) -> None:
    url = server.add(ARTIFACT_PATH, model_zip.read_bytes())
    fetch(make_card(download=url), settings=settings, progress=False)
    assert ModelCache(settings.cache_dir).remove(KEY)
    server.add(ARTIFACT_PATH, big_zip.read_bytes())  # same name, different bytes
    with pytest.raises(ChecksumError, match="recorded at first download"):
        fetch(make_card(download=url), settings=settings, progress=False)
    assert not (settings.cache_dir / KEY).exists()


def test_caller_sha256_is_checked(server: ArtifactServer, settings: Settings, model_zip: Path) -> None:
    url = server.add(ARTIFACT_PATH, model_zip.read_bytes())
    with pytest.raises(ChecksumError, match="the caller"):
        fetch(make_card(download=url), settings=settings, progress=False, sha256="ab" * 32)
    good = hashlib.sha256(model_zip.read_bytes()).hexdigest()
    assert fetch(make_card(download=url), settings=settings, progress=False, sha256=good).is_dir()


def test_404_through_fetch_names_model_and_url(server: ArtifactServer, settings: Settings) -> None:
    url = server.url("/nothing/here.zip")
    with pytest.raises(DownloadError, match=r"sent_tiny_bert \(en\).*" + url):
        fetch(make_card(download=url), settings=settings, progress=False)


def test_mirror_folder_serves_air_gapped_sites(tmp_path: Path, settings: Settings, model_zip: Path) -> None:
    mirror = tmp_path / "mirror"
    target = mirror / ARTIFACT_PATH.lstrip("/")
    target.parent.mkdir(parents=True)
    target.write_bytes(model_zip.read_bytes())
    card = make_card(s3="s3:/" + ARTIFACT_PATH)
    folder = fetch(card, settings=settings.with_(mirror=str(mirror)), progress=False)
    assert open_model_folder(folder, card).vocabulary == tuple(TEST_VOCAB)


def _part_size(cache_dir: Path) -> int:
    try:
        return (cache_dir / ".downloads" / f"{KEY}.zip.part").stat().st_size
    except FileNotFoundError:
        return -1


def _wait_until_working(child: subprocess.Popen[str], cache_dir: Path, timeout: float = 20.0) -> None:
    """Returns once this child has written new bytes (or finished), so that kills land in the
    work and not in the interpreter's start-up, however loaded the machine is."""
    start = _part_size(cache_dir)
    zip_file = cache_dir / ".downloads" / f"{KEY}.zip"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and child.poll() is None:
        if _part_size(cache_dir) > start or zip_file.exists() or ModelCache(cache_dir).is_complete(KEY):
            return
        time.sleep(0.002)


def test_sigkill_at_random_points_never_leaves_a_bad_cache(
    server: ArtifactServer, settings: Settings, big_zip: Path
) -> None:
    url = server.add(ARTIFACT_PATH, big_zip.read_bytes())
    server.fault(ARTIFACT_PATH, throttle=6_000_000)  # ~0.5 s per full download
    rng = random.Random(20260101)
    outcomes = []
    for _ in range(20):
        child = _child(url, settings.cache_dir)
        _wait_until_working(child, settings.cache_dir)
        time.sleep(rng.uniform(0.0, 0.8))  # mid-download, mid-unpack, or after the commit
        child.send_signal(signal.SIGKILL)
        child.wait()
        cache = ModelCache(settings.cache_dir)
        outcomes.append(cache.is_complete(KEY))
        if cache.is_complete(KEY):
            assert cache.verify(KEY) == []
            cache.remove(KEY)
    folder = fetch(make_card(download=url), settings=settings, progress=False)
    _assert_cached_intact(settings, big_zip)
    assert open_model_folder(folder).vocabulary == tuple(TEST_VOCAB)
    assert outcomes.count(False) >= 5, f"too few kills landed mid-download: {outcomes}"
    resumed = [r for r in server.log if r.path == ARTIFACT_PATH and r.status == 206]
    assert resumed, "no kill left a partial download to resume"


def test_eight_processes_download_once(server: ArtifactServer, settings: Settings, big_zip: Path) -> None:
    url = server.add(ARTIFACT_PATH, big_zip.read_bytes())
    server.fault(ARTIFACT_PATH, throttle=6_000_000)
    children = [_child(url, settings.cache_dir) for _ in range(8)]
    results = [child.communicate(timeout=60) for child in children]
    assert [c.returncode for c in children] == [0] * 8, [err[-500:] for _, err in results]
    assert {out.strip() for out, _ in results} == {str(settings.cache_dir / KEY)}
    assert server.count(ARTIFACT_PATH) == 1
    _assert_cached_intact(settings, big_zip)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def moto_endpoint() -> Iterator[str]:
    pytest.importorskip("moto.server", reason="moto[server] is not installed (pip install 'moto[server]')")
    pytest.importorskip("boto3", reason="boto3 is not installed")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def test_s3_uri_through_an_s3_emulator(moto_endpoint: str, settings: Settings, model_zip: Path) -> None:
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    bucket, key = ARTIFACT_PATH.lstrip("/").split("/", 1)
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=model_zip.read_bytes(), ACL="public-read")
    card = make_card(s3=f"s3://{bucket}/{key}")
    folder = fetch(card, settings=settings.with_(s3_endpoint=moto_endpoint), progress=False)
    assert open_model_folder(folder, card).vocabulary == tuple(TEST_VOCAB)
    _assert_cached_intact(settings, model_zip)


def test_cache_list_rm_verify(server: ArtifactServer, settings: Settings, model_zip: Path) -> None:
    url = server.add(ARTIFACT_PATH, model_zip.read_bytes())
    folder = fetch(make_card(download=url), settings=settings, progress=False)
    cache = ModelCache(settings.cache_dir)
    assert [e.key for e in cache.entries()] == [KEY]
    assert cache.entries()[0].model == "sent_tiny_bert (en)"
    victim = folder / "metadata" / "part-00000"
    victim.write_text(victim.read_text().replace("false", "true "))
    problems = cache.verify(KEY)
    assert len(problems) == 1 and "metadata/part-00000" in problems[0]
    assert cache.remove(KEY) and not folder.exists() and cache.entries() == []
    assert not cache.remove(KEY)


def test_cli_pull_list_verify_rm(
    server: ArtifactServer, tmp_path: Path, model_zip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from cardhub_cli.main import cli

    registry = pytest.importorskip("registry")
    try:
        registry.get("sent_small_bert_L6_768", "en")
    except Exception as exc:  # the registry is another issue's work; its state is not under test here
        pytest.skip(f"registry cannot load the seed cards yet: {exc}")
    cache_dir = tmp_path / "clicache"
    monkeypatch.setenv("CARDHUB_CACHE", str(cache_dir))
    url = server.add(ARTIFACT_PATH, model_zip.read_bytes())
    runner = CliRunner()
    pulled = runner.invoke(cli, ["pull", "sent_small_bert_L6_768", "--lang", "en", "--url", url])
    assert pulled.exit_code == 0, pulled.output
    assert pulled.output.strip() == str(cache_dir / KEY)
    listed = runner.invoke(cli, ["cache", "list"])
    assert KEY in listed.output and url in listed.output
    assert runner.invoke(cli, ["cache", "verify"]).output.strip().endswith(f"{KEY}: ok")
    (cache_dir / KEY / "metadata" / "part-00000").write_text("{}")
    damaged = runner.invoke(cli, ["cache", "verify"])
    assert damaged.exit_code == 1 and "DAMAGED" in damaged.output
    removed = runner.invoke(cli, ["cache", "rm", "sent_tiny_bert"])
    assert removed.exit_code == 0 and f"removed {KEY}" in removed.output and not (cache_dir / KEY).exists()
    assert runner.invoke(cli, ["cache", "rm", "sent_tiny_bert"]).exit_code == 1
