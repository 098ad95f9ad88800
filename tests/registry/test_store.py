"""Registry API: from_dir, list filters, get like pretrained(), versions, search, suggestions."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import registry
from registry.errors import ModelNotFoundError, RegistryError
from registry.parse import parse_card
from registry.store import (
    PARALLEL_THRESHOLD,
    Registry,
    _memory_folder,
    _parse_chunk_to_file,
    card_files,
    card_paths,
    validate_paths,
)
from tests.helpers import CARD_FIXTURES, CARDS, ROOT, SHARED

VERSIONS = CARD_FIXTURES / "versions"


def test_from_dir_reads_every_card() -> None:
    reg = Registry.from_dir(CARDS)
    assert sorted(c.name for c in reg) == sorted(
        [
            "bert_base_cased",
            "sent_biobert_pubmed_base_cased",
            "sent_small_bert_L6_768",
            "sent_bert_wiki_books_sst2",
            "small_bert_L2_768",
        ]
    )


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="no such folder"):
        Registry.from_dir(tmp_path / "nope")


def test_broken_card_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_bytes((CARDS / "2023-06-28-small_bert_L2_768_en.md").read_bytes())
    (tmp_path / "binary.md").write_bytes(b"\x00\xff" * 50)
    (tmp_path / "empty.md").write_bytes(b"")
    reg = Registry.from_dir(tmp_path)
    assert len(reg) == 3
    assert reg.get("small_bert_L2_768").ok
    assert sum(not card.ok for card in reg) == 2


def test_get_resolves_like_pretrained() -> None:
    reg = Registry.from_dir(VERSIONS)
    assert reg.get("tiny_sent").version == "5.0.0"
    assert reg.get("tiny_sent", version="4.2.1").version == "3.2.0"
    assert reg.get("tiny_sent", version="3.2.0", spark_version="2.4").version == "2.6.0"
    assert reg.get("tiny_sent", "sv").language == "sv"
    assert [c.version for c in reg.versions("tiny_sent")] == ["5.0.0", "3.2.0", "2.6.0"]


def test_get_unknown_name_suggests_close_names() -> None:
    reg = Registry.from_dir(CARDS)
    with pytest.raises(ModelNotFoundError) as info:
        reg.get("sent_small_bert_L6_786")
    assert info.value.suggestions[0] == "sent_small_bert_L6_768"
    assert "did you mean" in str(info.value)


def test_get_other_language_names_where_it_exists() -> None:
    reg = Registry.from_dir(VERSIONS)
    with pytest.raises(ModelNotFoundError, match="exists in: en, sv"):
        reg.get("tiny_sent", "de")


def test_get_with_no_compatible_version() -> None:
    reg = Registry.from_dir(VERSIONS)
    with pytest.raises(ModelNotFoundError, match="no version compatible"):
        reg.get("tiny_sent", version="1.0.0")


def test_list_filters() -> None:
    reg = Registry.from_dir(CARDS)
    assert len(reg.list()) == 5
    assert {c.name for c in reg.list(annotator="BertEmbeddings")} == {"bert_base_cased", "small_bert_L2_768"}
    assert [c.name for c in reg.list(engine="onnx")] == ["small_bert_L2_768"]
    assert [c.name for c in reg.list(supported=False)] == ["sent_biobert_pubmed_base_cased"]
    assert len(reg.list(task="embeddings", language="en", edition="Spark NLP")) == 5
    assert {c.name for c in reg.list(case_sensitive=True)} == {
        "bert_base_cased",
        "sent_biobert_pubmed_base_cased",
    }
    assert [c.name for c in reg.list(dimension=768, tag="open_source", ok=True)] == ["bert_base_cased"]
    with pytest.raises(TypeError, match="unknown filter"):
        reg.list(colour="red")


def test_list_returns_every_version() -> None:
    assert len(Registry.from_dir(VERSIONS).list(name="tiny_sent", language="en")) == 3


def test_search_ranks_name_matches_first() -> None:
    reg = Registry.from_dir(CARDS)
    assert reg.search("small_bert")[0].name in ("small_bert_L2_768", "sent_small_bert_L6_768")
    assert [c.name for c in reg.search("biobert")] == ["sent_biobert_pubmed_base_cased"]
    assert reg.search("sst-2 sentiment")[0].name == "sent_bert_wiki_books_sst2"
    assert reg.search("no such words anywhere") == []


@pytest.mark.parametrize("workers", [2, 3])
def test_parallel_and_serial_parsing_agree(tmp_path: Path, workers: int) -> None:
    """The parent parses chunks too, with `workers - 1` children: the cards come back in order."""
    for index in range(450):
        source = sorted(CARDS.glob("*.md"))[index % 5].read_text(encoding="utf-8")
        (tmp_path / f"card_{index:03d}.md").write_text(source.replace("name: ", f"name: v{index}_", 1))
    scratch = Path(_memory_folder() or tempfile.gettempdir())
    before = set(scratch.glob("cardhub-chunks-*"))
    serial, parallel = Registry.from_dir(tmp_path, workers=1), Registry.from_dir(tmp_path, workers=workers)
    assert [c.model_dump() for c in serial] == [c.model_dump() for c in parallel]
    assert [c.name.split("_", 1)[0] for c in parallel] == [f"v{index}" for index in range(450)]
    assert set(scratch.glob("cardhub-chunks-*")) == before, "the children's chunk files are removed"


def test_a_child_returns_its_chunk_when_the_file_cannot_be_written(tmp_path: Path) -> None:
    paths = [str(p) for p in sorted(CARDS.glob("*.md"))]
    out = tmp_path / "missing-folder" / "chunk.pickle"
    returned = _parse_chunk_to_file(paths, str(out))
    assert returned is not None and [c.name for c in returned] == [parse_card(p).name for p in paths]
    assert not out.exists()
    written = tmp_path / "chunk.pickle"
    assert _parse_chunk_to_file(paths, str(written)) is None and written.stat().st_size > 0


# `validate_paths` (what `cardhub validate` runs) keeps no cards; the reference is the registry,
# which keeps them: same findings, byte for byte, in the same order.


def assert_same_findings_as_registry(paths: list[Path], workers: int | None = None) -> None:
    validation = validate_paths(paths, workers=workers)
    reference = Registry.from_paths(paths, workers=1)
    assert validation.cards == len(reference)
    assert [f.model_dump_json() for f in validation.findings] == [
        f.model_dump_json() for f in reference.findings
    ]


def test_validate_paths_finds_what_the_registry_finds_in_the_seeds_and_fixtures() -> None:
    paths = card_paths([CARDS, CARD_FIXTURES / "broken", CARD_FIXTURES / "defects"])
    validation = validate_paths(paths)
    assert validation.cards == len(paths) and {f.rule for f in validation.findings} >= {
        "readable",
        "duplicate-artifact",
        "scala-balance",
    }
    assert_same_findings_as_registry(paths)


@pytest.mark.skipif(not (SHARED / "corpus" / "cards").is_dir(), reason="../shared/corpus/cards is absent")
def test_validate_paths_finds_what_the_registry_finds_in_the_corpus() -> None:
    assert_same_findings_as_registry(card_paths([SHARED / "corpus" / "cards"]))


@pytest.mark.parametrize("workers", [2, 3])
def test_validate_paths_in_parallel_finds_what_the_registry_finds(tmp_path: Path, workers: int) -> None:
    """Enough cards to go parallel, and every fifth one a copy of another (same artifact), so
    that the cross-card check sees claims from different processes."""
    sources = sorted(CARDS.glob("*.md")) + sorted((CARD_FIXTURES / "broken").glob("*.md"))
    count = PARALLEL_THRESHOLD + 60
    for index in range(count):
        source = sources[index % len(sources)].read_bytes()
        renamed = source if index % 5 == 4 else source.replace(b"name: ", f"name: v{index}_".encode(), 1)
        renamed = renamed if index % 5 == 4 else renamed.replace(b".zip", f"_{index}.zip".encode())
        (tmp_path / f"card_{index:03d}.md").write_bytes(renamed)
    paths = card_paths([tmp_path])
    validation = validate_paths(paths, workers=workers)
    assert sum(f.rule == "duplicate-artifact" for f in validation.findings) > 40
    assert_same_findings_as_registry(paths, workers=workers)


def test_default_registry_works_from_any_directory(tmp_path: Path) -> None:
    assert registry.get("sent_bert_wiki_books_sst2").name == "sent_bert_wiki_books_sst2"
    code = "import registry; print(registry.get('bert_base_cased').artifact)"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "bert_base_cased_en_2.6.0_2.4_1598340336670"


def test_import_is_light() -> None:
    code = "import sys, registry; print('pydantic' in sys.modules, 'yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]


# `card_paths` finds what `Path.rglob("*.md")` + `is_file()` finds, in the same order (the reference
# is pathlib itself, which the registry used before).


def rglob_reference(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.md") if p.is_file())


def make_tree(root: Path) -> None:
    for relative in [
        "a.md",
        "b.MD",
        "notes.txt",
        ".hidden/c.md",
        "x-y/d.md",
        "x/e.md",
        "x/deep/er/f.md",
        "folder.md/g.md",
        ".md",
    ]:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("---\nname: x\n---\n")
    outside = root.parent / "outside"
    outside.mkdir()
    (outside / "o.md").write_text("---\n---\n")
    (root / "linked_folder").symlink_to(outside, target_is_directory=True)
    (root / "linked_file.md").symlink_to(outside / "o.md")
    (root / "broken.md").symlink_to(root / "missing.md")


def test_same_files_and_order_as_rglob(tmp_path: Path) -> None:
    root = tmp_path / "cards"
    root.mkdir()
    make_tree(root)
    found = card_paths([root])
    assert found == rglob_reference(root)
    names = {p.relative_to(root).as_posix() for p in found}
    assert "linked_file.md" in names and "folder.md/g.md" in names and "broken.md" not in names
    assert not any(name.startswith("linked_folder/") for name in names)


def test_files_given_directly_are_kept_in_order(tmp_path: Path) -> None:
    first, second = tmp_path / "z.md", tmp_path / "a.md"
    assert card_paths([first, str(second)]) == [first, second]


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is absent")
def test_same_as_rglob_on_the_shared_folder() -> None:
    assert card_paths([SHARED]) == rglob_reference(SHARED)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_folders_are_skipped_like_rglob(tmp_path: Path) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "a.md").write_text("x")
    (tmp_path / "locked").chmod(0)
    try:
        assert card_paths([tmp_path]) == rglob_reference(tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)


def test_card_files_are_the_strings_of_card_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The strings `cardhub validate` runs on: `str()` of what `card_paths` (and rglob) find, for a
    folder given as `.`, as a relative path (with `./` and a trailing slash) and absolute."""
    root = tmp_path / "cards"
    root.mkdir()
    make_tree(root)
    monkeypatch.chdir(root)
    for given in (".", "./", "./x", "x/"):
        assert card_files([given]) == [str(p) for p in rglob_reference(Path(given))]
    assert "a.md" in card_files(["."]) and not any(p.startswith("./") for p in card_files(["./"]))
    monkeypatch.chdir(tmp_path)
    expected = [str(p) for p in rglob_reference(Path("cards"))]
    assert card_files(["./cards/", "cards/a.md"]) == [*expected, "cards/a.md"]
    assert card_files([root]) == [str(p) for p in rglob_reference(root)]


def test_a_settled_registry_shows_the_findings_validate_reports(tmp_path: Path) -> None:
    """Registry.settled: inline suppressions (an unused one included) and configuration applied
    after the cross-card check, exactly as `cardhub validate` reports them, and the cross-card
    findings not counted twice."""
    import shutil

    from registry.config import Config
    from registry.store import Registry, card_paths, validate_paths

    folder = tmp_path / "cards"
    shutil.copytree(CARDS, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    indented = folder / "2020-08-25-bert_base_cased_en.md"  # CH104 on its `type: cover` line
    text = indented.read_text(encoding="utf-8")
    text = text.replace("type: cover\n", "type: cover # cardhub: ignore CH104\n", 1)
    unused = "## Description <!-- cardhub: ignore CH201 -->\n"
    indented.write_text(text.replace("## Description\n", unused, 1), encoding="utf-8")
    clean = folder / "2023-06-28-small_bert_L2_768_en.md"
    shutil.copy(clean, folder / "2023-06-28-small_bert_copy_en.md")
    config = Config(ignore=("CH303",))
    raw = Registry.from_dir(folder, workers=1)
    settled = raw.settled(config)
    expected = validate_paths(card_paths([folder]), workers=1, config=config).findings
    assert sorted(f.format() for f in settled.findings) == sorted(f.format() for f in expected)
    codes = [f.code for f in settled.findings]
    assert "CH303" not in codes and codes.count("CH002") == 1 and codes.count("CH104") == 2
    assert [f.code for f in settled.findings if f.path == str(indented)] == ["CH002"]
    assert codes.count("CH501") == 2  # the duplicate artifact, once on each card
    assert "CH104" in [f.code for f in raw.findings]  # the raw registry still has everything
    assert settled.get("small_bert_L2_768", "en").path == raw.get("small_bert_L2_768", "en").path
