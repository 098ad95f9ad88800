"""Shared fixtures of the runtime tests: one Spark session, a loopback server, test settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runtime.config import Settings
from tests.fixtures.http_server import ArtifactServer
from tests.fixtures.spark import get_spark, spark_unavailable_reason, stop_spark
from tests.fixtures.sparknlp_artifacts import (
    TEST_VOCAB,
    build_sparknlp_model,
    tiny_onnx_bytes,
    zip_model_folder,
)

ARTIFACT_PATH = "/auxdata.johnsnowlabs.com/public/models/sent_tiny_bert_en_5.0.0_3.0_1598351137007.zip"


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    reason = spark_unavailable_reason()
    if reason:
        pytest.skip(reason)
    yield get_spark()
    stop_spark()


@pytest.fixture
def server() -> Iterator[ArtifactServer]:
    with ArtifactServer() as running:
        yield running


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Short timeouts and backoff so fault tests stay fast; no proxies from the environment."""
    return Settings(
        cache_dir=tmp_path / "cache",
        retries=2,
        backoff=0.01,
        connect_timeout=2.0,
        read_timeout=1.0,
        trust_env=False,
    )


@pytest.fixture(scope="session")
def model_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Spark NLP BertSentenceEmbeddings download zip (pure-Python writer; Spark-checked elsewhere)."""
    root = tmp_path_factory.mktemp("model")
    folder = build_sparknlp_model(
        root / "folder", onnx_bytes=tiny_onnx_bytes(), vocab=TEST_VOCAB, dimension=768
    )
    return zip_model_folder(folder, root / "sent_tiny_bert_en_5.0.0_3.0_1598351137007.zip")
