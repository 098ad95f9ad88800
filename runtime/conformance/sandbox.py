"""Run one snippet in its own process: fresh folder, clean environment, no network, limits.

    outcome = Sandbox(limits, env).run(spec)

The parent puts the child in fresh cgroups (pids, memory) before the child reads its spec, kills
every process left in them when the snippet ends or overruns, and reads what the child wrote.
Without cgroups (another OS, no permission) memory falls back to RLIMIT_AS and processes to
RLIMIT_NPROC, which root ignores; the report says which isolation was in force.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

from runtime.conformance.errors import SandboxError
from runtime.conformance.records import Limits, Produced, RunOutcome, Table, Vector

ROOT = Path(__file__).resolve().parents[2]
_BOOT = "import sys; sys.path.insert(0, {root!r}); from runtime.conformance.child import main; main()"
_SEQUENCE = count()
_TAIL = 4000
MAX_STDOUT = 1 << 20


class Cgroups:
    """A pids and a memory cgroup (v1 or v2) of one snippet, under this process's own cgroups."""

    def __init__(self, folders: dict[str, Path], v2: bool) -> None:
        self.folders, self.v2 = folders, v2

    @classmethod
    def create(cls, limits: Limits) -> Cgroups | None:
        name = f"cardhub-conform-{os.getpid()}-{next(_SEQUENCE)}"
        try:
            own = dict(
                (parts[1], parts[2].strip())
                for parts in (
                    line.split(":", 2) for line in Path("/proc/self/cgroup").read_text().splitlines()
                )
            )
        except OSError:
            return None
        base = Path("/sys/fs/cgroup")
        folders: dict[str, Path] = {}
        try:
            if (base / "pids").is_dir() and (base / "memory").is_dir() and "pids" in own and "memory" in own:
                for controller in ("pids", "memory"):
                    folder = base / controller / own[controller].lstrip("/") / name
                    folder.mkdir()
                    folders[controller] = folder
                (folders["pids"] / "pids.max").write_text(str(limits.max_processes))
                (folders["memory"] / "memory.limit_in_bytes").write_text(str(limits.memory_bytes))
                return cls(folders, v2=False)
            unified = base / own.get("", "/").lstrip("/")
            if {"pids", "memory"} <= set((unified / "cgroup.subtree_control").read_text().split()):
                folder = unified / name
                folder.mkdir()
                (folder / "pids.max").write_text(str(limits.max_processes))
                (folder / "memory.max").write_text(str(limits.memory_bytes))
                (folder / "memory.swap.max").write_text("0")
                return cls({"pids": folder, "memory": folder}, v2=True)
        except OSError:
            for folder in folders.values():
                folder.rmdir()
            return None
        return None

    def add(self, pid: int) -> None:
        for folder in set(self.folders.values()):
            (folder / "cgroup.procs").write_text(str(pid))

    def pids(self) -> list[int]:
        text = (self.folders["pids"] / "cgroup.procs").read_text()
        return [int(pid) for pid in text.split()]

    def kill_all(self) -> None:
        """SIGKILL until empty: a fork loop cannot outrun it, pids.max bounds it."""
        if self.v2 and (self.folders["pids"] / "cgroup.kill").exists():
            (self.folders["pids"] / "cgroup.kill").write_text("1")
        for _ in range(500):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def forks_refused(self) -> int:
        try:
            text = (self.folders["pids"] / "pids.events").read_text()
        except OSError:
            return 0
        return next((int(line.split()[1]) for line in text.splitlines() if line.startswith("max ")), 0)

    def memory_hit(self) -> bool:
        memory = self.folders["memory"]
        try:
            if self.v2:
                events = (memory / "memory.events").read_text()
                return any(
                    line.split()[0] in ("oom_kill", "max") and int(line.split()[1]) > 0
                    for line in events.splitlines()
                )
            return int((memory / "memory.failcnt").read_text()) > 0
        except OSError:
            return False

    def remove(self) -> None:
        self.kill_all()
        for folder in set(self.folders.values()):
            for _ in range(100):
                try:
                    folder.rmdir()
                    break
                except OSError:
                    time.sleep(0.02)


def clean_environment(workdir: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """Nothing from the caller's environment but JAVA_HOME; the runtime's variables are explicit."""
    bin_dir = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{bin_dir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYSPARK_PYTHON": sys.executable,
        "SPARK_LOCAL_DIRS": str(workdir),
        "JAVA_TOOL_OPTIONS": f"-Djava.io.tmpdir={workdir} -XX:-UsePerfData",
        "CARDHUB_OFFLINE": "1",
    }
    if "JAVA_HOME" in os.environ:
        env["JAVA_HOME"] = os.environ["JAVA_HOME"]
    env.update(extra)
    return env


@dataclass(frozen=True)
class ChildSpec:
    """What the child needs (sent as JSON on its stdin)."""

    card_path: str
    line: int
    kind: str
    code: str
    prelude: str
    nlu_column: str | None = None
    expected_columns: list[str] | None = None
    register_card: bool = False
    overlays: list[str] = field(default_factory=list)
    """Folders the snippet sees with their files but whose writes it keeps to itself (the cache)."""
    env: dict[str, str] = field(default_factory=dict)


def _cell(value: Any) -> str | Vector:
    if isinstance(value, list):
        return Vector(values=tuple(float(v) for v in value), shown=())
    return str(value)


def _table(data: Any) -> Table | None:
    if not data:
        return None
    rows = tuple(tuple(_cell(v) for v in row) for row in data["rows"])
    return Table(tuple(str(c) for c in data["columns"]), rows)


def _tail(path: Path, limit: int) -> str:
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - limit))
        return handle.read().decode("utf-8", "replace")


class Sandbox:
    def __init__(self, limits: Limits, namespaces: bool = True) -> None:
        self.limits, self.namespaces = limits, namespaces and sys.platform == "linux"

    def run(self, spec: ChildSpec) -> RunOutcome:
        try:
            scratch = Path(tempfile.mkdtemp(prefix="cardhub-conform-"))
        except OSError as exc:
            raise SandboxError(f"cannot create the snippet's temporary folder: {exc}") from exc
        try:
            return self._run(spec, scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _run(self, spec: ChildSpec, scratch: Path) -> RunOutcome:
        workdir, io_dir, overlay = scratch / "work", scratch / "io", scratch / "overlay"
        for folder in (workdir, io_dir, overlay):
            folder.mkdir()
        cgroups = Cgroups.create(self.limits)
        payload = {
            **{k: v for k, v in asdict(spec).items() if k != "env"},
            "workdir": str(workdir),
            "overlay_scratch": str(overlay),
            "namespaces": self.namespaces,
            "limits": {**asdict(self.limits), "address_space": None if cgroups else self.limits.memory_bytes},
        }
        started = time.perf_counter()
        with (
            (io_dir / "stdout").open("wb") as out,
            (io_dir / "stderr").open("wb") as err,
            (io_dir / "result").open("wb") as res,
        ):
            try:
                proc = subprocess.Popen(
                    [sys.executable, "-E", "-s", "-c", _BOOT.format(root=str(ROOT)), str(res.fileno())],
                    stdin=subprocess.PIPE,
                    stdout=out,
                    stderr=err,
                    cwd=workdir,
                    env=clean_environment(workdir, spec.env),
                    pass_fds=(res.fileno(),),
                    start_new_session=True,
                )
            except OSError as exc:
                if cgroups:
                    cgroups.remove()
                raise SandboxError(f"cannot start {sys.executable}: {exc}") from exc
        killed = self._supervise(proc, payload, cgroups)
        seconds = time.perf_counter() - started
        outcome = collect_outcome(io_dir, proc.returncode, killed, cgroups, seconds, self.limits)
        if cgroups:
            cgroups.remove()
        return outcome

    def _supervise(
        self, proc: subprocess.Popen[bytes], payload: dict[str, Any], cgroups: Cgroups | None
    ) -> str:
        assert proc.stdin is not None
        try:
            if cgroups:
                cgroups.add(proc.pid)
            proc.stdin.write(json.dumps(payload).encode())
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=self.limits.wall_seconds)
            killed = ""
        except subprocess.TimeoutExpired:
            killed = f"stopped: wall-clock limit of {self.limits.wall_seconds:g} s reached"
        if cgroups:
            cgroups.kill_all()
        else:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return killed


def collect_outcome(
    io_dir: Path, code: int, killed: str, cgroups: Cgroups | None, seconds: float, limits: Limits
) -> RunOutcome:
    """What the child left in `io_dir` (stdout, stderr, its result document) and how it ended."""
    stdout = _tail(io_dir / "stdout", MAX_STDOUT)
    stderr = _tail(io_dir / "stderr", _TAIL)
    try:
        data = json.loads((io_dir / "result").read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        data = {}
    if cgroups:
        enforced = f"cgroups (pids {limits.max_processes}, memory {limits.memory_bytes >> 20} MB)"
    else:
        enforced = "no cgroups: memory by RLIMIT_AS, processes by RLIMIT_NPROC (root ignores it)"
    limit = _limit_reached(code, cgroups, limits)
    status = data.get("status")
    message = str(data.get("message", ""))
    if killed or status in (None, "crashed"):
        if killed:
            message = killed + (f"; {limit}" if limit else "")
        elif limit:
            message = f"stopped: {limit}"
        elif message:
            message = f"sandbox failure: {message}"
        else:
            message = f"the snippet's process ended with {_describe(code)} before reporting"
        status = "killed"
    elif limit and status == "exception":
        message = f"{message} [{limit}]"
    display = data.get("display") or {}
    produced = Produced(
        stdout=stdout,
        display=_table(display.get("table")),
        display_text=display.get("text"),
        pipeline=_table(data.get("pipeline")),
    )
    return RunOutcome(
        status=status,
        produced=produced,
        message=message,
        error_line=data.get("error_line"),
        traceback=str(data.get("traceback", "")),
        stderr_tail=stderr,
        seconds=seconds,
        startup_seconds=float(data.get("startup_seconds", seconds)),
        isolation=(*data.get("isolation", ()), enforced),
    )


def _limit_reached(code: int, cgroups: Cgroups | None, limits: Limits) -> str:
    """Every limit the snippet ran into, most telling first."""
    reached = []
    forks = cgroups.forks_refused() if cgroups else 0
    if forks:
        reached.append(f"process limit of {limits.max_processes} reached ({forks} forks refused)")
    if cgroups and cgroups.memory_hit():
        reached.append(f"memory limit of {limits.memory_bytes >> 20} MB reached")
    if code == -signal.SIGXCPU:
        reached.append(f"CPU time limit of {limits.cpu_seconds} s reached")
    return "; ".join(reached)


def _describe(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"
