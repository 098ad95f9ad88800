"""What every rule is: a stable code, a short name, where its check lives and a documented example.

A rule's code (`CH201`) and name (`download-name`) never change once published: configuration,
inline suppressions and CI annotations refer to them. Codes are grouped by family:

- `CH0xx` the file itself, `CH1xx` front matter, `CH2xx` links, `CH3xx` snippets,
  `CH4xx` Model Information, `CH5xx` checks across cards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from registry.card import Card, Finding


@dataclass(frozen=True)
class Rule:
    """One rule: its code and name, what it checks, and an example of a bad and a fixed card.

    `fixed` is a fragment of the example card (`registry.rules.examples.EXAMPLE_CARD`) and `bad`
    what it becomes in the bad card, so that the documented example is also a test case."""

    code: str
    name: str
    family: str
    severity: str
    """The usual severity (some rules report a milder case as a warning)."""
    summary: str
    fixed: str
    bad: str
    check: str
    """Where the check is, `module.function`: a per-card check of this family, or the reader."""
    copies: int = 1
    """How many copies of the bad card the example needs (2 for a cross-card rule)."""


CardCheck = Callable[[Card], list[Finding]]


def finding(
    card: Card, line: int, severity: str, field: str, message: str, hint: str | None, rule: str
) -> Finding:
    return Finding(
        path=card.path, line=line, severity=severity, field=field, message=message, hint=hint, rule=rule
    )
