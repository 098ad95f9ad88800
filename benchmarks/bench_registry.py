"""Parse + validate throughput of the registry on 10,000 cards (variants of the real ones).

    python benchmarks/bench_registry.py [--cards 10000] [--workers N] [--repeat 3] [--corpus DIR]

Variants: each real card (the seeds in cards/, plus ../shared/corpus/cards/ when present) copied
under a new name, date and artifact, so that every variant is a distinct model. Prints cards/s
(median of the repeats), the time per card, and the peak memory of the parent and its workers.
With `--corpus DIR`, the variants are written to DIR once and reused by later runs.

With N workers the parent parses too, next to N - 1 child processes (see `registry.store`), so
"workers" CPU below is the children's share only.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from registry.store import Registry  # noqa: E402


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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=None, help="default: every core")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=None, help="folder to write the variants to, or reuse")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
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
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"load average before: {load} on {os.cpu_count()} cores")
        times, parent_cpu, worker_cpu = [], [], []
        for _ in range(args.repeat):
            start, parent_start, workers_start = time.perf_counter(), time.process_time(), _children_cpu()
            registry = Registry.from_dir(folder, workers=args.workers)
            times.append(time.perf_counter() - start)
            parent_cpu.append(time.process_time() - parent_start)
            worker_cpu.append(_children_cpu() - workers_start)
            findings = len(registry.findings)
            # Drop it before the next run: workers forked from a parent holding 10,000 cards
            # pay for copying its page tables.
            del registry
    median = statistics.median(times)
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"parse + validate: median {median:.2f} s over {args.repeat} runs "
        f"({', '.join(f'{t:.2f}' for t in times)})"
    )
    print(f"throughput: {args.cards / median:,.0f} cards/s, {median / args.cards * 1e3:.3f} ms per card")
    # Wall time depends on what else the machine runs; CPU time per card does much less.
    per_card = 1e3 / args.cards
    print(
        f"CPU per card (median): parent {statistics.median(parent_cpu) * per_card:.3f} ms, "
        f"workers {statistics.median(worker_cpu) * per_card:.3f} ms, total "
        f"{statistics.median(p + w for p, w in zip(parent_cpu, worker_cpu, strict=True)) * per_card:.3f} ms"
    )
    print(f"findings: {findings}")
    print(f"peak RSS: parent {parent:.0f} MB, largest worker {children:.0f} MB")


if __name__ == "__main__":
    main()
