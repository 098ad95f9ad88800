"""Streaming download with timeouts, retries with backoff, and HTTP Range resume.

The bytes go to `<dest>.part`; a `<dest>.part.json` sidecar remembers which URL (and which ETag /
Last-Modified) they came from, so that another process can resume them after a crash. Only a
complete download is renamed to `dest`. The caller holds the cache lock, so one writer at a time.

Transport: the standard library's urllib / http.client, not httpx. For a large body, reading
into reused 1 MiB buffers (`readinto`) while a helper thread writes and hashes them keeps up with
curl on loopback; httpx's chunk iterator allocates and parses every 64 KiB read in Python and
measured at about half of curl here (benchmarks/bench_download.py). urllib honours the standard
proxy variables (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) unless `Settings.trust_env` is off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import re
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from runtime.config import Settings
from runtime.errors import DownloadError

if TYPE_CHECKING:  # urllib.request pulls in http.client, email and ssl: imported on first download
    import http.client
    import urllib.request
    from email.message import Message

BUFFER_BYTES = 1024 * 1024
_BUFFERS = 12
_PERMANENT = {400, 401, 403, 404, 405, 410, 451}
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_SHA256 = re.compile(r"\b([0-9a-fA-F]{64})\b")
_USER_AGENT = "cardhub/0.1 (+https://github.com/JohnSnowLabs/spark-nlp models)"


@dataclass(frozen=True)
class Downloaded:
    path: Path
    size: int
    sha256: str


class _Transient(Exception):
    """An attempt failed in a way worth retrying."""


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def _meta_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part.json")


def _opener(settings: Settings) -> urllib.request.OpenerDirector:
    import urllib.request

    proxies: dict[str, str] | None = None if settings.trust_env else {}  # None: urllib reads *_PROXY
    return urllib.request.build_opener(urllib.request.ProxyHandler(proxies))


def _file_url_path(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


def fetch_sidecar_sha256(url: str, settings: Settings) -> str | None:
    """The sha256 published next to the artifact as `<url>.sha256`, when there is one."""
    text: str | None = None
    if url.startswith("file://"):
        sidecar = _file_url_path(url + ".sha256")
        text = sidecar.read_text(errors="replace") if sidecar.is_file() else None
    else:
        import http.client
        import urllib.request

        request = urllib.request.Request(url + ".sha256", headers={"User-Agent": _USER_AGENT})
        try:
            with _opener(settings).open(request, timeout=settings.connect_timeout) as response:
                text = response.read(4096).decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            return None  # a sidecar is optional; the download itself reports network trouble
    found = _SHA256.search(text or "")
    return found.group(1).lower() if found else None


def _read_meta(dest: Path, url: str) -> str | None:
    """The validator (ETag / Last-Modified) of a partial download of `url`; drops other URLs' parts."""
    part, meta = part_path(dest), _meta_path(dest)
    try:
        record = json.loads(meta.read_text())
    except (OSError, ValueError):
        record = None
    if not isinstance(record, dict) or record.get("url") != url:
        part.unlink(missing_ok=True)
        meta.unlink(missing_ok=True)
        return None
    validator = record.get("validator")
    return validator if isinstance(validator, str) else None


def _write_meta(dest: Path, url: str, validator: str | None) -> None:
    _meta_path(dest).write_text(json.dumps({"url": url, "validator": validator}))


def _hash_prefix(part: Path) -> tuple[hashlib._Hash, int]:
    digest = hashlib.sha256()
    size = 0
    if part.exists():
        with part.open("rb") as f:
            while block := f.read(BUFFER_BYTES):
                digest.update(block)
                size += len(block)
    return digest, size


class _Sink:
    """Appends and hashes buffers on a helper thread, so that the disk and sha256 overlap the
    network (file writes and hashlib release the GIL). Buffers are written in order, so the part
    file is always a prefix of the artifact, whatever kills the process."""

    def __init__(self, path: Path, digest: hashlib._Hash) -> None:
        self.digest = digest
        self.error: BaseException | None = None
        self.file = path.open("ab")
        self.free: queue.Queue[bytearray] = queue.Queue()
        for _ in range(_BUFFERS):
            self.free.put(bytearray(BUFFER_BYTES))
        self.full: queue.Queue[tuple[bytearray, int] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._drain, name="cardhub-download-sink", daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while (item := self.full.get()) is not None:
            buffer, size = item
            if self.error is None:  # after a failure, keep recycling so the producer never blocks
                try:
                    view = memoryview(buffer)[:size]
                    self.file.write(view)
                    self.digest.update(view)
                except BaseException as exc:
                    self.error = exc
            self.free.put(buffer)

    def buffer(self) -> bytearray:
        if self.error is not None:
            raise self.error
        return self.free.get()

    def commit(self, buffer: bytearray, size: int) -> None:
        self.full.put((buffer, size))

    def close(self) -> None:
        self.full.put(None)
        self.thread.join()
        self.file.close()
        if self.error is not None:
            raise self.error


@contextlib.contextmanager
def _progress_bar(label: str, enabled: bool) -> Iterator[Callable[[int, int | None], None]]:
    """Yields `update(done, total)`; a rich bar on stderr when enabled, else a no-op."""
    if not enabled:
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

    columns = (*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _want_progress(progress: bool | None) -> bool:
    return sys.stderr.isatty() if progress is None else progress


def _expected_total(status: int, headers: Message, offset: int) -> int | None:
    if status == 206:
        match = _CONTENT_RANGE.match(headers.get("content-range", ""))
        if not match or int(match.group(1)) != offset:
            raise _Transient(f"server answered Range {offset}- with {headers.get('content-range')!r}")
        return int(match.group(3)) if match.group(3) != "*" else None
    length = headers.get("content-length")
    return int(length) if length and length.isdigit() else None


def _set_read_timeout(response: http.client.HTTPResponse, seconds: float) -> None:
    # urlopen applies one timeout to connecting and reading; the body gets its own read timeout.
    sock = getattr(getattr(response.fp, "raw", None), "_sock", None)
    if isinstance(sock, socket.socket):
        sock.settimeout(seconds)


class _Attempt:
    """One GET of `url` appended to the part file; raises _Transient or DownloadError."""

    def __init__(self, settings: Settings, url: str, dest: Path, model: str) -> None:
        self.settings, self.url, self.dest, self.model = settings, url, dest, model
        self.opener = _opener(settings)
        self.digest = hashlib.sha256()

    def run(self, digest: hashlib._Hash, offset: int, update: Callable[[int, int | None], None]) -> int:
        """Appends to the part file; `self.digest` ends as the sha256 of the whole file."""
        import http.client
        import urllib.error
        import urllib.request

        self.digest = digest
        validator = _read_meta(self.dest, self.url) if offset else None
        headers = {"User-Agent": _USER_AGENT, "Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
            if validator:
                headers["If-Range"] = validator
        request = urllib.request.Request(self.url, headers=headers)
        try:
            with self.opener.open(request, timeout=self.settings.connect_timeout) as response:
                _set_read_timeout(response, self.settings.read_timeout)
                return self._consume(response.status, response.headers, response, offset, update)
        except urllib.error.HTTPError as exc:
            return self._consume(exc.code, exc.headers, None, offset, update, reason=str(exc.reason))
        except TimeoutError as exc:
            raise _Transient(f"timed out ({exc or 'no data within the read timeout'})") from exc
        except (OSError, http.client.HTTPException) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise _Transient(f"{type(exc).__name__}: {reason}") from exc

    def _check_status(self, status: int, offset: int, reason: str) -> None:
        if status in _PERMANENT:
            raise DownloadError(
                f"model {self.model}: GET {self.url} failed with HTTP {status} {reason}; check the card's "
                "download link, pass url=..., or set CARDHUB_MIRROR to a mirror that has it"
            )
        if status == 416 and offset:
            part_path(self.dest).unlink(missing_ok=True)
            raise _Transient("server refused the resume range; starting over")
        if status == 429 or status >= 500:
            raise _Transient(f"HTTP {status} {reason}")
        if status not in (200, 206):
            raise DownloadError(f"model {self.model}: GET {self.url} answered HTTP {status}, expected 200")

    def _consume(
        self,
        status: int,
        headers: Message,
        body: http.client.HTTPResponse | None,
        offset: int,
        update: Callable[[int, int | None], None],
        reason: str = "",
    ) -> int:
        self._check_status(status, offset, reason)
        assert body is not None  # 200 and 206 come as responses, not HTTPError
        if status == 200 and offset:  # Range ignored or the file changed (If-Range): start over
            offset = 0
            self.digest = hashlib.sha256()
        total = _expected_total(status, headers, offset)
        if offset == 0:
            part_path(self.dest).unlink(missing_ok=True)
            _write_meta(self.dest, self.url, headers.get("etag") or headers.get("last-modified"))
        done = offset
        sink = _Sink(part_path(self.dest), self.digest)
        try:
            while True:
                buffer = sink.buffer()
                size = body.readinto(buffer)
                if not size:
                    sink.free.put(buffer)
                    break
                sink.commit(buffer, size)
                done += size
                update(done, total)
        finally:
            sink.close()  # every byte received is on disk before the next attempt looks
        if total is not None and done != total:
            raise _Transient(f"connection ended after {done} of {total} bytes")
        return done


def _copy_local(url: str, dest: Path, model: str) -> Downloaded:
    source = _file_url_path(url)
    if not source.is_file():
        raise DownloadError(
            f"model {model}: {url} does not exist; copy the artifact there (e.g. from `cardhub pull` "
            "on a connected machine) or unset CARDHUB_MIRROR"
        )
    part = part_path(dest)
    shutil.copyfile(source, part)
    digest, size = _hash_prefix(part)
    os.replace(part, dest)
    return Downloaded(dest, size, digest.hexdigest())


def download(
    url: str, dest: Path, *, model: str, settings: Settings, progress: bool | None = None
) -> Downloaded:
    """Downloads `url` to `dest`, resuming `<dest>.part` when it holds a prefix of the same URL.

    Transient failures (connection, timeout, 5xx, 429) are retried `settings.retries` times with
    exponential backoff; an attempt that made progress does not count against the retries."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("file://"):
        return _copy_local(url, dest, model)
    _read_meta(dest, url)  # drops a partial download of another URL
    failures: list[str] = []
    attempt = _Attempt(settings, url, dest, model)
    with _progress_bar(model, _want_progress(progress)) as update:
        while True:
            digest, offset = _hash_prefix(part_path(dest))
            try:
                size = attempt.run(digest, offset, update)
                break
            except _Transient as exc:
                grew = part_path(dest).exists() and part_path(dest).stat().st_size > offset
                if grew:
                    failures.clear()  # progress was made: a flaky link is not a dead one
                    continue
                failures.append(str(exc))
                if len(failures) > settings.retries:
                    raise DownloadError(
                        f"model {model}: GET {url} failed after {len(failures)} attempts "
                        f"({'; '.join(failures)}); check the network or proxy settings "
                        "(HTTPS_PROXY), or set CARDHUB_MIRROR to a reachable copy"
                    ) from exc
                time.sleep(settings.backoff * 2 ** (len(failures) - 1))
    os.replace(part_path(dest), dest)
    _meta_path(dest).unlink(missing_ok=True)
    return Downloaded(dest, size, attempt.digest.hexdigest())
