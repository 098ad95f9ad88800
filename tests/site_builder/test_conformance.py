"""Reading a conformance report into per-card verdicts: the reports are written by the runtime's
own writer (runtime.conformance.report.write_json), as `cardhub conform --json` writes them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from runtime.conformance.records import SnippetReport
from runtime.conformance.report import FORMAT, write_json
from site_builder.conformance import REPORT_FORMAT, read_report, status_of
from site_builder.errors import ConformanceReportError


def _card(folder: Path, name: str) -> Path:
    path = folder / f"2023-01-01-{name}_en.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\nname: {name}\n---\n", encoding="utf-8")
    return path


def _records(card: str, *verdicts: str) -> list[SnippetReport]:
    languages = ("python", "nlu", "scala")
    return [
        SnippetReport(
            card=card, name="x", language=languages[i], line=30 + 10 * i, verdict=v,  # type: ignore[arg-type]
            reason="" if v == "pass" else f"{v} reason",
            diff=("rows: expected 2, got 1",) if v == "fail" else (),
            runtime_version="cardhub 9.9 (onnxruntime 1.0)", artifact="x_en_1", artifact_sha256="ab" * 32,
        )
        for i, v in enumerate(verdicts)
    ]  # fmt: skip


def test_the_format_is_the_runtimes() -> None:
    assert REPORT_FORMAT == FORMAT


@pytest.mark.parametrize(
    ("verdicts", "status"),
    [
        (["pass", "pass", "skip"], "verified"),
        (["pass", "fail", "skip"], "fails"),
        (["fail", "error"], "error"),
        (["skip", "skip"], "not run"),
        ([], "not run"),
    ],
)
def test_a_cards_status_sums_up_its_snippets(verdicts: list[str], status: str) -> None:
    assert status_of(verdicts) == status


def test_relative_card_paths_are_taken_from_the_folder_conform_ran_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good, bad = _card(tmp_path / "cards", "good"), _card(tmp_path / "cards", "bad")
    other = _card(tmp_path / "cards", "other")
    monkeypatch.chdir(tmp_path)
    records = _records(f"cards/{good.name}", "pass", "pass", "skip")
    records += _records(f"cards/{bad.name}", "fail", "pass")
    report_path = write_json(records, tmp_path / "out" / "report.json", atol=1e-3)
    monkeypatch.chdir("/")
    report = read_report(report_path, [str(good), str(bad), str(other)])
    assert set(report.cards) == {str(good), str(bad)} and not report.unmatched
    assert report.cards[str(good)].status == "verified" and report.cards[str(bad)].status == "fails"
    # the report's tolerance, and each card's as its records state it (the records' default here)
    assert report.atol == 1e-3 and report.cards[str(good)].atol == 1e-4
    verdict = report.cards[str(bad)]
    assert verdict.runtime_version == "cardhub 9.9 (onnxruntime 1.0)" and verdict.artifact == "x_en_1"
    assert verdict.target == "conformance-python-30"  # the badge links to the failing snippet
    assert verdict.snippets[0].diff == ("rows: expected 2, got 1",)
    assert report.counts() == {"verified": 1, "fails": 1, "error": 0, "not run": 0}


def test_a_report_from_another_checkout_matches_by_the_paths_tail(tmp_path: Path) -> None:
    card = _card(tmp_path / "here" / "cards", "good")
    twin = _card(tmp_path / "here" / "archive", "good")  # same file name in another folder
    records = _records(f"/elsewhere/cards/{card.name}", "pass") + _records("/elsewhere/gone_en.md", "pass")
    report_path = write_json(records, tmp_path / "report.json", atol=1e-4)
    report = read_report(report_path, [str(card), str(twin)])
    assert list(report.cards) == [str(card)]
    assert report.unmatched == ("/elsewhere/gone_en.md",)
    assert "not in this catalog" in report.summary() and "gone_en.md" in report.summary()
    # Two cards with the same tail: no guess.
    ambiguous = read_report(write_json(_records(f"/x/{card.name}", "pass"), tmp_path / "r2.json", 1e-4),
                            [str(card), str(twin)])  # fmt: skip
    assert not ambiguous.cards and ambiguous.unmatched == (f"/x/{card.name}",)


def test_a_card_edited_after_the_report_gets_no_verdict_of_its_own(tmp_path: Path) -> None:
    card = _card(tmp_path, "good")
    report_path = write_json(_records(str(card), "pass", "pass"), tmp_path / "report.json", atol=1e-4)
    assert read_report(report_path, [str(card)]).cards[str(card)].status == "verified"
    card.write_text(card.read_text() + "\nedited\n", encoding="utf-8")
    verdict = read_report(report_path, [str(card)]).cards[str(card)]
    assert (verdict.status, verdict.stale, verdict.earlier_status) == ("not run", True, "verified")
    assert verdict.facet_value == "Not run" and verdict.target == "conformance"


def test_a_report_without_card_digests_is_trusted(tmp_path: Path) -> None:
    card = _card(tmp_path, "good")
    report_path = write_json(_records(str(card), "pass"), tmp_path / "report.json", atol=1e-4)
    data = json.loads(report_path.read_text())
    del data["cards"], data["root"]
    report_path.write_text(json.dumps(data))
    assert read_report(report_path, [str(card)]).cards[str(card)].status == "verified"


def test_the_verdict_digest_changes_with_what_the_page_shows(tmp_path: Path) -> None:
    card = _card(tmp_path, "good")
    first = read_report(write_json(_records(str(card), "pass"), tmp_path / "a.json", 1e-4), [str(card)])
    again = read_report(write_json(_records(str(card), "pass"), tmp_path / "b.json", 1e-4), [str(card)])
    other = read_report(write_json(_records(str(card), "fail"), tmp_path / "c.json", 1e-4), [str(card)])
    digest = first.cards[str(card)].digest()
    assert digest == again.cards[str(card)].digest() or first.created != again.created
    assert digest != other.cards[str(card)].digest()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "no such file"),
        ("{not json", "not JSON (line 1"),
        (json.dumps({"format": "something/2", "snippets": []}), "'something/2'"),
        (json.dumps({"format": FORMAT}), "no list of snippet records"),
        (json.dumps({"format": FORMAT, "snippets": [{"card": "a.md"}]}), "record 1 has no card or verdict"),
        (json.dumps({"format": FORMAT, "snippets": [{"card": "a.md", "verdict": "big"}]}), "unknown verdict"),
    ],
)
def test_a_broken_report_is_refused_with_its_path_and_a_fix(
    tmp_path: Path, content: str | None, says: str
) -> None:
    path = tmp_path / "report.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    (tmp_path / "a.md").write_text("x", encoding="utf-8")
    with pytest.raises(ConformanceReportError) as raised:
        read_report(path, [os.fspath(tmp_path / "a.md")])
    message = str(raised.value)
    assert str(path) in message and says in message and "cardhub conform" in message
