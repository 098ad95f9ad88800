"""Warm workers on the parent's side: start them (each in its own cgroups), hand them snippets
one at a time, put each snippet's fork in its own cgroups, enforce the wall clock, collect.

    with WorkerPool(limits, size=2, spark=True, env=env, overlays=[cache]) as pool:
        outcome = pool.run(spec)
"""

from __future__ import annotations

import json
import os
import queue
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, replace
from itertools import count
from pathlib import Path
from types import TracebackType
from typing import Any

from runtime.conformance.errors import SandboxError
from runtime.conformance.records import Limits, RunOutcome
from runtime.conformance.sandbox import ROOT, Cgroups, ChildSpec, clean_environment, collect_outcome

_BOOT = "import sys; sys.path.insert(0, {root!r}); from runtime.conformance.worker import main; main()"
WARM_TIMEOUT = 300.0
JVM_HEADROOM = 3 * 1024**3


class WorkerDied(SandboxError):
    """The warm worker exited or stopped answering; the pool starts another one."""


class WarmWorker:
    def __init__(
        self, limits: Limits, *, spark: bool, env: dict[str, str], overlays: list[str], namespaces: bool
    ) -> None:
        self.limits = limits
        self.scratch = Path(tempfile.mkdtemp(prefix="cardhub-conform-worker-"))
        self.root = self.scratch / "root"
        self.spark_dir = self.root / "spark"
        for folder in (self.root, self.spark_dir, self.scratch / "overlay", self.scratch / "io"):
            folder.mkdir()
        worker_limits = replace(limits, memory_bytes=limits.memory_bytes + JVM_HEADROOM, max_processes=4096)
        self.cgroups = Cgroups.create(worker_limits)
        read, write = os.pipe()
        started = time.perf_counter()
        with (
            (self.scratch / "io" / "stdout").open("wb") as out,
            (self.scratch / "io" / "stderr").open("wb") as err,
        ):
            self.proc = subprocess.Popen(
                [sys.executable, "-E", "-s", "-c", _BOOT.format(root=str(ROOT)), str(write)],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=err,
                cwd=self.root,
                env=self._environment(env),
                pass_fds=(write,),
                start_new_session=True,
            )
        os.close(write)
        self.replies = os.fdopen(read, "r", encoding="utf-8")
        self.jobs = count()
        self.retired = False
        """A snippet left the worker unusable (it stopped the shared Spark session)."""
        if self.cgroups:
            self.cgroups.add(self.proc.pid)
        config = {
            "root": str(self.root),
            "overlay_scratch": str(self.scratch / "overlay"),
            "overlays": overlays,
            "namespaces": namespaces,
            "spark": spark,
        }
        self._send(config)
        ready = self._reply(WARM_TIMEOUT)
        self.warm_seconds = time.perf_counter() - started
        if not ready.get("ready"):
            message = ready.get("message") or (self.scratch / "io" / "stderr").read_text()[-2000:]
            self.close()
            raise SandboxError(f"the warm worker did not start: {message}")
        self.isolation = tuple(ready.get("isolation", ()))

    def _environment(self, extra: dict[str, str]) -> dict[str, str]:
        """Spark's scratch (block manager, pyspark's temp files) in a folder every fork may write."""
        env = clean_environment(self.root, extra)
        env["SPARK_LOCAL_DIRS"] = str(self.spark_dir)
        env["JAVA_TOOL_OPTIONS"] = f"-Djava.io.tmpdir={self.spark_dir} -XX:-UsePerfData"
        return env

    def _send(self, message: dict[str, Any] | str) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(
                (message if isinstance(message, str) else json.dumps(message)).encode() + b"\n"
            )
            self.proc.stdin.flush()
        except OSError as exc:
            raise WorkerDied(f"the warm worker is gone ({exc})") from exc

    def _reply(self, timeout: float) -> dict[str, Any]:
        ready, _, _ = select.select([self.replies], [], [], timeout)
        if not ready:
            raise TimeoutError
        line = self.replies.readline()
        if not line:
            raise WorkerDied("the warm worker exited")
        return dict(json.loads(line))

    def run(self, spec: ChildSpec) -> RunOutcome:
        job_dir = self.root / f"job{next(self.jobs)}"
        workdir, io_dir = job_dir / "work", job_dir / "io"
        workdir.mkdir(parents=True)
        io_dir.mkdir()
        payload = {
            **{k: v for k, v in asdict(spec).items() if k not in ("env", "overlays")},
            "workdir": str(workdir),
            "limits": {
                **asdict(self.limits),
                "address_space": None if self.cgroups else self.limits.memory_bytes,
            },
        }
        started = time.perf_counter()
        try:
            self._send({"spec": payload, "dir": str(job_dir), "shared": [str(self.spark_dir)]})
            pid = int(self._reply(60.0)["pid"])
            cgroups = Cgroups.create(self.limits)
            if cgroups:
                cgroups.add(pid)
            self._send("go")
            killed = ""
            try:
                ended = self._reply(self.limits.wall_seconds)
                code, self.retired = int(ended["exit"]), bool(ended.get("retire"))
            except TimeoutError:
                killed = f"stopped: wall-clock limit of {self.limits.wall_seconds:g} s reached"
                if cgroups:
                    cgroups.kill_all()
                else:
                    os.kill(pid, 9)
                ended = self._reply(30.0)
                code, self.retired = int(ended["exit"]), bool(ended.get("retire"))
            if cgroups:
                cgroups.kill_all()
            outcome = collect_outcome(
                io_dir, code, killed, cgroups, time.perf_counter() - started, self.limits
            )
            if cgroups:
                cgroups.remove()
            return outcome
        except (TimeoutError, KeyError, ValueError) as exc:
            raise WorkerDied(f"the warm worker stopped answering ({type(exc).__name__})") from exc
        finally:
            shutil.rmtree(job_dir, ignore_errors=True)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        if self.cgroups:
            self.cgroups.remove()
        else:
            self.proc.kill()
        self.proc.wait()
        self.replies.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


class WorkerPool:
    """`size` warm workers, started on first use; a worker that dies is replaced."""

    def __init__(
        self,
        limits: Limits,
        *,
        size: int,
        spark: bool,
        env: dict[str, str],
        overlays: list[str],
        namespaces: bool = True,
    ) -> None:
        self.options = {"spark": spark, "env": env, "overlays": overlays, "namespaces": namespaces}
        self.limits = limits
        self.idle: queue.Queue[WarmWorker | None] = queue.Queue()
        self.all: list[WarmWorker] = []
        for _ in range(size):
            self.idle.put(None)

    def warm_seconds(self) -> list[float]:
        return [worker.warm_seconds for worker in self.all]

    def _start(self) -> WarmWorker:
        worker = WarmWorker(self.limits, **self.options)  # type: ignore[arg-type]
        self.all.append(worker)
        return worker

    def run(self, spec: ChildSpec) -> RunOutcome:
        slot = self.idle.get()
        try:
            if slot is None:
                try:
                    slot = self._start()
                except SandboxError as exc:
                    return RunOutcome(status="crashed", message=str(exc))
            worker = slot
            try:
                outcome = worker.run(spec)
            except WorkerDied as exc:
                outcome = RunOutcome(status="killed", message=f"stopped: {exc}")
                worker.retired = True
            if worker.retired:  # the next snippet gets a fresh worker, not a dead or stopped one
                worker.close()
                self.all.remove(worker)
                slot = None
            return outcome
        finally:
            self.idle.put(slot)

    def close(self) -> None:
        for worker in self.all:
            worker.close()
        self.all.clear()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
