"""The onnxruntime side: one session per model, inputs built the way Spark NLP builds them.

Spark NLP pads a batch with id 0 to its longest row, sets attention_mask = (id != 0) and
token_type_ids = 0, and reads `pooler_output` (sentence vectors) or `last_hidden_state` (token
vectors). Input names and integer widths vary between exports (TF-origin graphs want int32), so
they are read from the session, never assumed.

Speed comes from three things: graph optimizations (fused attention and layer norm), one
intra-op thread per physical core, and batches of similar length (sorting within a bounded
window, so that memory stays flat however many texts stream through).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import numpy as np

from runtime.errors import ModelFolderError

if TYPE_CHECKING:
    import onnxruntime as ort

Output = Literal["pooled", "sequence"]
T = TypeVar("T")
R = TypeVar("R")

_POOLED_NAMES = ("pooler_output", "pooled_output", "pooled_output:0", "sentence_embedding")
_SEQUENCE_NAMES = ("last_hidden_state", "sequence_output", "sequence_output:0", "token_embeddings")
_DTYPES = {"tensor(int64)": np.int64, "tensor(int32)": np.int32}
WEIGHTS_SUFFIX = ".weights"


def physical_cores() -> int:
    """Physical cores available to this process (hyperthreads slow BERT's matmuls down)."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        available = os.cpu_count() or 1
    cores: set[tuple[str, str]] = set()
    with contextlib.suppress(OSError):
        physical = core = ""
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if key == "physical id":
                physical = value
            elif key == "core id":
                core = value
                cores.add((physical, core))
    return max(1, min(available, len(cores))) if cores else max(1, available)


@dataclass(frozen=True)
class SessionOptions:
    """How to run the ONNX graph. `threads=None` means one intra-op thread per physical core."""

    threads: int | None = None
    cache_optimized: bool = True
    """Save the optimized graph beside the model file and reuse it on the next load."""
    int8: bool = False
    """Opt-in weight-only int8 (MatMul weights in 8-bit blocks of 32, fp32 activations): the
    outputs stay independent of the batch a text runs in, unlike dynamic int8 (NOTES §4)."""


def optimized_model_path(onnx_path: Path) -> Path:
    import onnxruntime as ort

    return onnx_path.with_name(f"{onnx_path.stem}.ort-{ort.__version__}.optimized.onnx")


def _create_session(onnx_path: Path, options: SessionOptions) -> ort.InferenceSession:
    try:
        return _open_session(onnx_path, options)
    except Exception as error:  # onnxruntime's exception types derive from Exception only
        raise ModelFolderError(
            f"{onnx_path}: onnxruntime cannot load this graph: {error}. The file is damaged or not "
            "an ONNX model; if it came from the cache, remove it with `cardhub cache rm <model>` "
            "and load the model again"
        ) from error


def _open_session(onnx_path: Path, options: SessionOptions) -> ort.InferenceSession:
    import onnxruntime as ort

    session_options = ort.SessionOptions()
    session_options.intra_op_num_threads = options.threads or physical_cores()
    session_options.inter_op_num_threads = 1
    session_options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session_options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session_options.log_severity_level = 3
    providers = ["CPUExecutionProvider"]
    if not options.cache_optimized:
        return ort.InferenceSession(str(onnx_path), session_options, providers=providers)
    cached = optimized_model_path(onnx_path)
    # Processes loading one model at once (Spark's Python workers) take turns: a writer removes
    # the weights files of older optimizations, which another process may be about to load.
    with _optimization_lock(cached):
        if cached.is_file() and cached.stat().st_mtime >= onnx_path.stat().st_mtime:
            # Already optimized: skip the (slow) optimizer passes on load.
            session_options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
            try:
                return ort.InferenceSession(str(cached), session_options, providers=providers)
            except Exception:  # damaged, or its weights file gone: optimize again, as if absent
                session_options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        _write_optimized(onnx_path, cached)
        source = cached if cached.is_file() else onnx_path
        return ort.InferenceSession(str(source), session_options, providers=providers)


@contextlib.contextmanager
def _optimization_lock(cached: Path) -> Iterator[None]:
    """An inter-process lock beside the cached graph (flock: released by the kernel if the
    process dies). None where the folder is read-only, as no process can write the cache there,
    or without fcntl (Windows). Not filelock: its import costs a cold start some 30 ms."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        handle = open(cached.with_name(cached.name + ".lock"), "a")  # noqa: SIM115 - held across the yield
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _write_optimized(onnx_path: Path, cached: Path) -> None:
    """Optimize once and rename into place, so a crash never leaves a half-written graph: the
    BERT fusions of onnxruntime.transformers (Attention, SkipLayerNorm, EmbedLayerNorm) when they
    apply and reproduce the plain graph's outputs, then ORT's EXTENDED passes (portable; the ALL
    level adds layout changes tied to this CPU, done at load).

    The weights then go to a file of their own beside the graph (`_move_weights_out`). The
    weights file gets a fresh name each time, so that a session still using an older one is
    never handed a file being rewritten."""
    import onnxruntime as ort

    temporary = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
    fused = cached.with_name(f"{cached.name}.{os.getpid()}.fused.tmp")
    weights = cached.with_name(f"{cached.name}.{uuid.uuid4().hex[:12]}{WEIGHTS_SUFFIX}")
    offline = ort.SessionOptions()
    offline.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    offline.optimized_model_filepath = str(temporary)
    offline.log_severity_level = 3
    try:
        source = fused if _fuse_bert(onnx_path, fused) else onnx_path
        ort.InferenceSession(str(source), offline, providers=["CPUExecutionProvider"])
        _move_weights_out(temporary, weights)
        os.replace(temporary, cached)
    except OSError:  # read-only model folder: run unoptimized-on-disk, optimized in memory
        weights.unlink(missing_ok=True)
    finally:
        for leftover in (temporary, fused):
            with contextlib.suppress(OSError):
                leftover.unlink()
    for stale in cached.parent.glob(f"{cached.name}.*{WEIGHTS_SUFFIX}"):
        if stale != weights:
            with contextlib.suppress(OSError):
                stale.unlink()  # sessions read their weights at load and hold them in memory


def _move_weights_out(graph: Path, weights: Path) -> None:
    """Rewrites `graph` with its weights in the file `weights` beside it. A session then reads a
    small graph and the weights as they lie, instead of parsing them out of a 90 MB protobuf (a
    cold load of MiniLM: about 0.07 s instead of 0.25 s). Written by the onnx package, whose
    offsets are not page-aligned, onnxruntime reads the weights into memory; the page-aligned
    file onnxruntime writes itself gets mapped instead, which measured 4-7% slower to run.
    Without the onnx package the weights stay in the graph."""
    try:
        import onnx
    except ImportError:
        return
    model = onnx.load(str(graph))
    onnx.save_model(
        model,
        str(graph),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=weights.name,
        size_threshold=1024,
    )
    os.chmod(weights, graph.stat().st_mode & 0o777)  # onnx creates it owner-only; match the graph


def _hidden_size(onnx_path: Path) -> int:
    """The static last dimension of the graph's outputs (BERT's hidden size), 0 if unknown."""
    import onnx

    graph = onnx.load(str(onnx_path), load_external_data=False).graph
    for output in graph.output:
        dims = output.type.tensor_type.shape.dim
        if dims and dims[-1].dim_value:
            return int(dims[-1].dim_value)
    return 0


def _fuse_bert(onnx_path: Path, target: Path) -> bool:
    """Writes the transformer-fused graph to `target`; False when the optimizer is missing (it
    needs the onnx package), fuses no attention, fails, or changes the outputs. The head count
    is not in a Spark NLP folder: head sizes 64, 32 and 128 are tried, the outputs decide."""
    try:
        from onnxruntime.transformers.optimizer import optimize_model
    except ImportError:
        return False
    import logging

    # Its modules log under top-level names (fusion_attention, ...): mute warnings meanwhile.
    logging.disable(logging.WARNING)
    try:
        hidden = _hidden_size(onnx_path)
        for head_size in (64, 32, 128):
            if not hidden or hidden % head_size:
                continue
            model = optimize_model(
                str(onnx_path),
                model_type="bert",
                num_heads=hidden // head_size,
                hidden_size=hidden,
                opt_level=0,
            )
            if not model.get_fused_operator_statistics().get("Attention"):
                continue
            model.save_model_to_file(str(target))
            if _same_outputs(onnx_path, target):
                return True
    except Exception:  # the optimizer's pattern matching is best effort: keep the plain graph
        return False
    finally:
        logging.disable(logging.NOTSET)
    return False


def _same_outputs(reference: Path, candidate: Path, tolerance: float = 1e-4) -> bool:
    """Both graphs on a padded probe batch: same output names, values within `tolerance`."""
    import onnxruntime as ort

    results = []
    for path in (reference, candidate):
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        inputs = {i.name: _DTYPES.get(i.type, np.int64) for i in session.get_inputs()}
        feeds = spark_feeds(inputs, [np.array([2, 5, 6, 7, 3]), np.array([2, 8, 3])], str(path))
        names = [o.name for o in session.get_outputs()]
        results.append(dict(zip(names, session.run(names, feeds), strict=True)))
    plain, fused = results
    return plain.keys() == fused.keys() and all(
        np.allclose(plain[k], fused[k], atol=tolerance, rtol=0) for k in plain
    )


def _pick(names: Sequence[str], preferred: Sequence[str], what: str, onnx_path: Path) -> str:
    for name in preferred:
        if name in names:
            return name
    raise ModelFolderError(
        f"{onnx_path}: the ONNX graph has no {what} output (looked for {', '.join(preferred)}; "
        f"it has {', '.join(names)}); re-export the model with that output"
    )


def weight_only_int8(onnx_path: Path) -> Path:
    """The model with its MatMul weights quantized to int8 (symmetric, blocks of 32), written
    once beside the fp32 file. Needs the `onnx` package."""
    target = onnx_path.with_name(f"{onnx_path.stem}.int8-w8b32.onnx")
    if target.is_file() and target.stat().st_mtime >= onnx_path.stat().st_mtime:
        return target
    try:
        import onnx
        from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer
    except ImportError as error:
        raise ModelFolderError(f"{onnx_path}: int8=True needs the onnx package (pip install onnx)") from error
    import logging

    logging.getLogger("onnxruntime.quantization").setLevel(logging.WARNING)
    quantizer = MatMulNBitsQuantizer(onnx.load(str(onnx_path)), bits=8, block_size=32, is_symmetric=True)
    quantizer.process()
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    quantizer.model.save_model_to_file(str(temporary), use_external_data_format=False)
    os.replace(temporary, target)
    return target


def _input_named(inputs: dict[str, Any], candidates: Sequence[str]) -> str | None:
    """The first input containing a candidate, candidates in priority order ('ids' would also
    match token_type_ids, so it comes after input_ids)."""
    return next((name for c in candidates for name in inputs if c in name), None)


def spark_feeds(inputs: dict[str, Any], rows: Sequence[np.ndarray], where: str) -> dict[str, np.ndarray]:
    """Spark NLP's batch for a graph with `inputs` (name -> numpy dtype): ids padded with 0 to the
    longest row, attention mask = id != 0, token types all 0."""
    ids_name = _input_named(inputs, ("input_ids", "input_word_ids", "ids"))
    if ids_name is None:
        raise ModelFolderError(
            f"{where}: no input like 'input_ids' among {list(inputs)}; "
            "the runtime feeds BERT graphs with input_ids, attention_mask and token_type_ids"
        )
    width = max(len(r) for r in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    for index, row in enumerate(rows):
        ids[index, : len(row)] = row
    feeds = {ids_name: ids.astype(inputs[ids_name], copy=False)}
    mask_name = _input_named(inputs, ("attention_mask", "input_mask", "mask"))
    if mask_name:
        feeds[mask_name] = (ids != 0).astype(inputs[mask_name])
    types_name = _input_named(inputs, ("token_type_ids", "segment_ids", "input_type_ids"))
    if types_name:
        feeds[types_name] = np.zeros_like(ids, dtype=inputs[types_name])
    return feeds


class BertSession:
    """An onnxruntime session for a BERT encoder, fed Spark NLP-style batches."""

    def __init__(self, onnx_path: Path, options: SessionOptions | None = None) -> None:
        self.options = options or SessionOptions()
        self.onnx_path = weight_only_int8(onnx_path) if self.options.int8 else onnx_path
        self.session = _create_session(self.onnx_path, self.options)
        self._inputs = {i.name: _DTYPES.get(i.type, np.int64) for i in self.session.get_inputs()}
        self.output_names = [o.name for o in self.session.get_outputs()]
        spark_feeds(self._inputs, [np.array([2, 3])], str(self.onnx_path))  # fail early on odd graphs

    def output_name(self, output: Output) -> str:
        if output == "pooled":
            return _pick(self.output_names, _POOLED_NAMES, "pooled (pooler_output)", self.onnx_path)
        return _pick(self.output_names, _SEQUENCE_NAMES, "sequence (last_hidden_state)", self.onnx_path)

    @property
    def input_dtypes(self) -> dict[str, Any]:
        return dict(self._inputs)

    def feeds(self, rows: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
        """Pad with 0 to the longest row; mask = id != 0; token types all 0 (Spark NLP's batch)."""
        return spark_feeds(self._inputs, rows, str(self.onnx_path))

    def run(self, rows: Sequence[np.ndarray], output: Output) -> np.ndarray:
        """One batch: [batch, dim] for pooled, [batch, width, dim] for sequence output."""
        result = self.session.run([self.output_name(output)], self.feeds(rows))[0]
        return np.asarray(result, dtype=np.float32)


def in_windows(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most `size` items; holds one window in memory at a time."""
    window: list[T] = []
    for item in items:
        window.append(item)
        if len(window) >= size:
            yield window
            window = []
    if window:
        yield window


def sorted_batches(lengths: Sequence[int], batch_size: int, max_tokens: int | None = None) -> list[list[int]]:
    """Indices grouped into batches of similar length (longest first), so padding is small. With
    `max_tokens`, a batch also holds at most that many padded tokens (never fewer than one text)."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    start = 0
    while start < len(order):
        size = batch_size
        if max_tokens:
            size = max(1, min(batch_size, max_tokens // max(1, lengths[order[start]])))
        batches.append(order[start : start + size])
        start += size
    return batches


def run_in_input_order(
    items: Sequence[T],
    lengths: Sequence[int],
    batch_size: int,
    run_batch: Callable[[list[T]], list[R]],
    max_tokens: int | None = None,
) -> list[R]:
    """Runs `run_batch` on length-sorted batches (see `sorted_batches`) and returns the results in
    input order."""
    results: dict[int, R] = {}
    for batch in sorted_batches(lengths, batch_size, max_tokens):
        results.update(zip(batch, run_batch([items[i] for i in batch]), strict=True))
    return [results[i] for i in range(len(items))]
