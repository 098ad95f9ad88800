"""A small reader for what Spark's `saveAsObjectFile` writes, without a JVM.

Layout: a Hadoop SequenceFile (version 6, uncompressed, NullWritable keys, BytesWritable values);
each value is a Java-serialized array (`Object[]` or `scala.Tuple2[]`) of up to 10 items. For a
Spark NLP vocabulary, each item is `scala.Tuple2(String, java.lang.Integer)`.

The Java deserializer below understands exactly the stream grammar such data uses (objects with
default field serialization, strings, arrays, class descriptors, back-references); it never runs
code and refuses anything else with a clear error.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runtime.errors import ModelFolderError

SEQ_MAGIC = b"SEQ"
SYNC_ESCAPE = -1
SYNC_SIZE = 16


class SequenceFileError(ModelFolderError):
    """A SequenceFile or the Java-serialized data in it is not what Spark writes."""


_STRUCTS: dict[str, struct.Struct] = {}


class _Buffer:
    def __init__(self, data: bytes, origin: str) -> None:
        self.data, self.pos, self.origin = data, 0, origin

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise SequenceFileError(f"{self.origin}: truncated at byte {self.pos} (wanted {n} more bytes)")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> Any:
        layout = _STRUCTS.get(fmt) or _STRUCTS.setdefault(fmt, struct.Struct(fmt))
        if self.pos + layout.size > len(self.data):
            raise SequenceFileError(
                f"{self.origin}: truncated at byte {self.pos} (wanted {layout.size} more bytes)"
            )
        values = layout.unpack_from(self.data, self.pos)
        self.pos += layout.size
        return values[0] if len(values) == 1 else values

    def at_end(self) -> bool:
        return self.pos >= len(self.data)


def _read_vint(buf: _Buffer) -> int:
    """Hadoop WritableUtils.readVLong."""
    first = buf.unpack(">b")
    if first >= -112:
        return int(first)
    negative = first < -120
    length = (-119 - first) if negative else (-111 - first)
    value = 0
    for byte in buf.take(length - 1):
        value = (value << 8) | byte
    return ~value if negative else value


def _read_text(buf: _Buffer) -> str:
    return buf.take(_read_vint(buf)).decode("utf-8")


@dataclass(frozen=True)
class SequenceFileHeader:
    key_class: str
    value_class: str
    compressed: bool
    block_compressed: bool
    metadata: dict[str, str]
    sync: bytes


def _read_header(buf: _Buffer) -> SequenceFileHeader:
    if buf.take(3) != SEQ_MAGIC:
        raise SequenceFileError(f"{buf.origin}: not a Hadoop SequenceFile (no 'SEQ' magic)")
    version = buf.unpack(">B")
    if version != 6:
        raise SequenceFileError(f"{buf.origin}: SequenceFile version {version}; only version 6 is read")
    key_class, value_class = _read_text(buf), _read_text(buf)
    compressed, block_compressed = bool(buf.unpack(">B")), bool(buf.unpack(">B"))
    if compressed:
        codec = _read_text(buf)
        raise SequenceFileError(
            f"{buf.origin}: compressed SequenceFile ({codec}); Spark's saveAsObjectFile writes "
            "uncompressed files, re-save the model without compression"
        )
    pairs = buf.unpack(">i")
    metadata = {_read_text(buf): _read_text(buf) for _ in range(pairs)}
    return SequenceFileHeader(
        key_class, value_class, compressed, block_compressed, metadata, buf.take(SYNC_SIZE)
    )


def read_sequencefile(path: Path) -> Iterator[tuple[bytes, bytes]]:
    """Yields the raw (key, value) bytes of each record; BytesWritable values are unwrapped."""
    buf = _Buffer(path.read_bytes(), str(path))
    header = _read_header(buf)
    unwrap = header.value_class == "org.apache.hadoop.io.BytesWritable"
    while not buf.at_end():
        record_length = buf.unpack(">i")
        if record_length == SYNC_ESCAPE:
            if buf.take(SYNC_SIZE) != header.sync:
                raise SequenceFileError(f"{path}: sync marker mismatch at byte {buf.pos - SYNC_SIZE}")
            continue
        key_length = buf.unpack(">i")
        key = buf.take(key_length)
        value = buf.take(record_length - key_length)
        if unwrap:
            size = struct.unpack(">i", value[:4])[0]
            value = value[4 : 4 + size]
        yield key, value


# --- Java object serialization (java.io.ObjectInputStream's stream grammar) --------------------

STREAM_MAGIC, STREAM_VERSION = 0xACED, 5
TC_NULL, TC_REFERENCE, TC_CLASSDESC, TC_OBJECT = 0x70, 0x71, 0x72, 0x73
TC_STRING, TC_ARRAY, TC_BLOCKDATA, TC_ENDBLOCKDATA = 0x74, 0x75, 0x77, 0x78
TC_LONGSTRING, TC_BLOCKDATALONG = 0x7C, 0x7A
SC_WRITE_METHOD, SC_SERIALIZABLE = 0x01, 0x02
BASE_HANDLE = 0x7E0000
_PRIMITIVES = {"B": ">b", "C": ">H", "D": ">d", "F": ">f", "I": ">i", "J": ">q", "S": ">h", "Z": ">?"}


def decode_modified_utf8(data: bytes) -> str:
    """Java's modified UTF-8: NUL as C0 80, characters beyond the BMP as two 3-byte surrogates."""
    text = data.replace(b"\xc0\x80", b"\x00").decode("utf-8", "surrogatepass")
    return text.encode("utf-16", "surrogatepass").decode("utf-16")


@dataclass
class JavaClass:
    name: str
    uid: int
    flags: int
    fields: list[tuple[str, str]]
    """(type code, name) in stream order."""
    superclass: JavaClass | None


@dataclass
class JavaObject:
    java_class: JavaClass
    fields: dict[str, Any] = field(default_factory=dict)


class _JavaReader:
    def __init__(self, buf: _Buffer) -> None:
        self.buf = buf
        self.handles: list[Any] = []

    def read(self) -> Any:
        if self.buf.unpack(">HH") != (STREAM_MAGIC, STREAM_VERSION):
            raise SequenceFileError(f"{self.buf.origin}: value is not a Java serialization stream")
        return self._content()

    def _new_handle(self, value: Any) -> int:
        self.handles.append(value)
        return len(self.handles) - 1

    def _content(self) -> Any:
        tag = self.buf.unpack(">B")
        if tag == TC_NULL:
            return None
        if tag == TC_REFERENCE:
            return self.handles[self.buf.unpack(">i") - BASE_HANDLE]
        if tag == TC_STRING:
            return self._string(self.buf.unpack(">H"))
        if tag == TC_LONGSTRING:
            return self._string(self.buf.unpack(">q"))
        if tag == TC_CLASSDESC:
            return self._class_desc()
        if tag == TC_OBJECT:
            return self._object()
        if tag == TC_ARRAY:
            return self._array()
        raise SequenceFileError(
            f"{self.buf.origin}: unsupported Java stream tag 0x{tag:02x} at {self.buf.pos - 1}"
        )

    def _string(self, length: int) -> str:
        text = decode_modified_utf8(self.buf.take(length))
        self._new_handle(text)
        return text

    def _class_desc(self) -> JavaClass:
        name = self.buf.take(self.buf.unpack(">H")).decode("utf-8")
        uid, flags, count = self.buf.unpack(">qBH")
        java_class = JavaClass(name, uid, flags, [], None)
        self._new_handle(java_class)
        for _ in range(count):
            code = chr(self.buf.unpack(">B"))
            field_name = self.buf.take(self.buf.unpack(">H")).decode("utf-8")
            if code in "L[":
                self._content()  # the field's type name, as a string object
            java_class.fields.append((code, field_name))
        self._skip_annotations()
        superclass = self._content()
        if superclass is not None and not isinstance(superclass, JavaClass):
            raise SequenceFileError(f"{self.buf.origin}: bad superclass descriptor for {name}")
        java_class.superclass = superclass
        return java_class

    def _skip_annotations(self) -> None:
        while True:
            tag = self.buf.data[self.buf.pos] if not self.buf.at_end() else None
            if tag == TC_ENDBLOCKDATA:
                self.buf.pos += 1
                return
            if tag == TC_BLOCKDATA:
                self.buf.pos += 1
                self.buf.take(self.buf.unpack(">B"))
            elif tag == TC_BLOCKDATALONG:
                self.buf.pos += 1
                self.buf.take(self.buf.unpack(">i"))
            else:
                self._content()

    def _class_chain(self) -> list[JavaClass]:
        desc = self._content()
        if not isinstance(desc, JavaClass):
            raise SequenceFileError(f"{self.buf.origin}: object without a class descriptor")
        chain: list[JavaClass] = []
        current: JavaClass | None = desc
        while current is not None:
            chain.append(current)
            current = current.superclass
        return chain

    def _object(self) -> JavaObject:
        chain = self._class_chain()
        obj = JavaObject(chain[0])
        self._new_handle(obj)
        for java_class in reversed(chain):  # superclass data comes first
            if not java_class.flags & SC_SERIALIZABLE:
                raise SequenceFileError(f"{self.buf.origin}: {java_class.name} is not plain Serializable")
            for code, name in java_class.fields:
                obj.fields[name] = self._field_value(code)
            if java_class.flags & SC_WRITE_METHOD:
                self._skip_annotations()
        return obj

    def _field_value(self, code: str) -> Any:
        if code in _PRIMITIVES:
            return self.buf.unpack(_PRIMITIVES[code])
        return self._content()

    def _array(self) -> list[Any]:
        chain = self._class_chain()
        items: list[Any] = []
        self._new_handle(items)
        element = chain[0].name[1:2]
        for _ in range(self.buf.unpack(">i")):
            items.append(self._field_value(element))
        return items


def read_java_object(data: bytes, origin: str = "<bytes>") -> Any:
    """Decodes one Java-serialized value into str / int / list / JavaObject."""
    return _JavaReader(_Buffer(data, origin)).read()


def _tuple2_pair(item: Any, origin: str) -> tuple[str, int]:
    if not (isinstance(item, JavaObject) and item.java_class.name.startswith("scala.Tuple2")):
        raise SequenceFileError(f"{origin}: expected scala.Tuple2 items, found {item!r:.80}")
    word, index = item.fields.get("_1"), item.fields.get("_2")
    if isinstance(index, JavaObject):  # java.lang.Integer boxes its value in the `value` field
        index = index.fields.get("value")
    if not isinstance(word, str) or not isinstance(index, int):
        raise SequenceFileError(f"{origin}: expected Tuple2(String, Integer), found ({word!r}, {index!r})")
    return word, index


def _object_file_parts(folder: Path) -> list[Path]:
    parts = sorted(p for p in folder.iterdir() if p.name.startswith("part-") and p.is_file())
    if not parts:
        raise SequenceFileError(f"{folder}: no part-* files (not a Spark object file)")
    return parts


def read_object_file(folder: Path) -> Iterator[Any]:
    """Every item Spark's saveAsObjectFile wrote under `folder` (part files in order)."""
    for part in _object_file_parts(folder):
        for _key, value in read_sequencefile(part):
            chunk = read_java_object(value, str(part))
            if not isinstance(chunk, list):
                raise SequenceFileError(f"{part}: record is not a Java array")
            yield from chunk


def _reference(reader: _JavaReader, target: object) -> bytes:
    index = next(i for i, handle in enumerate(reader.handles) if handle is target)
    return bytes([TC_OBJECT, TC_REFERENCE]) + struct.pack(">i", BASE_HANDLE + index)


def _fast_pairs(data: bytes, origin: str) -> list[tuple[str, int]] | None:
    """The pairs of one record, decoding the first tuple in full and the rest by their fixed byte
    pattern (object of the known Tuple2 class, a string, an Integer of the known class); None when
    the record strays from that pattern, so the caller uses the general reader."""
    reader = _JavaReader(_Buffer(data, origin))
    if reader.buf.unpack(">HHB") != (STREAM_MAGIC, STREAM_VERSION, TC_ARRAY):
        return None
    reader._new_handle(reader._class_chain())
    count = reader.buf.unpack(">i")
    if count == 0:
        return []
    first = reader._content()
    pairs = [_tuple2_pair(first, origin)]
    boxed = first.fields["_2"]
    if not isinstance(boxed, JavaObject):
        return None
    tuple_prefix, integer_prefix = _reference(reader, first.java_class), _reference(reader, boxed.java_class)
    pos, end = reader.buf.pos, len(data)
    for _ in range(count - 1):
        if data[pos : pos + 6] != tuple_prefix or pos + 9 > end or data[pos + 6] != TC_STRING:
            return None
        length = (data[pos + 7] << 8) | data[pos + 8]
        raw = data[pos + 9 : pos + 9 + length]
        pos += 9 + length
        if data[pos : pos + 6] != integer_prefix or pos + 10 > end:
            return None
        index = int.from_bytes(data[pos + 6 : pos + 10], "big", signed=True)
        pos += 10
        text = raw.decode("utf-8") if b"\xc0" not in raw and b"\xed" not in raw else decode_modified_utf8(raw)
        pairs.append((text, index))
    return pairs


def read_string_int_pairs(folder: Path) -> list[tuple[str, int]]:
    """The `(String, Integer)` tuples of a Spark NLP map feature such as fields/vocabulary/."""
    pairs: list[tuple[str, int]] = []
    for part in _object_file_parts(folder):
        for _key, value in read_sequencefile(part):
            fast = _fast_pairs(value, str(part))
            if fast is None:
                chunk = read_java_object(value, str(part))
                if not isinstance(chunk, list):
                    raise SequenceFileError(f"{part}: record is not a Java array")
                fast = [_tuple2_pair(item, str(part)) for item in chunk]
            pairs.extend(fast)
    return pairs
