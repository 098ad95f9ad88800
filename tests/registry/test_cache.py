"""The validation cache: a warm run reports exactly what an uncached run reports, after edits
(even in the same clock tick), renames, deletions, additions and a configuration change; two
concurrent runs share one cache; a corrupted cache file is ignored and rewritten."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from registry.cache import ValidationCache
from registry.config import load_config
from registry.store import Validation, card_paths, validate_paths
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
    for file in files:
        with open(file, "rb") as handle:
            data = pickle.load(handle)
        data["entries"] = {key: ("not", "an", "entry") for key in data["entries"]}
        file.write_bytes(pickle.dumps(data))
    again, reference, _ = runs(folder, cache_dir)
    assert again == reference


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
