"""`cardhub validate`'s configuration: `[tool.cardhub]` in pyproject.toml, or cardhub.toml.

    [tool.cardhub]
    select = ["CH"]                 # codes, code prefixes or rule names (default: every rule)
    ignore = ["CH204", "legacy-key"]

    [tool.cardhub.per-path-ignores]
    "cards/legacy/*" = ["CH101"]    # glob (`*` also crosses folders), relative to the file's folder

    [tool.cardhub.severity]
    CH104 = "error"                 # error, warning or info

cardhub.toml holds the same keys at its top level. Without `--config`, the first folder from the
current one upwards that has a cardhub.toml, or a pyproject.toml with a `[tool.cardhub]` table,
gives the configuration (cardhub.toml first, as ruff.toml before pyproject.toml).
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from registry.card import Finding, FindingRow, rule_code
from registry.errors import ConfigError

SEVERITIES = ("error", "warning", "info")
KEYS = {"select", "ignore", "per-path-ignores", "severity"}


@dataclass(frozen=True)
class Config:
    """Which rules run where, and at what severity. The default selects every rule."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_path_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: tuple[tuple[str, str], ...] = ()
    root: str = "."
    """The folder per-path patterns are relative to (the configuration file's)."""
    source: str | None = None
    _cache: dict[str, bool] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def is_default(self) -> bool:
        return not (self.select or self.ignore or self.per_path_ignores or self.severity)

    def key(self) -> str:
        """A digest of what changes the findings (for the cache)."""
        data = [self.select, self.ignore, self.per_path_ignores, self.severity, self.root]
        return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:16]

    def enabled(self, finding: Finding) -> bool:
        return self._enabled(finding.rule)

    def _enabled(self, rule: str) -> bool:
        if rule not in self._cache:
            code = rule_code(rule)
            selected = not self.select or any(_matches(s, code, rule) for s in self.select)
            self._cache[rule] = selected and not any(_matches(s, code, rule) for s in self.ignore)
        return self._cache[rule]

    def apply(self, findings: list[Finding], path: str) -> list[Finding]:
        """The findings of the card at `path` this configuration keeps, at its severities."""
        if self.is_default:
            return findings
        kept: list[Finding] = []
        severity_of = self._severity_for(path)
        for finding in findings:
            wanted = severity_of(finding.rule, finding.severity)
            if wanted is not None and wanted != finding.severity:
                finding = finding.model_copy(update={"severity": wanted})
            if wanted is not None:
                kept.append(finding)
        return kept

    def apply_rows(self, rows: Sequence[FindingRow], path: str) -> tuple[FindingRow, ...]:
        """`apply` on findings as rows (see `registry.card.FindingRow`)."""
        if self.is_default:
            return tuple(rows)
        kept: list[FindingRow] = []
        severity_of = self._severity_for(path)
        for row in rows:
            wanted = severity_of(row[6], row[2])
            if wanted is not None and wanted != row[2]:
                row = (row[0], row[1], wanted, *row[3:])  # type: ignore[assignment]  # a Severity
            if wanted is not None:
                kept.append(row)
        return tuple(kept)

    def _severity_for(self, path: str) -> Callable[[str, str], str | None]:
        """For the card at `path`: a finding's severity under this configuration, from its rule
        and its own severity (None: the finding is not reported)."""
        ignored = self._path_ignores(path)
        severities = dict(self.severity)

        def severity_of(rule: str, severity: str) -> str | None:
            if not self._enabled(rule):
                return None
            code = rule_code(rule)
            if any(_matches(i, code, rule) for i in ignored):
                return None
            return severities.get(code) or severities.get(rule) or severity

        return severity_of

    def _path_ignores(self, path: str) -> list[str]:
        if not self.per_path_ignores:
            return []
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(self.root)).replace(os.sep, "/")
        given = path.replace(os.sep, "/")
        return [
            rule
            for pattern, rules in self.per_path_ignores
            if fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(given, pattern)
            for rule in rules
        ]


def _matches(selector: str, code: str, name: str) -> bool:
    """`CH2` selects every CH2xx rule; a full code or a rule name selects that rule."""
    return code.startswith(selector) if selector.upper().startswith("CH") else selector == name


def load_config(path: Path | None = None, start: Path | None = None) -> Config:
    """The configuration in `path`, else the nearest one from `start` (default: the current
    folder) upwards; the default configuration when there is none."""
    if path is not None:
        return _read(path, required=True) or Config()
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        for name in ("cardhub.toml", "pyproject.toml"):
            config = _read(candidate / name, required=False)
            if config is not None:
                return config
    return Config()


def _read(path: Path, required: bool) -> Config | None:
    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
    except FileNotFoundError:
        if required:
            raise ConfigError(f"{path}: no such configuration file") from None
        return None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("cardhub")
        if table is None:
            if required:
                raise ConfigError(f"{path}: no [tool.cardhub] table")
            return None
    else:
        table = data
    return _config(table, path)


def _config(table: Any, path: Path) -> Config:
    from registry.rules import BY_CODE, BY_NAME

    where = f"{path}: [tool.cardhub]" if path.name == "pyproject.toml" else str(path)
    if not isinstance(table, dict):
        raise ConfigError(f"{where} is not a table")
    unknown = set(table) - KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; expected {sorted(KEYS)}")

    def rules(value: Any, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f'{where}: {key} must be a list of rule codes or names, e.g. ["CH201"]')
        for item in value:
            known = item in BY_NAME or any(code.startswith(item) for code in BY_CODE)
            if not known or (not item.startswith("CH") and item not in BY_NAME):
                raise ConfigError(f"{where}: {key}: {item!r} is no rule code, code prefix or rule name")
        return tuple(value)

    per_path = table.get("per-path-ignores", {})
    severity = table.get("severity", {})
    if not isinstance(per_path, dict) or not isinstance(severity, dict):
        raise ConfigError(f"{where}: per-path-ignores and severity must be tables")
    for key, value in severity.items():
        rules([key], "severity")
        if value not in SEVERITIES:
            raise ConfigError(f"{where}: severity.{key} = {value!r}; expected one of {list(SEVERITIES)}")
    return Config(
        select=rules(table.get("select", []), "select"),
        ignore=rules(table.get("ignore", []), "ignore"),
        per_path_ignores=tuple(
            (pattern, rules(value, f"per-path-ignores.{pattern!r}")) for pattern, value in per_path.items()
        ),
        severity=tuple(sorted(severity.items())),
        root=str(path.resolve().parent),
        source=str(path),
    )
