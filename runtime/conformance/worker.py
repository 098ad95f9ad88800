"""A warm worker: one sandboxed process per job slot that starts Spark once and forks a fresh
child for each snippet, so that a pipeline snippet costs seconds, not a JVM start.

    python -E -s -c BOOT REPLY_FD      (commands as JSON lines on stdin, replies on REPLY_FD)

The worker isolates itself as a one-shot child does (network and mount namespaces, read-only
mounts but its scratch folder, the model cache behind a throw-away overlay, every capability
dropped), imports the heavy modules and starts the Spark session. For each job it forks; the
parent moves the fork into the snippet's own cgroups, says go, and the fork sets its own CPU and
file limits, its audit hook, fresh Py4J connections, and runs the snippet (child.run). Python
state never passes from one snippet to the next; the JVM (Spark's session) is shared.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import time
import traceback
from collections import deque
from typing import Any

from runtime.conformance import child, isolation


def _reply(out: Any, message: dict[str, Any]) -> None:
    out.write(json.dumps(message) + "\n")
    out.flush()


def _warm(spark: bool) -> list[str]:
    """Imports every snippet needs, and the Spark session when some snippet uses `spark`."""
    import pandas  # noqa: F401

    import runtime.compat.nlu  # noqa: F401

    notes = ["pandas, runtime.compat imported once"]
    if spark:
        from runtime.compat import sparknlp

        session = sparknlp.start()
        _warm_python_workers(session)
        notes.append("Spark session and its Python workers started once for every snippet of this worker")
    return notes


def _warm_python_workers(session: Any) -> None:
    """One row through the text stages: Spark's Python workers start and import the compat
    layer now, not in the first snippet (models still load on first use, once per worker)."""
    from pyspark.ml import Pipeline

    from runtime.compat.sparknlp.annotator import SentenceDetector, Tokenizer
    from runtime.compat.sparknlp.base import DocumentAssembler

    stages: list[Any] = [
        DocumentAssembler().setInputCol("text").setOutputCol("document"),
        SentenceDetector().setInputCols(["document"]).setOutputCol("sentence"),
        Tokenizer().setInputCols(["sentence"]).setOutputCol("token"),
    ]
    frame = session.createDataFrame([["Warm up."]], ["text"])
    Pipeline(stages=stages).fit(frame).transform(frame).collect()


def _session_stopped() -> bool:
    """A snippet stopped the shared Spark session (`spark.stop()`): this worker must retire."""
    try:
        from pyspark import SparkContext

        context = SparkContext._active_spark_context
        return context is None or bool(context._jsc.sc().isStopped())
    except Exception:  # the JVM is gone or unreachable
        return True


def _fresh_py4j_connections() -> None:
    """The fork must not talk to the JVM over the worker's sockets, nor wait for the worker's
    threads: drop the inherited connections so that Py4J opens its own (to the JVM inside this
    network namespace), and the accumulator server that lives in a worker thread."""
    try:
        from pyspark import SparkContext
    except ImportError:
        return
    context = SparkContext._active_spark_context
    if context is None or context._gateway is None:
        return
    # The accumulator server is a thread of the worker, absent in the fork: `spark.stop()` would
    # wait for it for ever. Updates keep going to the worker's server.
    context._accumulatorServer = None  # type: ignore[assignment]
    client = context._gateway._gateway_client
    if hasattr(client, "thread_connection"):
        client.thread_connection = threading.local()
    if hasattr(client, "deque"):
        client.deque = deque()


def _own_session() -> list[str]:
    """Give the snippet a Spark SQL session of its own (the worker's Spark context, with its own
    temp views, SQL settings and functions), made the one `getOrCreate()` and `sparknlp.start()`
    return: what an earlier snippet left in its session is not seen."""
    if "pyspark.sql" not in sys.modules:  # a worker without Spark
        return []
    from pyspark.sql import SparkSession

    shared = SparkSession._instantiatedSession
    if shared is None:
        return []
    session = shared.newSession()
    SparkSession._instantiatedSession = session
    SparkSession._activeSession = session
    jvm_class = SparkSession._get_j_spark_session_class(session._jvm)
    jvm_class.setDefaultSession(session._jsparkSession)
    jvm_class.setActiveSession(session._jsparkSession)
    return ["its own Spark SQL session (temp views, SQL settings and functions of earlier snippets unseen)"]


def _run_job(job: dict[str, Any], go: int) -> None:
    """In the fork: wait for the parent's go, limit, isolate, run, report; never returns."""
    child.STARTED = time.perf_counter()
    spec, job_dir = job["spec"], job["dir"]
    result: dict[str, Any] = {"status": "crashed", "isolation": list(job.get("isolation", []))}
    out = open(os.path.join(job_dir, "io", "result"), "w", encoding="utf-8")  # noqa: SIM115
    try:
        os.read(go, 1)  # blocks until the parent has put this process in its cgroups
        os.close(go)
        for fd, name in ((1, "stdout"), (2, "stderr")):
            with open(os.path.join(job_dir, "io", name), "wb") as handle:
                os.dup2(handle.fileno(), fd)
        workdir = spec["workdir"]
        os.chdir(workdir)
        os.environ.update(HOME=workdir, TMPDIR=workdir)
        import tempfile

        tempfile.tempdir = None
        limits = spec["limits"]
        result["isolation"] += isolation.set_rlimits(
            limits["cpu_seconds"],
            limits["max_file_bytes"],
            limits["max_open_files"],
            limits["max_processes"],
            limits.get("address_space"),
        )
        _fresh_py4j_connections()
        result["isolation"] += _own_session()
        namespaced = any(line.startswith("network namespace") for line in result["isolation"])
        child.install_audit_hook([workdir, *spec.get("overlays", []), *job.get("shared", [])], namespaced)
        result["isolation"].append("audit hook: writes outside the folder and network connections refused")
        result["isolation"].append("forked from a warm worker (shared Spark context)")
        sys.stdin = io.StringIO("")
        child.run(spec, result)
    except BaseException as exc:
        result.update(
            status="crashed", message=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc()
        )
    json.dump(result, out)
    out.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main() -> None:
    replies = os.fdopen(int(sys.argv[1]), "w", encoding="utf-8")
    commands = sys.stdin
    config = json.loads(commands.readline())
    started = time.perf_counter()
    notes: list[str] = []
    try:
        overlays = [d for d in config["overlays"] if os.path.isdir(d)] if config["namespaces"] else []
        if config["namespaces"]:
            notes += isolation.enter_namespaces([config["root"], config["overlay_scratch"]], overlays)
        notes += isolation.drop_capabilities()
        sys.meta_path.insert(0, child._AliasFinder())
        notes += _warm(bool(config["spark"]))
    except BaseException as exc:
        _reply(
            replies,
            {"ready": False, "message": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()},
        )
        os._exit(1)
    _reply(replies, {"ready": True, "isolation": notes, "warm_seconds": time.perf_counter() - started})
    for line in commands:
        job = json.loads(line)
        job["spec"]["overlays"] = overlays
        job["isolation"] = notes
        read_go, write_go = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.close(write_go)
            _run_job(job, read_go)
        os.close(read_go)
        _reply(replies, {"pid": pid})
        commands.readline()  # "go": the parent has moved the fork into the snippet's cgroups
        os.write(write_go, b"g")
        os.close(write_go)
        _, status = os.waitpid(pid, 0)
        retire = bool(config["spark"]) and _session_stopped()
        _reply(replies, {"exit": os.waitstatus_to_exitcode(status), "retire": retire})
    os._exit(0)


if __name__ == "__main__":
    main()
