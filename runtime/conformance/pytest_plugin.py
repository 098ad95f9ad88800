"""`pytest --cardhub-conform cards/`: one test item per card snippet, located at the card's
path and line, with the runner's verdict (pass, fail with the diff, error, skip with the reason).

Registered through the `pytest11` entry point `cardhub_conform`; a thin layer on the runner.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runtime.conformance.records import Limits, SnippetJob


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cardhub-conform", "cardhub card conformance")
    group.addoption(
        "--cardhub-conform", action="store_true", help="collect the snippets of Markdown model cards"
    )
    group.addoption("--cardhub-atol", type=float, default=1e-4, help="absolute tolerance on vector values")
    group.addoption("--cardhub-timeout", type=float, default=120.0, help="wall-clock seconds per snippet")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if parent.config.getoption("cardhub_conform", False) and file_path.suffix == ".md":
        return CardFile.from_parent(parent, path=file_path)
    return None


_POOL = pytest.StashKey[Any]()
_SPARK = pytest.StashKey[bool]()


def _executor(config: pytest.Config, settings: Any, limits: Limits) -> Any:
    """One pool of warm workers for the session (Spark started once per worker when a collected
    snippet uses it), closed at the end of the run."""
    from runtime.conformance.pool import WorkerPool

    pool = config.stash.get(_POOL, None)
    if pool is None:
        pool = WorkerPool(
            limits,
            size=1,
            spark=config.stash.get(_SPARK, False),
            env={"CARDHUB_CACHE": str(settings.cache_dir)},
            overlays=[str(settings.cache_dir)],
        )
        config.stash[_POOL] = pool
    return pool


def pytest_unconfigure(config: pytest.Config) -> None:
    pool = config.stash.get(_POOL, None)
    if pool is not None:
        pool.close()


class SnippetFailure(Exception):
    """The snippet ran and showed something else than the card's Results block."""


class SnippetError(Exception):
    """The snippet did not run to the end (exception, syntax, a sandbox limit)."""


class CardFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from registry.errors import CardError
        from registry.parse import parse_card

        try:
            card = parse_card(self.path)
        except CardError:
            return  # not a model card (a README, a broken file): `cardhub validate` reports those
        if not card.snippets:
            return
        from runtime.config import Settings
        from runtime.conformance.runner import ConformOptions, plan_card

        settings = Settings.from_env()
        jobs, fetched = plan_card(card, settings, ConformOptions(settings=settings))
        from runtime.conformance.snippets import prelude_for

        for job in jobs:
            if job.kind == "python" and not job.error and "sparknlp.start()" in prelude_for(job.code):
                self.config.stash[_SPARK] = True
            yield SnippetItem.from_parent(
                self, name=f"{job.kind}:{job.line}", job=job, fetched=fetched, settings=settings
            )


class SnippetItem(pytest.Item):
    def __init__(self, *, job: SnippetJob, fetched: Any, settings: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job, self.fetched, self.settings = job, fetched, settings

    def runtest(self) -> None:
        from runtime.conformance.runner import child_spec, is_packaged, verdict

        job = self.job
        outcome = None
        if not job.skip_reason and not job.error:
            timeout = float(self.config.getoption("cardhub_timeout"))
            limits = Limits(wall_seconds=timeout, cpu_seconds=int(timeout * 2) + 5)
            spec = child_spec(job, self.settings, not is_packaged(job.card_path))
            outcome = _executor(self.config, self.settings, limits).run(spec)
        name, reason, diff, notes = verdict(job, outcome, float(self.config.getoption("cardhub_atol")))
        if name == "skip":
            raise pytest.skip.Exception(reason, _use_item_location=True)
        if name == "error":
            raise SnippetError(reason)
        if name == "fail":
            raise SnippetFailure("\n".join([reason, *diff, *(f"not compared: {n}" for n in notes)]))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, SnippetFailure | SnippetError):
            text = str(excinfo.value)
            return (
                text
                if text.startswith(self.job.card_path)
                else f"{self.job.card_path}:{self.job.line}: {text}"
            )
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.job.line - 1, f"{self.job.kind} snippet of {self.job.card_name}"
