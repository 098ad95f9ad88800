"""The Results block: parse what a card prints, render what a snippet produced in the card's own
format, and rewrite only the block's bytes (`--update`).

The blocks are mostly pandas DataFrames copied from a notebook: tab-separated (copied from the
HTML table) or space-aligned (the text repr), vectors cut at 50 characters with `...`, sometimes
with a stray `Results` title or whitespace-only lines; else tables printed as text (Spark's
show(), tabulate's grid, Markdown pipes: `text_tables`). A block that is not a table is kept as
text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from runtime.conformance.errors import ResultsBlockError
from runtime.conformance.records import Cell, ExpectedResults, Table, Vector
from runtime.conformance.text_tables import parse_text_table

PANDAS_MAX_COLWIDTH = 50
_SPACES = re.compile(r" {2,}")
_INDEX = re.compile(r"\d+$")
_IMAGE = re.compile(r"^\s*!\[[^\]]*\]\([^)]*\)\s*$")
PROSE_NOTE = (
    "the Results block describes the output in words (\"The output is ...\") instead of showing it: "
    "nothing to compare"
)


def _split(line: str, tabbed: bool) -> list[str]:
    cells = line.split("\t") if tabbed else _SPACES.split(line)
    return [cell.strip() for cell in cells if cell.strip()]


def parse_cell(text: str) -> Cell:
    """`[0.1, -0.2, 0.0...` -> Vector(values=(0.1, -0.2), partial='0.0', truncated=True)."""
    if not text.startswith("["):
        return text
    body = text[1:]
    truncated = body.endswith(("...", "...]"))  # pandas and Spark cut the text; a pipe table closes it
    if truncated:
        body = body[: -4 if body.endswith("]") else -3]
    elif body.endswith("]"):
        body = body[:-1]
    else:
        return text
    parts = [part.strip() for part in body.split(",")]
    partial = parts.pop() if truncated else None
    if partial is not None and partial.endswith("]"):  # a full vector followed by `...`: not pandas
        return text
    try:
        values = tuple(float(part) for part in parts if part)
    except ValueError:
        return text
    shown = tuple(part for part in parts if part)
    return Vector(values=values, shown=shown, partial=partial or None, truncated=truncated)


def _content_lines(raw: str) -> tuple[list[str], list[str]]:
    """Lines that carry content, and what the parser dropped (said in the report)."""
    lines = [line.rstrip("\r") for line in raw.split("\n")]
    content = [line for line in lines if line.strip()]
    dropped: list[str] = []
    if content and content[0].strip().lower() == "results":
        dropped.append("a 'Results' title line inside the block was ignored")
        content = content[1:]
    return content, dropped


def parse_results(raw: str, line: int) -> ExpectedResults:
    """A table when every row has one cell per column (an index column is allowed), else text."""
    content, notes = _content_lines(raw)
    if describes_output(raw):
        return ExpectedResults(raw=raw, line=line, table=None, notes=(*notes, PROSE_NOTE), style="prose")
    printed = parse_text_table(content)
    if printed is not None:
        return ExpectedResults(raw=raw, line=line, table=printed[0], notes=tuple(notes), style=printed[1])
    if len(content) < 2:
        return ExpectedResults(
            raw=raw, line=line, table=None, notes=(*notes, "not a table: compared as text"), style="text"
        )
    tabbed = any("\t" in row for row in content)
    columns = _split(content[0], tabbed)
    rows: list[tuple[Cell, ...]] = []
    for number, row in enumerate(content[1:], start=1):
        cells = _split(row, tabbed)
        if len(cells) == len(columns) + 1 and _INDEX.match(cells[0]):
            cells = cells[1:]
        if len(cells) != len(columns) or len(columns) < 2:
            reason = f"row {number} has {len(cells)} cells for {len(columns)} columns"
            return ExpectedResults(
                raw=raw, line=line, table=None, notes=(*notes, f"not a table ({reason}): compared as text"),
                style="text",
            )
        rows.append(tuple(parse_cell(cell) for cell in cells))
    return ExpectedResults(raw=raw, line=line, table=Table(tuple(columns), tuple(rows)), notes=tuple(notes))


def format_vector(values: tuple[float, ...], width: int = PANDAS_MAX_COLWIDTH) -> str:
    """A vector as pandas prints a list cell: Python float reprs, cut to `width` with `...`."""
    text = "[" + ", ".join(repr(float(v)) for v in values) + "]"
    return text if len(text) <= width else text[: width - 3] + "..."


def format_cell(cell: Cell) -> str:
    if isinstance(cell, Vector):
        return format_vector(cell.values)
    return cell


@dataclass(frozen=True)
class _Style:
    preamble: list[str]
    prefix: str
    separator: str | None
    trailer: list[str]


def is_empty_block(raw: str) -> bool:
    """Whether a Results block shows nothing yet (blank lines, a `Results` title at most): the
    block `cardhub new` writes, which `cardhub conform --update` fills."""
    return not _content_lines(raw)[0]


def describes_output(raw: str) -> bool:
    """Whether a Results block describes the output in words instead of showing it, as many of
    the hub's older cards do ("The output is a dataframe with a sentence per row and ...")."""
    content = [line for line in _content_lines(raw)[0] if not _IMAGE.match(line)]
    return bool(content) and content[0].lstrip().lower().startswith("the output ")


def _style(raw: str) -> _Style:
    """How the card printed its table: a title line, a leading tab, a line under the header."""
    lines = raw.split("\n")
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].strip().lower() == "results"):
        start += 1
    end = len(lines)
    while end > start and not lines[end - 1].strip():
        end -= 1
    header = lines[start] if start < len(lines) else ""
    after = lines[start + 1] if start + 1 < end else None
    separator = after if after is not None and not after.strip() else None
    prefix = header[: len(header) - len(header.lstrip())] if header.startswith("\t") else ""
    return _Style(lines[:start], prefix, separator, lines[end:])


def render_table(table: Table, previous_raw: str) -> str:
    """`table` in the layout of `previous_raw` (tab-separated, as the cards copy it). An empty
    block gets the layout of the hub's cards that show nlu's output (a DataFrame copied from the
    notebook's HTML table): a leading tab on each line, a line of tabs under the header."""
    empty = is_empty_block(previous_raw)
    if empty or describes_output(previous_raw):  # a prose description is replaced, a title kept
        title = [line for line in previous_raw.split("\n") if line.strip()] if empty else []
        style = _Style(title, "\t", "\t" * len(table.columns), [])
    else:
        style = _style(previous_raw)
    out = list(style.preamble)
    out.append(style.prefix + "\t".join(table.columns))
    if style.separator is not None:
        out.append(style.separator)
    out.extend(style.prefix + "\t".join(format_cell(c) for c in row) for row in table.rows)
    out.extend(style.trailer)
    return "\n".join(out)


@dataclass(frozen=True)
class BlockSpan:
    """Byte offsets of a Results block's content (between its fences) in the card file."""

    start: int
    end: int
    newline: bytes


def locate_block(path: Path, data: bytes, first_line: int) -> BlockSpan:
    """The content of the fenced block whose first content line is `first_line` (1-based)."""
    newline = b"\r\n" if b"\r\n" in data else b"\n"
    lines = data.split(b"\n")
    fence_index = first_line - 2
    if fence_index < 0 or fence_index >= len(lines) or not lines[fence_index].lstrip().startswith(b"```"):
        raise ResultsBlockError(
            str(path),
            first_line - 1,
            "no ``` fence opens the Results block here",
            "put the Results output in a fenced block (```bash ... ```) under '## Results'",
        )
    close = next(
        (i for i in range(fence_index + 1, len(lines)) if lines[i].strip().rstrip(b"\r") == b"```"), None
    )
    if close is None:
        raise ResultsBlockError(
            str(path),
            first_line - 1,
            "the Results block's fence is never closed",
            "add a closing ``` line after the Results output",
        )
    start = sum(len(line) + 1 for line in lines[: fence_index + 1])
    end = sum(len(line) + 1 for line in lines[:close])
    return BlockSpan(start=start, end=end, newline=newline)


def rewrite_block(path: Path, first_line: int, new_content: str) -> bool:
    """Replace the Results block's content; every other byte of the file stays. True if changed."""
    data = path.read_bytes()
    span = locate_block(path, data, first_line)
    text = new_content.rstrip("\n").replace("\r\n", "\n")
    payload = (text.replace("\n", span.newline.decode()) + span.newline.decode()).encode("utf-8")
    if data[span.start : span.end] == payload:
        return False
    updated = data[: span.start] + payload + data[span.end :]
    tmp = path.with_name(path.name + ".cardhub-update")
    tmp.write_bytes(updated)
    tmp.replace(path)
    return True


def block_content(path: Path, first_line: int) -> str:
    """The Results block's content as it is in the file (what `rewrite_block` replaces)."""
    data = path.read_bytes()
    span = locate_block(path, data, first_line)
    return data[span.start : span.end].decode("utf-8").replace("\r\n", "\n").rstrip("\n")
