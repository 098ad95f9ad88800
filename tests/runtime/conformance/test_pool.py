"""Warm workers: one fork per snippet from a process that imported (and started Spark) once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runtime.conformance.pool import WorkerPool
from runtime.conformance.records import Limits
from runtime.conformance.sandbox import ChildSpec

pytestmark = pytest.mark.usefixtures("isolation")
LIMITS = Limits(wall_seconds=5, cpu_seconds=20, memory_bytes=1024 << 20, max_processes=64)


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerPool]:
    with WorkerPool(LIMITS, size=1, spark=False, env={}, overlays=[]) as running:
        yield running


def _spec(code: str, line: int = 5) -> ChildSpec:
    return ChildSpec(card_path="/cards/w.md", line=line, kind="nlu", code=code, prelude="")


def test_each_snippet_gets_fresh_python_state(pool: WorkerPool) -> None:
    first = pool.run(_spec("leaked = 41\nprint(leaked + 1)\n"))
    assert first.status == "ok" and first.produced.stdout == "42\n"
    second = pool.run(_spec("print('leaked' in globals())\n"))
    assert second.produced.stdout == "False\n"
    assert any("forked from a warm worker" in line for line in second.isolation)
    assert any("network namespace" in line for line in second.isolation)


def test_the_worker_survives_a_snippet_stopped_at_the_wall_clock(pool: WorkerPool) -> None:
    stuck = pool.run(
        _spec("import time\nend = time.monotonic() + 600\nwhile time.monotonic() < end:\n    pass\n")
    )
    assert stuck.status == "killed" and stuck.message == "stopped: wall-clock limit of 5 s reached"
    after = pool.run(_spec("print('still here')\n"))
    assert after.status == "ok" and after.produced.stdout == "still here\n"


def test_limits_and_card_lines_hold_in_forks(pool: WorkerPool, tmp_path: object) -> None:
    denied = pool.run(_spec("x = 1\nopen('/tmp/outside', 'w')\n", line=30))
    assert denied.status == "exception" and denied.error_line == 31
    assert "outside the snippet's folder" in denied.message
    memory = pool.run(
        _spec("chunks = []\nfor _ in range(8 * 1024):\n    chunks.append(bytearray(b'x' * (1 << 20)))\n")
    )
    assert memory.status == "killed" and "memory limit of 1024 MB reached" in memory.message
    assert pool.run(_spec("print(1)\n")).produced.stdout == "1\n"
