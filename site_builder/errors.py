"""Exceptions raised by the site builder. Messages say what went wrong, where, and what would fix it."""

from __future__ import annotations


class SiteError(Exception):
    """Base of every error the site builder raises."""


class OutputDirError(SiteError, OSError):
    """The output folder cannot be used (it is a file, or not writable)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        super().__init__(f"{path}: cannot write the site there: {reason} (hint: pass another --out folder)")


class CardsNotFoundError(SiteError, FileNotFoundError):
    """The cards folder given to `cardhub build` does not exist or holds no card."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"{path}: no such folder of cards (hint: pass a folder that holds *.md cards)")


class TryItError(SiteError):
    """A try-it request `cardhub serve` refuses or cannot answer; `status` is its HTTP status and
    the message (what went wrong, what would fix it) is shown in the page."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


class ConformanceReportError(SiteError):
    """The report given to `cardhub build --conformance` cannot be read."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        super().__init__(
            f"{path}: not a conformance report: {reason} "
            f"(hint: write one with `cardhub conform CARDS --json {path}`)"
        )
