"""End to end through the real compatibility layer (runtime.compat), Spark included.

- Fixture cards for the real MiniLM weights, their Results printed by PyTorch on the same
  weights (tests/fixtures/conformance_cards.py), served from loopback: python and nlu snippets
  pass; copies with one perturbed value, a missing row or a renamed column fail with a diff
  naming exactly that; --update on a failing copy makes it pass and changes only its block.
- The seed cards with stand-in weights (tests/fixtures/compat_models.py): seed 000's DataFrame
  literal yields one row where its Results show two; seed 004's Python is a syntax error at its
  line 38.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from runtime.config import Settings
from runtime.conformance.records import Limits, SnippetReport
from runtime.conformance.runner import ConformOptions, conform
from tests.fixtures.http_server import ArtifactServer
from tests.fixtures.minilm import minilm_unavailable_reason
from tests.fixtures.spark import spark_unavailable_reason
from tests.helpers import CARDS

pytestmark = [pytest.mark.slow, pytest.mark.spark]
LIMITS = Limits(wall_seconds=180, cpu_seconds=400)
VARIANTS = ("perturbed", "missing_row", "renamed_column")


def _skip_unless_ready() -> None:
    reason = spark_unavailable_reason() or minilm_unavailable_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def minilm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Path], Settings, Path]]:
    _skip_unless_ready()
    from tests.fixtures.conformance_cards import build_minilm_cards

    root = tmp_path_factory.mktemp("minilm-conform")
    mirror, cards = build_minilm_cards(root)
    with ArtifactServer(root=mirror) as server:
        yield cards, Settings(cache_dir=root / "cache", mirror=server.base_url, trust_env=False), root


@pytest.fixture(scope="module")
def minilm_reports(
    minilm: tuple[dict[str, Path], Settings, Path],
) -> dict[tuple[str, str, str], SnippetReport]:
    """One run over the two cards and their three defective copies each: {(variant, card, language)}."""
    from tests.fixtures.conformance_cards import variant

    cards, settings, root = minilm
    paths = {("good", key): path for key, path in cards.items()}
    for kind in VARIANTS:
        for key, path in cards.items():
            paths[(kind, key)] = variant(path, root / "variants" / kind / path.name, kind)
    which = {str(path): label for label, path in paths.items()}
    reports = conform(list(paths.values()), ConformOptions(settings=settings, limits=LIMITS, jobs=2))
    return {(*which[r.card], r.language): r for r in reports if r.language != "scala"}


@pytest.mark.parametrize("card", ["sentence", "token"])
@pytest.mark.parametrize("language", ["python", "nlu"])
def test_minilm_cards_pass(minilm_reports: dict, card: str, language: str) -> None:
    report = minilm_reports[("good", card, language)]
    assert report.verdict == "pass", report.reason + "\n" + "\n".join(report.diff)
    assert report.artifact_sha256 and report.artifact and report.artifact.endswith("_1700000000000")
    assert any("leading value(s)" in note for note in report.not_compared)


@pytest.mark.parametrize("card", ["sentence", "token"])
@pytest.mark.parametrize("language", ["python", "nlu"])
def test_a_perturbed_value_fails_naming_it(minilm_reports: dict, card: str, language: str) -> None:
    report = minilm_reports[("perturbed", card, language)]
    assert report.verdict == "fail"
    (line,) = report.diff
    assert line.startswith("row 1, column '") and "_embeddings', value 2: expected " in line
    assert "(|diff| 0.01 > atol 0.0001)" in line


@pytest.mark.parametrize("card", ["sentence", "token"])
@pytest.mark.parametrize("language", ["python", "nlu"])
def test_a_missing_row_fails_naming_it(minilm_reports: dict, card: str, language: str) -> None:
    report = minilm_reports[("missing_row", card, language)]
    expected_rows = 2 if card == "sentence" else 3
    assert report.verdict == "fail"
    assert report.diff[0] == f"rows: expected {expected_rows - 1}, got {expected_rows}"
    assert report.diff[1].startswith(f"row {expected_rows} produced, not expected: ")
    assert ("Antibiotics aren't painkiller" if card == "sentence" else "token='NLP'") in report.diff[1]
    assert len(report.diff) == 2


@pytest.mark.parametrize("card", ["sentence", "token"])
@pytest.mark.parametrize("language", ["python", "nlu"])
def test_a_renamed_column_fails_naming_it(minilm_reports: dict, card: str, language: str) -> None:
    report = minilm_reports[("renamed_column", card, language)]
    assert report.verdict == "fail"
    (line,) = report.diff
    assert line.startswith("columns: expected [") and "_vectors'" in line
    assert "missing ['en_embed" in line and "_vectors']; unexpected ['en_embed" in line


def test_update_makes_a_failing_copy_pass_and_changes_only_its_block(
    minilm: tuple[dict[str, Path], Settings, Path], tmp_path: Path
) -> None:
    from tests.fixtures.conformance_cards import variant

    cards, settings, _ = minilm
    card = variant(cards["sentence"], tmp_path / cards["sentence"].name, "perturbed")
    before = card.read_bytes()
    options = ConformOptions(settings=settings, limits=LIMITS, jobs=2, update=True)
    reports = [r for r in conform([card], options) if r.language != "scala"]
    assert [r.verdict for r in reports] == ["pass", "pass"], [r.diff for r in reports]
    after = card.read_bytes()
    start = before.index(b"```bash\n") + len(b"```bash\n")
    end_before, end_after = before.index(b"```", start), after.index(b"```", start)
    assert after[:start] == before[:start]
    assert after[end_after:] == before[end_before:]
    assert after[start:end_after] != before[start:end_before]
    # our float32 values differ from PyTorch's in the last digits: same table, within atol
    from runtime.conformance.compare import compare_tables
    from runtime.conformance.results import parse_results

    new = parse_results(after[start:end_after].decode(), 1).table
    reference = parse_results(cards["sentence"].read_text().split("```bash\n")[1].split("```")[0], 1).table
    assert new is not None and reference is not None
    assert compare_tables(reference, new).ok


@pytest.fixture(scope="module")
def seed_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], SnippetReport]:
    reason = spark_unavailable_reason() or minilm_unavailable_reason()
    if reason:
        pytest.skip(reason)
    from tests.fixtures.compat_models import build_mirror, tiny_seed_folders

    root = tmp_path_factory.mktemp("seeds")
    cards = root / "cards"
    cards.mkdir()
    for name in (
        "2020-08-25-sent_small_bert_L6_768_en.md",
        "2020-08-25-sent_biobert_pubmed_base_cased_en.md",
    ):
        shutil.copy(CARDS / name, cards / name)
    mirror = build_mirror(root / "mirror", tiny_seed_folders())
    with ArtifactServer(root=mirror) as server:
        settings = Settings(cache_dir=root / "cache", mirror=server.base_url, trust_env=False)
        reports = conform([cards], ConformOptions(settings=settings, limits=LIMITS, jobs=2))
    return {(r.name, r.language): r for r in reports}


def test_seed_000_dataframe_literal_fails_with_one_row_where_two_are_shown(seed_reports: dict) -> None:
    report = seed_reports[("sent_small_bert_L6_768", "python")]
    assert report.verdict == "fail" and report.line == 35, report.reason
    assert report.diff[0] == "rows: expected 2, got 1"
    assert any(
        line.startswith("row 2 expected, not produced: ")
        and 'sentence="Antibiotics aren\'t painkiller"' in line
        for line in report.diff
    )


def test_seed_004_python_is_an_error_at_its_line(seed_reports: dict) -> None:
    report = seed_reports[("sent_biobert_pubmed_base_cased", "python")]
    assert report.verdict == "error" and report.error_line == 38
    assert "SyntaxError: unterminated string literal" in report.reason
    nlu = seed_reports[("sent_biobert_pubmed_base_cased", "nlu")]
    assert nlu.verdict == "fail", nlu.reason  # stand-in weights: it runs, its numbers are not the card's
    assert all(line.startswith("row ") and "value" in line for line in nlu.diff)


def _plain_card(folder: Path, name: str, code: str, results: str | None = None) -> Path:
    card = folder / f"2023-01-01-{name}_en.md"
    block = f"\n## Results\n\n```bash\n{results}\n```\n" if results is not None else ""
    card.write_text(
        f"---\nlayout: model\ntitle: {name}\nname: {name}\nlanguage: en\n---\n\n"
        f"## How to use\n\n```python\n{code}\n```\n{block}",
        encoding="utf-8",
    )
    return card


def test_snippets_in_one_worker_do_not_see_each_others_session_and_a_stop_does_not_break_the_next(
    minilm: tuple[dict[str, Path], Settings, Path], tmp_path: Path
) -> None:
    """One worker (--jobs 1): a temp view and a SQL setting left by one snippet are not seen by the
    next (each has its own SQL session on the shared context); a snippet that stops Spark retires
    the worker and the next card still passes."""
    cards, settings, _ = minilm
    leave = 'spark.range(3).createOrReplaceTempView("leftover")\n'
    leave += 'spark.conf.set("spark.sql.shuffle.partitions", "7")\nprint("left")'
    leaver = _plain_card(tmp_path, "spark_leaver", leave, "left")
    check = 'print(spark.catalog.tableExists("leftover"), '
    check += 'spark.conf.get("spark.sql.shuffle.partitions") == "7")'
    checker = _plain_card(tmp_path, "spark_checker", check, "False False")
    stopper = _plain_card(tmp_path, "spark_stopper", "spark.stop()")
    good = tmp_path / cards["sentence"].name
    shutil.copy(cards["sentence"], good)
    options = ConformOptions(settings=settings, limits=LIMITS, jobs=1)
    reports = [r for r in conform([leaver, checker, stopper, good], options) if r.language != "scala"]
    assert [(r.name, r.language, r.verdict) for r in reports] == [
        ("spark_leaver", "python", "pass"),
        ("spark_checker", "python", "pass"),
        ("spark_stopper", "python", "skip"),
        ("sent_minilm_conform", "python", "pass"),
        ("sent_minilm_conform", "nlu", "pass"),
    ], [r.reason for r in reports]


def test_a_new_card_for_the_minilm_folder_gets_its_results_from_conform_update(
    minilm: tuple[dict[str, Path], Settings, Path], tmp_path: Path
) -> None:
    """`cardhub new` on the real MiniLM folder writes an empty Results block; `cardhub conform
    --update` fills it from what the snippets show (nothing else in the card changes); a second
    `cardhub conform` passes and `cardhub validate` stays clean."""
    from click.testing import CliRunner

    from cardhub_cli.main import cli
    from registry.parse import parse_card
    from tests.fixtures.conformance_cards import BUCKET
    from tests.fixtures.sparknlp_artifacts import zip_model_folder

    _, settings, root = minilm
    folder, out = root / "minilm" / "sparknlp", tmp_path / "cards"
    runner = CliRunner()
    made = runner.invoke(cli, ["new", str(folder), "--name", "minilm_new_conform", "--out", str(out)])
    assert made.exit_code == 0, made.output
    (card,) = out.glob("*-minilm_new_conform_en.md")
    artifact = parse_card(card).artifact
    zip_model_folder(folder, root / "mirror" / BUCKET / f"{artifact}.zip")  # served as the hub would
    env = {"CARDHUB_CACHE": str(settings.cache_dir), "CARDHUB_MIRROR": str(settings.mirror)}
    # One worker: two would each start Spark for a card of two snippets (22 s a run, not 13 s).
    conform_args = ["conform", "--jobs", "1", "--timeout", "180", str(card)]

    before = card.read_bytes()
    updated = runner.invoke(cli, [*conform_args, "--update"], env=env)
    assert updated.exit_code == 0, updated.output
    assert "2 pass, 0 fail, 0 error, 1 skip" in updated.output  # the scala snippet needs the JVM library
    after = card.read_bytes()
    start = before.index(b"```bash\n") + len(b"```bash\n")
    assert before[start:].startswith(b"```\n") and after[:start] == before[:start]
    end = after.index(b"\n```\n", start) + 1
    assert after[end:] == before[start:]  # every byte after the block, unchanged
    block = after[start:end].decode()
    lines = block.split("\n")
    assert lines[0] == "\ten_embed_sentence_minilm_new_conform_embeddings\tsentence" and lines[1] == "\t\t"
    assert lines[2].startswith("\t[") and lines[2].endswith("...\tI love NLP") and len(lines) == 4

    again = runner.invoke(cli, conform_args, env=env)
    assert again.exit_code == 0 and "2 pass, 0 fail, 0 error, 1 skip" in again.output, again.output
    checked = runner.invoke(cli, ["validate", "--no-cache", "--strict", str(card)])
    assert checked.exit_code == 0, checked.output
    assert checked.output.strip() == "1 cards: 0 errors, 0 warnings"
