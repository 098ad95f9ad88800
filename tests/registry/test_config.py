"""Rule selection: `[tool.cardhub]` / cardhub.toml (select, ignore, per-path ignores, severities)
and inline `<!-- cardhub: ignore CODE -->` suppressions, including unused ones."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from registry.config import Config, load_config
from registry.errors import ConfigError
from registry.store import card_paths, validate_paths
from tests.helpers import CARDS, ROOT

CLEAN = CARDS / "2023-06-28-small_bert_L2_768_en.md"
INDENT = CARDS / "2020-08-25-bert_base_cased_en.md"  # CH104 on line 15 (`type: cover`)


def run(folder: Path, config: Config | None = None) -> list[tuple[str, int, str, str]]:
    found = validate_paths(card_paths([folder]), workers=1, config=config).findings
    return [(Path(f.path).name, f.line, f.severity, f.code) for f in found]


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "cards"
    shutil.copytree(CARDS, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return folder


def write_config(folder: Path, text: str, name: str = "cardhub.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_without_configuration_every_rule_runs(seeds: Path) -> None:
    codes = {code for *_, code in run(seeds)}
    assert {"CH104", "CH101", "CH301", "CH302", "CH303"} <= codes


def test_select_by_prefix_and_ignore_by_code_or_name(seeds: Path, tmp_path: Path) -> None:
    everything = run(seeds)
    config = load_config(write_config(tmp_path, 'select = ["CH3"]\nignore = ["scala-balance"]\n'))
    assert run(seeds, config) == [f for f in everything if f[3].startswith("CH3") and f[3] != "CH303"]
    config = load_config(write_config(tmp_path, 'ignore = ["CH104", "CH1"]\n'))
    assert run(seeds, config) == [f for f in everything if not f[3].startswith("CH1")]


def test_per_path_ignores_and_severities(seeds: Path, tmp_path: Path) -> None:
    everything = run(seeds)
    config = load_config(
        write_config(
            tmp_path,
            '[per-path-ignores]\n"cards/2020-08-25-sent_*" = ["CH3"]\n\n[severity]\nCH104 = "error"\n',
        )
    )
    expected = [
        (name, line, "error" if code == "CH104" else severity, code)
        for name, line, severity, code in everything
        if not (name.startswith("2020-08-25-sent_") and code.startswith("CH3"))
    ]
    assert run(seeds, config) == expected
    assert any(
        code.startswith("CH3") and name.startswith("2020-08-25-sent_") for name, *_, code in everything
    )


def test_pyproject_table_is_found_from_a_subfolder_and_cardhub_toml_comes_first(tmp_path: Path) -> None:
    write_config(tmp_path, '[tool.cardhub]\nignore = ["CH204"]\n', "pyproject.toml")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert load_config(start=sub).ignore == ("CH204",)
    write_config(tmp_path / "a", 'ignore = ["CH205"]\n')
    assert load_config(start=sub).ignore == ("CH205",)
    write_config(tmp_path / "a" / "b", "[project]\nname = 'x'\n", "pyproject.toml")  # no table: skipped
    assert load_config(start=sub).ignore == ("CH205",)


@pytest.mark.parametrize(
    "text, message",
    [
        ('ignore = ["CH999"]\n', "'CH999' is no rule code"),
        ('ignore = ["no-such-rule"]\n', "'no-such-rule' is no rule code"),
        ('selct = ["CH1"]\n', "unknown key(s) ['selct']"),
        ('[severity]\nCH104 = "fatal"\n', "severity.CH104 = 'fatal'"),
        ("ignore = CH1\n", "not valid TOML"),
    ],
)
def test_a_bad_configuration_says_where_and_what(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=r"cardhub\.toml") as error:
        load_config(write_config(tmp_path, text))
    assert message in str(error.value)


def _card(folder: Path, text: str, name: str = "2023-06-28-card_en.md") -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_inline_suppression_on_the_line_and_on_the_line_before(tmp_path: Path) -> None:
    text = INDENT.read_text(encoding="utf-8")
    assert text.split("\n")[14] == "type: cover"
    plain = run(_card(tmp_path / "plain", text).parent)
    assert ("2023-06-28-card_en.md", 15, "warning", "CH104") in plain
    same_line = text.replace("type: cover\n", "type: cover # cardhub: ignore CH104\n", 1)
    assert run(_card(tmp_path / "same", same_line).parent) == [f for f in plain if f[3] != "CH104"]
    # In the body, an HTML comment alone on its line silences the next line
    lines = CLEAN.read_text(encoding="utf-8").split("\n")
    download = next(i for i, line in enumerate(lines) if line.startswith("[Download]"))
    lines[download] = lines[download].replace("small_bert_L2_768_en_5", "small_bert_L4_768_en_5")
    broken = "\n".join(lines)
    found = run(_card(tmp_path / "broken", broken).parent)
    assert ("2023-06-28-card_en.md", download + 1, "error", "CH201") in found
    lines.insert(download, "<!-- cardhub: ignore CH201 -->")
    silenced = run(_card(tmp_path / "silenced", "\n".join(lines)).parent)
    shifted = [(n, line + (line > download), s, c) for n, line, s, c in found]
    assert silenced == [f for f in shifted if f[3] != "CH201"]
    assert any(c == "CH205" for *_, c in silenced)  # the S3 line is the line after: not silenced
    # A rule named by name, that has no finding on the target line: unused (CH002), the rest applies
    lines[download] = "<!-- cardhub: ignore download-name, s3-uri -->"
    both = run(_card(tmp_path / "both", "\n".join(lines)).parent)
    assert both == sorted(
        [*silenced, ("2023-06-28-card_en.md", download + 1, "warning", "CH002")], key=lambda f: f[1]
    )


def test_an_unused_suppression_is_reported_and_can_itself_be_ignored(tmp_path: Path) -> None:
    text = CLEAN.read_text(encoding="utf-8").replace(
        "## Description\n", "## Description <!-- cardhub: ignore CH201 -->\n", 1
    )
    path = _card(tmp_path / "cards", text)
    line = text.split("\n").index("## Description <!-- cardhub: ignore CH201 -->") + 1
    result = validate_paths([path], workers=1).findings
    assert [(f.line, f.severity, f.code, f.rule) for f in result] == [
        (line, "warning", "CH002", "unused-suppression")
    ]
    assert "ignore CH201" in result[0].message and result[0].hint
    config = load_config(write_config(tmp_path, 'ignore = ["CH002"]\n'))
    assert validate_paths([path], workers=1, config=config).findings == ()


def test_the_cli_reads_the_nearest_configuration_and_refuses_a_bad_one(tmp_path: Path) -> None:
    card = tmp_path / "2020-08-25-bert_base_cased_en.md"
    shutil.copy(INDENT, card)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        env_path = str(ROOT)
        code = f"import sys; sys.path.insert(0, {env_path!r}); from cardhub_cli.main import cli; cli()"
        return subprocess.run(
            [sys.executable, "-c", code, "validate", *args], cwd=tmp_path, capture_output=True, text=True
        )

    assert "CH104" in cli(card.name).stdout
    write_config(tmp_path, '[tool.cardhub]\nignore = ["CH104"]\n', "pyproject.toml")
    result = cli(card.name)
    assert "CH104" not in result.stdout and result.returncode == 0, result.stdout + result.stderr
    write_config(tmp_path, 'ignore = ["CH999"]\n', "other.toml")
    result = cli("--config", "other.toml", card.name)
    assert result.returncode == 2 and "'CH999' is no rule code" in result.stderr
