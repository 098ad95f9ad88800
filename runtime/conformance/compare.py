"""Compare what a snippet produced with its card's Results block.

Tables: column names, row count and row texts exactly (surrounding whitespace ignored); each
vector value the block prints in full within an absolute tolerance. What cannot be compared
(values after the block's `...`, a block that is not a table) is listed, never silently passed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from runtime.conformance.records import Cell, ExpectedResults, Produced, Table, Vector
from runtime.conformance.results import PROSE_NOTE, is_empty_block
from runtime.conformance.text_tables import find_text_table

DEFAULT_ATOL = 1e-4
TEXT_STYLES = {"show": "Spark show() table", "grid": "grid table", "pipe": "pipe table"}
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
MAX_DIFF_LINES = 40


@dataclass(frozen=True)
class Comparison:
    diff: tuple[str, ...]
    not_compared: tuple[str, ...]
    compared: bool
    """False when there was nothing to compare with (then the verdict is skip, not pass)."""

    @property
    def ok(self) -> bool:
        return not self.diff


def _show(cell: Cell | None) -> str:
    if cell is None:
        return "nothing"
    if isinstance(cell, Vector):
        shown = ", ".join(cell.shown) if cell.shown else ", ".join(f"{v:.8g}" for v in cell.values[:3])
        more = len(cell.values) - len(cell.shown) if not cell.shown else 0
        tail = ", ..." if cell.truncated or more > 0 else ""
        return f"[{shown}{tail}]" if cell.shown else f"[{shown}{tail}] ({len(cell.values)} values)"
    return repr(cell)


def _compare_cell(where: str, expected: Cell, got: Cell, atol: float) -> list[str]:
    if isinstance(expected, Vector):
        if not isinstance(got, Vector):
            return [f"{where}: expected a vector {_show(expected)}, got text {got!r}"]
        problems = []
        if len(got.values) < len(expected.values):
            problems.append(
                f"{where}: expected at least {len(expected.values)} values, got {len(got.values)}"
            )
        for i, (want, have) in enumerate(zip(expected.values, got.values, strict=False)):
            if not abs(want - have) <= atol:
                problems.append(
                    f"{where}, value {i + 1}: expected {expected.shown[i]}, got {have!r} "
                    f"(|diff| {abs(want - have):.3g} > atol {atol:g})"
                )
        return problems
    got_text = got if isinstance(got, str) else _show(got)
    wanted, had = expected.strip(), got_text.strip()
    if wanted.endswith("...") and len(wanted) > 3 and had.startswith(wanted[:-3]):
        return []  # the printer cut the text (Spark's show() at 20 characters): compare what it kept
    if wanted != had:
        return [f"{where}: expected {wanted!r}, got {had!r}"]
    return []


def compare_tables(expected: Table, got: Table, atol: float = DEFAULT_ATOL) -> Comparison:
    diff: list[str] = []
    if expected.columns != got.columns:
        missing = [c for c in expected.columns if c not in got.columns]
        extra = [c for c in got.columns if c not in expected.columns]
        detail = "; ".join(
            part
            for part in (
                f"missing {missing}" if missing else "",
                f"unexpected {extra}" if extra else "",
                "same names in another order" if not missing and not extra else "",
            )
            if part
        )
        diff.append(f"columns: expected {list(expected.columns)}, got {list(got.columns)} ({detail})")
    if len(expected.rows) != len(got.rows):
        diff.append(f"rows: expected {len(expected.rows)}, got {len(got.rows)}")
    shared = [c for c in expected.columns if c in got.columns]
    for number in range(max(len(expected.rows), len(got.rows))):
        want = expected.rows[number] if number < len(expected.rows) else None
        have = got.rows[number] if number < len(got.rows) else None
        if want is None or have is None:
            row = want if want is not None else have
            assert row is not None
            columns = expected.columns if want is not None else got.columns
            text = ", ".join(f"{name}={_show(cell)}" for name, cell in zip(columns, row, strict=False))
            side = "expected, not produced" if have is None else "produced, not expected"
            diff.append(f"row {number + 1} {side}: {text}")
            continue
        for name in shared:
            cell_want = want[expected.columns.index(name)]
            cell_have = have[got.columns.index(name)]
            diff.extend(_compare_cell(f"row {number + 1}, column {name!r}", cell_want, cell_have, atol))
    notes = []
    shown = {len(c.values) for row in expected.rows for c in row if isinstance(c, Vector)}
    dims = {len(c.values) for row in got.rows for c in row if isinstance(c, Vector) and not c.truncated}
    if shown:
        rest = (
            f"the other {'/'.join(str(d) for d in sorted(dims))}-dimensional values are not in the block"
            if dims
            else "the snippet printed them cut as well"
        )
        notes.append(
            f"vectors: compared the {'/'.join(map(str, sorted(shown)))} leading value(s) the block prints "
            f"in full (atol {atol:g}); {rest}"
        )
    if any(c.partial for row in expected.rows for c in row if isinstance(c, Vector)):
        notes.append("vectors: the cut-off value before each '...' was not compared")
    return Comparison(tuple(_cap(diff)), tuple(notes), compared=True)


def _cap(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_DIFF_LINES:
        return lines
    return [*lines[:MAX_DIFF_LINES], f"... and {len(lines) - MAX_DIFF_LINES} more differences"]


def _normalize(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _same_with_tolerance(want: str, have: str, atol: float) -> bool:
    want_numbers, have_numbers = _NUMBER.findall(want), _NUMBER.findall(have)
    if _NUMBER.sub("#", want) != _NUMBER.sub("#", have) or len(want_numbers) != len(have_numbers):
        return False
    return all(abs(float(a) - float(b)) <= atol for a, b in zip(want_numbers, have_numbers, strict=True))


def compare_text(expected: str, got: str, atol: float = DEFAULT_ATOL) -> Comparison:
    """Line by line, whitespace runs collapsed, numbers within `atol`; a unified diff otherwise."""
    want, have = _normalize(expected), _normalize(got)
    same = len(want) == len(have) and all(
        _same_with_tolerance(a, b, atol) for a, b in zip(want, have, strict=True)
    )
    if same:
        return Comparison((), (f"compared as text, numbers within atol {atol:g}",), compared=True)
    lines = list(difflib.unified_diff(want, have, "expected (Results block)", "got", lineterm="", n=1))
    return Comparison(tuple(_cap(lines)), (f"compared as text, numbers within atol {atol:g}",), compared=True)


def produced_text(produced: Produced) -> str:
    """What a notebook cell shows as text: stdout, then the final expression's repr."""
    parts = [produced.stdout.rstrip("\n")] if produced.stdout.strip() else []
    if produced.display_text:
        parts.append(produced.display_text)
    return "\n".join(parts)


def printed_table(produced: Produced, style: str) -> Table | None:
    """For a block printed by Spark's show() (or as a grid or pipe table), the last such table
    the snippet printed, if it printed one."""
    found = find_text_table(produced.stdout) if style in TEXT_STYLES else None
    return found[0] if found is not None else None


def produced_table(produced: Produced, printed: Table | None = None) -> Table | None:
    """The table a notebook would show: the table the snippet `printed` (see `printed_table`),
    else the final expression's DataFrame, else the pipeline's."""
    return printed if printed is not None else produced.display or produced.pipeline


def compare(expected: ExpectedResults | None, produced: Produced, atol: float = DEFAULT_ATOL) -> Comparison:
    if expected is None:
        return Comparison((), ("no Results block: ran, nothing to compare",), compared=False)
    if is_empty_block(expected.raw):
        return Comparison((), ("empty Results block: ran, nothing to compare",), compared=False)
    if expected.style == "prose":
        return Comparison((), (PROSE_NOTE,), compared=False)
    notes = list(expected.notes)
    printed = printed_table(produced, expected.style)
    table = produced_table(produced, printed)
    if expected.style in TEXT_STYLES and table is not None:
        source = "its DataFrame" if printed is None else "the table it printed"
        notes.append(f"the block is a {TEXT_STYLES[expected.style]}: compared with {source}")
    if expected.table is not None and table is not None:
        result = compare_tables(expected.table, table, atol)
        return Comparison(result.diff, (*notes, *result.not_compared), compared=True)
    if expected.table is not None:
        text = produced_text(produced)
        if not text.strip():
            return Comparison(
                (
                    "expected a table (Results block), the snippet showed nothing: no output, no final "
                    "expression, no `result` DataFrame",
                ),
                tuple(notes),
                compared=True,
            )
        notes.append("the snippet showed text, not a table: compared as text")
    result = compare_text(expected.raw, produced_text(produced), atol)
    return Comparison(result.diff, (*notes, *result.not_compared), compared=True)
