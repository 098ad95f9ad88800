"""The fast front-matter reader returns exactly what libyaml returns (types included), or None.

The reference is PyYAML with libyaml (`yaml.CSafeLoader`), the loader the parser used before."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import frontmatter
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry import yaml_fast
from tests.helpers import CARDS, SHARED

CORPUS = SHARED / "corpus" / "cards"


def typed(value: object) -> object:
    """A value with the type of every part spelled out, so that 1 != True != 1.0 here."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    return (type(value).__name__, value)


def assert_same_as_libyaml(text: str) -> bool:
    """Checks the fast reader against libyaml; True when the fast path answered."""
    fast = yaml_fast.load(text)
    try:
        reference = yaml.load(text, Loader=yaml.CSafeLoader)
    except (yaml.YAMLError, ValueError):
        assert fast is None, f"libyaml refuses {text!r}, the fast reader read {fast!r}"
        return False
    if fast is not None:
        assert typed(fast) == typed(reference), text
    return fast is not None


def front_matter_of(path: Path) -> str | None:
    handler = frontmatter.YAMLHandler()
    text = path.read_text(encoding="utf-8")
    return handler.split(text)[0] if handler.detect(text) else None


def test_every_seed_takes_the_fast_path_and_agrees() -> None:
    for path in sorted(CARDS.glob("*.md")):
        text = front_matter_of(path)
        assert text is not None
        assert assert_same_as_libyaml(text), f"{path.name}: expected the fast path"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/cards is absent")
def test_every_real_card_agrees_with_libyaml() -> None:
    answered = 0
    paths = sorted(CORPUS.glob("*.md"))
    for path in paths:
        text = front_matter_of(path)
        if text is not None:
            answered += assert_same_as_libyaml(text)
    # The point of the fast path: nearly every real card takes it.
    assert answered >= 0.9 * len(paths)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: yes\nb: Off\nc: null\nd: NO\ne:\n", {"a": True, "b": False, "c": None, "d": False, "e": None}),
        ("v: 3.0\nw: 3.10\nx: 12\ny: 2.4.1\nz: 0", {"v": 3.0, "w": 3.1, "x": 12, "y": "2.4.1", "z": 0}),
        ("date: 2020-08-25\nold: 01/02/2020", {"date": dt.date(2020, 8, 25), "old": "01/02/2020"}),
        ("tags: [en, \"40\", 'x y', 1.5, true]", {"tags": ["en", "40", "x y", 1.5, True]}),
        ("tags: []\nh:\n   type: cover\n   n: 1", {"tags": [], "h": {"type": "cover", "n": 1}}),
        ("t: a [b] {c}, d'e\"f", {"t": "a [b] {c}, d'e\"f"}),
    ],
)
def test_known_values(text: str, expected: dict[str, object]) -> None:
    assert typed(yaml_fast.load(text)) == typed(expected)
    assert assert_same_as_libyaml(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: 0x1F",  # hex int
        "a: 1_000",  # int with underscores
        "a: 1:20",  # sexagesimal
        "a: .inf",
        "a: 2020-08-25 10:00:00",
        "a: 2020-13-01",  # impossible date: libyaml raises
        "a: &x [1]\nb: *x",
        "a: b # comment",
        "a: 'it''s'",
        'a: "tab\\there"',
        "a:\n- 1\n- 2",
        "a: b\n  c",  # multi-line plain scalar
        "a:\n  b:\n    c: 1",  # two levels
        "yes: 1",  # a key that is not a string
        "a:\tb",
        "a: b\u2028c",
        "<<: {a: 1}",
        "a: [b, [c]]",
        "a: [b,]",
        "a: -1",
    ],
)
def test_everything_else_falls_back(text: str) -> None:
    assert yaml_fast.load(text) is None


KEYS = st.one_of(
    st.sampled_from(["name", "tags", "date", "title", "yes", "null", "on", "a_b", "_x", "K1"]),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True),
)
SCALARS = st.one_of(
    st.sampled_from(
        [
            "true",
            "False",
            "YES",
            "off",
            "null",
            "~",
            "Null",
            "0",
            "00",
            "012",
            "12",
            "-3",
            "+4",
            "1.5",
            "1.",
            ".5",
            "1e5",
            "1.0e+5",
            "3.10",
            "2.4.1",
            "0x1F",
            "1_0",
            "1:20",
            ".inf",
            ".NaN",
            "2020-08-25",
            "2020-8-5",
            "2020-02-30",
            "2020-08-25T10:00:00Z",
            "01/02/2020",
            "=",
            "<<",
            "Spark NLP 2.6.0",
            "a: b",
            "a #b",
            "a#b",
            "a:",
            "a:b",
            "[x]",
            "'q'",
            '"q"',
            "it's",
            "x\xa0",
            "\xa0",
            "(x)",
            "é",
            "a  b",
            "-",
            "- x",
            "?x",
            "&a",
            "*a",
            "!x",
            "|",
            ">",
        ]
    ),
    st.text(alphabet="ab1.:-# [],'\"\\\t\xa0yn_~()", max_size=12),
)


@st.composite
def values(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        items = draw(st.lists(SCALARS, max_size=4))
        separator = draw(st.sampled_from([", ", ",", " , "]))
        return "[" + separator.join(items) + "]"
    if kind == 1:
        quote = draw(st.sampled_from(['"', "'"]))
        return quote + draw(SCALARS) + quote
    return draw(SCALARS)


@st.composite
def front_matters(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 6))):
        key = draw(KEYS)
        if draw(st.integers(0, 4)) == 0:
            lines.append(key + ":" + draw(st.sampled_from(["", " ", "  "])))
            indent = " " * draw(st.integers(1, 3))
            for _ in range(draw(st.integers(0, 3))):
                lines.append(indent + draw(KEYS) + ": " + draw(values()))
        else:
            lines.append(key + ":" + draw(st.sampled_from([" ", "  ", ""])) + draw(values()))
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", "   ", "# note", "  more", "- item", "..."])))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(front_matters())
def test_generated_front_matter_agrees_with_libyaml(text: str) -> None:
    assert_same_as_libyaml(text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_agrees_with_libyaml(text: str) -> None:
    assert_same_as_libyaml(text)


def test_an_impossible_date_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    """libyaml raises ValueError (not a YAMLError) for 2020-13-01; the parser reports it."""
    from registry.parse import parse_card

    path = tmp_path / "2020-01-01-bad_date_en.md"
    path.write_text("---\nname: bad_date\nlanguage: en\ndate: 2020-13-01\n---\n\n## Description\n")
    card = parse_card(path)
    assert [(f.rule, f.severity, f.line) for f in card.findings] == [("readable", "error", 2)]
    assert "month must be in 1..12" in card.findings[0].message


@pytest.mark.parametrize(
    "front_matter",
    [
        "name: deep\na: " + "[" * 5_000 + "]" * 5_000,
        "name: deep\na: " + "[" * 100_000 + "]" * 100_000,  # overflowed PyYAML's C stack
        "- " * 100_000 + "x",
    ],
    ids=["flow-5k", "flow-100k", "block-100k"],
)
def test_deeply_nested_front_matter_is_a_finding_not_a_crash(tmp_path: Path, front_matter: str) -> None:
    from registry.parse import parse_card

    path = tmp_path / "2020-01-01-deep_en.md"
    path.write_text("---\n" + front_matter + "\n---\n\n## Description\n")
    card = parse_card(path)
    assert [(f.rule, f.severity, f.line) for f in card.findings] == [("readable", "error", 2)]
    assert "nests too deeply" in card.findings[0].message


# The string-method readers against the patterns they stand for (LINE, PLAIN).
# What `_key_line` and `_is_plain` read, as the patterns they replaced (string methods are
# several times faster); a block plain scalar on one line has no indicator first, no ': ' or
# ' #' inside and no ':' last.
LINE = re.compile(r"(?P<indent> *)(?P<key>[A-Za-z_][A-Za-z0-9_]*):(?: +(?P<value>.*))?")
PLAIN = re.compile(r"[A-Za-z0-9_(](?:(?!: | #)[^\t])*(?<!:)")
PIECES = st.sampled_from(
    ["a", "Z", "_", "0", "9", ":", " ", "#", "\t", "(", "-", "é", "[", '"', "'", "key", "x1"]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(PIECES, max_size=12).map("".join))
def test_is_plain_reads_what_the_plain_pattern_matches(text: str) -> None:
    if text:
        assert yaml_fast._is_plain(text) == bool(PLAIN.fullmatch(text)), repr(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(PIECES, max_size=12).map("".join))
def test_key_line_reads_what_the_line_pattern_matches(line: str) -> None:
    match = LINE.fullmatch(line.rstrip(" "))
    try:
        key, indent, value = yaml_fast._key_line(line)
    except yaml_fast._Fallback:
        assert match is None, repr(line)
        return
    assert match is not None, repr(line)
    assert (key, indent, value) == (
        match.group("key"),
        len(match.group("indent")),
        (match.group("value") or "").strip(" "),
    )
