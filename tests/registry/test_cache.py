"""The validation cache: a warm run reports exactly what an uncached run reports, after edits
(even in the same clock tick), renames, deletions, additions and a configuration change; two
concurrent runs share one cache; a corrupted cache file is ignored and rewritten."""

from __future__ import annotations

import gc
import pickle
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from registry.cache import ValidationCache
from registry.card import Finding, finding_row, row_finding
from registry.config import Config, load_config
from registry.store import Registry, Validation, card_paths, validate_paths
from tests.helpers import CARD_FIXTURES, CARDS, ROOT, SHARED

CORPUS = SHARED / "corpus" / "cards"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "cards"
    out.mkdir()
    sources = [
        *CARDS.glob("*.md"),
        *(CARD_FIXTURES / "authoring").glob("*.md"),
        *CARD_FIXTURES.glob("broken/*.md"),
    ]
    if CORPUS.is_dir():
        sources += sorted(CORPUS.glob("*.md"))[:60]
    for source in sources:
        shutil.copy(source, out / source.name)
    # two copies of one card: the cross-card check has something to find
    shutil.copy(CARDS / "2023-06-28-small_bert_L2_768_en.md", out / "copy_of_small_bert.md")
    return out


def runs(
    folder: Path, cache_dir: Path, config_path: Path | None = None
) -> tuple[Validation, Validation, ValidationCache]:
    config = load_config(config_path) if config_path else None
    paths = card_paths([folder])
    cache = ValidationCache(cache_dir, [str(folder)])
    cached = validate_paths(paths, workers=1, config=config, cache=cache)
    return cached, validate_paths(paths, workers=1, config=config), cache


def test_warm_runs_report_what_an_uncached_run_reports(folder: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    cold, reference, cache = runs(folder, cache_dir)
    assert cold == reference and any(f.rule == "duplicate-artifact" for f in reference.findings)
    assert len(cache.entries) == len(card_paths([folder]))
    warm, reference, cache = runs(folder, cache_dir)
    assert warm == reference and cache.validated == 0  # everything served from the cache

    # an edit of the same size, right after the run (the same clock tick as the last read)
    card = folder / "2023-06-28-small_bert_L2_768_en.md"
    s3 = "(s3://auxdata.johnsnowlabs.com/public/models/small_bert_L2_768_en_5.0.0_3.0_1687953630830.zip)"
    card.write_text(card.read_text(encoding="utf-8").replace(s3, s3.replace("830.zip", "831.zip")))
    edited, reference, cache = runs(folder, cache_dir)
    assert cache.validated == 1
    assert edited == reference and any(f.rule == "s3-uri" and f.path == str(card) for f in edited.findings)

    # a rename (the duplicate-artifact message names the new path), a deletion, an addition
    (folder / "copy_of_small_bert.md").rename(folder / "renamed_copy.md")
    (folder / "2020-08-25-bert_base_cased_en.md").unlink()
    shutil.copy(CARDS / "2020-08-25-sent_small_bert_L6_768_en.md", folder / "added_copy.md")
    changed, reference, cache = runs(folder, cache_dir)
    assert (
        changed == reference and cache.validated == 2
    )  # the renamed card (its key holds its path), the added one
    assert any("renamed_copy.md" in f.message for f in changed.findings)
    assert not any("bert_base_cased_en.md" in f.path for f in changed.findings)
    assert len(cache.entries) == len(cache.stats) == len(card_paths([folder]))

    # a configuration change: applied after the cache, so no stale selection
    config = tmp_path / "cardhub.toml"
    config.write_text('ignore = ["CH1"]\n[severity]\nCH303 = "warning"\n', encoding="utf-8")
    configured, reference, _ = runs(folder, cache_dir, config)
    assert configured == reference and not any(f.code.startswith("CH1") for f in configured.findings)
    config.write_text('select = ["CH5"]\n', encoding="utf-8")
    configured, reference, _ = runs(folder, cache_dir, config)
    assert configured == reference and {f.code for f in configured.findings} == {"CH501"}


def test_a_corrupted_cache_file_is_ignored_and_rewritten(folder: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    runs(folder, cache_dir)
    files = sorted(cache_dir.glob("validate-*.pickle"))
    assert len(files) > 1  # shards
    for garbage in (
        b"",
        b"\x80\x05garbage",
        pickle.dumps({"format": 2, "entries": {b"k": "bad"}, "stats": {}})[:-3],
    ):
        for file in files:
            file.write_bytes(garbage)
        again, reference, _ = runs(folder, cache_dir)
        assert again == reference
        loaded = []
        for file in sorted(cache_dir.glob("validate-*.pickle")):
            with open(file, "rb") as handle:
                loaded += list(pickle.load(handle)["entries"])
        assert len(loaded) == len(card_paths([folder]))
    # an entry of the wrong shape inside a readable file: that card is recomputed
    for wrong in (("not", "an", "entry"), ((("too", "short"),), None, ())):
        for file in files:
            with open(file, "rb") as handle:
                data = pickle.load(handle)
            data["entries"] = {key: wrong for key in data["entries"]}
            file.write_bytes(pickle.dumps(data))
        again, reference, cache = runs(folder, cache_dir)
        assert again == reference and cache.validated == len(card_paths([folder]))


def test_the_cache_folder_can_be_deleted_between_runs(folder: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    runs(folder, cache_dir)
    assert (cache_dir / ".gitignore").read_text(encoding="utf-8").strip().endswith("*")
    shutil.rmtree(cache_dir)
    again, reference, _ = runs(folder, cache_dir)
    assert again == reference and any(cache_dir.glob("validate-*.pickle"))


def test_two_concurrent_runs_share_one_cache(folder: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from cardhub_cli.main import cli; cli()"
    command = [
        sys.executable,
        "-c",
        code,
        "validate",
        "--format",
        "json",
        "--cache-dir",
        str(cache_dir),
        str(folder),
    ]
    uncached = subprocess.run([*command, "--no-cache"], capture_output=True, text=True, cwd=tmp_path)
    for _ in range(2):  # cold (both write), then warm (both read what one of them wrote)
        started = [
            subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=tmp_path) for _ in range(2)
        ]
        outputs = [process.communicate(timeout=120)[0] for process in started]
        assert outputs == [uncached.stdout, uncached.stdout]
    assert not list(cache_dir.glob(".tmp-*"))  # no temporary file left behind


def test_rows_are_the_findings_fields_and_become_the_same_records(folder: Path) -> None:
    """What the cache and `cardhub validate` pass around: a finding's fields, in order; the record
    made from them again (without validation) equals the original, copies and updates like it."""
    assert tuple(Finding.model_fields) == ("path", "line", "severity", "field", "message", "hint", "rule")
    findings = Registry.from_dir(folder, workers=1).findings
    assert len({f.rule for f in findings}) > 5 and any(f.hint is None for f in findings)
    for finding in findings:
        again = row_finding(finding_row(finding))
        assert again == finding and again.model_dump() == finding.model_dump()
        assert again.format() == finding.format() and again.code == finding.code
    changed = row_finding(finding_row(findings[0])).model_copy(update={"severity": "info"})
    assert changed.severity == "info" and changed.model_fields_set == set(Finding.model_fields)
    validation = validate_paths(card_paths([folder]), workers=1)
    assert validation.findings == tuple(findings)  # the registry's findings and order, made on demand
    by_severity = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    assert {s: validation.count(s) for s in by_severity} == by_severity and by_severity["error"] > 0


def test_configuration_on_rows_does_what_it_does_on_records(folder: Path, tmp_path: Path) -> None:
    """`Config.apply_rows` (what `cardhub validate` runs) against `Config.apply` on the records."""
    (tmp_path / "cardhub.toml").write_text(
        'ignore = ["CH1", "python-syntax"]\n[severity]\nCH303 = "info"\nCH201 = "warning"\n'
        '[per-path-ignores]\n"cards/2023-*" = ["CH2"]\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path / "cardhub.toml")
    plain = validate_paths(card_paths([folder]), workers=1)
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in plain.findings:
        by_path[finding.path].append(finding)
    expected = [finding_row(f) for path, found in by_path.items() for f in config.apply(found, path)]
    configured = validate_paths(card_paths([folder]), workers=1, config=config)
    assert list(configured.rows) == expected and len(expected) < len(plain.rows)
    assert any(row[2] == "info" and row[6] == "scala-balance" for row in expected)
    assert any(row[2] == "warning" and row[6] == "download-name" for row in expected)
    assert not any(row[6] == "python-syntax" for row in expected)
    ignored_here = [
        r for r in expected if Path(r[0]).name.startswith("2023-") and r[6].startswith("download")
    ]
    assert not ignored_here
    assert Config().apply_rows(plain.rows, "x") == plain.rows


def test_a_warm_run_leaves_nothing_frozen_and_thaws_nothing_it_did_not_freeze(
    folder: Path, tmp_path: Path
) -> None:
    """The cached run moves what it allocated to the oldest generation (`gc.freeze` then
    `gc.unfreeze`): nothing stays frozen, and objects someone else froze stay frozen."""
    runs(folder, tmp_path / "cache")
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        warm, reference, _ = runs(folder, tmp_path / "cache")
        assert warm == reference and gc.get_freeze_count() == frozen > 0
    finally:
        gc.unfreeze()
