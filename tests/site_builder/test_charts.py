"""The SVG pictures: what they draw is what the numbers say, and card text stays text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from site_builder.charts import TimelinePoint, bar_chart, scatter, timeline

SVG = "{http://www.w3.org/2000/svg}"


def _svg(markup: str) -> ET.Element:
    return ET.fromstring(str(markup).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def test_bar_chart_draws_one_bar_per_value_longest_for_the_biggest_and_sums_the_rest() -> None:
    counts = {f"task {i}": i + 1 for i in range(12)} | {"<script>": 1}
    chart = bar_chart("c", "By task", counts, limit=3)
    assert chart is not None
    svg = _svg(chart.svg)
    widths = [float(r.get("width", 0)) for r in svg.iter(SVG + "rect")]
    assert chart.rows[:3] == (("task 11", "12"), ("task 10", "11"), ("task 9", "10"))
    assert chart.rows[3] == ("10 others", str(sum(range(1, 10)) + 1))
    values = [int(row[1]) for row in chart.rows]
    assert len(widths) == 4
    assert all(abs(w / widths[0] - v / values[0]) < 0.01 for w, v in zip(widths, values, strict=True))
    assert svg.get("role") == "img" and svg.find(SVG + "title") is not None
    assert "<script>" not in chart.svg and bar_chart("e", "Empty", {}) is None


def test_scatter_bins_points_by_dimension_and_size() -> None:
    points = [(768, 400_000_000)] * 50 + [(384, 120_000_000)] * 5 + [(0, 10)]
    chart = scatter("s", "Dimension against size", points)
    assert chart is not None
    circles = list(_svg(chart.svg).iter(SVG + "circle"))
    assert len(circles) == 2
    radius = {row[0]: float(c.get("r", 0)) for row, c in zip(chart.rows, circles, strict=True)}
    assert radius["768"] > radius["384"]
    assert chart.rows == (("384", "about 100 MB", "5"), ("768", "about 316 MB", "50"))  # quarter decades


def test_timeline_orders_versions_by_date_and_marks_the_newest() -> None:
    points = [TimelinePoint("6.1.0", "2026-01-20", True, False),
              TimelinePoint("5.5.0", "2025-05-14", False, True)]
    chart = timeline("t", "Versions", points)
    assert chart is not None
    svg = _svg(chart.svg)
    dots = [c for c in svg.iter(SVG + "circle") if "chart-dot" in (c.get("class") or "")]
    xs = {c.get("class"): float(c.get("cx", 0)) for c in dots}
    assert xs["chart-dot newest"] > xs["chart-dot"]  # the newest is on the right
    rings = [c for c in svg.iter(SVG + "circle") if c.get("class") == "chart-ring"]
    assert len(rings) == 1 and float(rings[0].get("cx", 0)) == xs["chart-dot"]  # this page's version
    assert "6.1.0 (newest)" in chart.svg


def test_index_and_model_pages_carry_the_pictures_without_script(built_site: Path) -> None:
    index = (built_site / "index.html").read_text()
    for chart_id in ("chart-task", "chart-language", "chart-embeddings"):
        assert f'<figure class="chart" id="{chart_id}">' in index
    assert re.search(r"<td>Embeddings</td><td>8</td>", index)
    page = (built_site / "models/sent_bge_base_en/5.5.0.html").read_text()
    assert 'id="chart-versions"' in page and "6.1.0 (newest)" in page
    single = (built_site / "models/sent_small_bert_L6_768_en/2.6.0.html").read_text()
    assert 'id="chart-versions"' not in single  # one version: no timeline
