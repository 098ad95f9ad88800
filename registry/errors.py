"""Exceptions raised by the registry. Messages say what went wrong, where, and what would fix it."""

from __future__ import annotations

from collections.abc import Sequence


class RegistryError(Exception):
    """Base of every error the registry raises."""


class CardError(RegistryError, ValueError):
    """A card file cannot be read at all (empty, binary, not UTF-8, too large, no front matter).

    Parsing never raises this for a single bad card inside a folder: the card becomes a finding
    instead, so that one broken card never stops the others."""

    def __init__(self, path: str, line: int, message: str, hint: str | None = None) -> None:
        self.path, self.line, self.hint = path, line, hint
        super().__init__(f"{path}:{line}: {message}" + (f" (hint: {hint})" if hint else ""))
        self.reason = message


class ModelNotFoundError(RegistryError, LookupError):
    """No card has that (name, language), or none is compatible with the requested version."""

    def __init__(self, message: str, suggestions: Sequence[str] = ()) -> None:
        self.suggestions = list(suggestions)
        if self.suggestions:
            message += "; did you mean: " + ", ".join(self.suggestions) + "?"
        super().__init__(message)


class ConfigError(RegistryError, ValueError):
    """The `[tool.cardhub]` table (pyproject.toml) or cardhub.toml is not valid: the message names
    the file, the key and what is expected."""
