"""Checks of a parsed card: `card_findings` runs every per-card check, `check_claims` the check
that needs every card at once.

The checks themselves live in `registry.rules`, one module per family, each next to its rule's
code, name and documented example; this module runs them and keeps the names other modules import.
Each check returns findings and never raises. A check reports only real defects: what a card may
leave out is not a finding unless something else depends on it.
"""

from __future__ import annotations

from registry.card import Card, Finding
from registry.rules import CARD_CHECKS
from registry.rules.cross_card import (
    Claim,
    artifact_claim,
    check_claims,
    check_registry,
    with_registry_findings,
)
from registry.rules.front_matter import check_spark_version_present
from registry.rules.links import DOWNLOAD_FILE, S3_HTTPS, S3_URI, check_download_file_name, check_s3_uri
from registry.rules.model_information import (
    ANNOTATOR_TYPES,
    LABEL_TYPES,
    check_annotator_labels,
    check_model_information_agrees,
)
from registry.rules.snippets import (
    _balanced_fast,
    _scan_balance,
    check_python_snippets,
    check_scala_snippets,
    check_snippets_present,
    scala_balance,
)

__all__ = [
    "ANNOTATOR_TYPES",
    "CARD_CHECKS",
    "DOWNLOAD_FILE",
    "LABEL_TYPES",
    "S3_HTTPS",
    "S3_URI",
    "Claim",
    "_balanced_fast",
    "_scan_balance",
    "artifact_claim",
    "card_findings",
    "check_annotator_labels",
    "check_card",
    "check_claims",
    "check_download_file_name",
    "check_model_information_agrees",
    "check_python_snippets",
    "check_registry",
    "check_s3_uri",
    "check_scala_snippets",
    "check_snippets_present",
    "check_spark_version_present",
    "scala_balance",
    "with_registry_findings",
]


def card_findings(card: Card) -> list[Finding]:
    """The card's findings and those of every per-card check, sorted by line."""
    found = list(card.findings)
    for check in CARD_CHECKS:
        found.extend(check(card))
    found.sort(key=lambda f: (f.line, f.severity != "error", f.field))
    return found


def check_card(card: Card) -> Card:
    """The card with the findings of every per-card check added, sorted by line."""
    return card.model_copy(update={"findings": card_findings(card)})
