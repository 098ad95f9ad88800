"""`cardhub validate --fix` / `--diff`: the certain fixes of a card (see `registry.rules.fixes`),
as the fixed text and a unified diff. Only the lines an edit names change (byte for byte, line
endings kept), and a fixed card has nothing left to fix."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from registry.card import Finding
from registry.parse import parse_card
from registry.rules.fixes import FIXES, Edit
from registry.rules.suppressions import apply_suppressions, suppressions

if TYPE_CHECKING:
    from registry.config import Config


@dataclass(frozen=True)
class Fixed:
    """One card's fixes: the text before and after, and the edits made."""

    path: str
    before: str
    after: str
    edits: tuple[Edit, ...]

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=f"a/{self.path}",
                tofile=f"b/{self.path}",
            )
        )


def fixable_findings(path: str, data: bytes, config: Config | None) -> list[Finding]:
    """The card's findings as `cardhub validate` reports them (suppressions and config applied)."""
    card = parse_card(path, data)
    found = apply_suppressions(list(card.findings), suppressions(data), path)
    return config.apply(found, path) if config is not None else found


def fix_card(path: str | Path, config: Config | None = None) -> Fixed:
    """The card at `path` with every certain fix applied (not written)."""
    path = str(path)
    data = Path(path).read_bytes()
    text = data.decode("utf-8")
    card = parse_card(path, data)
    findings = fixable_findings(path, data, config)
    lines = text.split("\n")
    edits: list[Edit] = []
    for finding in findings:
        fix = FIXES.get(finding.rule)
        edit = fix(card, finding, lines) if fix else None
        if edit is not None and not any(_overlap(edit, other) for other in edits):
            edits.append(edit)
    new_lines = list(lines)
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        new_lines[edit.start : edit.end] = edit.new
    return Fixed(path, text, "\n".join(new_lines), tuple(edits))


def _overlap(a: Edit, b: Edit) -> bool:
    """Two replacements of a common line; an insertion (start == end) overlaps nothing."""
    return a.start < b.end and b.start < a.end
