"""Where teams run `cardhub validate`: SARIF and JUnit output, the pre-commit hooks (a real
`pre-commit` run in a temporary git repository) and the composite GitHub Action."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from tests.helpers import CARDS, ROOT

CLEAN = CARDS / "2023-06-28-small_bert_L2_768_en.md"
BROKEN = CARDS / "2020-08-25-sent_small_bert_L6_768_en.md"  # CH104 (fixable), CH302, CH303


def cardhub(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cardhub_cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_sarif_names_every_rule_and_each_finding_with_its_code_and_line() -> None:
    result = cardhub("validate", "--no-cache", "--format", "sarif", "cards/")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["version"] == "2.1.0"
    [run] = document["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert {"id": "CH303", "name": "scala-balance"}.items() <= rules[
        next(i for i, r in enumerate(rules) if r["id"] == "CH303")
    ].items()
    reference = json.loads(cardhub("validate", "--no-cache", "--format", "json", "cards/").stdout)["findings"]
    assert len(run["results"]) == len(reference)
    for result_, finding in zip(run["results"], reference, strict=True):
        assert result_["ruleId"] == finding["code"] and rules[result_["ruleIndex"]]["id"] == finding["code"]
        assert (
            result_["level"] == {"error": "error", "warning": "warning", "info": "note"}[finding["severity"]]
        )
        location = result_["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == finding["path"]
        assert location["region"]["startLine"] == finding["line"]
        assert result_["message"]["text"].startswith(finding["message"])


def test_junit_has_one_case_per_card_failing_on_errors() -> None:
    result = cardhub("validate", "--no-cache", "--format", "junit", "cards/")
    root = ElementTree.fromstring(result.stdout)
    [suite] = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == int(suite.get("tests", "")) == 5
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert int(suite.get("failures", "")) == len(failed) == 2
    assert {f.get("type") for c in cases for f in c.findall("failure")} == {"CH301", "CH302", "CH303"}
    strict = ElementTree.fromstring(
        cardhub("validate", "--no-cache", "--format", "junit", "--strict", "cards/").stdout
    )
    assert int(strict.find("testsuite").get("failures", "")) == 4  # type: ignore[union-attr]


def test_the_action_is_composite_and_annotates_with_github_format() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    commands = " ".join(step.get("run", "") for step in action["runs"]["steps"])
    assert "pip install" in commands and "--format github" in commands and "--format sarif" in commands
    assert all(step.get("shell") == "bash" for step in action["runs"]["steps"] if "run" in step)


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"),
    }
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_real_pre_commit_run_refuses_the_broken_card_then_accepts_it_fixed(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit", reason="the pre-commit package (test extra) is not installed")
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    repo = tmp_path / "cards-repo"
    repo.mkdir()
    # The hooks as .pre-commit-hooks.yaml defines them, run from a `local` repository with this
    # Python (language: system): pre-commit's own `language: python` would pip-install cardhub
    # and its dependencies into a fresh virtualenv, which needs the network.
    local = []
    for hook_id in ("cardhub-fix", "cardhub-validate"):
        hook = dict(hooks[hook_id], language="system")
        hook["entry"] = hook["entry"].replace("cardhub", f"{sys.executable} -m cardhub_cli", 1)
        hook["stages"] = ["manual"] if hook_id == "cardhub-fix" else ["pre-commit"]
        local.append(hook)
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": local}]}), encoding="utf-8"
    )
    assert _git(repo, "init", "-q").returncode == 0
    assert _git(repo, "add", ".pre-commit-config.yaml").returncode == 0
    assert _git(repo, "commit", "-qm", "config").returncode == 0
    install = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=repo, capture_output=True, text=True, timeout=120
    )
    assert install.returncode == 0, install.stderr
    original = os.environ.get("PYTHONPATH")
    # the hook's `python -m cardhub_cli` (run by git, by pre-commit) finds this checkout
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), original) if p)
    try:
        good = repo / CLEAN.name
        shutil.copy(CLEAN, good)
        _git(repo, "add", good.name)
        accepted = _git(repo, "commit", "-m", "a good card")
        assert accepted.returncode == 0, accepted.stdout + accepted.stderr

        # the broken card without its snippet errors: only the fixable CH104 (a warning) is left
        text = BROKEN.read_text(encoding="utf-8")
        text = text.replace("[['I hate cancer', \"Antibiotics aren't painkiller\"]]", "[['I hate cancer']]")
        text = text.replace('Seq("I hate cancer, "Antibiotics aren\'t painkiller")', 'Seq("I hate cancer")')
        # ... and an S3 URI that names another object (CH205, an error): refused until fixed
        s3_line = next(line for line in text.split("\n") if line.startswith("[Copy S3 URI]("))
        text = text.replace(s3_line, s3_line.replace(".zip)", "_copy.zip)", 1))
        broken = repo / BROKEN.name
        broken.write_text(text, encoding="utf-8")
        _git(repo, "add", broken.name)
        refused = _git(repo, "commit", "-m", "a broken card")
        output = refused.stdout + refused.stderr
        assert refused.returncode != 0, output
        assert "cardhub validate" in output and "Failed" in output
        assert f"{broken.name}:15: warning: CH104 front-matter-indent" in output
        s3_number = text.split("\n").index(s3_line.replace(".zip)", "_copy.zip)", 1)) + 1
        assert f"{broken.name}:{s3_number}: error: CH205 s3-uri" in output

        fixed = cardhub("validate", "--fix", broken.name, cwd=repo)
        assert "+  type: cover" in fixed.stderr and f"+{s3_line}" in fixed.stderr, fixed.stderr
        assert fixed.returncode == 0 and "0 errors, 0 warnings" in fixed.stdout, fixed.stdout
        _git(repo, "add", broken.name)
        committed = _git(repo, "commit", "-m", "the card, fixed")
        assert committed.returncode == 0, committed.stdout + committed.stderr
        assert "Passed" in committed.stdout + committed.stderr
    finally:
        if original is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = original
