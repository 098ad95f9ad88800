"""Runtime settings: the ONE place where environment variables are read.

`Settings.from_env()` reads them once; everything below takes a `Settings` argument. The proxy
variables (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) are the exception: the standard library's urllib
reads them itself when a download opens a connection; `Settings.trust_env=False` switches that
off for callers that must not use a proxy.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}
DEFAULT_S3_ENDPOINT = "https://s3.amazonaws.com"


def _flag(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "").strip().lower() in _TRUE


def default_cache_dir() -> Path:
    # platformdirs is imported here, not at module import, to keep `import runtime.config` cheap.
    import platformdirs

    return Path(platformdirs.user_cache_dir("cardhub", appauthor=False)) / "models"


@dataclass(frozen=True)
class Settings:
    """Where models are cached, where they come from, and how patient the downloader is."""

    cache_dir: Path
    offline: bool = False
    mirror: str | None = None
    """A URL or a local folder replacing the upstream host (`BASE/<bucket>/<key>`)."""
    s3_endpoint: str = DEFAULT_S3_ENDPOINT
    """Public https endpoint that `s3://bucket/key` URIs are mapped to (path-style)."""
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 4
    """Attempts after the first one, on transient failures (connection, timeout, 5xx, 429)."""
    backoff: float = 0.5
    """Seconds before the first retry; doubles with each further retry."""
    max_unpacked_bytes: int = 16 * 1024**3
    max_compression_ratio: float = 1000.0
    check_sidecar: bool = True
    """Look for `<url>.sha256` next to the artifact and verify against it when present."""
    trust_env: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        cache = env.get("CARDHUB_CACHE", "").strip()
        mirror = env.get("CARDHUB_MIRROR", "").strip() or None
        return cls(
            cache_dir=Path(cache).expanduser() if cache else default_cache_dir(),
            offline=_flag(env, "CARDHUB_OFFLINE") or _flag(env, "HF_HUB_OFFLINE"),
            mirror=mirror,
            s3_endpoint=env.get("CARDHUB_S3_ENDPOINT", "").strip() or DEFAULT_S3_ENDPOINT,
        )

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed (tests and per-call overrides)."""
        return replace(self, **changes)  # type: ignore[arg-type]
