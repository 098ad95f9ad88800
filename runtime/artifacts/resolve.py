"""Card -> the URL its artifact is fetched from, and the cache key it is stored under."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from runtime.config import Settings
from runtime.errors import ResolveError

if TYPE_CHECKING:
    from runtime.card_facts import CardFacts

_S3_PATH_STYLE_HOSTS = re.compile(r"^s3([.-][a-z0-9-]+)?\.amazonaws\.com$")
_S3_VIRTUAL_HOST = re.compile(r"^(?P<bucket>.+)\.s3([.-][a-z0-9-]+)?\.amazonaws\.com$")
_SAFE_KEY = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ResolvedArtifact:
    """Where one model's artifact comes from and where it lives in the cache."""

    model: str
    """`name (lang)`, for messages."""
    url: str
    """What is actually fetched: http(s):// or file:// (after the mirror is applied)."""
    upstream_url: str
    """The card's (or the caller's) URL before s3:// mapping and mirroring."""
    cache_key: str
    """`<name>_<lang>_<sparknlp>_<spark>_<epoch-ms>` like upstream, or `<name>_<lang>`."""


def model_label(card: CardFacts) -> str:
    return f"{card.name} ({card.language})"


def card_url(card: CardFacts) -> str | None:
    """The card's own artifact link: the https download link, else the s3:// URI."""
    if card.links.download is not None:
        return card.links.download.url
    if card.links.s3 is not None:
        return card.links.s3.url
    return None


def bucket_relative_path(url: str) -> str:
    """`<bucket>/<key>` for any S3-style URL; `<host>/<path>` for any other http(s) URL."""
    parts = urlsplit(url)
    path = parts.path.lstrip("/")
    if parts.scheme == "s3":
        return f"{parts.netloc}/{path}"
    host = parts.hostname or ""
    if _S3_PATH_STYLE_HOSTS.match(host):
        return path
    virtual = _S3_VIRTUAL_HOST.match(host)
    if virtual:
        return f"{virtual.group('bucket')}/{path}"
    return f"{host}/{path}"


def s3_to_https(url: str, endpoint: str) -> str:
    parts = urlsplit(url)
    return f"{endpoint.rstrip('/')}/{parts.netloc}{parts.path}"


def apply_mirror(url: str, mirror: str) -> str:
    """`BASE/<bucket>/<key>`; BASE is a URL (http, https, file) or a local folder."""
    relative = bucket_relative_path(url)
    if re.match(r"^(https?|file)://", mirror):
        return f"{mirror.rstrip('/')}/{quote(relative)}"
    return (Path(mirror).expanduser().resolve() / relative).as_uri()


def cache_key(card: CardFacts, url: str) -> str:
    stem = url.rsplit("/", 1)[-1]
    stem = stem[:-4] if stem.endswith(".zip") else stem
    key = stem or f"{card.name}_{card.language}"
    return _SAFE_KEY.sub("_", key).strip("._") or f"{card.name}_{card.language}"


def resolve(card: CardFacts, *, settings: Settings, url: str | None = None) -> ResolvedArtifact:
    """The artifact URL for `card`: `url` if given, else the card's download link or s3:// URI,
    with s3:// mapped to `settings.s3_endpoint` and `settings.mirror` applied last."""
    model = model_label(card)
    upstream = url or card_url(card)
    if not upstream:
        raise ResolveError(
            f"model {model}: the card {card.path} has no Download link and no S3 URI, so there is "
            "no artifact URL; pass url=... or add a download link to the card"
        )
    scheme = urlsplit(upstream).scheme
    if scheme not in {"http", "https", "s3", "file"}:
        raise ResolveError(
            f"model {model}: unsupported artifact URL {upstream!r} (scheme {scheme or 'none'!r}); "
            "use an http(s)://, s3:// or file:// URL"
        )
    fetched = upstream
    if settings.mirror and scheme != "file":
        fetched = apply_mirror(upstream, settings.mirror)
    elif scheme == "s3":
        fetched = s3_to_https(upstream, settings.s3_endpoint)
    return ResolvedArtifact(
        model=model, url=fetched, upstream_url=upstream, cache_key=cache_key(card, upstream)
    )
