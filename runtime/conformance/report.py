"""The reports: JSON (one record per snippet, for the site build) and JUnit XML (for CI systems).

write_json(reports, Path("conformance.json"), atol=1e-4)
write_junit(reports, Path("conformance.xml"))
reports = read_json(Path("conformance.json"))
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from runtime.conformance.errors import ReportError
from runtime.conformance.records import VERDICTS, SnippetReport

FORMAT = "cardhub-conformance/1"


def summary(reports: Sequence[SnippetReport]) -> dict[str, int]:
    counts = Counter(r.verdict for r in reports)
    return {verdict: counts.get(verdict, 0) for verdict in VERDICTS}


def card_digests(reports: Sequence[SnippetReport]) -> dict[str, str | None]:
    """The sha256 of each card as it was when the report was written (after `--update`): a
    site build shows a verdict only for the card it was given for."""
    digests: dict[str, str | None] = {}
    for report in reports:
        if report.card not in digests:
            try:
                digests[report.card] = hashlib.sha256(Path(report.card).read_bytes()).hexdigest()
            except OSError:
                digests[report.card] = None
    return digests


def to_json(reports: Sequence[SnippetReport], atol: float) -> dict[str, object]:
    return {
        "format": FORMAT,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "atol": atol,
        "runtime_version": reports[0].runtime_version if reports else "",
        # Card paths below are as given to `cardhub conform`: relative ones are relative to `root`.
        "root": os.getcwd(),
        "cards": card_digests(reports),
        "summary": summary(reports),
        "snippets": [r.as_json() for r in reports],
    }


def write_json(reports: Sequence[SnippetReport], path: Path, atol: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_json(reports, atol), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def read_json(path: Path) -> list[SnippetReport]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, not {FORMAT!r}")
        records = []
        for item in data["snippets"]:
            for key in ("diff", "not_compared", "isolation"):
                item[key] = tuple(item.get(key, ()))
            records.append(SnippetReport(**item))
        return records
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReportError(
            f"{path}: not a conformance report ({exc}); write one with `cardhub conform --json {path}`"
        ) from exc


def _details(report: SnippetReport) -> str:
    lines = [report.reason, *report.diff]
    if report.not_compared:
        lines += ["not compared:", *(f"  {note}" for note in report.not_compared)]
    return "\n".join(line for line in lines if line)


def to_junit(reports: Sequence[SnippetReport]) -> ET.Element:
    counts = summary(reports)
    suites = ET.Element("testsuites", name="cardhub conform")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="cardhub-conform",
        tests=str(len(reports)),
        failures=str(counts["fail"]),
        errors=str(counts["error"]),
        skipped=str(counts["skip"]),
        time=f"{sum(r.seconds for r in reports):.3f}",
    )
    for report in reports:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=report.card,
            name=f"{report.language}:{report.line}",
            file=report.card,
            line=str(report.error_line or report.line),
            time=f"{report.seconds:.3f}",
        )
        message = report.reason.splitlines()[0] if report.reason else report.verdict
        if report.verdict == "fail":
            ET.SubElement(case, "failure", message=message, type="ResultsMismatch").text = _details(report)
        elif report.verdict == "error":
            ET.SubElement(case, "error", message=message, type="SnippetError").text = _details(report)
        elif report.verdict == "skip":
            ET.SubElement(case, "skipped", message=message)
        if report.stdout_tail:
            ET.SubElement(case, "system-out").text = report.stdout_tail
    return suites


def write_junit(reports: Sequence[SnippetReport], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = ET.ElementTree(to_junit(reports))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path


def format_report(report: SnippetReport) -> str:
    """One snippet for the terminal: `path:line: VERDICT language: reason`, then the diff."""
    head = f"{report.location()}: {report.verdict.upper()} {report.language}"
    text = f"{head}: {report.reason}" if report.reason else head
    return "\n".join([text, *(f"    {line}" for line in report.diff)])
