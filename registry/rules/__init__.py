"""The rules of `cardhub validate`: one module per family, each rule in one place.

Every rule (`registry.rules.base.Rule`) holds its stable code and short name, its family, where
its check is, and a documented bad / fixed example; `python -m registry.rules` writes the rules
page (docs/rules.md) from them. Adding a rule: its check and its `Rule` in the family's module.
"""

from __future__ import annotations

from registry.rules import cross_card, front_matter, links, model_information, snippets, suppressions
from registry.rules.base import Rule

RULES: tuple[Rule, ...] = (
    *front_matter.RULES[:1],
    *suppressions.RULES,
    *front_matter.RULES[1:],
    *links.RULES,
    *snippets.RULES,
    *model_information.RULES,
    *cross_card.RULES,
)
BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}
BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}

CARD_CHECKS = (
    links.check_download_file_name,
    front_matter.check_spark_version_present,
    links.check_s3_uri,
    model_information.check_annotator_labels,
    model_information.check_model_information_agrees,
    snippets.check_python_snippets,
    snippets.check_scala_snippets,
    snippets.check_snippets_present,
)
"""The per-card checks, in the order `registry.validate.card_findings` runs them."""


def code_of(name: str) -> str:
    """The code of the rule named `name` (`CH000` for a name no rule has: never in practice)."""
    rule = BY_NAME.get(name)
    return rule.code if rule else "CH000"


__all__ = ["BY_CODE", "BY_NAME", "CARD_CHECKS", "RULES", "Rule", "code_of"]
