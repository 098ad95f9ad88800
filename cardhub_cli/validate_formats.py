"""`cardhub validate --format sarif | junit`: findings for code-scanning tools and CI test reports."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

if TYPE_CHECKING:
    from registry.card import Finding

SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
RULES_PAGE = "docs/rules.md"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("cardhub")
    except Exception:
        return "0"


def _text(finding: Finding) -> str:
    return finding.message + (f" (hint: {finding.hint})" if finding.hint else "")


def sarif(findings: Sequence[Finding]) -> str:
    """SARIF 2.1.0: one run, every rule described (code, name, summary), one result per finding."""
    from registry.rules import RULES

    index = {rule.code: number for number, rule in enumerate(RULES)}
    driver = {
        "name": "cardhub",
        "version": _version(),
        "informationUri": "https://github.com/JohnSnowLabs/spark-nlp/tree/master/docs/_posts",
        "rules": [
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": f"{rule.summary} (family: {rule.family})"},
                "help": {"text": f"See {RULES_PAGE}#{rule.code.lower()}-{rule.name}"},
                "defaultConfiguration": {"level": SARIF_LEVELS[rule.severity]},
            }
            for rule in RULES
        ],
    }
    results = []
    for finding in findings:
        result: dict[str, object] = {
            "ruleId": finding.code,
            "level": SARIF_LEVELS[finding.severity],
            "message": {"text": _text(finding)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": Path(finding.path).as_posix()},
                        "region": {"startLine": max(finding.line, 1)},
                    }
                }
            ],
            "properties": {"field": finding.field, "rule": finding.rule},
        }
        if finding.code in index:
            result["ruleIndex"] = index[finding.code]
        results.append(result)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }
    return json.dumps(document, indent=2)


def junit(card_paths: Sequence[str], findings: Sequence[Finding], strict: bool) -> str:
    """JUnit XML: one test case per card, failed when it has an error (with --strict, or a
    warning), each such finding a <failure>; the other findings in <system-out>."""
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_path[finding.path].append(finding)
    failing = {"error", "warning"} if strict else {"error"}
    suite = ElementTree.Element("testsuite", name="cardhub validate")
    failures = 0
    for path in card_paths:
        case = ElementTree.SubElement(suite, "testcase", classname="cardhub.validate", name=path, file=path)
        found = by_path.get(path, [])
        failures += any(f.severity in failing for f in found)
        for finding in found:
            if finding.severity in failing:
                failure = ElementTree.SubElement(
                    case,
                    "failure",
                    message=f"{finding.code} {finding.rule}: {finding.field}: {finding.message}",
                    type=finding.code,
                )
                failure.text = finding.format()
        others = [f.format() for f in found if f.severity not in failing]
        if others:
            ElementTree.SubElement(case, "system-out").text = "\n".join(others)
    suite.set("tests", str(len(card_paths)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    root = ElementTree.Element("testsuites")
    root.append(suite)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(root, encoding="unicode")
