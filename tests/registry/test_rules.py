"""The rules package: every rule's documented example, the codes, and the generated rules page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from registry.rules import BY_CODE, BY_NAME, RULES, Rule
from registry.rules.__main__ import render
from registry.rules.examples import EXAMPLE_CARD
from registry.store import card_paths, validate_paths
from tests.helpers import CARDS, ROOT

RULE_NAMES_IN_SOURCE = re.compile(r'rule="([a-z0-9-]+)"|"([a-z0-9]+(?:-[a-z0-9]+)+)",\n\s*\)')


def _codes(folder: Path) -> set[str]:
    """What `cardhub validate` reports (inline suppressions included)."""
    return {f.code for f in validate_paths(card_paths([folder]), workers=1).findings}


def test_the_example_card_is_the_clean_seed_and_validates_cleanly(tmp_path: Path) -> None:
    assert (CARDS / "2023-06-28-small_bert_L2_768_en.md").read_text(encoding="utf-8") == EXAMPLE_CARD
    (tmp_path / "2023-06-28-small_bert_L2_768_en.md").write_text(EXAMPLE_CARD, encoding="utf-8")
    assert _codes(tmp_path) == set()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.code}-{r.name}")
def test_each_rules_bad_example_is_reported_with_its_code_and_the_fixed_one_is_not(
    rule: Rule, tmp_path: Path
) -> None:
    bad_dir, fixed_dir = tmp_path / "bad", tmp_path / "fixed"
    bad_dir.mkdir()
    fixed_dir.mkdir()
    if rule.copies == 1:
        assert EXAMPLE_CARD.count(rule.fixed) == 1, "the fixed fragment must name one place"
        bad = EXAMPLE_CARD.replace(rule.fixed, rule.bad)
        assert bad != EXAMPLE_CARD
    else:
        bad = EXAMPLE_CARD
    for copy in range(rule.copies):
        (bad_dir / f"2023-06-28-card{copy}_en.md").write_text(bad, encoding="utf-8")
    (fixed_dir / "2023-06-28-card0_en.md").write_text(EXAMPLE_CARD, encoding="utf-8")
    assert rule.code in _codes(bad_dir)
    assert rule.code not in _codes(fixed_dir)


def test_codes_and_names_are_unique_and_well_formed() -> None:
    assert len(BY_CODE) == len(BY_NAME) == len(RULES)
    for rule in RULES:
        assert re.fullmatch(r"CH\d{3}", rule.code) and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)


def test_every_rule_name_a_check_reports_has_a_rule() -> None:
    """Read from the sources (not from RULES): a new check's rule name without a Rule fails here."""
    names: set[str] = set()
    for path in [*(ROOT / "registry").glob("*.py"), *(ROOT / "registry" / "rules").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        names |= {a or b for a, b in RULE_NAMES_IN_SOURCE.findall(text)}
        # `out.add(severity, key, message, hint, rule)` in the reader: the rule is the last argument
        names |= set(re.findall(r'^\s+"([a-z0-9]+(?:-[a-z0-9]+)+)",\n\s+(?:line=.*\n\s+)?\)', text, re.M))
    names -= {"utf-8"}
    assert names >= {"readable", "required-field", "download-name", "duplicate-artifact"}
    assert names <= set(BY_NAME), names - set(BY_NAME)


def test_the_rules_page_is_current() -> None:
    page = ROOT / "docs" / "rules.md"
    assert page.read_text(encoding="utf-8") == render(), "run: python -m registry.rules"
    result = subprocess.run(
        [sys.executable, "-m", "registry.rules", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_rules_page_check_fails_on_a_stale_page(tmp_path: Path) -> None:
    stale = tmp_path / "rules.md"
    stale.write_text(render().replace("CH201", "CH299"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "registry.rules", "--check", str(stale)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "not current" in result.stderr
    for rule in RULES:
        assert f"### {rule.code} {rule.name}" in render()
