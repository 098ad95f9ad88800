"""The one-off TensorFlow -> ONNX conversion and the cached cold start after it.

    python benchmarks/bench_convert.py [--repeats 5] [--threads 2] [--skip-base]

For a tiny BERT (2 layers, hidden 64) and a BERT-base-sized one (12 layers, hidden 768, 12
heads, 30,522 words; random weights at BERT's initializer range, 0.02), saved by TensorFlow as
Spark NLP 2.x saves them (tests/fixtures/tf_bert.py, layout "tf1"), prints:

- conversion: a new process running `runtime.load(folder)` on the unconverted folder, from
  process start to the first vector (TensorFlow's import included), the conversion's own
  time as its record states it (unzip, restore, freeze, tf2onnx, verification), and the
  process's peak memory;
- cached cold start (median of --repeats new processes): `runtime.load(folder)` + one vector
  once converted, with whether TensorFlow got imported;
- the same cold start for the converted graph packaged as a plain Spark NLP ONNX folder
  (bert_sentence_onnx), the reference a converted model should match.

Needs the `cardhub[tf]` extra, and for base about 2 GB of disk and 4 GB of memory.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEXT = "The patient was admitted with acute chest pain."
COLD = """
import json, resource, sys, time
started = time.perf_counter()
import runtime
model = runtime.load(sys.argv[1], threads=int(sys.argv[2]))
model.embed([sys.argv[3]])
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
print(json.dumps({"seconds": elapsed, "tensorflow": "tensorflow" in sys.modules, "peak_gb": peak}))
"""


def run_child(folder: Path, threads: int) -> tuple[float, dict[str, object]]:
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", COLD, str(folder), str(threads), TEXT],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if child.returncode:
        raise SystemExit(f"loading {folder} failed:\n{child.stderr[-3000:]}")
    return time.perf_counter() - started, json.loads(child.stdout.strip().splitlines()[-1])


def synthetic_vocab(size: int) -> list[str]:
    from tests.fixtures.tiny_bert import SPECIAL_TOKENS, corpus, train_vocab

    words = train_vocab(corpus())
    extra = [f"##w{i}" if i % 3 else f"w{i}" for i in range(size - len(words))]
    return [*SPECIAL_TOKENS, *[w for w in words if w not in SPECIAL_TOKENS], *extra][:size]


def bench(
    label: str, root: Path, shape: object | None, vocab: list[str] | None, repeats: int, threads: int
) -> None:
    from runtime.tensorflow import conversion_record, converted_onnx
    from tests.fixtures.sparknlp_artifacts import build_sparknlp_model
    from tests.fixtures.tf_bert import make_tf_bert

    started = time.perf_counter()
    bert = make_tf_bert(root / label, layout="tf1", shape=shape, vocab=vocab)  # type: ignore[arg-type]
    container = bert.folder / "bert_sentence_tensorflow"
    print(
        f"{label}: built in {time.perf_counter() - started:.1f} s; "
        f"container {container.stat().st_size / 1e6:.1f} MB"
    )
    wall, first = run_child(bert.folder, threads)
    record = conversion_record(bert.folder, "bert_sentence_tensorflow")
    assert record is not None
    onnx = converted_onnx(bert.folder, "bert_sentence_tensorflow")
    assert onnx is not None
    print(
        f"  first load (converts): {wall:.1f} s process wall, {first['seconds']:.1f} s in process; "
        f"conversion itself {record.seconds:.1f} s (max |ONNX - TF| {record.max_abs_diff:.1e}); "
        f"model.onnx {onnx.stat().st_size / 1e6:.1f} MB; peak memory {first['peak_gb']:.1f} GB"
    )
    plain = build_sparknlp_model(
        root / f"{label}-onnx", onnx_path=onnx, vocab=bert.vocab, dimension=bert.hidden
    )
    folders = {"converted": bert.folder, "plain ONNX": plain}
    for folder in folders.values():
        run_child(folder, threads)  # the first load writes the optimized-graph cache
    # Alternating runs, first one then the other first, so that the machine's drift and any cost
    # of running first fall on both alike.
    runs: dict[str, list[tuple[float, dict[str, object]]]] = {name: [] for name in folders}
    for round_ in range(repeats):
        order = list(folders.items())
        for name, folder in order if round_ % 2 == 0 else reversed(order):
            runs[name].append(run_child(folder, threads))
    for name, results in runs.items():
        inside = [float(r[1]["seconds"]) for r in results]  # type: ignore[arg-type]
        outside = statistics.median(r[0] for r in results)
        imported = any(r[1]["tensorflow"] for r in results)
        print(
            f"  cached cold start, {name}: {statistics.median(inside):.3f} s in process (min "
            f"{min(inside):.3f}), {outside:.3f} s process wall (median of {repeats}; TensorFlow "
            f"imported: {imported})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-base", action="store_true")
    args = parser.parse_args()
    from tests.fixtures.tf_bert import BertShape

    root = Path(tempfile.mkdtemp(prefix="cardhub-bench-convert-"))
    try:
        bench("tiny", root, None, None, args.repeats, args.threads)
        if not args.skip_base:
            vocab = synthetic_vocab(30522)
            shape = BertShape(
                vocab_size=len(vocab), hidden=768, layers=12, heads=12, intermediate=3072, stddev=0.02
            )
            bench("base", root, shape, vocab, args.repeats, args.threads)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
