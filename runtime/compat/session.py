"""`start()`: a local SparkSession set up for the compat stages, like `sparknlp.start()`.

No Spark NLP jar and no download: the stages are Python, so the session needs only Java and
pyspark. A missing Java or pyspark is reported in one line that says what to install, instead
of the Py4J stack trace pyspark would print.
"""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

from runtime.errors import JavaUnavailableError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PYSPARK_MISSING = "pyspark is not installed: pip install 'cardhub[spark]' (pyspark and pandas < 3)"
JAVA_MISSING = (
    "no Java runtime: Spark needs Java 17 or newer on PATH or in JAVA_HOME "
    "(Debian/Ubuntu: apt-get install default-jre-headless); LightPipeline and nlu run without it"
)


def java_unavailable_reason() -> str | None:
    """Why a SparkSession cannot start here, or None."""
    java_home = os.environ.get("JAVA_HOME", "")
    if java_home and os.path.isfile(os.path.join(java_home, "bin", "java")):
        return None
    return None if shutil.which("java") else JAVA_MISSING


def start(
    *,
    master: str = "local[*]",
    app_name: str = "cardhub",
    memory: str = "4G",
    arrow_batch_rows: int = 2048,
    log_level: str = "ERROR",
) -> SparkSession:
    """A SparkSession for pipelines of cardhub's stages: driver on loopback, no UI, Arrow on.

    `arrow_batch_rows` is how many rows a Python worker gets per Arrow batch: the embedding
    stages run a batch's sentences together, so larger batches sort and pad better, smaller
    ones spread a small DataFrame over more tasks."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise JavaUnavailableError(PYSPARK_MISSING) from error
    reason = java_unavailable_reason()
    if reason:
        raise JavaUnavailableError(reason)
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.driver.memory", memory)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(arrow_batch_rows))
        .config("spark.python.worker.reuse", "true")
    )
    try:
        session = builder.getOrCreate()
    except Exception as error:  # Py4J/launcher failures: say it in one line
        raise JavaUnavailableError(f"Spark did not start: {str(error).strip().splitlines()[0]}") from error
    session.sparkContext.setLogLevel(log_level)
    return session


def threads_per_task(session: SparkSession) -> int:
    """onnxruntime threads for each concurrent task: a `local[n]` master runs n tasks on this
    machine's cores; on a cluster each task has its core (`spark.task.cpus`)."""
    from runtime.session import physical_cores

    context = session.sparkContext
    if (context.master or "").startswith("local"):
        return max(1, physical_cores() // max(1, context.defaultParallelism))
    return max(1, int(session.conf.get("spark.task.cpus", "1") or 1))
