"""Cross-card rules (CH5xx): checks that need every card at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from registry.card import Card, Finding
from registry.rules.base import Rule


@dataclass(frozen=True)
class Claim:
    """What the cross-card check needs of one card: the artifact its download link claims."""

    artifact: str
    path: str
    line: int
    """Line of the download link."""


def artifact_claim(card: Card) -> Claim | None:
    if card.artifact and card.links.download:
        return Claim(card.artifact, card.path, card.links.download.line)
    return None


def check_registry(cards: Iterable[Card]) -> dict[int, list[Finding]]:
    """Checks that need every card: two cards claiming the same artifact. Returns new findings by
    the card's index in `cards`."""
    return check_claims(artifact_claim(card) for card in cards)


def check_claims(claims: Iterable[Claim | None]) -> dict[int, list[Finding]]:
    """`check_registry` from each card's claim (None: the card claims no artifact), so that a
    run that keeps no cards can check them too."""
    by_artifact: dict[str, list[tuple[int, Claim]]] = defaultdict(list)
    for index, claim in enumerate(claims):
        if claim is not None:
            by_artifact[claim.artifact].append((index, claim))
    found: dict[int, list[Finding]] = defaultdict(list)
    for artifact, claimants in by_artifact.items():
        if len(claimants) < 2:
            continue
        for index, claim in claimants:
            others = ", ".join(f"{c.path}:{c.line}" for i, c in claimants if i != index)
            found[index].append(
                Finding(
                    path=claim.path,
                    line=claim.line,
                    severity="error",
                    field="links.download",
                    message=f"artifact {artifact}.zip is also claimed by {others}",
                    hint="keep one card per artifact "
                    "(delete the copy, or link this card to its own artifact)",
                    rule="duplicate-artifact",
                )
            )
    return found


def with_registry_findings(findings: list[Finding], extra: list[Finding] | None) -> list[Finding]:
    """A card's findings with what `check_claims` found about it, in line order."""
    return sorted(findings + extra, key=lambda f: f.line) if extra else findings


RULES = (
    Rule(
        "CH501",
        "duplicate-artifact",
        "cross-card",
        "error",
        "No two cards claim the same artifact (Download zip). The bad example is the card "
        "twice, in two files.",
        fixed="",
        bad="",
        check="registry.rules.cross_card.check_claims",
        copies=2,
    ),
)
