"""Pictures as SVG written into the HTML: no chart library, no script, readable without
JavaScript, coloured by the site's CSS variables (so light and dark follow the page), each with
a text alternative (a title and description for screen readers, and the numbers in a table).

- `bar_chart`: models by task, by language (index);
- `scatter`: embeddings, dimension against size (index), points binned so that thousands of
  cards make a few dozen circles;
- `timeline`: a model's versions on a time axis, newest marked (model page);
- `heat_map`: cosine similarity of every pair of probe sentences (model page, `--previews`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

BAR_HEIGHT = 22
LABEL_WIDTH = 170
BAR_WIDTH = 300


@dataclasses.dataclass(frozen=True)
class Chart:
    """One picture: its SVG and the table that says the same in text."""

    id: str
    title: str
    svg: Markup
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _clip(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(chart_id: str, title: str, description: str, width: int, height: int, body: str) -> Markup:
    return Markup(
        f'<svg class="chart-svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(description)}</desc>'
        f"{body}</svg>"
    )


def bar_chart(chart_id: str, title: str, counts: dict[str, int], limit: int = 10) -> Chart | None:
    """Horizontal bars of the `limit` biggest values, the rest summed as "other"."""
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].lower()))
    if not ordered:
        return None
    shown = ordered[:limit]
    rest = sum(n for _, n in ordered[limit:])
    if rest:
        shown.append((f"{len(ordered) - limit} others", rest))
    top = max(n for _, n in shown)
    parts = []
    for i, (label, n) in enumerate(shown):
        y = i * BAR_HEIGHT
        width = max(1.0, BAR_WIDTH * n / top)
        parts.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">'
            f"{escape(_clip(label))}</text>"
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" '
            f'height="{BAR_HEIGHT - 6}"/>'
            f'<text class="chart-value" x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 15}">{n}</text>'
        )
    description = "; ".join(f"{label}: {n}" for label, n in shown)
    size = (LABEL_WIDTH + BAR_WIDTH + 60, len(shown) * BAR_HEIGHT + 4)
    svg = _svg(chart_id, title, description, *size, "".join(parts))
    return Chart(chart_id, title, svg, ("Value", "Model cards"), tuple((label, str(n)) for label, n in shown))


def scatter(chart_id: str, title: str, points: Sequence[tuple[int, int]]) -> Chart | None:
    """(dimension, size in bytes) points, binned by dimension and by a quarter decade of size;
    a circle's area grows with the number of cards in its bin."""
    bins: dict[tuple[int, float], int] = {}
    for dimension, size in points:
        if dimension > 0 and size > 0:
            key = (dimension, round(math.log10(size) * 4) / 4)
            bins[key] = bins.get(key, 0) + 1
    if not bins:
        return None
    width, height, left, bottom = 520, 240, 70, 40
    dims = sorted({d for d, _ in bins})
    sizes = [s for _, s in bins]
    low, high = min(sizes) - 0.25, max(sizes) + 0.25
    x_of = {d: left + (i + 0.5) * (width - left - 10) / len(dims) for i, d in enumerate(dims)}

    def y_of(size: float) -> float:
        return (height - bottom) - (size - low) / (high - low) * (height - bottom - 10)

    base = height - bottom
    parts = [f'<line class="chart-axis" x1="{left}" y1="{base}" x2="{width - 5}" y2="{base}"/>',
             f'<line class="chart-axis" x1="{left}" y1="5" x2="{left}" y2="{base}"/>']  # fmt: skip
    for d, x in x_of.items():
        parts.append(f'<text class="chart-label" x="{x:.1f}" y="{base + 16}" text-anchor="middle">{d}</text>')
    for exponent in range(math.ceil(low), math.floor(high) + 1):
        parts.append(f'<text class="chart-label" x="{left - 6}" y="{y_of(exponent) + 4:.1f}" '
                     f'text-anchor="end">{_bytes(10 ** exponent)}</text>')  # fmt: skip
    parts.append(f'<text class="chart-label" x="{(left + width) / 2:.0f}" y="{height - 6}" '
                 'text-anchor="middle">dimension</text>')  # fmt: skip
    top = max(bins.values())
    rows = []
    for (d, magnitude), n in sorted(bins.items()):
        radius = 3 + 9 * math.sqrt(n / top)
        parts.append(f'<circle class="chart-dot" cx="{x_of[d]:.1f}" cy="{y_of(magnitude):.1f}" '
                     f'r="{radius:.1f}"><title>dimension {d}, about {_bytes(10 ** magnitude)}: {n} cards'
                     "</title></circle>")  # fmt: skip
        rows.append((str(d), f"about {_bytes(10**magnitude)}", str(n)))
    description = "; ".join(f"dimension {d}, {s}: {n} cards" for d, s, n in rows)
    svg = _svg(chart_id, title, description, width, height, "".join(parts))
    return Chart(chart_id, title, svg, ("Dimension", "Size", "Model cards"), tuple(rows))


def _bytes(size: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}"
        size /= 1000
    return f"{size:.0f} GB"


@dataclasses.dataclass(frozen=True)
class TimelinePoint:
    label: str  # e.g. "2.6.0"
    date: str | None  # ISO date
    newest: bool
    current: bool


def timeline(chart_id: str, title: str, points: Sequence[TimelinePoint]) -> Chart | None:
    """The versions on a time axis, oldest left; the newest filled and labelled "newest", the
    page's own version ringed. Versions without a date are listed in the table only."""
    dated = sorted((p for p in points if p.date), key=lambda p: p.date or "")
    if not dated:
        return None
    days = [dt.date.fromisoformat(p.date[:10]).toordinal() for p in dated if p.date]
    first, last = min(days), max(days)
    span = max(1, last - first)
    width, left, right, y = 640, 50, 50, 42
    parts = [f'<line class="chart-axis" x1="{left}" y1="{y}" x2="{width - right}" y2="{y}"/>']
    for i, (point, day) in enumerate(zip(dated, days, strict=True)):
        x = left + (day - first) / span * (width - left - right) if len(dated) > 1 else width / 2
        classes = "chart-dot newest" if point.newest else "chart-dot"
        parts.append(f'<circle class="{classes}" cx="{x:.1f}" cy="{y}" r="7"/>')
        if point.current:
            parts.append(f'<circle class="chart-ring" cx="{x:.1f}" cy="{y}" r="11"/>')
        label_y = y - 24 if i % 2 == 0 else y + 26
        text = point.label + (" (newest)" if point.newest else "")
        parts.append(f'<text class="chart-label" x="{x:.1f}" y="{label_y}" text-anchor="middle">'
                     f"{escape(text)}</text>"
                     f'<text class="chart-label small" x="{x:.1f}" y="{label_y + 12}" text-anchor="middle">'
                     f"{escape(point.date or '')}</text>")  # fmt: skip
    rows = tuple((p.label, p.date or "no date", "newest" if p.newest else "") for p in points)
    description = "; ".join(" ".join(filter(None, row)) for row in rows)
    svg = _svg(chart_id, title, description, width, 88, "".join(parts))
    return Chart(chart_id, title, svg, ("Version", "Date", ""), rows)


def heat_map(chart_id: str, title: str, texts: Sequence[str], matrix: Sequence[Sequence[float]]) -> Chart:
    """A square of cells, one per pair of texts, darker for a higher cosine similarity, each with
    its value written in it; texts are numbered (the table lists them)."""
    n, cell, label = len(texts), 46, 30
    size = label + n * cell
    parts = []
    for i in range(n):
        parts.append(f'<text class="chart-label" x="{label - 6}" y="{label + i * cell + cell / 2 + 4:.0f}" '
                     f'text-anchor="end">{i + 1}</text>'
                     f'<text class="chart-label" x="{label + i * cell + cell / 2:.0f}" y="{label - 8}" '
                     f'text-anchor="middle">{i + 1}</text>')  # fmt: skip
        for j in range(n):
            value = float(matrix[i][j])
            opacity = max(0.08, (value + 1) / 2)
            x, y = label + j * cell, label + i * cell
            parts.append(f'<rect class="heat-cell" x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                         f'fill-opacity="{opacity:.3f}" data-value="{value}">'
                         f"<title>{i + 1} vs {j + 1}: {value:.3f}</title></rect>"
                         f'<text class="heat-value" x="{x + cell / 2 - 1:.0f}" y="{y + cell / 2 + 3:.0f}" '
                         f'text-anchor="middle">{value:.2f}</text>')  # fmt: skip
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    description = "; ".join(f"{i + 1} vs {j + 1}: {float(matrix[i][j]):.2f}" for i, j in pairs)
    svg = _svg(chart_id, title, description, size, size, "".join(parts))
    rows = tuple((str(i + 1), text, *(f"{float(v):.3f}" for v in matrix[i])) for i, text in enumerate(texts))
    return Chart(chart_id, title, svg, ("#", "Sentence", *(str(i + 1) for i in range(n))), rows)
