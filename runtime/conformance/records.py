"""The values passed between the conformance layers: frozen dataclasses, no dicts.

Snippet (what runs) -> RunOutcome (what the sandbox saw) -> Verdict record (what the report says).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Verdict = Literal["pass", "fail", "error", "skip"]
VERDICTS: tuple[Verdict, ...] = ("pass", "fail", "error", "skip")
SnippetKind = Literal["python", "nlu", "scala"]
Value = str | tuple[float, ...]
"""One cell: text, or a vector of numbers."""


@dataclass(frozen=True)
class Vector:
    """A vector as a Results block prints it: the leading values shown in full, then maybe `...`."""

    values: tuple[float, ...]
    shown: tuple[str, ...]
    """The printed text of each shown value (for diffs)."""
    partial: str | None = None
    """The cut-off text of the next value (`0.0` in `[.., 0.0...`), not compared."""
    truncated: bool = False


Cell = str | Vector


@dataclass(frozen=True)
class Table:
    """A table as printed (expected) or as produced (got); got vectors are never truncated."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class ExpectedResults:
    """The card's Results block: parsed as a table when it is one, else kept as text."""

    raw: str
    line: int
    table: Table | None
    notes: tuple[str, ...] = ()
    """What the parser could not read (said in the report, never silently passed)."""
    style: str = "pandas"
    """How the table was printed: pandas' repr ("pandas"), Spark's show() ("show"), tabulate's
    grid ("grid") or a Markdown pipe table ("pipe"); "text" when the block is not a table, "prose"
    when it describes the output in words instead of showing it (not compared)."""


@dataclass(frozen=True)
class SnippetJob:
    """One snippet of one card, ready to run."""

    card_path: str
    card_name: str
    language: str
    kind: SnippetKind
    line: int
    """Card line of the snippet's first code line."""
    source: str
    """The code as written in the card."""
    code: str
    """The code after IPython's transformation (same line count)."""
    nlu_reference: str | None
    expected: ExpectedResults | None
    skip_reason: str | None = None
    error: str | None = None
    """Set when the snippet cannot even be compiled (syntax error at its card line)."""
    error_line: int | None = None


@dataclass(frozen=True)
class Limits:
    """What a snippet may use. Memory and processes are enforced through cgroups when the machine
    has them, else through rlimits (which root ignores for processes)."""

    wall_seconds: float = 120.0
    cpu_seconds: int = 240
    memory_bytes: int = 6 * 1024**3
    max_processes: int = 512
    max_file_bytes: int = 256 * 1024**2
    max_open_files: int = 1024


@dataclass(frozen=True)
class Produced:
    """What the snippet showed: its stdout, the final bare expression, the pipeline's DataFrame."""

    stdout: str = ""
    display: Table | None = None
    display_text: str | None = None
    pipeline: Table | None = None


@dataclass(frozen=True)
class RunOutcome:
    """What happened in the sandbox."""

    status: Literal["ok", "exception", "skip", "killed", "crashed"]
    produced: Produced = field(default_factory=Produced)
    message: str = ""
    """Exception text, skip reason, or the limit that stopped the snippet."""
    error_line: int | None = None
    traceback: str = ""
    stderr_tail: str = ""
    seconds: float = 0.0
    startup_seconds: float = 0.0
    """Interpreter start, isolation and imports before the snippet's own code ran."""
    isolation: tuple[str, ...] = ()
    """The isolation actually in force (netns, read-only mounts, cgroups, rlimits ...)."""


@dataclass(frozen=True)
class SnippetReport:
    """One record of the JSON report."""

    card: str
    name: str
    language: str
    line: int
    verdict: Verdict
    reason: str = ""
    diff: tuple[str, ...] = ()
    not_compared: tuple[str, ...] = ()
    error_line: int | None = None
    atol: float = 1e-4
    seconds: float = 0.0
    startup_seconds: float = 0.0
    fetch_seconds: float = 0.0
    runtime_version: str = ""
    artifact: str | None = None
    artifact_sha256: str | None = None
    isolation: tuple[str, ...] = ()
    stdout_tail: str = ""

    def location(self) -> str:
        return f"{self.card}:{self.error_line or self.line}"

    def as_json(self) -> dict[str, object]:
        return asdict(self)
