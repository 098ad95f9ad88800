"""A fast reader for the front matter most cards have, with libyaml as the fallback.

libyaml's scanner is C, but PyYAML's constructor and resolver run in Python and cost about a
quarter of a millisecond per card. Nearly every card's front matter is a flat block mapping of
`key: value`, `key: [a, b]` and one level of nested `key:` / `  child: value`. `load` reads exactly
that shape and returns None for anything else (quotes with escapes, comments, block sequences,
anchors, tabs, multi-line scalars, unusual numbers, ...), so that the caller loads it with
`yaml.load(..., Loader=yaml.CSafeLoader)` instead. What it returns is what libyaml would return,
types included: the type of a plain scalar comes from PyYAML's own implicit resolver table, and
only the resolved types whose construction is unambiguous (str, bool, null, decimal int, plain
decimal float, YYYY-MM-DD date) are built here; every other resolved type falls back.
"""

from __future__ import annotations

import datetime as dt
import re

from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

STR, BOOL, NULL, INT, FLOAT, TIMESTAMP = (
    f"tag:yaml.org,2002:{name}" for name in ("str", "bool", "null", "int", "float", "timestamp")
)

# YAML rejects non-printable characters; \x85, \u2028 and \u2029 are line breaks to it, and a
# BOM or a tab changes how lines are read. Any of them sends the text to libyaml.
SIMPLE_TEXT = re.compile(
    "[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"
)
DOUBLE_QUOTED = re.compile(r'"(?P<text>[^"\\]*)"')
SINGLE_QUOTED = re.compile(r"'(?P<text>[^']*)'")
# A flow sequence of items that hold no flow indicator, colon or comment sign: plain, or quoted
# without escapes.
FLOW_SEQUENCE = re.compile(r"\[(?P<items>[^\[\]{}#:]*)\]")
FLOW_ITEM = re.compile(r"[A-Za-z0-9_(][^,\[\]{}\"'#:]*")
FLOW_QUOTED_ITEM = re.compile(r'"(?P<double>[^"\\,]*)"|\'(?P<single>[^\',]*)\'')
DECIMAL_INT = re.compile(r"0|[1-9][0-9]*")
DECIMAL_FLOAT = re.compile(r"[0-9]+\.[0-9]+")
ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
MAX_LINE = 1000
"""libyaml refuses simple keys longer than 1024 characters; long lines go to libyaml."""


class _Fallback(Exception):
    """The text is not in the simple shape: let libyaml read it."""


def _resolved_tag(text: str) -> str:
    for tag, pattern in Resolver.yaml_implicit_resolvers.get(text[:1], []):
        if pattern.match(text):
            return str(tag)
    return STR


def _plain(text: str) -> object:
    """A plain scalar's value, or _Fallback when its type is not one built here."""
    if text[:1] not in Resolver.yaml_implicit_resolvers:
        return text  # no implicit type starts with this character: a string
    tag = _resolved_tag(text)
    if tag == STR:
        return text
    if tag == BOOL:
        return SafeConstructor.bool_values[text.lower()]
    if tag == NULL:
        return None
    if tag == INT and DECIMAL_INT.fullmatch(text):
        return int(text)
    if tag == FLOAT and DECIMAL_FLOAT.fullmatch(text):
        return float(text)
    date = ISO_DATE.fullmatch(text) if tag == TIMESTAMP else None
    if date:
        try:
            return dt.date(int(date.group(1)), int(date.group(2)), int(date.group(3)))
        except ValueError:
            pass  # libyaml raises its own error for an impossible date
    raise _Fallback


def _flow_item(text: str) -> object:
    if FLOW_ITEM.fullmatch(text):
        return _plain(text)
    quoted = FLOW_QUOTED_ITEM.fullmatch(text)
    if quoted is None:
        raise _Fallback
    return quoted.group("double") if quoted.group("double") is not None else quoted.group("single")


def _value(text: str) -> object:
    """The value written after `key: ` (already stripped, not empty)."""
    first = text[0]
    if first == "[":
        sequence = FLOW_SEQUENCE.fullmatch(text)
        if sequence is None:
            raise _Fallback
        inside = sequence.group("items")
        if not inside.strip(" "):
            return []
        return [_flow_item(item.strip(" ")) for item in inside.split(",")]
    if first == '"' or first == "'":
        quoted = (DOUBLE_QUOTED if first == '"' else SINGLE_QUOTED).fullmatch(text)
        if quoted is None:
            raise _Fallback
        return quoted.group("text")
    if not _is_plain(text):
        raise _Fallback
    return _plain(text)


PLAIN_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_(")


def _is_plain(text: str) -> bool:
    """`PLAIN.fullmatch(text)` with string methods, which are several times faster."""
    return (
        text[:1] in PLAIN_FIRST
        and text[-1] != ":"
        and ": " not in text
        and " #" not in text
        and "\t" not in text
    )


def load(text: str) -> dict[object, object] | None:
    """The mapping libyaml would read from `text`, or None when `text` is not in the simple shape
    (the caller then uses libyaml)."""
    if not SIMPLE_TEXT.fullmatch(text):
        return None
    try:
        return _load_lines(text.split("\n"))
    except _Fallback:
        return None


def _key_line(line: str) -> tuple[str, int, str]:
    """`LINE.fullmatch(line.rstrip(" "))` with string methods: (key, indent, value without its
    blanks); _Fallback when the line is no `key:` line."""
    head, colon, rest = line.partition(":")
    key = head.lstrip(" ")
    if not colon or not key.isidentifier() or not key.isascii() or len(line) > MAX_LINE:
        raise _Fallback
    value = rest.strip(" ")
    if value and rest[0] != " ":
        raise _Fallback
    return key, len(head) - len(key), value


def _load_lines(lines: list[str]) -> dict[object, object] | None:
    mapping: dict[object, object] = {}
    parent: dict[object, object] | None = None  # the open nested mapping, if any
    parent_key: str | None = None  # a top-level key whose value is still empty
    child_indent = 0
    resolvers = Resolver.yaml_implicit_resolvers
    for line in lines:
        if not line.strip(" "):
            continue
        key, indent, value_text = _key_line(line)
        if key[0] in resolvers and _resolved_tag(key) != STR:
            raise _Fallback
        if indent == 0:
            parent, parent_key = None, (key if not value_text else None)
            mapping[key] = _value(value_text) if value_text else None
            continue
        if parent is None:
            if parent_key is None or not value_text:
                raise _Fallback  # a continuation line, or a second level of nesting
            parent, child_indent = {}, indent
            mapping[parent_key] = parent
        if indent != child_indent or not value_text:
            raise _Fallback
        parent[key] = _value(value_text)
    return mapping or None
