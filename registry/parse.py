"""Card file -> `Card` record: front matter (python-frontmatter + libyaml) and the Markdown body
(markdown-it-py block tokens after the kramdown/Liquid pre-pass), every piece with its line.

Parsing never raises for a bad card: a card that cannot be read becomes a `Card` whose findings
say why, so that one broken file never stops the others. Checks of what was read live in
`validate.py`; this module only reports what stops it from reading.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from registry import markdown, values, yaml_fast
from registry.build import build_card, name_from_file_name
from registry.card import Card, Finding, Links, ModelInformation, Results, Section, Snippet
from registry.errors import CardError
from registry.rules.suppressions import Suppression, suppressions
from registry.validate import Claim, artifact_claim, card_findings, check_card

MAX_CARD_BYTES = 1024 * 1024
"""Real cards are under 40 kB; anything past 1 MiB is refused rather than parsed slowly."""
MAX_FRONT_MATTER_NODES = 10_000
"""YAML aliases make shared references cheap to load and exponential to walk: count expanded
nodes and refuse past this many (real front matter has about 30)."""

MAX_FRONT_MATTER_DEPTH = 100
"""Real front matter nests two levels deep; see `_nests_too_deeply` for why deep nesting is
refused before it is loaded."""

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
LINK = re.compile(r"\[(?P<label>[^\]\n]*)\]\((?P<url>[^)\s]*)\)")
URL = re.compile(r"(?:https?|s3)://[^\s)\]>\"'`|]+")
NLU_LOAD = re.compile(r"nlu\s*\.\s*load\s*\(\s*['\"]([^'\"]+)['\"]")

LINK_KINDS = {"download": "download", "copy s3 uri": "s3", "live demo": "demo", "open in colab": "colab"}
RESULTS_SECTIONS = {"results"}
MODEL_INFORMATION_SECTIONS = {"model information", "model parameters"}
REFERENCE_SECTIONS = {"data source", "source", "references", "dataset used for training", "benchmarking"}
ENTITY_SECTIONS = {"predicted entities", "included entities", "predicted labels"}


@dataclass
class RawCard:
    """What the reader got out of the file before it is typed: values plus where they were."""

    path: str
    text: str
    front_matter: dict[str, Any] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)
    front_matter_raw: dict[str, str] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    findings: list[Finding] = field(default_factory=list)


def read_text(path: str, data: bytes) -> str:
    """Decodes a card file, refusing what cannot be a card; raises CardError naming the line."""
    if not data.strip():
        raise CardError(path, 0, "the file is empty", "write a card: YAML front matter between '---' lines")
    if len(data) > MAX_CARD_BYTES:
        raise CardError(
            path,
            0,
            f"the file is {len(data) / 1e6:.1f} MB; cards over {MAX_CARD_BYTES // 1024} KiB are refused",
            "keep large data out of the card and link to it",
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise CardError(
            path,
            data.count(b"\n", 0, nul) + 1,
            "the file is binary (it holds a NUL byte)",
            "a card is a UTF-8 Markdown text file",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CardError(
            path,
            line,
            f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}",
            "save the file as UTF-8",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _count_nodes(value: object, seen: dict[int, int]) -> int:
    """Expanded size of a YAML value, linear in the number of distinct objects."""
    if not isinstance(value, dict | list):
        return 1
    known = seen.get(id(value))
    if known is not None:
        return known
    seen[id(value)] = MAX_FRONT_MATTER_NODES + 1  # a cycle counts as too large
    children = value.items() if isinstance(value, dict) else enumerate(value)
    total = 1
    for _, child in children:
        total += _count_nodes(child, seen) if isinstance(child, dict | list) else 1
        if total > MAX_FRONT_MATTER_NODES:
            break
    seen[id(value)] = total
    return total


def _nests_too_deeply(text: str) -> bool:
    """PyYAML builds nested values recursively in C: tens of thousands of nested brackets
    ('[[[[...') overflow the C stack and kill the process. libyaml's parser itself keeps an
    explicit stack, so its events measure the depth safely first. A syntax error ends the
    measure: the load then stops at that error too, no deeper than measured."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=YAML_LOADER):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_FRONT_MATTER_DEPTH:
                    return True
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        pass
    return False


def _too_deep(path: str, line: int) -> CardError:
    return CardError(
        path, line, "the front matter nests too deeply", "write flat 'key: value' lines and short lists"
    )


def split_front_matter(raw: RawCard) -> None:
    handler = frontmatter.YAMLHandler()
    if not handler.detect(raw.text):
        raise CardError(
            raw.path,
            1,
            "no YAML front matter",
            "start the file with a '---' line, the card's "
            "fields (name, title, language, edition, ...), and another '---' line",
        )
    try:
        front_text, body = handler.split(raw.text)
    except ValueError:
        raise CardError(raw.path, 1, "the front matter is not closed", "add a '---' line after it") from None
    raw.body = body
    raw.body_line = raw.text.count("\n", 0, len(raw.text) - len(body)) + 1
    first_line = raw.text.count("\n", 0, raw.text.find(front_text)) + 1 if front_text else 2
    try:
        loaded = yaml_fast.load(front_text)
        fast = loaded is not None
        if loaded is None:
            if _nests_too_deeply(front_text):
                raise _too_deep(raw.path, first_line + 1)
            loaded = handler.load(front_text, Loader=YAML_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else 1
        context = (
            f" ({exc.context} at line {exc.context_mark.line + first_line})"
            if exc.context and exc.context_mark
            else ""
        )
        raise CardError(
            raw.path,
            line,
            f"the front matter is not valid YAML: {exc.problem or exc}{context}",
            "check indentation and quote values that contain ':' or '#'",
        ) from None
    except yaml.YAMLError as exc:
        raise CardError(raw.path, 1, f"the front matter is not valid YAML: {exc}") from None
    except ValueError as exc:  # a timestamp that is no date, e.g. 2020-13-01
        raise CardError(
            raw.path, first_line + 1, f"the front matter holds an impossible value: {exc}", "fix the date"
        ) from None
    except RecursionError:
        raise _too_deep(raw.path, first_line + 1) from None
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise CardError(
            raw.path,
            2,
            f"the front matter is a YAML {type(loaded).__name__}, not a mapping",
            "write one 'key: value' per line",
        )
    try:
        # What the fast reader reads holds at most one value per character: short text needs no count.
        size = 0 if fast and len(front_text) < MAX_FRONT_MATTER_NODES else _count_nodes(loaded, {})
    except RecursionError:
        raise _too_deep(raw.path, first_line + 1) from None
    if size > MAX_FRONT_MATTER_NODES:
        raise CardError(
            raw.path,
            2,
            f"the front matter expands to more than {MAX_FRONT_MATTER_NODES} values (YAML aliases)",
            "remove the YAML anchors and aliases",
        )
    raw.front_matter = {str(k): v for k, v in loaded.items()}
    for offset, text in enumerate(front_text.split("\n")):
        # A top-level key line (`^([^\s#:][^:]*):`), read with string methods: up to the first ':'.
        head, colon, rest = text.partition(":")
        if colon and head and not head[0].isspace() and head[0] != "#":
            key = head.strip()
            raw.key_lines.setdefault(key, first_line + offset)
            raw.front_matter_raw.setdefault(key, rest.strip())


def parse_card(path: str | Path, data: bytes | None = None) -> Card:
    """Parses one card file. Never raises for bad content: see the module docstring."""
    card, readable = _unchecked_card(str(path), data)
    return check_card(card) if readable else card


def validate_card(path: str | Path) -> tuple[list[Finding], Claim | None, tuple[Suppression, ...]]:
    """What `parse_card(path)` finds, the artifact it claims and its inline suppressions, without
    the checked `Card`: a run that reports findings only does not need it."""
    try:
        with open(path, "rb", buffering=0) as file:
            data: bytes | None = file.read()
    except OSError:
        data = None  # `_unchecked_card` reads it again and reports why it cannot
    card, readable = _unchecked_card(str(path), data, complete=False)
    inline = suppressions(data) if data is not None else ()
    return (card_findings(card) if readable else card.findings), artifact_claim(card), inline


def _unchecked_card(path: str, data: bytes | None, complete: bool = True) -> tuple[Card, bool]:
    """The card before the per-card checks, and whether it could be read (when not, it holds the
    one finding that says why, and no checks run). `complete`: see `read_body`."""
    try:
        if data is None:
            # Unbuffered: the whole file is read at once, and a buffer would only be copied.
            with open(path, "rb", buffering=0) as file:
                data = file.read()
        raw = RawCard(path=path, text=read_text(path, data))
        split_front_matter(raw)
    except CardError as exc:
        return unreadable_card(path, exc.line, exc.reason, exc.hint), False
    except OSError as exc:
        return unreadable_card(path, 0, f"cannot read the file: {exc.strerror or exc}", None), False
    return build_card(raw, read_body(raw, complete), complete), True


def unreadable_card(path: str, line: int, message: str, hint: str | None) -> Card:
    name, language = name_from_file_name(path)
    finding = Finding(
        path=path, line=line, severity="error", field="file", message=message, hint=hint, rule="readable"
    )
    return Card(path=path, name=name, language=language or "", title=name, findings=[finding])


@dataclass
class Body:
    sections: list[Section] = field(default_factory=list)
    snippets: list[Snippet] = field(default_factory=list)
    results: Results | None = None
    model_information: ModelInformation | None = None
    links: Links = field(default_factory=Links)
    references: list[str] = field(default_factory=list)
    description: str = ""
    predicted_entities: list[str] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)


def read_body(raw: RawCard, complete: bool = True) -> Body:
    """The body's parts. Not `complete`: only the parts a check or a finding reads (links,
    snippets, the Model Information table), for a run that keeps findings only and never hands
    out the card; the sections, description, results, references and entities stay empty."""
    prepared = markdown.prepare(raw.body)
    lines = prepared.lines
    body = Body()
    starts = [heading.line for heading in prepared.headings]
    # Each section runs to the next heading; a body without headings has no sections.
    ranges = [
        (heading.title.lower(), heading.line + 1, end)
        for heading, end in zip(prepared.headings, [*starts[1:], len(lines)][: len(starts)], strict=True)
    ]
    for heading, (_, start, end) in zip(prepared.headings, ranges, strict=True) if complete else ():
        content = lines[start:end]
        text = markdown.commonmark_lines(content) if any(map(str.strip, content)) else ""
        body.sections.append(
            Section(
                title=heading.title, level=heading.level, line=raw.body_line + heading.line, markdown=text
            )
        )
    results_seen = False
    for block in prepared.code_blocks:
        number = bisect.bisect_right(starts, block.line) - 1
        if number >= 0 and ranges[number][0] in RESULTS_SECTIONS and not results_seen:
            results_seen = True  # the first block of the Results section is its output, no snippet
            body.results = values.results(block.content, raw.body_line + block.line + 1) if complete else None
            continue
        classes = prepared.classes_by_line.get(block.line, [])
        body.snippets.append(_snippet(block.info, block.content, classes, raw.body_line + block.line))
    body.links = _links(raw.body, raw.body_line)
    for title, start, end in ranges:
        if complete or title in MODEL_INFORMATION_SECTIONS:
            _read_section(body, prepared, title, start, end, raw)
    return body


def _snippet(info: str, code: str, classes: list[str], fence_line: int) -> Snippet:
    tag = info.strip().split(maxsplit=1)[0].lower() if info.strip() else ""
    language: Any
    if "nlu-block" in classes or (tag in ("python", "py", "") and NLU_LOAD.search(code)):
        language = "nlu"
    elif tag in ("python", "py"):
        language = "python"
    elif tag in ("scala", "java", "bash"):
        language = "bash" if tag == "bash" else "scala" if tag == "scala" else "other"
    else:
        language = "other"
    return Snippet(language=language, code=code.rstrip("\n"), line=fence_line + 1, fence_line=fence_line)


def _links(body: str, body_line: int) -> Links:
    found: dict[str, Any] = {}
    # A link cannot span lines (neither label nor URL holds a newline), so one search of the
    # whole body finds what a search line by line would.
    line, counted = body_line, 0
    for match in LINK.finditer(body):
        kind = LINK_KINDS.get(match.group("label").strip().lower())
        url = match.group("url").strip()
        if kind and url and kind not in found:
            line += body.count("\n", counted, match.start())
            counted = match.start()
            found[kind] = {"url": url, "line": line}
    return Links.model_validate(found)


def _read_section(
    body: Body, prepared: markdown.PreparedMarkdown, title: str, start: int, end: int, raw: RawCard
) -> None:
    """What a known section contributes to the record; lines [start, end) follow its heading."""
    lines = prepared.lines
    if title == "description" and not body.description:
        kept: list[str] = []
        in_buttons = False
        for index in range(start, end):
            line = lines[index]
            in_buttons = (in_buttons or "btn-box" in prepared.classes_by_line.get(index, ())) and bool(
                line.strip()
            )
            if not in_buttons and not line.lstrip().startswith("<button"):
                kept.append(line)
        body.description = markdown.commonmark_lines(kept) if any(map(str.strip, kept)) else ""
    elif title in MODEL_INFORMATION_SECTIONS and body.model_information is None:
        first = next((i for i in range(start, end) if markdown.TABLE_ROW.match(lines[i])), None)
        if first is not None:
            body.model_information = values.model_information(
                lines, first, raw.body_line, body.problems, raw.path
            )
    elif title in REFERENCE_SECTIONS:
        for url in URL.findall("\n".join(lines[start:end])):
            url = url.rstrip(".,;")
            if url not in body.references:
                body.references.append(url)
    elif title in ENTITY_SECTIONS:
        for index in range(start, end):  # the {:.btn-box} row of links often follows: not entities
            if "btn-box" in prepared.classes_by_line.get(index, ()):
                break
            if lines[index].strip():
                body.predicted_entities.extend(values.entities(lines[index]))
    elif title in RESULTS_SECTIONS and body.results is None:
        content = [(i, lines[i]) for i in range(start, end) if lines[i].strip()]
        if content:
            body.results = values.results(
                "\n".join(text for _, text in content), raw.body_line + content[0][0]
            )
