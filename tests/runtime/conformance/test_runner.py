"""The runner: verdicts per snippet, hostile cards stopped while good ones pass, --update."""

from __future__ import annotations

import re
import shutil
import socket
from pathlib import Path

import pytest

from runtime.config import Settings
from runtime.conformance.records import Limits, SnippetReport
from runtime.conformance.runner import ConformOptions, conform, exit_status, nlu_column
from tests.helpers import CARD_FIXTURES, CARDS

FIXTURES = CARD_FIXTURES / "conformance"
HOSTILE_LIMITS = Limits(wall_seconds=8, cpu_seconds=20, memory_bytes=1024 << 20, max_processes=64)


def _options(tmp_path: Path, **changes: object) -> ConformOptions:
    settings = Settings(cache_dir=tmp_path / "cache", offline=True)
    return ConformOptions(settings=settings, limits=HOSTILE_LIMITS, jobs=2, **changes)  # type: ignore[arg-type]


def _by_card(reports: list[SnippetReport]) -> dict[str, list[SnippetReport]]:
    out: dict[str, list[SnippetReport]] = {}
    for report in reports:
        out.setdefault(report.name, []).append(report)
    return out


@pytest.fixture
def fixture_cards(tmp_path: Path) -> Path:
    """The fixture cards, with the socket card aimed at a real server on the host's loopback."""
    folder = tmp_path / "cards"
    shutil.copytree(FIXTURES, folder)
    server = socket.create_server(("127.0.0.1", 0))
    card = folder / "2024-01-15-conform_socket_loopback_en.md"
    card.write_text(re.sub(r"port = \d+", f"port = {server.getsockname()[1]}", card.read_text()))
    yield folder
    server.close()


@pytest.mark.usefixtures("isolation")
def test_hostile_cards_are_stopped_and_good_ones_pass_in_the_same_run(
    fixture_cards: Path, tmp_path: Path
) -> None:
    outside = Path("/tmp/outside")
    existed = outside.exists()
    before = outside.stat().st_mtime_ns if existed else None
    reports = _by_card(conform([fixture_cards], _options(tmp_path)))

    assert [r.verdict for r in reports["conform_good_print"]] == ["pass"]
    assert [r.verdict for r in reports["conform_table_print"]] == ["pass"]
    assert [r.verdict for r in reports["conform_notebook_cell"]] == ["pass", "skip"]
    hostile = {
        "conform_endless_loop": "stopped: wall-clock limit of 8 s reached",
        "conform_fork_loop": "process limit of 64 reached",
        "conform_memory_loop": "stopped: memory limit of 1024 MB reached",
        "conform_write_outside": "writing /tmp/outside is outside the snippet's folder",
        "conform_socket_loopback": "no network: connection to 127.0.0.1:",
    }
    for name, reason in hostile.items():
        (report,) = reports[name]
        assert report.verdict == "error", name
        assert reason in report.reason, (name, report.reason)
        assert report.reason.startswith(str(fixture_cards / f"2024-01-15-{name}_en.md") + ":")
    assert reports["conform_fork_loop"][0].error_line == 28  # the os.fork() line
    assert reports["conform_socket_loopback"][0].error_line == 25
    after = outside.stat().st_mtime_ns if outside.exists() else None
    assert after == before


def test_skip_reasons_and_errors_of_ordinary_cards(fixture_cards: Path, tmp_path: Path) -> None:
    reports = conform(
        [
            fixture_cards / "2024-01-15-conform_no_results_en.md",
            fixture_cards / "2024-01-15-conform_notebook_cell_en.md",
        ],
        _options(tmp_path),
    )
    no_results, raising, notebook, wget = reports
    assert no_results.verdict == "skip" and no_results.reason.startswith("ran, nothing to compare")
    assert raising.verdict == "error" and raising.error_line == 27
    assert raising.reason.endswith("_en.md:27: ValueError: broken on purpose")
    assert notebook.verdict == "pass"
    assert wget.verdict == "skip" and "needs the network" in wget.reason
    assert exit_status(reports) == 1
    assert exit_status(reports, allow=["error"]) == 0


def test_seed_cards_offline_with_an_empty_cache(tmp_path: Path) -> None:
    reports = conform([CARDS], _options(tmp_path))
    biobert = [r for r in reports if r.name == "sent_biobert_pubmed_base_cased"]
    python = next(r for r in biobert if r.language == "python")
    assert python.verdict == "error" and python.error_line == 38 and python.line == 32
    assert "SyntaxError: unterminated string literal" in python.reason
    for report in reports:
        if report.language == "scala":
            assert report.verdict == "skip" and "JVM Spark NLP" in report.reason
        elif report is not python:
            assert report.verdict == "skip" and report.reason.startswith("artifact unreachable: ")
            assert "offline mode" in report.reason


def test_update_rewrites_only_the_results_block_and_then_passes(tmp_path: Path) -> None:
    card = tmp_path / "2024-01-15-conform_good_print_en.md"
    original = (FIXTURES / card.name).read_text()
    card.write_text(original.replace("total: 0.875\n0 1.0\n", "total: 0.9\n0 1.0\n3 2.5\n"))
    broken = card.read_bytes()
    (failing,) = conform([card], _options(tmp_path))
    assert failing.verdict == "fail"
    assert "-total: 0.9" in failing.diff and "+total: 0.875" in failing.diff and "-3 2.5" in failing.diff
    (updated,) = conform([card], _options(tmp_path, update=True))
    assert updated.verdict == "pass"
    assert card.read_text() == original
    head, tail = broken.split(b"total: 0.9")[0], broken.split(b"3 2.5\n")[1]
    assert card.read_bytes().startswith(head) and card.read_bytes().endswith(tail)
    (again,) = conform([card], _options(tmp_path))
    assert again.verdict == "pass"


def test_records_carry_what_the_report_needs(fixture_cards: Path, tmp_path: Path) -> None:
    (report,) = conform([fixture_cards / "2024-01-15-conform_good_print_en.md"], _options(tmp_path))
    assert report.runtime_version.startswith("cardhub ")
    assert report.atol == 1e-4 and report.seconds > 0 and report.line == 22
    assert any("network namespace" in line for line in report.isolation)
    assert report.stdout_tail.startswith("total: 0.875")


def test_nlu_column_name() -> None:
    assert (
        nlu_column("en.embed_sentence.small_bert_L6_768") == "en_embed_sentence_small_bert_L6_768_embeddings"
    )
    assert nlu_column(None) is None


SHOW_CARD = """---
layout: model
title: "A card whose Results block is a Spark show() table"
author: cardhub tests
name: conform_show_table
date: 2024-01-15
task: Embeddings
language: en
edition: Spark NLP 5.0.0
spark_version: 3.0
tags: [open_source, en, conformance_fixture]
supported: true
---

## How to use

```python
printed = {printed!r}
print(printed)
```

## Results

```bash
{block}```
"""


@pytest.mark.spark
@pytest.mark.usefixtures("isolation")
def test_a_spark_show_block_passes_fails_on_a_value_and_updates(
    tmp_path: Path, spark: object, capsys: pytest.CaptureFixture[str]
) -> None:
    """The snippet prints a table exactly as real Spark's show() printed it (captured here): the
    block in that format passes, a moved value fails naming it, --update writes it back."""
    from tests.runtime.conformance.test_text_tables import ROWS

    capsys.readouterr()
    frame = spark.createDataFrame(ROWS, "token string, embeddings array<double>")  # type: ignore[attr-defined]
    frame.show()
    printed = capsys.readouterr().out
    card = tmp_path / "2024-01-15-conform_show_table_en.md"
    table = printed.rstrip("\n")  # show() ends with a blank line; the block ends at the table
    card.write_text(SHOW_CARD.format(printed=table, block=table + "\n"), encoding="utf-8")
    (good,) = conform([card], _options(tmp_path))
    assert good.verdict == "pass", good
    assert "the block is a Spark show() table: compared with the table it printed" in good.not_compared
    original = card.read_bytes()
    block_start = original.index(b"```bash\n") + len(b"```bash\n")
    card.write_bytes(original[:block_start] + original[block_start:].replace(b"-2.0408847", b"-2.0308847"))
    (failing,) = conform([card], _options(tmp_path))
    assert failing.verdict == "fail"
    assert failing.diff == (
        "row 2, column 'embeddings', value 1: expected -2.0308847, got -2.0408847 "
        "(|diff| 0.01 > atol 0.0001)",
    )
    (updated,) = conform([card], _options(tmp_path, update=True))
    assert updated.verdict == "pass" and card.read_bytes() == original


@pytest.mark.parametrize("name", ["conform_table_print", "conform_good_print"])
def test_update_fills_an_empty_results_block_in_the_cards_format(tmp_path: Path, name: str) -> None:
    """The empty block `cardhub new` writes: a plain run skips it (saying how to fill it), --update
    writes what the snippet showed (a DataFrame as the hub's cards copy nlu's, or text), every other
    byte unchanged; the fixture card's own block is exactly that, and the next run passes."""
    original = (FIXTURES / f"2024-01-15-{name}_en.md").read_bytes()
    head, rest = original.split(b"```bash\n")
    tail = rest[rest.index(b"```") :]
    empty = head + b"```bash\n" + tail
    card = tmp_path / f"2024-01-15-{name}_en.md"
    card.write_bytes(empty)
    (skipped,) = conform([card], _options(tmp_path))
    assert skipped.verdict == "skip" and "Results block is empty" in skipped.reason
    assert "conform --update" in skipped.reason and card.read_bytes() == empty
    (filled,) = conform([card], _options(tmp_path, update=True))
    assert filled.verdict == "pass", filled.diff
    assert card.read_bytes() == original
    (again,) = conform([card], _options(tmp_path))
    assert again.verdict == "pass"


def test_only_pipeline_snippets_wait_for_a_spark_worker(tmp_path: Path) -> None:
    """A card's pipeline snippet runs in a worker with a Spark session; its nlu snippet and plain
    Python in one without (no second JVM start for them)."""
    from registry.parse import parse_card
    from runtime.conformance.runner import needs_spark
    from runtime.conformance.snippets import card_jobs
    from tests.fixtures.conformance_cards import sentence_card

    card = tmp_path / "2023-11-14-sent_minilm_conform_en.md"
    card.write_text(sentence_card([[0.1, 0.2], [0.3, 0.4]]), encoding="utf-8")
    kinds = {job.kind: needs_spark(job) for job in card_jobs(parse_card(card))}
    assert kinds == {"python": True, "nlu": False}
    plain = card_jobs(parse_card(FIXTURES / "2024-01-15-conform_good_print_en.md"))
    assert [needs_spark(job) for job in plain] == [False]


@pytest.mark.usefixtures("isolation")
def test_a_results_block_in_words_skips_and_update_shows_the_output(tmp_path: Path) -> None:
    card = tmp_path / "2024-01-15-conform_good_print_en.md"
    original = (FIXTURES / card.name).read_text(encoding="utf-8")
    block = "total: 0.875\n0 1.0\n1 0.5\n2 0.25\n"
    card.write_text(original.replace(block, "The output is the total and each value doubled.\n"))
    (prose,) = conform([card], _options(tmp_path))
    assert prose.verdict == "skip" and "describes the output in words" in prose.reason
    assert "--update" in prose.reason
    (updated,) = conform([card], _options(tmp_path, update=True))
    assert updated.verdict == "pass" and card.read_text(encoding="utf-8") == original
