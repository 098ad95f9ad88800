"""The SequenceFile / Java-serialization reader, checked against what real Spark writes."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest

from runtime.artifacts.sequencefile import (
    SequenceFileError,
    decode_modified_utf8,
    read_java_object,
    read_sequencefile,
    read_string_int_pairs,
)
from tests.fixtures.sparknlp_artifacts import (
    encode_modified_utf8,
    serialize_tuple_chunk,
    spark_write_object_file,
    write_object_file,
)

TRICKY = [
    "[PAD]",
    "[UNK]",
    "café",
    "naïve",
    "日本語",
    "😀",
    "a\x00b",
    "𝔘𝔫𝔦",
    "ß",
    "",
    " ",
    "##ing",
    "Ω" * 40_000,
]
PAIRS = [(w, i) for i, w in enumerate(TRICKY + [f"token_number_{i:06d}" for i in range(12_000)])]


@pytest.fixture(scope="module")
def spark_vocab(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("spark") / "vocabulary"
    return spark_write_object_file(spark, folder, PAIRS, partitions=2)


@pytest.mark.spark
def test_reads_back_what_spark_wrote(spark_vocab: Path) -> None:
    assert read_string_int_pairs(spark_vocab) == PAIRS


@pytest.mark.spark
def test_spark_files_have_sync_markers_and_the_expected_header(spark_vocab: Path) -> None:
    data = (spark_vocab / "part-00000").read_bytes()
    assert data[:4] == b"SEQ\x06"
    assert (
        b"org.apache.hadoop.io.NullWritable" in data[:100]
        and b"org.apache.hadoop.io.BytesWritable" in data[:100]
    )
    assert (
        data.count(struct.pack(">i", -1) + _sync(data)) >= 2
    )  # 6k pairs per part span several sync intervals


def _sync(data: bytes) -> bytes:
    header_end = data.index(b"BytesWritable") + len(b"BytesWritable") + 2 + 4
    return data[header_end : header_end + 16]


@pytest.mark.spark
def test_pure_python_writer_matches_spark_byte_for_byte(spark_vocab: Path, tmp_path: Path) -> None:
    parts = sorted(spark_vocab.glob("part-*"))
    syncs = [_sync(p.read_bytes()) for p in parts]
    ours = write_object_file(tmp_path / "vocabulary", PAIRS, partitions=2, syncs=syncs)
    for part in parts:
        assert (ours / part.name).read_bytes() == part.read_bytes(), part.name
    assert read_string_int_pairs(ours) == PAIRS


@pytest.mark.spark
def test_typed_dataset_rdd_writes_tuple2_arrays_and_they_read_back(spark: Any, tmp_path: Path) -> None:
    folder = spark_write_object_file(spark, tmp_path / "typed", PAIRS[:500], typed_arrays=True)
    assert b"[Lscala.Tuple2;" in (folder / "part-00000").read_bytes()[:200]
    assert read_string_int_pairs(folder) == PAIRS[:500]


@pytest.mark.spark
def test_tuple2_typed_arrays_as_upstream_writes_them(spark: Any) -> None:
    jvm = spark.sparkContext._jvm
    tuple_class = jvm.java.lang.Class.forName("scala.Tuple2")
    array = jvm.java.lang.reflect.Array.newInstance(tuple_class, 3)
    for i, word in enumerate(["x", "ü", "😀"]):
        jvm.java.lang.reflect.Array.set(
            array, i, jvm.scala.Tuple2(word, jvm.java.lang.Integer.valueOf(i + 7))
        )
    data = bytes(jvm.org.apache.spark.util.Utils.serialize(array))
    assert b"[Lscala.Tuple2;" in data
    items = read_java_object(data)
    assert [(t.fields["_1"], t.fields["_2"].fields["value"]) for t in items] == [
        ("x", 7),
        ("ü", 8),
        ("😀", 9),
    ]


@pytest.mark.spark
def test_modified_utf8_round_trip_matches_java(spark: Any) -> None:
    jvm = spark.sparkContext._jvm
    for text in ["a\x00b", "😀", "日本", "plain"]:
        stream = jvm.java.io.ByteArrayOutputStream()
        jvm.java.io.DataOutputStream(stream).writeUTF(text)
        java_bytes = bytes(stream.toByteArray())[2:]
        assert encode_modified_utf8(text) == java_bytes
        assert decode_modified_utf8(java_bytes) == text


def test_reader_without_spark_on_hand_built_records(tmp_path: Path) -> None:
    pairs = [("é", 0), ("😀", 1), ("z", 2)]
    folder = write_object_file(tmp_path / "v", pairs, partitions=1)
    assert read_string_int_pairs(folder) == pairs
    [(key, value)] = list(read_sequencefile(folder / "part-00000"))
    assert key == b"" and value == serialize_tuple_chunk(pairs)


def test_truncated_and_foreign_files_are_refused(tmp_path: Path) -> None:
    folder = write_object_file(tmp_path / "v", [("a", 0), ("b", 1)], partitions=1)
    part = folder / "part-00000"
    part.write_bytes(part.read_bytes()[:-5])
    with pytest.raises(SequenceFileError, match="truncated"):
        read_string_int_pairs(folder)
    part.write_bytes(b"PK\x03\x04 not a sequence file")
    with pytest.raises(SequenceFileError, match="SEQ"):
        read_string_int_pairs(folder)
    with pytest.raises(SequenceFileError, match="no part-"):
        read_string_int_pairs(tmp_path)
