"""Inline suppressions: `<!-- cardhub: ignore CH201 -->` on a line of a card (or, in the front
matter, a YAML comment `# cardhub: ignore CH204`) silences those rules' findings on that line; a
comment alone on its line silences the next line. A suppression that silences nothing is itself
reported (CH002 unused-suppression)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from registry.card import Finding
from registry.rules.base import Rule

MARKER = b"cardhub:"
COMMENT = re.compile(r"(?:<!--|#)\s*cardhub:\s*ignore\s+([\w\s,-]+?)\s*(?:-->|$)")
ALONE = re.compile(r"^\s*(?:<!--.*-->|#.*)\s*$")


@dataclass(frozen=True)
class Suppression:
    """One inline comment: the line it is on, the line it silences and the rules it names."""

    line: int
    target: int
    rules: tuple[str, ...]


def suppressions(data: bytes) -> tuple[Suppression, ...]:
    """The inline suppressions of a card file (empty, at the cost of one bytes search, when the
    file has none)."""
    if MARKER not in data:
        return ()
    found: list[Suppression] = []
    for number, line in enumerate(data.decode("utf-8", "replace").split("\n"), start=1):
        match = COMMENT.search(line) if "cardhub:" in line else None
        if match is None:
            continue
        rules = tuple(r for r in re.split(r"[\s,]+", match.group(1)) if r)
        target = number + 1 if ALONE.match(line) else number
        found.append(Suppression(number, target, rules))
    return tuple(found)


def apply_suppressions(findings: list[Finding], inline: tuple[Suppression, ...], path: str) -> list[Finding]:
    """The findings no inline comment silences, then one CH002 finding per comment (or rule
    named in it) that silenced nothing."""
    if not inline:
        return findings
    used: set[tuple[int, str]] = set()
    kept: list[Finding] = []
    for finding in findings:
        hit = next(
            (
                (s.line, rule)
                for s in inline
                if s.target == finding.line
                for rule in s.rules
                if rule in (finding.code, finding.rule)
            ),
            None,
        )
        if hit is None:
            kept.append(finding)
        else:
            used.add(hit)
    for suppression in inline:
        for rule in suppression.rules:
            if (suppression.line, rule) not in used:
                kept.append(
                    Finding(
                        path=path,
                        line=suppression.line,
                        severity="warning",
                        field="suppression",
                        message=f"'cardhub: ignore {rule}' silences no finding on line {suppression.target}",
                        hint="remove the comment (or the rule from it)",
                        rule="unused-suppression",
                    )
                )
    return sorted(kept, key=lambda f: f.line)


RULES = (
    Rule(
        "CH002",
        "unused-suppression",
        "file",
        "warning",
        "Every inline `<!-- cardhub: ignore CODE -->` comment silences a finding on its line.",
        fixed="date: 2023-06-28\n",
        bad="date: 2023-06-28 # cardhub: ignore CH102\n",
        check="registry.rules.suppressions.apply_suppressions",
    ),
)
