"""Conformance verdicts on the catalog: `cardhub build --conformance report.json` reads the JSON
report `cardhub conform --json` writes and gives each card it covers one verdict.

    report = read_report(Path("report.json"), card_keys)   # card keys: the build's card paths
    report.cards[key].status                                 # "verified" | "fails" | "error" | "not run"

The report is read as data (its format is `cardhub-conformance/1`, see runtime.conformance.report):
the site build never imports the runtime. A card the report does not cover gets no verdict (and
no badge); a card edited since the report was written gets "not run", with the verdict of its
earlier version said as such: a verdict is never shown for content it was not given for."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from site_builder.errors import ConformanceReportError

REPORT_FORMAT = "cardhub-conformance/1"  # runtime.conformance.report.FORMAT (a test holds them equal)
Status = Literal["verified", "fails", "error", "not run"]
STATUSES: tuple[Status, ...] = ("verified", "fails", "error", "not run")
# The facet values ("Conformance: Verified" ...), in the order the report page lists them.
FACET_VALUES: dict[Status, str] = {
    "verified": "Verified", "fails": "Fails", "error": "Error", "not run": "Not run"
}  # fmt: skip
REPORT_PAGE = "conformance.html"
SNIPPET_LABELS = {"python": "Python", "nlu": "NLU", "scala": "Scala", "card": "Card"}


@dataclasses.dataclass(frozen=True)
class SnippetVerdict:
    """One snippet's record, as the site shows it."""

    language: str
    line: int
    verdict: str  # pass | fail | error | skip
    reason: str
    diff: tuple[str, ...]
    not_compared: tuple[str, ...]
    error_line: int | None
    seconds: float

    @property
    def label(self) -> str:
        return SNIPPET_LABELS.get(self.language, self.language)

    @property
    def anchor(self) -> str:
        """The id of its part of the model page's conformance section (the badge links there)."""
        return f"conformance-{self.language}-{self.line}"

    @property
    def location(self) -> int:
        return self.error_line or self.line


@dataclasses.dataclass(frozen=True)
class CardConformance:
    """One card's verdict: `status` sums up its snippets (an error or a failure anywhere decides;
    verified needs at least one snippet that ran and matched its Results)."""

    status: Status
    date: str  # the report's creation date, YYYY-MM-DD
    created: str  # its full timestamp (ISO 8601)
    runtime_version: str
    atol: float
    snippets: tuple[SnippetVerdict, ...]
    artifact: str | None = None
    artifact_sha256: str | None = None
    stale: bool = False  # the card changed since the report: `status` is "not run"
    earlier_status: Status | None = None  # what the report said of the earlier version

    @property
    def facet_value(self) -> str:
        return FACET_VALUES[self.status]

    @property
    def target(self) -> str:
        """Where the badge links: the first failing or erroring snippet's diff, else the section."""
        if not self.stale:
            for snippet in self.snippets:
                if snippet.verdict in ("fail", "error"):
                    return snippet.anchor
        return "conformance"

    @property
    def counts(self) -> dict[str, int]:
        found: dict[str, int] = defaultdict(int)
        for snippet in self.snippets:
            found[snippet.verdict] += 1
        return dict(found)

    def to_json(self) -> dict[str, Any]:
        """The card's verdict in api/models.json and its own API record."""
        return {
            "status": self.status, "date": self.date, "created": self.created,
            "runtime_version": self.runtime_version, "atol": self.atol, "stale": self.stale,
            "earlier_status": self.earlier_status, "artifact": self.artifact,
            "artifact_sha256": self.artifact_sha256,
            "snippets": [{"language": s.language, "line": s.line, "verdict": s.verdict, "reason": s.reason,
                          "diff": list(s.diff), "not_compared": list(s.not_compared),
                          "error_line": s.error_line} for s in self.snippets],
        }  # fmt: skip

    def digest(self) -> str:
        """Changes whenever anything the card's page, its API record or a listing shows of it does."""
        text = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False)
        return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


@dataclasses.dataclass(frozen=True)
class ConformanceReport:
    """A report as mapped onto the build's cards."""

    path: str
    created: str
    runtime_version: str
    atol: float
    cards: dict[str, CardConformance]  # card key (the build's path of the card) -> verdict
    unmatched: tuple[str, ...]  # card paths in the report that match no card of the build

    @property
    def date(self) -> str:
        return self.created[:10]

    def counts(self) -> dict[Status, int]:
        found = {status: 0 for status in STATUSES}
        for verdict in self.cards.values():
            found[verdict.status] += 1
        return found

    def headline(self) -> str:
        """What the index says of the report: `4 cards run on 2026-12-04: 1 error, 3 not run.`"""
        counts = self.counts()
        parts = ", ".join(f"{counts[status]} {status}" for status in STATUSES if counts[status])
        return f"{len(self.cards)} cards run on {self.date}: {parts or 'none'}."

    def summary(self) -> str:
        """What `cardhub build` prints of the report."""
        counts = self.counts()
        text = ", ".join(f"{counts[status]} {status}" for status in STATUSES)
        text = f"conformance ({self.date}): {len(self.cards)} cards: {text}"
        if self.unmatched:
            shown = ", ".join(self.unmatched[:3]) + (" ..." if len(self.unmatched) > 3 else "")
            text += (f"; {len(self.unmatched)} card(s) of the report are not in this catalog ({shown}): "
                     "build from the folder the report was made on")  # fmt: skip
        return text


def status_of(verdicts: Iterable[str]) -> Status:
    found = set(verdicts)
    if "error" in found:
        return "error"
    if "fail" in found:
        return "fails"
    if "pass" in found:
        return "verified"
    return "not run"


def read_report(path: Path, card_keys: Iterable[str]) -> ConformanceReport:
    """The report at `path`, each record matched to one of `card_keys` (absolute card paths)."""
    data = _load(path)
    root = data.get("root") if isinstance(data.get("root"), str) else None
    matcher = _Matcher(card_keys, root, path.parent)
    digests: dict[str, Any] = data["cards"] if isinstance(data.get("cards"), dict) else {}
    created = str(data.get("created") or "")
    by_card: dict[str, list[dict[str, Any]]] = defaultdict(list)
    unmatched: dict[str, None] = {}
    for number, item in enumerate(data["snippets"], 1):
        if not isinstance(item, dict) or not isinstance(item.get("card"), str) or "verdict" not in item:
            raise ConformanceReportError(str(path), f"snippet record {number} has no card or verdict")
        key = matcher.match(item["card"])
        if key is None:
            unmatched[item["card"]] = None
        else:
            by_card[key].append(item)
    cards = {}
    for key, items in by_card.items():
        recorded = digests.get(items[0]["card"])
        cards[key] = _card_verdict(key, items, data, created, recorded, str(path))
    return ConformanceReport(
        path=str(path), created=created, runtime_version=str(data.get("runtime_version") or ""),
        atol=float(data.get("atol") or 0.0), cards=cards, unmatched=tuple(unmatched),
    )  # fmt: skip


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConformanceReportError(str(path), "no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConformanceReportError(str(path), f"cannot read it ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise ConformanceReportError(str(path), f"not JSON (line {exc.lineno}: {exc.msg})") from exc
    if not isinstance(data, dict) or data.get("format") != REPORT_FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise ConformanceReportError(str(path), f"its format is {found!r}, not {REPORT_FORMAT!r}")
    if not isinstance(data.get("snippets"), list):
        raise ConformanceReportError(str(path), "it has no list of snippet records")
    return data


def _card_verdict(
    key: str, items: Sequence[dict[str, Any]], data: dict[str, Any], created: str, recorded: object,
    report_path: str,
) -> CardConformance:
    try:
        snippets = tuple(sorted((_snippet(item) for item in items), key=lambda s: (s.line, s.language)))
    except (TypeError, ValueError) as exc:
        where = items[0]["card"]
        raise ConformanceReportError(report_path, f"a record of {where} is malformed ({exc})") from exc
    status = status_of(s.verdict for s in snippets)
    stale = isinstance(recorded, str) and recorded != _sha256(key)
    first = items[0]
    return CardConformance(
        status="not run" if stale else status, date=created[:10], created=created,
        runtime_version=str(first.get("runtime_version") or data.get("runtime_version") or ""),
        atol=float(first.get("atol", data.get("atol", 0.0))), snippets=snippets,
        artifact=next((i["artifact"] for i in items if i.get("artifact")), None),
        artifact_sha256=next((i["artifact_sha256"] for i in items if i.get("artifact_sha256")), None),
        stale=stale, earlier_status=status if stale else None,
    )  # fmt: skip


def _snippet(item: dict[str, Any]) -> SnippetVerdict:
    verdict = str(item["verdict"])
    if verdict not in ("pass", "fail", "error", "skip"):
        raise ValueError(f"unknown verdict {verdict!r}")
    error_line = item.get("error_line")
    return SnippetVerdict(
        language=str(item.get("language") or "snippet"), line=int(item.get("line") or 0), verdict=verdict,
        reason=str(item.get("reason") or ""), diff=tuple(map(str, item.get("diff") or ())),
        not_compared=tuple(map(str, item.get("not_compared") or ())),
        error_line=int(error_line) if error_line else None, seconds=float(item.get("seconds") or 0.0),
    )  # fmt: skip


def _sha256(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


class _Matcher:
    """Finds the build's card for a path as the report names it: the same file (relative paths
    taken from the folder `cardhub conform` ran in, else the report's folder), else the one card
    whose path ends with the same parts (a report made on another machine or checkout)."""

    def __init__(self, keys: Iterable[str], root: str | None, report_dir: Path) -> None:
        self.keys = {os.path.realpath(key): key for key in keys}
        self.bases = [base for base in (root, str(report_dir)) if base]
        self.by_name: dict[str, list[str]] = defaultdict(list)
        for key in self.keys.values():
            self.by_name[os.path.basename(key)].append(key)

    def match(self, card: str) -> str | None:
        candidates = [card] if os.path.isabs(card) else [os.path.join(base, card) for base in self.bases]
        for candidate in candidates:
            key = self.keys.get(os.path.realpath(candidate))
            if key is not None:
                return key
        parts = Path(card).parts
        same_name = self.by_name.get(parts[-1] if parts else "", [])
        best: list[str] = []
        best_depth = 0
        for key in same_name:
            depth = _common_tail(Path(key).parts, parts)
            if depth > best_depth:
                best, best_depth = [key], depth
            elif depth == best_depth:
                best.append(key)
        return best[0] if len(best) == 1 else None


def _common_tail(a: Sequence[str], b: Sequence[str]) -> int:
    depth = 0
    while depth < min(len(a), len(b)) and a[-1 - depth] == b[-1 - depth]:
        depth += 1
    return depth
