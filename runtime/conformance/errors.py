"""Exceptions of the conformance runner. Each message says where (card file:line), what went wrong,
and what would fix it."""

from __future__ import annotations


class ConformanceError(Exception):
    """Base of every error the conformance package raises."""


class ResultsBlockError(ConformanceError, ValueError):
    """A card's Results block cannot be located in the file (for `--update`)."""

    def __init__(self, path: str, line: int, message: str, hint: str) -> None:
        self.path, self.line, self.hint = path, line, hint
        super().__init__(f"{path}:{line}: {message} (fix: {hint})")


class SandboxError(ConformanceError, OSError):
    """The sandbox could not be set up (no temp folder, cannot start the interpreter)."""


class ReportError(ConformanceError, ValueError):
    """A report file cannot be read back (not JSON, wrong shape)."""
