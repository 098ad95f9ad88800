"""The card registry: model cards parsed into typed, validated records.

    import registry
    card = registry.get("sent_small_bert_L6_768", lang="en")
    model = registry.load("sent_small_bert_L6_768")       # downloads, caches, runs (runtime)
    reg = registry.Registry.from_dir("cards/")

Importing this package is cheap; the parser and pydantic load on first use.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from registry.card import Card, Finding
    from registry.errors import CardError, ModelNotFoundError, RegistryError
    from registry.store import Registry

__all__ = [
    "Card",
    "CardError",
    "Finding",
    "ModelNotFoundError",
    "Registry",
    "RegistryError",
    "default_registry",
    "get",
    "load",
    "packaged_cards_dir",
    "search",
]

_LAZY = {
    "Card": "registry.card",
    "Finding": "registry.card",
    "Registry": "registry.store",
    "CardError": "registry.errors",
    "ModelNotFoundError": "registry.errors",
    "RegistryError": "registry.errors",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'registry' has no attribute {name!r}")


def packaged_cards_dir() -> Path:
    """The cards installed with cardhub (the repository's `cards/` folder)."""
    return Path(str(resources.files("cards")))


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    from registry.store import Registry

    return Registry.from_dir(packaged_cards_dir())


def get(name: str, lang: str = "en", version: str | None = None) -> Card:
    return default_registry().get(name, lang, version)


def search(text: str, limit: int | None = None) -> list[Card]:
    return default_registry().search(text, limit)


def load(name_or_path: str | Path, lang: str = "en", version: str | None = None, **options: Any) -> Any:
    """Downloads (or finds in the cache) the model a card names and returns it ready to embed.

    A path to an existing folder is loaded as it is. The runtime is imported here, on use, so
    that the registry itself never depends on it. A packaged card is looked up in the packaged
    index (see `registry.index`), so the cards are parsed only when `model.info` is read."""
    runtime = import_module("runtime")
    if isinstance(name_or_path, Path) or Path(str(name_or_path)).is_dir():
        return runtime.load(Path(name_or_path), **options)
    from registry import index

    name = str(name_or_path)
    card = index.find(name, lang, version) or get(name, lang, version)
    return runtime.load(card, **options)
