"""Tables printed as text, the other shapes a Results block takes besides pandas' repr:

- Spark's `DataFrame.show()`: `+----+` borders, `|`-separated cells padded to the column, strings
  longer than 20 characters cut to 17 and `...` (a vector `[0.9422476, -0.14...`), and maybe
  `only showing top 20 rows` after the last border;
- tabulate's grid (nlu's `.to_markdown` / `tablefmt="grid"`): the same borders, `+====+` under
  the header, an index column with an empty header;
- Markdown pipe tables: `token | glove_embeddings |` over `------|-----|`.

    parse_text_table(lines)  -> (Table, style) or None     # style: "show", "grid" or "pipe"
    find_text_table(stdout)  -> (Table, style) or None     # the last such table a snippet printed

Cells are read with `results.parse_cell`'s rules (vectors cut with `...` keep the values printed
in full; the cut-off one is not compared)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence

from runtime.conformance.records import Cell, Table

BORDER = re.compile(r"^\s*\+[-=+]*\+\s*$")
PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
SHOWING = re.compile(r"^\s*only showing top \d+ rows?\s*$")
INDEX = re.compile(r"\d+$")


def _cells(line: str) -> list[str]:
    """`| a | b |` or `a | b |` or `a | b` -> ['a', 'b'] (the outer pipes are optional)."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|"):
        text = text[:-1]
    return [cell.strip() for cell in text.split("|")]


def _table(header: list[str], rows: list[list[str]], parse_cell: Callable[[str], Cell]) -> Table | None:
    if not header or any(len(row) != len(header) for row in rows):
        return None
    if len(header) > 1 and header[0] == "" and rows and all(INDEX.match(row[0]) for row in rows):
        header, rows = header[1:], [row[1:] for row in rows]  # a pandas / tabulate index column
    if any(not name for name in header):
        return None
    return Table(tuple(header), tuple(tuple(parse_cell(cell) for cell in row) for row in rows))


def _bordered(lines: Sequence[str], parse_cell: Callable[[str], Cell]) -> tuple[Table, str] | None:
    body = [line for line in lines if not SHOWING.match(line)]
    borders = [i for i, line in enumerate(body) if BORDER.match(line)]
    if len(body) < 3 or not borders or borders[0] > 1:  # a border above or under the header
        return None
    content = [line for line in body if not BORDER.match(line)]
    if not content or any(not line.strip().startswith("|") for line in content):
        return None
    style = "grid" if any("=" in body[i] for i in borders) else "show"
    rows = [_cells(line) for line in content]
    width = len(rows[0])
    if any(len(row) != width for row in rows):  # a '|' inside a cell: cut at the border's '+'s
        rows = [_cut(line, body[borders[0]]) for line in content]
    table = _table(rows[0], rows[1:], parse_cell)
    return (table, style) if table is not None else None


def _cut(line: str, border: str) -> list[str]:
    """A row cut where the border has its `+`s (Spark pads every cell to its column's width)."""
    edges = [i for i, char in enumerate(border) if char == "+"]
    return [line[start + 1 : end].strip() for start, end in itertools.pairwise(edges)]


def _piped(lines: Sequence[str], parse_cell: Callable[[str], Cell]) -> tuple[Table, str] | None:
    if len(lines) < 2 or "|" not in lines[0] or not PIPE_RULE.match(lines[1]):
        return None
    if any("|" not in line for line in lines[2:]):
        return None
    table = _table(_cells(lines[0]), [_cells(line) for line in lines[2:]], parse_cell)
    return (table, "pipe") if table is not None else None


def parse_text_table(lines: Sequence[str]) -> tuple[Table, str] | None:
    """`lines`: the block's content lines (blank ones dropped). None when they are not one table
    in these shapes."""
    from runtime.conformance.results import parse_cell

    return _bordered(lines, parse_cell) or _piped(lines, parse_cell)


def find_text_table(text: str) -> tuple[Table, str] | None:
    """The last bordered or pipe table in `text` (what a snippet printed around it is ignored)."""
    lines = [line for line in text.splitlines() if line.strip()]
    found: tuple[Table, str] | None = None
    start = 0
    while start < len(lines):
        if BORDER.match(lines[start]):
            end = start + 1
            while end < len(lines) and (BORDER.match(lines[end]) or lines[end].strip().startswith("|")):
                end += 1
            found = parse_text_table(lines[start:end]) or found
            start = end
        elif start + 1 < len(lines) and "|" in lines[start] and PIPE_RULE.match(lines[start + 1]):
            end = start + 2
            while end < len(lines) and "|" in lines[end] and not BORDER.match(lines[end]):
                end += 1
            found = parse_text_table(lines[start:end]) or found
            start = end
        else:
            start += 1
    return found
