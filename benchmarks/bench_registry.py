"""Parse + validate throughput of the registry on 10,000 cards (variants of the real ones).

    python benchmarks/bench_registry.py [--cards 10000] [--workers N] [--repeat 3] [--corpus DIR]

Variants: each real card (the seeds in cards/, plus ../shared/corpus/cards/ when present) copied
under a new name, date and artifact, so that every variant is a distinct model. With
`--corpus DIR`, the variants are written to DIR once and reused by later runs.

Two paths, each measured in its own process (so that each has its own peak memory):

- `validate`: `registry.store.validate_paths`, what `cardhub validate` (the CI gate) runs: every
  card parsed and checked, only the findings kept;
- `registry`: `Registry.from_dir`, every card record alive in the parent;
- `warm`: `cardhub validate` with its cache (registry.cache), re-validating every card after one
  changed: one cold run fills a fresh cache, then each repeat edits one card (then puts it back
  at the end) and times the run (cross-card check over every card included).

For each: the median wall time of the repeats, cards/s, CPU per card of the parent and of its
children (with N workers the parent parses too, next to N - 1 child processes), and peak RSS.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from registry.cache import ValidationCache  # noqa: E402
from registry.store import Registry, card_files, validate_paths  # noqa: E402

PATHS = ("validate", "registry", "warm")


def real_cards() -> list[Path]:
    cards = sorted((ROOT / "cards").glob("*.md"))
    corpus = ROOT.parent / "shared" / "corpus" / "cards"
    if corpus.is_dir():
        cards += sorted(corpus.glob("*.md"))
    return cards


def write_variants(out: Path, count: int) -> int:
    """Writes `count` cards; returns the total bytes written."""
    sources = [p.read_text(encoding="utf-8") for p in real_cards()]
    total = 0
    for index in range(count):
        text = sources[index % len(sources)]
        suffix = f"v{index:05d}"
        text = re.sub(r"^name:\s*(\S+)", rf"name: \g<1>_{suffix}", text, count=1, flags=re.M)
        text = re.sub(r"_(\d{13})\.zip", functools.partial(_shifted_epoch, shift=index), text)
        path = out / f"2024-01-01-card_{suffix}.md"
        path.write_text(text, encoding="utf-8")
        total += len(text.encode())
    return total


def _shifted_epoch(match: re.Match[str], shift: int) -> str:
    return f"_{int(match.group(1)) + shift}.zip"


def _children_cpu() -> float:
    """User + system CPU seconds of the finished worker processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Figures:
    """One path's measures over the repeats (seconds), sent from the measuring process as JSON."""

    times: list[float]
    parent_cpu: list[float]
    child_cpu: list[float]
    cards: int
    findings: int
    parent_rss_mb: float
    child_rss_mb: float


def measure(path: str, folder: str, workers: int | None, repeat: int) -> Figures:
    """Runs one path `repeat` times in this process."""
    times: list[float] = []
    parent_cpu: list[float] = []
    child_cpu: list[float] = []
    with tempfile.TemporaryDirectory(prefix="cardhub-bench-cache-") as cache:
        if path == "warm":
            validate_paths(card_files([folder]), workers=workers, cache=ValidationCache(cache, [folder]))
            # Files older than the cache's one-second "racy" window, as in real use (a card written
            # in the second before a run is read again on the next run, not trusted by its stat).
            time.sleep(1.1)
            validate_paths(card_files([folder]), workers=workers, cache=ValidationCache(cache, [folder]))
            original = sorted(Path(folder).glob("*.md"))[len(real_cards()) // 2]
            before = original.read_bytes()
        try:
            return _measure(path, folder, workers, repeat, cache, times, parent_cpu, child_cpu)
        finally:
            if path == "warm":
                original.write_bytes(before)


def _warm_run(folder: str, workers: int | None, cache: str, card: Path) -> tuple[int, int, int]:
    """Edits one card (a line added at its end), then validates every card with the cache, as
    `cardhub validate FOLDER` does (the cards found, their findings and the counts by severity;
    the findings' records are made when they are printed, which this leaves out)."""
    with open(card, "ab") as out:
        out.write(b"\n")
    validation = validate_paths(
        card_files([folder]), workers=workers, cache=(store := ValidationCache(cache, [folder]))
    )
    counts = [validation.count(severity) for severity in ("error", "warning", "info")]
    assert sum(counts) == len(validation.rows)
    return store.validated, len(validation.rows), validation.cards


def _measure(
    path: str,
    folder: str,
    workers: int | None,
    repeat: int,
    cache: str,
    times: list[float],
    parent_cpu: list[float],
    child_cpu: list[float],
) -> Figures:
    findings = cards = 0
    # Chosen before the clock starts: listing the folder for it is no part of a run.
    card = sorted(Path(folder).glob("*.md"))[len(real_cards()) // 2]
    for _ in range(repeat):
        start, parent_start, children_start = time.perf_counter(), time.process_time(), _children_cpu()
        if path == "warm":
            start = time.perf_counter()
            validated, findings, cards = _warm_run(folder, workers, cache, card)
            assert validated == 1, f"{validated} cards validated afresh, not the one changed"
            times.append(time.perf_counter() - start)
            parent_cpu.append(time.process_time() - parent_start)
            child_cpu.append(_children_cpu() - children_start)
            continue
        if path == "validate":
            validation = validate_paths(card_files([folder]), workers=workers)
            cards, findings = validation.cards, len(validation.findings)
            del validation
        else:
            registry = Registry.from_dir(folder, workers=workers)
            cards, findings = len(registry), len(registry.findings)
            # Dropped before the next run: workers forked from a parent holding 10,000 cards
            # pay for copying its page tables.
            del registry
        times.append(time.perf_counter() - start)
        parent_cpu.append(time.process_time() - parent_start)
        child_cpu.append(_children_cpu() - children_start)
    return Figures(
        times=times,
        parent_cpu=parent_cpu,
        child_cpu=child_cpu,
        cards=cards,
        findings=findings,
        parent_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        child_rss_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    )


def report(path: str, figures: Figures) -> None:
    median = statistics.median(figures.times)
    per_card = 1e3 / figures.cards
    total_cpu = [p + c for p, c in zip(figures.parent_cpu, figures.child_cpu, strict=True)]
    label = {
        "validate": "validate (findings only)",
        "registry": "Registry.from_dir (all records)",
        "warm": "warm re-validation after one card changed (cache)",
    }[path]
    runs = ", ".join(f"{t:.2f}" for t in figures.times)
    print(f"{label}: median {median:.2f} s over {len(figures.times)} runs ({runs})")
    per_card_wall = median / figures.cards * 1e3
    print(f"  throughput: {figures.cards / median:,.0f} cards/s, {per_card_wall:.3f} ms per card")
    # Wall time depends on what else the machine runs; CPU time per card does much less.
    print(
        f"  CPU per card (median): parent {statistics.median(figures.parent_cpu) * per_card:.3f} ms, "
        f"children {statistics.median(figures.child_cpu) * per_card:.3f} ms, "
        f"total {statistics.median(total_cpu) * per_card:.3f} ms"
    )
    print(f"  findings: {figures.findings}")
    print(f"  peak RSS: parent {figures.parent_rss_mb:.0f} MB, largest child {figures.child_rss_mb:.0f} MB")


def prepare_corpus(parser: argparse.ArgumentParser, args: argparse.Namespace, scratch: str) -> str:
    folder = str(args.corpus or scratch)
    existing = sorted(Path(folder).glob("*.md")) if args.corpus and args.corpus.is_dir() else []
    if len(existing) == args.cards:
        size = sum(path.stat().st_size for path in existing)
        print(f"corpus: reusing the {args.cards} cards in {folder}, {size / 1e6:.1f} MB")
    elif existing:
        parser.error(f"{folder} holds {len(existing)} cards, not {args.cards}: give an empty folder")
    else:
        Path(folder).mkdir(parents=True, exist_ok=True)
        size = write_variants(Path(folder), args.cards)
        print(f"corpus: {args.cards} cards from {len(real_cards())} real ones, {size / 1e6:.1f} MB")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=None, help="default: every core")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=None, help="folder to write the variants to, or reuse")
    parser.add_argument("--path", choices=PATHS, action="append", help="default: both")
    parser.add_argument("--measure", choices=PATHS, help=argparse.SUPPRESS)  # one path, JSON out
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(asdict(measure(args.measure, str(args.corpus), args.workers, args.repeat))))
        return
    with tempfile.TemporaryDirectory() as scratch:
        folder = prepare_corpus(parser, args, scratch)
        for path in args.path or PATHS:
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"load average before: {load} on {os.cpu_count()} cores")
            command = [sys.executable, __file__, "--measure", path, "--corpus", folder]
            command += ["--repeat", str(args.repeat)]
            command += ["--workers", str(args.workers)] if args.workers else []
            out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            report(path, Figures(**json.loads(out.strip().splitlines()[-1])))


if __name__ == "__main__":
    main()
