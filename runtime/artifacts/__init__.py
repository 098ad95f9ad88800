"""Model artifacts: resolve a card to a URL, download, cache, unpack safely, open the folder.

fetch(card) -> Path                      the verified, unpacked folder in the cache
open_model_folder(path, card) -> ModelFolder

The names load on first use, so that opening a folder already on disk does not pay for the
downloader and the cache records (pydantic models, urllib) it does not need.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runtime.artifacts.fetching import fetch
    from runtime.artifacts.model_folder import ModelFolder
    from runtime.artifacts.sparknlp_folder import open_model_folder

__all__ = ["ModelFolder", "fetch", "open_model_folder"]

_LAZY = {
    "fetch": "runtime.artifacts.fetching",
    "ModelFolder": "runtime.artifacts.model_folder",
    "open_model_folder": "runtime.artifacts.sparknlp_folder",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'runtime.artifacts' has no attribute {name!r}")
