"""Card conformance: run each card's python and nlu snippets against its model, sandboxed, and
compare what they show with the card's Results block.

    from runtime.conformance import conform, ConformOptions
    reports = conform([Path("cards")], ConformOptions(jobs=2))

Modules: snippets (extraction, IPython transform, prelude), sandbox + isolation + child (the
process a snippet runs in), results (parse / render / rewrite the block), compare (tolerant
comparison and diffs), runner (fetch, run in parallel, verdicts, --update), report (JSON,
JUnit), pytest_plugin (`pytest --cardhub-conform cards/`).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runtime.conformance.records import Limits, SnippetReport
    from runtime.conformance.runner import ConformOptions, conform

__all__ = ["ConformOptions", "Limits", "SnippetReport", "conform"]

_LAZY = {
    "conform": "runtime.conformance.runner",
    "ConformOptions": "runtime.conformance.runner",
    "Limits": "runtime.conformance.records",
    "SnippetReport": "runtime.conformance.records",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'runtime.conformance' has no attribute {name!r}")
