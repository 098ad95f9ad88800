"""`cardhub conform` on 20 cards (python + nlu snippets each, 40 sandboxed snippets) on 2 cores.

    python benchmarks/bench_conform.py [--cards 20] [--jobs 2] [--cold]

The cards are copies of the two MiniLM fixture cards (tests/fixtures/conformance_cards.py:
sentence embeddings and token embeddings, their Results printed by PyTorch), each copy under its
own name and nlu reference, all pointing at the two real-weight artifacts served from loopback.
The first run fills a private cache (download + unpack + first open of each model); the timed
run is a second `conform` over the same cards, as in CI with a warm cache.

Prints the total, the per-snippet median (all, and once warm: after each worker's first
snippet), and how much of the total is start-up: planning (parse, cache lookup, each model
opened once in the parent) and the warm workers' start (Python imports, the Spark session and
its Python workers). `--cold` runs every snippet in a fresh interpreter instead (no warm
workers) for comparison. Targets (issue 11): under 90 s in all, under 2 s per snippet once warm.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_cards(base: dict[str, Path], out: Path, count: int) -> list[Path]:
    """`count` cards alternating sentence/token, each with its own name and nlu reference."""
    from tests.fixtures.conformance_cards import SENTENCE_NAME, SENTENCE_REF, TOKEN_NAME, TOKEN_REF

    out.mkdir(parents=True, exist_ok=True)
    cards = []
    for i in range(count):
        kind = "sentence" if i % 2 == 0 else "token"
        name, ref = (SENTENCE_NAME, SENTENCE_REF) if kind == "sentence" else (TOKEN_NAME, TOKEN_REF)
        text = base[kind].read_text(encoding="utf-8")
        text = text.replace(f"name: {name}\n", f"name: {name}_{i}\n")
        text = text.replace(f'pretrained("{name}"', f'pretrained("{name}_{i}"')
        text = text.replace(f"nlu.load('{ref}')", f"nlu.load('{ref}_{i}')")
        text = text.replace(ref.replace(".", "_") + "_embeddings", f"{ref.replace('.', '_')}_{i}_embeddings")
        path = out / f"2023-11-14-{name}_{i}_en.md"
        path.write_text(text, encoding="utf-8")
        cards.append(path)
    return cards


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cards", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cold", action="store_true", help="a fresh interpreter per snippet")
    args = parser.parse_args()

    from runtime.config import Settings
    from runtime.conformance.records import Limits
    from runtime.conformance.runner import ConformOptions, conform
    from tests.fixtures.conformance_cards import build_minilm_cards
    from tests.fixtures.http_server import ArtifactServer

    root = Path(tempfile.mkdtemp(prefix="cardhub-bench-conform-"))
    mirror, base = build_minilm_cards(root)
    cards = make_cards(base, root / "bench-cards", args.cards)
    with ArtifactServer(root=mirror) as server:
        settings = Settings(cache_dir=root / "cache", mirror=server.base_url, trust_env=False)
        options = ConformOptions(
            settings=settings,
            limits=Limits(wall_seconds=300, cpu_seconds=600),
            jobs=args.jobs,
            warm=not args.cold,
        )
        started = time.perf_counter()
        conform(cards[:2], options)  # fills the cache: download, unpack, first open of each model
        print(f"cache fill (2 artifacts, first run of 2 cards): {time.perf_counter() - started:.1f} s")
        timings: dict[str, float] = {}
        started = time.perf_counter()
        reports = conform(cards, options, timings=timings)
        total = time.perf_counter() - started
    ran = [r for r in reports if r.language in ("python", "nlu")]
    verdicts = {v: sum(r.verdict == v for r in ran) for v in ("pass", "fail", "error", "skip")}
    seconds = sorted(r.seconds for r in ran)
    by_kind = {kind: [r.seconds for r in ran if r.language == kind] for kind in ("python", "nlu")}
    # the first snippet each worker ran pays for starting Spark's Python workers' model loads
    warm_only = sorted(r.seconds for r in ran)[: max(0, len(ran) - args.jobs)]
    startup = timings["plan"] + timings["warm_max"]
    mode = "a fresh interpreter per snippet" if args.cold else "warm workers"
    print(f"{len(cards)} cards, {len(ran)} snippets, --jobs {args.jobs}, {mode}")
    print(f"verdicts: {verdicts}")
    print(f"total: {total:.1f} s (target < 90 s)")
    print(
        f"per-snippet median: {statistics.median(seconds):.2f} s "
        f"(python {statistics.median(by_kind['python']):.2f} s, "
        f"nlu {statistics.median(by_kind['nlu']):.2f} s; "
        f"max {seconds[-1]:.2f} s)"
    )
    if warm_only:
        print(
            f"per-snippet median once warm (without the slowest {args.jobs}): "
            f"{statistics.median(warm_only):.2f} s (target < 2 s)"
        )
    print(
        f"start-up: {startup:.1f} s = {100 * startup / total:.0f}% of the total "
        f"(plan {timings['plan']:.1f} s: parse, cache, each model opened once; "
        f"warm workers {timings['warm_max']:.1f} s, {timings['warm']:.1f} s summed over "
        f"{timings['workers']:.0f} workers)"
    )
    print(f"run phase (warm-up included): {timings['run']:.1f} s; snippets {sum(seconds):.1f} s summed")
    failing = [r for r in ran if r.verdict != "pass"]
    for report in failing[:5]:
        print(f"  {report.location()}: {report.verdict}: {report.reason[:200]} {report.diff[:2]}")


if __name__ == "__main__":
    main()
