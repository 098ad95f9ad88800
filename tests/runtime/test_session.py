"""The onnxruntime session: inputs read from the graph, Spark NLP's batch layout, threads,
the optimized-graph cache, length-sorted batching in input order, bounded windows."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from runtime.errors import ModelFolderError
from runtime.session import (
    WEIGHTS_SUFFIX,
    BertSession,
    SessionOptions,
    in_windows,
    optimized_model_path,
    physical_cores,
    run_in_input_order,
    sorted_batches,
)
from tests.fixtures.tiny_bert import TinyBert, shared_tiny_bert, torch_unavailable_reason


@pytest.fixture(scope="module")
def tiny() -> TinyBert:
    reason = torch_unavailable_reason()
    if reason:
        pytest.skip(reason)
    return shared_tiny_bert()


@pytest.fixture(scope="module")
def tiny_int32() -> TinyBert:
    reason = torch_unavailable_reason()
    if reason:
        pytest.skip(reason)
    return shared_tiny_bert(int32_inputs=True)


ROWS = [np.array([2, 7, 8, 9, 3]), np.array([2, 10, 3]), np.array([2, 11, 12, 3])]


def padded(rows: list[np.ndarray]) -> np.ndarray:
    out = np.zeros((len(rows), max(len(r) for r in rows)), dtype=np.int64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


def test_feeds_are_spark_nlp_batches(tiny: TinyBert, tmp_path: Path) -> None:
    session = BertSession(tiny.onnx_path, SessionOptions(cache_optimized=False))
    feeds = session.feeds(ROWS)
    assert feeds["input_ids"].tolist() == [[2, 7, 8, 9, 3], [2, 10, 3, 0, 0], [2, 11, 12, 3, 0]]
    assert feeds["attention_mask"].tolist() == [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 1, 1, 0]]
    assert feeds["token_type_ids"].tolist() == [[0] * 5] * 3
    assert {a.dtype for a in feeds.values()} == {np.dtype(np.int64)}


def test_outputs_match_pytorch(tiny: TinyBert) -> None:
    session = BertSession(tiny.onnx_path, SessionOptions(cache_optimized=False))
    hidden, pooled = tiny.torch_outputs(padded(ROWS))
    np.testing.assert_allclose(session.run(ROWS, "pooled"), pooled, atol=1e-5)
    np.testing.assert_allclose(session.run(ROWS, "sequence"), hidden, atol=1e-5)


def test_int32_inputs_are_read_from_the_graph(tiny_int32: TinyBert) -> None:
    session = BertSession(tiny_int32.onnx_path, SessionOptions(cache_optimized=False))
    assert set(session.input_dtypes.values()) == {np.int32}
    assert {a.dtype for a in session.feeds(ROWS).values()} == {np.dtype(np.int32)}
    _, pooled = tiny_int32.torch_outputs(padded(ROWS))
    np.testing.assert_allclose(session.run(ROWS, "pooled"), pooled, atol=1e-5)


@pytest.fixture
def onnx_path(tiny: TinyBert, tmp_path: Path) -> Path:
    """A private copy of the tiny BERT graph, so the optimized graph is written beside it."""
    path = tmp_path / "model.onnx"
    path.write_bytes(tiny.onnx_path.read_bytes())
    return path


def test_optimized_graph_is_cached_beside_the_model_and_reused(tiny: TinyBert, onnx_path: Path) -> None:
    first = BertSession(onnx_path)
    cached = optimized_model_path(onnx_path)
    assert cached.is_file() and cached.parent == onnx_path.parent
    stamp = cached.stat().st_mtime_ns
    second = BertSession(onnx_path)
    assert cached.stat().st_mtime_ns == stamp  # reused, not rewritten
    assert not list(onnx_path.parent.glob("*.tmp"))
    np.testing.assert_allclose(first.run(ROWS, "pooled"), second.run(ROWS, "pooled"), atol=1e-6)
    _, pooled = tiny.torch_outputs(padded(ROWS))
    np.testing.assert_allclose(second.run(ROWS, "pooled"), pooled, atol=1e-5)


def test_cached_graph_keeps_its_weights_in_one_file_beside_it(tiny: TinyBert, onnx_path: Path) -> None:
    BertSession(onnx_path)
    cached = optimized_model_path(onnx_path)
    [weights] = onnx_path.parent.glob(f"{cached.name}.*{WEIGHTS_SUFFIX}")
    # The graph holds no weights itself: they are read from the weights file.
    assert cached.stat().st_size < weights.stat().st_size / 10
    os.utime(onnx_path, (cached.stat().st_mtime + 10, cached.stat().st_mtime + 10))  # model changed
    session = BertSession(onnx_path)
    [rewritten] = onnx_path.parent.glob(f"{cached.name}.*{WEIGHTS_SUFFIX}")
    assert rewritten != weights and not weights.exists()
    _, pooled = tiny.torch_outputs(padded(ROWS))
    np.testing.assert_allclose(session.run(ROWS, "pooled"), pooled, atol=1e-5)


def test_cached_graph_without_its_weights_is_optimized_again(tiny: TinyBert, onnx_path: Path) -> None:
    BertSession(onnx_path)
    cached = optimized_model_path(onnx_path)
    for weights in onnx_path.parent.glob(f"{cached.name}.*{WEIGHTS_SUFFIX}"):
        weights.unlink()
    session = BertSession(onnx_path)
    assert len(list(onnx_path.parent.glob(f"{cached.name}.*{WEIGHTS_SUFFIX}"))) == 1
    _, pooled = tiny.torch_outputs(padded(ROWS))
    np.testing.assert_allclose(session.run(ROWS, "pooled"), pooled, atol=1e-5)


def test_cached_graph_has_fused_bert_attention(tiny: TinyBert, onnx_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    session = BertSession(onnx_path)
    ops = {node.op_type for node in onnx.load(str(optimized_model_path(onnx_path))).graph.node}
    assert {"Attention", "SkipLayerNormalization"} <= ops
    hidden, pooled = tiny.torch_outputs(padded(ROWS))
    np.testing.assert_allclose(session.run(ROWS, "pooled"), pooled, atol=1e-5)
    np.testing.assert_allclose(session.run(ROWS, "sequence"), hidden, atol=1e-5)


def _sysfs_physical_cores() -> int | None:
    cores = set()
    for cpu in os.sched_getaffinity(0):
        topology = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            cores.add(((topology / "physical_package_id").read_text(), (topology / "core_id").read_text()))
        except OSError:
            return None
    return len(cores)


def test_threads_default_to_physical_cores(tiny: TinyBert) -> None:
    expected = _sysfs_physical_cores()
    if expected is None:
        pytest.skip("no CPU topology in /sys on this machine")
    assert physical_cores() == expected
    session = BertSession(tiny.onnx_path, SessionOptions(cache_optimized=False))
    assert session.session.get_session_options().intra_op_num_threads == expected
    one = BertSession(tiny.onnx_path, SessionOptions(threads=1, cache_optimized=False))
    assert one.session.get_session_options().intra_op_num_threads == 1


def test_missing_output_names_the_file_and_what_it_has(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "s"])
    y = helper.make_tensor_value_info("logits", TensorProto.INT64, ["b", "s"])
    graph = helper.make_graph([helper.make_node("Identity", ["input_ids"], ["logits"])], "g", [x], [y])
    path = tmp_path / "odd.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    session = BertSession(path, SessionOptions(cache_optimized=False))
    with pytest.raises(ModelFolderError, match=r"odd\.onnx.*pooler_output.*logits"):
        session.run(ROWS, "pooled")


def test_sorted_batches_group_similar_lengths() -> None:
    assert sorted_batches([3, 9, 1, 7, 5], 2) == [[1, 3], [4, 0], [2]]


def test_sorted_batches_hold_at_most_max_tokens_padded_tokens() -> None:
    # 300 alone (over the budget, but a text always runs); 250 pads one more text to 500 tokens.
    assert sorted_batches([300, 250, 10, 10, 10, 10], 4, max_tokens=512) == [[0], [1, 2], [3, 4, 5]]
    rng = random.Random(7)
    lengths = [rng.randint(1, 256) for _ in range(500)]
    batches = sorted_batches(lengths, 32, max_tokens=700)
    assert sorted(i for batch in batches for i in batch) == list(range(500))
    for batch in batches:
        longest = max(lengths[i] for i in batch)
        assert len(batch) <= 32 and (len(batch) == 1 or len(batch) * longest <= 700)


def test_results_come_back_in_input_order() -> None:
    items = ["ccc", "a", "bbbbb", "dd", "e"]
    seen: list[list[str]] = []

    def run(batch: list[str]) -> list[str]:
        seen.append(batch)
        return [s.upper() for s in batch]

    assert run_in_input_order(items, [len(s) for s in items], 2, run) == ["CCC", "A", "BBBBB", "DD", "E"]
    assert seen[0] == ["bbbbb", "ccc"]


def test_windows_pull_lazily() -> None:
    pulled: list[int] = []

    def source() -> Iterator[int]:
        for i in range(10_000):
            pulled.append(i)
            yield i

    windows = in_windows(source(), 100)
    assert next(windows) == list(range(100))
    assert len(pulled) == 100


_OPEN_AND_EMBED = """
import sys
from pathlib import Path
import numpy as np
from runtime.session import BertSession
session = BertSession(Path(sys.argv[1]))
print(float(session.run([np.array([2, 7, 3])], "pooled")[0][0]))
"""


def test_processes_opening_one_model_at_once_all_get_a_session(tiny: TinyBert, onnx_path: Path) -> None:
    """Spark starts one Python worker per core and each opens the model: the first optimizes
    and caches the graph while the others wait, and none is handed a weights file that another
    process is replacing."""
    import subprocess
    import sys

    children = [
        subprocess.Popen(
            [sys.executable, "-c", _OPEN_AND_EMBED, str(onnx_path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        for _ in range(4)
    ]
    outputs = [child.communicate(timeout=300) for child in children]
    assert [child.returncode for child in children] == [0] * 4, [err for _, err in outputs]
    assert len({out for out, _ in outputs}) == 1
    assert len(list(onnx_path.parent.glob(f"*{WEIGHTS_SUFFIX}"))) == 1
