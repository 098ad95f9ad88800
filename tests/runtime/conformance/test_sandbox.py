"""The sandbox: one process per snippet, isolated, stopped at its limits, its output captured.

Every hostile snippet here bounds itself (at most 2,000 processes, 8 GB, minutes), so that a
broken sandbox cannot take the machine down."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from runtime.conformance.records import Limits
from runtime.conformance.sandbox import ChildSpec, Sandbox

pytestmark = pytest.mark.usefixtures("isolation")
LIMITS = Limits(wall_seconds=15, cpu_seconds=20, memory_bytes=512 << 20, max_processes=64)


def run(code: str, *, limits: Limits = LIMITS, line: int = 10, kind: str = "nlu") -> object:
    return Sandbox(limits).run(
        ChildSpec(card_path="/cards/x.md", line=line, kind=kind, code=code, prelude="")
    )


@pytest.fixture
def listener() -> Iterator[int]:
    """A real server on the host's loopback that answers anyone who connects."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"HTTP/1.0 200 OK\r\n\r\n")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield port
    server.close()


def test_stdout_and_final_expression_are_captured() -> None:
    outcome = run("print('hello')\n6 * 7\n")
    assert outcome.status == "ok"  # type: ignore[attr-defined]
    assert outcome.produced.stdout == "hello\n"  # type: ignore[attr-defined]
    assert outcome.produced.display_text == "42"  # type: ignore[attr-defined]


def test_a_dataframe_expression_is_a_table() -> None:
    outcome = run("import pandas as pd\npd.DataFrame({'a': ['x'], 'v': [[0.5, 1.5]]})\n")
    table = outcome.produced.display  # type: ignore[attr-defined]
    assert table is not None and table.columns == ("a", "v")
    assert table.rows[0][0] == "x" and table.rows[0][1].values == (0.5, 1.5)


def test_exceptions_point_at_the_card_line() -> None:
    outcome = run("x = 1\n\nraise KeyError('nope')\n", line=40)
    assert outcome.status == "exception"  # type: ignore[attr-defined]
    assert outcome.error_line == 42  # type: ignore[attr-defined]
    assert outcome.message == "/cards/x.md:42: KeyError: 'nope'"  # type: ignore[attr-defined]


def test_the_environment_is_clean_and_the_folder_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARDHUB_SECRET_TOKEN", "do-not-leak")
    outcome = run("import os\nprint(sorted(k for k in os.environ if 'SECRET' in k), os.listdir('.'))\n")
    assert outcome.produced.stdout == "[] []\n"  # type: ignore[attr-defined]


def test_isolation_in_force_is_reported() -> None:
    isolation = " | ".join(run("pass\n").isolation)  # type: ignore[attr-defined]
    assert "network namespace" in isolation
    assert "read-only mounts" in isolation
    assert "capabilities dropped" in isolation
    assert "cgroups (pids 64, memory 512 MB)" in isolation


def test_a_write_outside_its_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "outside"
    outcome = run(f"open({str(target)!r}, 'w').write('x')\n")
    assert outcome.status == "exception"  # type: ignore[attr-defined]
    assert "outside the snippet's folder" in outcome.message  # type: ignore[attr-defined]
    # below the audit hook, the mount is read-only too (a shell command is not audited)
    outcome = run(f"import subprocess\nsubprocess.run(['touch', {str(target)!r}])\n")
    assert outcome.status == "ok"  # type: ignore[attr-defined]
    assert "Read-only file system" in outcome.stderr_tail  # type: ignore[attr-defined]
    assert not target.exists()


def test_no_network_even_to_a_live_loopback_server(listener: int) -> None:
    outcome = run(f"import socket\nsocket.create_connection(('127.0.0.1', {listener}), timeout=5)\n")
    assert outcome.status == "exception"  # type: ignore[attr-defined]
    assert f"no network: connection to 127.0.0.1:{listener} refused" in outcome.message  # type: ignore[attr-defined]
    # a shell tool (not audited) does not get through either: its own namespace has no such server
    outcome = run(
        "import subprocess\n"
        f"shell = 'echo > /dev/tcp/127.0.0.1/{listener}'\n"
        "print(subprocess.run(['bash', '-c', shell], capture_output=True).returncode)\n"
    )
    assert outcome.produced.stdout.strip() == "1"  # type: ignore[attr-defined]


def test_an_endless_loop_is_stopped_at_the_wall_clock() -> None:
    outcome = run(
        "import time\nend = time.monotonic() + 600\nwhile time.monotonic() < end:\n    pass\n",
        limits=Limits(wall_seconds=3, cpu_seconds=60, memory_bytes=512 << 20, max_processes=64),
    )
    assert outcome.status == "killed"  # type: ignore[attr-defined]
    assert outcome.message == "stopped: wall-clock limit of 3 s reached"  # type: ignore[attr-defined]
    assert outcome.seconds < 10  # type: ignore[attr-defined]


def test_cpu_time_is_limited() -> None:
    outcome = run(
        "import time\nend = time.monotonic() + 600\nwhile time.monotonic() < end:\n    pass\n",
        limits=Limits(wall_seconds=30, cpu_seconds=2, memory_bytes=512 << 20, max_processes=64),
    )
    assert outcome.status == "killed"  # type: ignore[attr-defined]
    assert "CPU time limit of 2 s reached" in outcome.message  # type: ignore[attr-defined]


def test_a_fork_loop_hits_the_process_limit_and_leaves_nothing_behind() -> None:
    code = (
        "import os, time\nkids = []\nfor _ in range(2000):\n    pid = os.fork()\n    if pid == 0:\n"
        "        time.sleep(120)\n        os._exit(0)\n    kids.append(pid)\n"
    )
    outcome = run(code)
    assert outcome.status == "exception"  # type: ignore[attr-defined]
    assert "BlockingIOError" in outcome.message  # type: ignore[attr-defined]
    assert "process limit of 64 reached" in outcome.message  # type: ignore[attr-defined]
    assert outcome.error_line == 13  # type: ignore[attr-defined]


def test_memory_growth_hits_the_memory_limit() -> None:
    code = "chunks = []\nfor _ in range(8 * 1024):\n    chunks.append(bytearray(b'x' * (1 << 20)))\n"
    outcome = run(code)
    assert outcome.status == "killed"  # type: ignore[attr-defined]
    assert outcome.message == "stopped: memory limit of 512 MB reached"  # type: ignore[attr-defined]


def test_sparknlp_and_nlu_names_map_onto_the_compat_layer_in_the_child_only() -> None:
    import sys

    outcome = run("import sparknlp.base\nprint(sparknlp.__name__, sparknlp.base.__name__)\n")
    assert "sparknlp" not in sys.modules and "nlu" not in sys.modules
    if outcome.status == "exception":  # type: ignore[attr-defined]
        # before runtime.compat.sparknlp lands, the mapping says where it looks
        assert "maps it onto runtime.compat.sparknlp" in outcome.message  # type: ignore[attr-defined]
    else:
        assert outcome.produced.stdout == "runtime.compat.sparknlp runtime.compat.sparknlp.base\n"  # type: ignore[attr-defined]
