"""Jinja2 rendering of the site's pages: one model page per card, the paginated listings (the
index and one set per facet value), the facet overview and the 404 page.

Every URL in a page is relative (`root` climbs to the site root), so the site works from any
static host, from a sub-folder and from file://."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_builder.charts import Chart, TimelinePoint, timeline
from site_builder.conformance import FACET_VALUES, STATUSES, CardConformance, ConformanceReport
from site_builder.entries import FACETS, Entry, Placement, conformance_status, safe_slug
from site_builder.render import highlight, markdown_to_html

if TYPE_CHECKING:
    import jinja2

    from registry import Card

# No inline script or style anywhere, so the policy can be strict; 'self' covers the site's
# own CSS, JS and search-index chunks.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'"
)
PAGE_SIZE = 100
FACET_PREVIEW = 12
HANDLED_SECTIONS = {"description", "how to use", "results", "model information", "model parameters",
                    "predicted entities", "included entities", "predicted labels", "references"}  # fmt: skip
ENTITY_SECTIONS = {"predicted entities", "included entities", "predicted labels"}
SNIPPET_LABELS = {"python": "Python", "scala": "Scala", "nlu": "NLU"}
SAFE_LINK_SCHEMES = ("https://", "http://")
# The annotators the runtime runs and the level of their vectors: runtime.models.SUPPORTED_ANNOTATORS
# (repeated here so that a build does not import the runtime; a test holds the two equal).
TRY_LEVELS = {"BertSentenceEmbeddings": "sentence", "BertEmbeddings": "token"}
PROBE_TEXTS = ("A man is playing a guitar.", "Someone plays an instrument.",
               "The stock market fell sharply today.")


_template_cache: Path | None = None


def use_template_cache(folder: Path | None) -> None:
    """Keep compiled templates in `folder`: a rebuild then skips compiling them."""
    global _template_cache
    _template_cache = folder
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    environment.cache_clear()


@functools.cache
def environment() -> jinja2.Environment:
    import jinja2

    cache = jinja2.FileSystemBytecodeCache(str(_template_cache)) if _template_cache else None
    return jinja2.Environment(
        loader=jinja2.PackageLoader("site_builder", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        bytecode_cache=cache,
    )


def _root(url: str) -> str:
    return "../" * url.count("/")


def _safe_link(url: str | None) -> str | None:
    """Only http(s) links from a card become hrefs (no javascript:, data:, ...)."""
    if url and url.strip().lower().startswith(SAFE_LINK_SCHEMES) and not any(c in url for c in "\"'<> "):
        return url.strip()
    return None


def _common(url: str, title: str, count: int, description: str = "") -> dict[str, Any]:
    return {"root": _root(url), "csp": CSP, "title": title, "count": count, "description": description,
            "canonical": None, "body_attrs": ""}  # fmt: skip


def _size(size: int | None) -> str | None:
    if size is None:
        return None
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size = size / 1000  # type: ignore[assignment]
    return None


def info_rows(card: Card) -> list[tuple[str, str]]:
    info = card.model_information
    if info is None:
        return []
    values: list[tuple[str, object]] = [
        ("Model name", info.model_name), ("Type", info.type), ("Compatibility", info.compatibility),
        ("License", info.license), ("Edition", info.edition),
        ("Input labels", ", ".join(info.input_labels)), ("Output labels", ", ".join(info.output_labels)),
        ("Language", info.language), ("Dimension", info.dimension),
        ("Case sensitive", None if info.case_sensitive is None else ("yes" if info.case_sensitive else "no")),
        ("Max sentence length", info.max_sentence_length), ("Size", _size(info.size_bytes)),
        ("Dependencies", info.dependencies),
    ]  # fmt: skip
    values += list(info.extra.items())
    return [(label, str(value)) for label, value in values if value not in (None, "")]


@dataclasses.dataclass(frozen=True)
class VersionLink:
    label: str
    url: str
    newest: bool
    current: bool


CONFORMANCE_CLASSES = {"verified": "ok", "fails": "err", "error": "err", "not run": "muted"}


def conformance_anchor(url: str) -> str:
    """The id of a card's row on the conformance report page (URL parts are already safe)."""
    return "m-" + url.removeprefix("models/").removesuffix(".html").replace("/", "--")


def render_model_page(
    card: Card, placement: Placement, versions: Sequence[tuple[Entry, Placement]],
    preview: Chart | None = None, conformance: CardConformance | None = None,
) -> str:
    url = placement.url
    # No catalog-wide figure on a model page: it would force every page to re-render.
    context = _common(url, f"{card.title} ({card.name}, {card.language})", 0, card.title)
    snippets = [
        {"id": s.language, "label": SNIPPET_LABELS[s.language],
         "html": highlight(s.code, s.language, card.name)}
        for s in (card.snippet(lang) for lang in ("python", "scala", "nlu"))
        if s is not None
    ]
    links = card.links
    extra = [(label, _safe_link(link.url if link else None)) for label, link in
             (("Live demo", links.demo), ("Open in Colab", links.colab))]  # fmt: skip
    context.update(
        card=card,
        placement=placement,
        newest_url=versions[0][1].url if versions else url,
        json_url="api/" + url[: -len(".html")] + ".json",
        download=None if card.licensed else _safe_link(links.download.url if links.download else None),
        license_reasons=card.license_reasons,
        try_level=None if card.licensed else TRY_LEVELS.get((card.annotator or "").rsplit(".", 1)[-1]),
        probe_texts=PROBE_TEXTS,
        preview=preview,
        conformance=conformance,
        conformance_class=CONFORMANCE_CLASSES[conformance.status] if conformance else "",
        conformance_anchor=conformance_anchor(url),
        entities_prose=_entities_prose(card),
        s3=links.s3.url if links.s3 else None,
        extra_links=[(label, link) for label, link in extra if link],
        findings=sorted(card.findings, key=lambda f: (f.severity != "error", f.line)),
        description_html=markdown_to_html(card.description),
        snippets=snippets,
        info_rows=info_rows(card),
        other_sections=[(s.title, markdown_to_html(s.markdown)) for s in card.sections
                        if s.title.strip().lower() not in HANDLED_SECTIONS and s.markdown.strip()],
        references=[u for u in (_safe_link(r) for r in card.references) if u],
        versions=[VersionLink(label=_version_label(e, p), url=p.url, newest=p.newest, current=p.url == url)
                  for e, p in versions],
        timeline=timeline("chart-versions", f"Versions of {card.name} ({card.language}) over time",
                          [TimelinePoint(e.version or p.version_slug, e.date, p.newest, p.url == url)
                           for e, p in versions]) if len(versions) > 1 else None,
    )  # fmt: skip
    return environment().get_template("model.html").render(context)


_LINK_ROW = re.compile(r"^\s*(?:\[[^\]\n]*\]\([^)\s]*\)\s*)+$|^\s*<button\b", re.IGNORECASE)


def _entities_prose(card: Card) -> str:
    """The Predicted Entities section as prose, when it lists no entity (the row of buttons
    below it left out): "This model does not predict entities; it returns ..."."""
    if card.predicted_entities:
        return ""
    section = next((s for s in card.sections if s.title.strip().lower() in ENTITY_SECTIONS), None)
    if section is None:
        return ""
    kept = [line for line in section.markdown.split("\n") if not _LINK_ROW.match(line)]
    return markdown_to_html("\n".join(kept))


def compare_data_url(page_url: str) -> str:
    """`models/x/2.6.0.html` -> `models/x/2.6.0.data.js`: what the compare page shows of it."""
    return page_url[: -len(".html")] + ".data.js"


def compare_data(
    card: Card, placement: Placement, versions: Sequence[tuple[Entry, Placement]], preview: Chart | None,
    conformance: CardConformance | None = None,
) -> str:
    """The compare page's view of one card, as a script (so that it loads from file:// too)."""
    probes = None
    if preview is not None:
        probes = {"texts": [row[1] for row in preview.rows],
                  "matrix": [[float(v) for v in row[2:]] for row in preview.rows]}  # fmt: skip
    data = {
        "url": placement.url, "title": card.title, "name": card.name, "language": card.language,
        "version": card.version, "task": card.task, "date": card.date.isoformat() if card.date else None,
        "licensed": card.licensed, "info": info_rows(card),
        "versions": [[_version_label(e, p), p.url, p.newest] for e, p in versions],
        "preview": probes,
        "conformance": [conformance.status, conformance.date] if conformance else None,
    }  # fmt: skip
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f"cardhubData({json.dumps('compare:' + placement.url)},{payload});\n"


def render_compare(count: int) -> str:
    context = _common("compare.html", "Compare models", count)
    return environment().get_template("compare.html").render(context)


def _version_label(entry: Entry, placement: Placement) -> str:
    parts = [entry.version or placement.version_slug]
    if entry.spark_version:
        parts.append(f"Spark {entry.spark_version}")
    if entry.date:
        parts.append(entry.date)
    return " · ".join(parts)


@dataclasses.dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    url: str


@dataclasses.dataclass(frozen=True)
class FacetGroup:
    key: str
    label: str
    values: list[FacetValue]
    total: int
    more: bool


def facet_url(facet: str, value: str, page: int = 1) -> str:
    suffix = "" if page == 1 else f"-{page}"
    return f"facets/{facet}/{safe_slug(value, lower=True)}{suffix}.html"


def facet_groups(counts: dict[str, dict[str, int]], preview: int | None) -> list[FacetGroup]:
    groups = []
    for key, label in FACETS:
        ordered = sorted(counts.get(key, {}).items(), key=lambda kv: (-kv[1], kv[0].lower()))
        shown = ordered if preview is None else ordered[:preview]
        values = [FacetValue(value=v, count=n, url=facet_url(key, v)) for v, n in shown]
        if values:
            groups.append(FacetGroup(key, label, values, total=len(ordered), more=len(ordered) > len(shown)))
    return groups


@dataclasses.dataclass(frozen=True)
class Row:
    url: str
    title: str
    name: str
    language: str
    version: str | None
    task: str | None
    excerpt: str
    deprecated: bool
    newest: bool
    licensed: bool = False
    conformance: str = ""  # the card's conformance status ("verified", ...) when a report covers it


def row_for(entry: Entry, placement: Placement) -> Row:
    task = entry.facets["task"][0] if entry.facets.get("task") else None
    return Row(placement.url, entry.title, entry.name, entry.language, entry.version, task,
               entry.excerpt, entry.deprecated, placement.newest, entry.licensed,
               conformance_status(entry))  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Listing:
    """One page of a listing: what `listing.html` needs besides the shared parts."""

    url: str
    heading: str
    rows: Sequence[Row]
    number: int
    page_urls: Sequence[str]
    total: int
    search: bool = False
    intro: str = ""


def render_listing(
    listing: Listing, facets: list[FacetGroup], count: int, charts: Sequence[Chart] = (),
    conformance_summary: str = "",
) -> str:
    context = _common(listing.url, listing.heading, count)
    first = (listing.number - 1) * PAGE_SIZE
    shown = f"{first + 1}–{first + len(listing.rows)}" if listing.rows else "0"
    context.update(
        heading=listing.heading,
        intro=listing.intro,
        search=listing.search,
        facets=facets,
        charts=charts,
        conformance_summary=conformance_summary if listing.search else "",
        rows=listing.rows,
        start=first + 1,
        status=f"Showing {shown} of {listing.total} model cards.",
        pages=[{"number": i + 1, "url": u, "current": i + 1 == listing.number}
               for i, u in enumerate(listing.page_urls)],
        body_attrs='data-search-root="."' if listing.search else "",
    )  # fmt: skip
    return environment().get_template("listing.html").render(context)


def render_facet_overview(facets: list[FacetGroup], count: int) -> str:
    context = _common("facets/index.html", "Browse by facet", count)
    context.update(facets=facets)
    return environment().get_template("facets.html").render(context)


def render_not_found(count: int) -> str:
    context = _common("404.html", "Page not found", count)
    context["root"] = "/"  # served for any depth of missing URL, so links start at the host root
    return environment().get_template("404.html").render(context)


@dataclasses.dataclass(frozen=True)
class ReportRow:
    """One card on the conformance report page."""

    anchor: str
    url: str
    title: str
    name: str
    language: str
    version: str | None
    verdict: CardConformance


REPORT_ORDER = {"fails": 0, "error": 1, "not run": 2, "verified": 3}


def report_rows(report: ConformanceReport, ordered: Sequence[tuple[Entry, Placement]]) -> list[ReportRow]:
    """The report's cards in the catalog's order, the failing and erroring ones first."""
    rows = [ReportRow(conformance_anchor(p.url), p.url, e.title, e.name, e.language, e.version,
                      report.cards[e.key]) for e, p in ordered if e.key in report.cards]  # fmt: skip
    return sorted(rows, key=lambda row: REPORT_ORDER[row.verdict.status])


def render_conformance_report(report: ConformanceReport, rows: Sequence[ReportRow], count: int) -> str:
    about = "Each card's own code run against its model and compared with its Results."
    context = _common("conformance.html", "Card conformance", count, about)
    counts = report.counts()
    context.update(
        report=report,
        rows=rows,
        statuses=[(s, counts[s], facet_url("conformance", FACET_VALUES[s])) for s in STATUSES],
        classes=CONFORMANCE_CLASSES,
    )
    return environment().get_template("conformance.html").render(context)
