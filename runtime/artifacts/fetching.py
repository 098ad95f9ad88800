"""`fetch(card)`: from a card to a verified, unpacked model folder in the cache.

A cache hit needs only the resolver and the cache's marker file; the downloader, the unpacker
and the checksum records (`install.py`) load on a miss."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from runtime.artifacts.cache import ModelCache
from runtime.artifacts.resolve import ResolvedArtifact, resolve
from runtime.config import Settings
from runtime.errors import OfflineCacheMiss

if TYPE_CHECKING:
    from runtime.card_facts import CardFacts


def _offline_miss(card: CardFacts, artifact: ResolvedArtifact, cache: ModelCache) -> OfflineCacheMiss:
    return OfflineCacheMiss(
        f"model {artifact.model}: offline mode (CARDHUB_OFFLINE / HF_HUB_OFFLINE) and it is not in the "
        f"cache at {cache.folder(artifact.cache_key)}; its URL is {artifact.url}. Fill the cache on a "
        f"connected machine with `cardhub pull {card.name} --lang {card.language}` and copy the folder "
        f"{artifact.cache_key}/ into {cache.root}, or set CARDHUB_MIRROR to a folder or server holding "
        "the zip, or unset CARDHUB_OFFLINE"
    )


def fetch(
    card: CardFacts,
    *,
    settings: Settings | None = None,
    url: str | None = None,
    progress: bool | None = None,
    sha256: str | None = None,
) -> Path:
    """The cached, verified, unpacked folder of `card`'s artifact, downloading it when needed.

    `url` overrides the card's link, `sha256` adds a checksum to verify against, `progress`
    forces the progress bar on or off (default: on when stderr is a terminal)."""
    settings = settings or Settings.from_env()
    artifact = resolve(card, settings=settings, url=url)
    cache = ModelCache(settings.cache_dir)
    key = artifact.cache_key
    if cache.is_complete(key):
        return cache.folder(key)
    if settings.offline:
        raise _offline_miss(card, artifact, cache)
    from runtime.artifacts.install import install  # the downloader loads only on a cache miss

    return install(artifact, cache, settings, progress, sha256)
