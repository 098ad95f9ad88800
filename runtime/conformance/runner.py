"""`conform(paths, options)`: every python and nlu snippet of every card, fetched, run, compared.

    reports = conform([Path("cards")], ConformOptions(jobs=2))

The artifact of each card is fetched in this process first (cache, mirror and offline rules of
`registry.load`); the snippets then run in the sandbox with CARDHUB_OFFLINE=1 and the cache
folder in their environment. Snippets run `jobs` at a time, each in its own process.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from runtime.config import Settings
from runtime.conformance.compare import DEFAULT_ATOL, compare, printed_table, produced_table, produced_text
from runtime.conformance.pool import WorkerPool
from runtime.conformance.records import Limits, RunOutcome, SnippetJob, SnippetReport
from runtime.conformance.results import (
    block_content,
    is_empty_block,
    parse_results,
    render_table,
    rewrite_block,
)
from runtime.conformance.sandbox import ChildSpec, Sandbox
from runtime.conformance.snippets import card_jobs, prelude_for

if TYPE_CHECKING:
    from registry.card import Card


@dataclass(frozen=True)
class ConformOptions:
    settings: Settings | None = None
    limits: Limits = field(default_factory=Limits)
    atol: float = DEFAULT_ATOL
    jobs: int = 2
    update: bool = False
    namespaces: bool = True
    warm: bool = True
    """Run snippets in warm workers (Spark started once per worker, one fork per snippet);
    False: a fresh interpreter per snippet (slower, nothing shared)."""
    fetch: bool = True
    """False: do not fetch (snippets that need a model then fail offline in the sandbox)."""


@dataclass(frozen=True)
class _Fetched:
    folder: Path | None
    artifact: str | None
    sha256: str | None
    skip_reason: str | None
    error: str | None
    seconds: float


def runtime_version() -> str:
    from importlib import metadata

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    return f"cardhub {version('cardhub')} (onnxruntime {version('onnxruntime')})"


def nlu_column(reference: str | None) -> str | None:
    """nlu's embeddings column: `en.embed_sentence.x` -> `en_embed_sentence_x_embeddings`."""
    return reference.replace(".", "_") + "_embeddings" if reference else None


def _fetch(card: Card, settings: Settings) -> _Fetched:
    from runtime.artifacts import fetch
    from runtime.artifacts.cache import ModelCache
    from runtime.errors import ArtifactError, DownloadError, OfflineCacheMiss, UnsupportedAnnotatorError
    from runtime.models import check_supported

    started = time.perf_counter()
    try:
        check_supported(card.annotator, card.name)
    except UnsupportedAnnotatorError as exc:
        return _Fetched(
            None, card.artifact, None, f"annotator not run by cardhub's runtime: {exc}", None, 0.0
        )
    try:
        folder = fetch(card, settings=settings, progress=False)
    except (OfflineCacheMiss, DownloadError) as exc:
        return _Fetched(
            None, card.artifact, None, f"artifact unreachable: {exc}", None, time.perf_counter() - started
        )
    except ArtifactError as exc:
        return _Fetched(
            None, card.artifact, None, None, f"{card.path}: artifact: {exc}", time.perf_counter() - started
        )
    _prepare(folder, card)
    entry = ModelCache(settings.cache_dir).entry(folder.name)
    sha = entry.archive_sha256 if entry else None
    return _Fetched(folder, folder.name, sha, None, None, time.perf_counter() - started)


def _prepare(folder: Path, card: Card) -> None:
    """Open the model once here, so that what the runtime writes beside a cached model on first
    use (the unpacked graph, its optimized copy) is in the cache before the snippets, which see
    the cache through a throw-away overlay, run: they then only read it."""
    import runtime
    from runtime.errors import RuntimeErrorBase

    # A folder the runtime cannot open: the snippet meets the same error and reports it at its line.
    with contextlib.suppress(RuntimeErrorBase):
        runtime.load(folder, annotator=card.annotator)


def verdict(
    job: SnippetJob, outcome: RunOutcome | None, atol: float
) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
    """(verdict, reason, diff, not_compared) of one snippet."""
    if job.error:
        return "error", job.error, (), ()
    if job.skip_reason or outcome is None:
        return "skip", job.skip_reason or "not run", (), ()
    if outcome.status == "skip":
        return "skip", f"{job.card_path}:{job.line}: {outcome.message}", (), ()
    if outcome.status != "ok":
        where = "" if outcome.message.startswith(job.card_path) else f"{job.card_path}:{job.line}: "
        fix = (
            ""
            if outcome.status == "exception"
            else " (fix: the snippet must finish within the sandbox's limits, offline, writing only "
            "under its working folder)"
        )
        return "error", f"{where}{outcome.message}{fix}", (), ()
    result = compare(job.expected, outcome.produced, atol)
    if not result.compared:
        if job.expected is None:
            reason = "ran, nothing to compare (the card has no Results block)"
        elif job.expected.style == "prose":
            reason = (
                "ran, nothing to compare: the card's Results block describes the output in words "
                "instead of showing it (`cardhub conform --update` replaces it with what the snippet shows)"
            )
        else:
            reason = (
                "ran, nothing to compare: the card's Results block is empty "
                "(`cardhub conform --update` fills it from what the snippet shows)"
            )
        return "skip", reason, (), result.not_compared
    if result.diff:
        return "fail", "output differs from the card's Results block", result.diff, result.not_compared
    return "pass", "", (), result.not_compared


def child_spec(job: SnippetJob, settings: Settings, register: bool) -> ChildSpec:
    expected_columns = list(job.expected.table.columns) if job.expected and job.expected.table else None
    return ChildSpec(
        card_path=job.card_path,
        line=job.line,
        kind=job.kind,
        code=job.code,
        prelude=prelude_for(job.code) if job.kind == "python" else "",
        nlu_column=nlu_column(job.nlu_reference),
        expected_columns=expected_columns,
        register_card=register,
        env={"CARDHUB_CACHE": str(settings.cache_dir)},
        overlays=[str(settings.cache_dir)],
    )


def needs_spark(job: SnippetJob) -> bool:
    """A pipeline snippet whose prelude starts Spark (what the cards elide with `...`)."""
    return job.kind == "python" and "sparknlp.start()" in prelude_for(job.code)


def is_packaged(path: str) -> bool:
    import registry

    try:
        return Path(path).resolve().is_relative_to(registry.packaged_cards_dir().resolve())
    except OSError:
        return False


def _report(
    job: SnippetJob, outcome: RunOutcome | None, fetched: _Fetched, options: ConformOptions, version: str
) -> SnippetReport:
    name, reason, diff, notes = verdict(job, outcome, options.atol)
    stdout = outcome.produced.stdout[-2000:] if outcome else ""
    error_line = job.error_line or (outcome.error_line if outcome else None)
    return SnippetReport(
        card=job.card_path,
        name=job.card_name,
        language=job.kind,
        line=job.line,
        verdict=name,  # type: ignore[arg-type]
        reason=reason,
        diff=diff,
        not_compared=notes,
        error_line=error_line,
        atol=options.atol,
        seconds=outcome.seconds if outcome else 0.0,
        startup_seconds=outcome.startup_seconds if outcome else 0.0,
        fetch_seconds=fetched.seconds,
        runtime_version=version,
        artifact=fetched.artifact,
        artifact_sha256=fetched.sha256,
        isolation=outcome.isolation if outcome else (),
        stdout_tail=stdout,
    )


def _load_cards(paths: Sequence[Path]) -> tuple[list[Card], list[SnippetReport]]:
    from registry.errors import CardError
    from registry.parse import parse_card
    from registry.store import card_paths

    cards, broken = [], []
    for path in card_paths(paths):
        try:
            cards.append(parse_card(path))
        except CardError as exc:
            broken.append(
                SnippetReport(
                    card=str(path),
                    name=path.stem,
                    language="card",
                    line=exc.line,
                    verdict="error",
                    reason=str(exc),
                )
            )
    return cards, broken


def plan_card(card: Card, settings: Settings, options: ConformOptions) -> tuple[list[SnippetJob], _Fetched]:
    jobs = card_jobs(card)
    runnable = [j for j in jobs if not j.skip_reason and not j.error]
    if not runnable or not options.fetch or card.artifact is None:
        # Nothing to run, or a card that names no artifact: its snippets run as they are.
        return jobs, _Fetched(None, card.artifact, None, None, None, 0.0)
    fetched = _fetch(card, settings)
    if fetched.skip_reason or fetched.error:
        jobs = [
            replace(j, skip_reason=fetched.skip_reason)
            if fetched.skip_reason and j in runnable
            else replace(j, error=fetched.error)
            if fetched.error and j in runnable
            else j
            for j in jobs
        ]
    return jobs, fetched


def conform(
    paths: Iterable[Path],
    options: ConformOptions | None = None,
    progress: Callable[[SnippetReport], None] | None = None,
    timings: dict[str, float] | None = None,
) -> list[SnippetReport]:
    """One report per snippet (python, nlu, scala) of every card under `paths`, in card order.

    `timings`, when given, receives where the time went: `plan` (parse, fetch, open each model),
    `warm` (each warm worker's start, summed; they start in parallel), `warm_max`, `workers` (how
    many started), `run`."""
    options = options or ConformOptions()
    clock = time.perf_counter()
    settings = options.settings or Settings.from_env()
    cards, reports = _load_cards(list(paths))
    for report in reports:
        if progress:
            progress(report)
    version = runtime_version()
    planned = [(card, *plan_card(card, settings, options)) for card in cards]
    runnable = [job for _, jobs, _ in planned for job in jobs if not job.skip_reason and not job.error]
    planned_at = time.perf_counter()
    sandbox = Sandbox(options.limits, namespaces=options.namespaces)
    # Two kinds of warm worker: with a Spark session for the pipeline snippets, without for the
    # others (an nlu snippet needs no JVM): a card's nlu snippet then does not wait for a second
    # Spark start. Each kind gets at most `jobs` workers, started on first use.
    pools: dict[bool, WorkerPool] = {}
    if options.warm:
        for spark in (True, False):
            count = sum(1 for job in runnable if needs_spark(job) == spark)
            if count:
                pools[spark] = WorkerPool(
                    options.limits,
                    size=max(1, min(options.jobs, count)),
                    spark=spark,
                    env={"CARDHUB_CACHE": str(settings.cache_dir)},
                    overlays=[str(settings.cache_dir)],
                    namespaces=options.namespaces,
                )

    def run_one(item: tuple[SnippetJob, _Fetched, bool]) -> tuple[SnippetJob, RunOutcome | None, _Fetched]:
        job, fetched, register = item
        if job.skip_reason or job.error:
            return job, None, fetched
        executor: Sandbox | WorkerPool = pools.get(needs_spark(job), sandbox)
        return job, executor.run(child_spec(job, settings, register)), fetched

    work = [(job, fetched, not is_packaged(card.path)) for card, jobs, fetched in planned for job in jobs]
    warm: list[float] = []
    try:
        with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as threads:
            done = list(threads.map(run_one, work))
    finally:
        for pool in pools.values():
            warm += pool.warm_seconds()
            pool.close()
    if timings is not None:
        timings.update(
            plan=planned_at - clock,
            warm=sum(warm),
            warm_max=max(warm, default=0.0),
            workers=float(len(warm)),
            run=time.perf_counter() - planned_at,
        )
    if options.update:
        done = _update(done, options)
    for job, outcome, fetched in done:
        report = _report(job, outcome, fetched, options, version)
        if progress:
            progress(report)
        reports.append(report)
    return reports


def _update(
    done: list[tuple[SnippetJob, RunOutcome | None, _Fetched]], options: ConformOptions
) -> list[tuple[SnippetJob, RunOutcome | None, _Fetched]]:
    """Rewrite the Results block of each card with a failing snippet, or an empty block (what
    `cardhub new` writes), from what a snippet produced (nlu's table first, as the blocks show
    nlu's output), then compare every snippet of that card again."""
    by_card: dict[str, list[tuple[SnippetJob, RunOutcome | None, _Fetched]]] = {}
    for item in done:
        by_card.setdefault(item[0].card_path, []).append(item)
    out = []
    for path, items in by_card.items():
        failing = [(j, o) for j, o, _ in items if o is not None and _rewritable(j, o, options.atol)]
        failing.sort(key=lambda pair: pair[0].kind != "nlu")
        if not failing:
            out.extend(items)
            continue
        job, outcome = failing[0]
        assert outcome is not None and job.expected is not None
        previous = block_content(Path(path), job.expected.line)
        if printed_table(outcome.produced, job.expected.style) is not None:
            content = produced_text(outcome.produced)  # a table as the snippet printed it: as printed
        else:
            table = produced_table(outcome.produced)
            content = render_table(table, previous) if table else produced_text(outcome.produced)
        rewrite_block(Path(path), job.expected.line, content)
        expected = parse_results(block_content(Path(path), job.expected.line), job.expected.line)
        out.extend((replace(j, expected=expected) if j.expected else j, o, f) for j, o, f in items)
    return out


def _rewritable(job: SnippetJob, outcome: RunOutcome, atol: float) -> bool:
    """A snippet whose output `--update` writes: it fails, or it ran and showed something (a
    table, text) where the card's Results block is empty or describes the output in words."""
    name = verdict(job, outcome, atol)[0]
    if name == "fail":
        return True
    produced = outcome.produced
    return (
        name == "skip"
        and outcome.status == "ok"
        and job.expected is not None
        and (is_empty_block(job.expected.raw) or job.expected.style == "prose")
        and (produced_table(produced) is not None or bool(produced_text(produced).strip()))
    )


def exit_status(reports: Sequence[SnippetReport], allow: Iterable[str] = ()) -> int:
    """1 when a snippet failed or errored (unless allowed), else 0."""
    allowed = set(allow)
    return int(any(r.verdict in ("fail", "error") and r.verdict not in allowed for r in reports))
