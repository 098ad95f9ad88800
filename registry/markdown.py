"""The kramdown / Liquid pre-pass that turns a card body into CommonMark.

The cards are written for Jekyll + kramdown. markdown-it-py (CommonMark) does not understand
kramdown attribute lists (`{:.btn-box}`, `{:target="_blank"}`), Liquid tags (`{% include ... %}`),
`<div markdown="1">` wrappers (a CommonMark HTML block runs to the next blank line and swallows the
code fences) or tables without a header row. This module is the one place that knows about them.

`prepare` keeps the line count unchanged, so that a token's line map still points into the card
file; the block attributes it removes are returned by the line they applied to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

BLOCK_ATTRIBUTES = re.compile(r"^\s{0,3}\{:\s*([^}]*)\}\s*$")
INLINE_ATTRIBUTES = re.compile(r"\{:[^}\n]*\}")
LIQUID_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}")
MARKDOWN_DIV_OPEN = re.compile(r"^\s*<div\b[^>]*\bmarkdown\s*=\s*[\"']?1[\"']?[^>]*>\s*$", re.IGNORECASE)
DIV_CLOSE = re.compile(r"^\s*</div>\s*$", re.IGNORECASE)
TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


ATX_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))??(?:[ \t]+#+)?[ \t]*$")
FENCE_OPEN = re.compile(r"( {0,3})(`{3,}|~{3,})(.*)$")
BLOCK_START = re.compile(r"\n {0,3}([#`~])")
"""The newline before a line where a heading or a fence can begin."""


@dataclass(frozen=True)
class Heading:
    line: int
    """0-based line index in the body."""
    level: int
    title: str


@dataclass(frozen=True)
class CodeBlock:
    line: int
    """0-based line index of the opening fence."""
    info: str
    content: str


@dataclass
class PreparedMarkdown:
    """The body after the pre-pass: same number of lines as the input."""

    text: str
    lines: list[str]
    classes_by_line: dict[int, list[str]] = field(default_factory=dict)
    """0-based line index of the first line after a block attribute list -> its classes."""
    liquid_includes: list[tuple[int, str]] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    code_blocks: list[CodeBlock] = field(default_factory=list)


def block_parser() -> MarkdownIt:
    """markdown-it-py configured to see exactly what `scan_blocks` sees: ATX headings and code
    fences, which may interrupt paragraphs, and nothing indented by four spaces or more. The tests
    hold `scan_blocks` to this parser on every real card; the registry uses the scanner because it
    is five times faster, and the site builder renders with full markdown-it-py. markdown-it-py
    is imported here, on use: importing it costs a cold `import registry.parse` about 80 ms."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("zero").enable(["code", "fence", "heading"])
    parser.disable("inline")
    return parser


ATTRIBUTE_ASSIGNMENT = re.compile(r"\w+\s*=\s*\"[^\"]*\"")
CLASS_SEPARATOR = re.compile(r"[.\s]+")


def _classes(attribute_list: str) -> list[str]:
    """`.button.button-orange` and `.a .b` both give ['button', 'button-orange'] / ['a', 'b']."""
    if "=" in attribute_list:
        return [c for c in CLASS_SEPARATOR.split(ATTRIBUTE_ASSIGNMENT.sub(" ", attribute_list)) if c]
    # What CLASS_SEPARATOR.split keeps, with string methods: `str.split()` splits at the blanks
    # `\s` matches (str.isspace), then at the dots.
    return [c for part in attribute_list.split() for c in part.split(".") if c]


def _next_content_line(lines: list[str], start: int) -> int:
    index = start
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def prepare(body: str) -> PreparedMarkdown:
    """Removes kramdown and Liquid syntax outside code fences, keeping the line count."""
    lines = body.split("\n")
    out: list[str] = []
    result = PreparedMarkdown(text="", lines=out)
    open_fence: str | None = None
    markdown_divs = 0
    for index, line in enumerate(lines):
        # Most lines hold none of the characters the pre-pass looks for: copy them untouched.
        if open_fence is not None and open_fence[0] not in line:
            out.append(line)
            continue
        if open_fence is None and "{" not in line and "`" not in line and "~" not in line and "<" not in line:
            out.append(line)
            continue
        stripped = line.lstrip()
        first = stripped[:1]
        if open_fence is not None:
            out.append(line)
            if first == open_fence[0] and FENCE.match(line):
                closing = FENCE.match(line)
                if closing and len(closing.group(1)) >= len(open_fence) and not stripped.strip(open_fence[0]):
                    open_fence = None
            continue
        if not first or (first not in "`~{<" and "{" not in line):
            out.append(line)
            continue
        fence = FENCE.match(line) if first in "`~" else None
        if fence:
            open_fence = fence.group(1)
            out.append(line)
            continue
        attributes = BLOCK_ATTRIBUTES.match(line) if first == "{" else None
        if attributes:
            target = _next_content_line(lines, index + 1)
            result.classes_by_line.setdefault(target, []).extend(_classes(attributes.group(1)))
            out.append("")
            continue
        if first == "<" and MARKDOWN_DIV_OPEN.match(line):
            markdown_divs += 1
            out.append("")
            continue
        if first == "<" and markdown_divs and DIV_CLOSE.match(line):
            markdown_divs -= 1
            out.append("")
            continue
        if "{%" in line or "{{" in line:
            for match in LIQUID_TAG.finditer(line):
                result.liquid_includes.append((index, match.group(0)))
            line = LIQUID_TAG.sub("", line)
            if not line.strip():
                out.append("")
                continue
        if "{:" in line:
            line = INLINE_ATTRIBUTES.sub("", line)
        out.append(line)
    _add_table_headers(out)
    result.text = "\n".join(out)
    result.headings, result.code_blocks = scan_text(result.text)
    return result


def scan_blocks(lines: list[str]) -> tuple[list[Heading], list[CodeBlock]]:
    """ATX headings and fenced code blocks, by CommonMark's rules for them (an unclosed fence runs
    to the end; the closing fence uses the same character, at least as many, and nothing else)."""
    return scan_text("\n".join(lines))


def scan_text(text: str) -> tuple[list[Heading], list[CodeBlock]]:
    """`scan_blocks` on the lines joined: a regular expression finds the lines that can open a
    block, so that Python looks only at those (a card has ~75 lines and ~8 such). The patterns
    start with the newline before a line (one is put before the first): a literal first
    character lets the regex engine skip to the candidates instead of trying every offset."""
    text = "\n" + text
    headings: list[Heading] = []
    blocks: list[CodeBlock] = []
    position = 0
    line = counted = 0  # the number of newlines before offset `counted`, less the one added
    while (start := BLOCK_START.search(text, position)) is not None:
        newline = start.start()
        line += text.count("\n", counted, newline)
        counted = newline
        line_end = text.find("\n", newline + 1)
        if line_end < 0:
            line_end = len(text)
        if start.group(1) == "#":
            heading = ATX_HEADING.match(text, newline + 1, line_end)
            if heading:
                title = (heading.group(2) or "").strip()
                headings.append(Heading(line=line, level=len(heading.group(1)), title=title))
            position = line_end
            continue
        fence = FENCE_OPEN.match(text, newline + 1, line_end)
        if fence and not (fence.group(2)[0] == "`" and "`" in fence.group(3)):
            position = _fenced_block(text, fence, line, line_end, blocks)
        else:
            position = line_end
    return headings, blocks


def _fenced_block(text: str, fence: re.Match[str], line: int, line_end: int, blocks: list[CodeBlock]) -> int:
    """Adds the block that `fence` opens on `line` (`line_end`: the offset of the newline ending
    it); returns the offset of the newline that ends its closing fence."""
    indent, marker = len(fence.group(1)), fence.group(2)
    closing = _closing_fence_line(marker[0], len(marker)).search(text, line_end)
    content = text[line_end + 1 : closing.start() + 1] if closing else text[line_end + 1 :]
    if indent and content:
        # Line by line, as the scan line by line saw them (a final newline ends the last line).
        ended = content.endswith("\n")
        parts = (content[:-1] if ended else content).split("\n")
        content = "\n".join(_dedent(part, indent) for part in parts) + ("\n" if ended else "")
    blocks.append(CodeBlock(line=line, info=fence.group(3).strip(), content=content))
    return closing.end() if closing else len(text)


@lru_cache(maxsize=32)
def _closing_fence_line(char: str, length: int) -> re.Pattern[str]:
    return re.compile(r"\n {0,3}" + re.escape(char) + "{" + str(length) + r",}[ \t]*$", re.MULTILINE)


def _dedent(text: str, width: int) -> str:
    """Removes up to `width` columns of leading blanks, a tab counting to the next multiple of
    four (CommonMark), and a tab that straddles the limit leaving its remainder as spaces."""
    column = index = 0
    while index < len(text) and column < width and text[index] in " \t":
        column = column + 1 if text[index] == " " else column + 4 - column % 4
        index += 1
    return " " * max(0, column - width) + text[index:]


def _add_table_headers(lines: list[str]) -> None:
    """Gives a header-less table (`|---|---|` first) an empty header row, in place of the blank
    line above it, so that CommonMark sees a table. Where there is no blank line to use, the table
    is left alone: line numbers matter more here than rendering (see `commonmark`)."""
    for index, line in enumerate(lines):
        if "|" not in line or "---" not in line or not TABLE_DELIMITER.match(line):
            continue
        if index > 0 and TABLE_ROW.match(lines[index - 1]):
            continue
        if index > 0 and not lines[index - 1].strip():
            lines[index - 1] = _empty_header(line)


def _empty_header(delimiter: str) -> str:
    columns = max(1, len([c for c in delimiter.strip().strip("|").split("|")]))
    return "|" + " |" * columns


def commonmark(markdown: str) -> str:
    """The same pre-pass for rendering, where line numbers do not matter: every header-less table
    gets its header row, inserted when there is no blank line to take."""
    return commonmark_lines(prepare(markdown).lines)


def commonmark_lines(lines: list[str]) -> str:
    """`commonmark` for lines that have been through `prepare` already."""
    text = "\n".join(lines)
    if "---" not in text or "|" not in text:
        return text.strip("\n") + "\n"  # no table delimiter row: nothing to fix
    fixed: list[str] = []
    for index, line in enumerate(lines):
        if (
            "|" in line
            and "---" in line
            and TABLE_DELIMITER.match(line)
            and not (index > 0 and TABLE_ROW.match(lines[index - 1]))
        ):
            if fixed and fixed[-1].strip():
                fixed.append("")
            fixed.append(_empty_header(line))
        fixed.append(line)
    return "\n".join(fixed).strip("\n") + "\n"
