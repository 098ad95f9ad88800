"""Model artifacts: resolve a card to a URL, download, cache, unpack safely, open the folder.

fetch(card) -> Path                      the verified, unpacked folder in the cache
open_model_folder(path, card) -> ModelFolder
"""

from __future__ import annotations

from runtime.artifacts.fetch import fetch
from runtime.artifacts.model_folder import ModelFolder
from runtime.artifacts.sparknlp_folder import open_model_folder

__all__ = ["ModelFolder", "fetch", "open_model_folder"]
