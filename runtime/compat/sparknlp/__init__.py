"""Spark NLP's top-level names (`sparknlp.start()`, `sparknlp.version()`), for code written
against `import sparknlp`. The conformance runner maps `sparknlp` here inside a snippet's own
process; elsewhere import it by this name."""

from __future__ import annotations

from runtime.compat.session import start

__all__ = ["start", "version"]

SPARK_NLP_VERSION = "5.5.0"
"""The Spark NLP release whose Python API and defaults this layer follows."""


def version() -> str:
    return SPARK_NLP_VERSION
