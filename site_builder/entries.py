"""What the listings, the facets and the search index need to know about one card: a small,
JSON-friendly summary, cached in the build manifest so that a rebuild need not re-parse every card.

Also the stable URLs: `models/<name>_<lang>/<version>.html`, with path parts made safe."""

from __future__ import annotations

import dataclasses
import hashlib
import operator
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from registry import Card

# (facet key, label) in the order the index shows them.
FACETS: tuple[tuple[str, str], ...] = (
    ("task", "Task"),
    ("language", "Language"),
    ("annotator", "Annotator"),
    ("edition", "Edition"),
    ("engine", "Engine"),
    ("license", "License"),
    ("status", "Status"),
    ("conformance", "Conformance"),  # only with `cardhub build --conformance`
    ("case", "Case sensitivity"),
    ("dimension", "Dimension"),
)
FACET_LABELS = dict(FACETS)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_PLAIN_VALUE = re.compile(r"^[A-Za-z0-9 ._-]+$")
_MARKUP = re.compile(r"<[^>]*>|[`*_#>\[\]()!|{}]")
EXCERPT_CHARS = 180


def safe_slug(text: str, lower: bool = False) -> str:
    """A path part from any text: only [A-Za-z0-9._-]; a short hash keeps two texts that differ
    only in unsafe characters apart (card names are untrusted)."""
    base = (text.lower() if lower else text).replace(" ", "-")
    slug = _UNSAFE.sub("-", base).strip(".-") or "x"
    faithful = _PLAIN_VALUE.match(text) is not None and slug == base.strip(".-")
    if faithful:
        return slug[:80]
    return f"{slug[:60]}-{hashlib.sha1(text.encode()).hexdigest()[:6]}"


def plain_text(markdown: str) -> str:
    """Rough plain text of Markdown for excerpts and search: markup characters dropped."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)  # a link becomes its text
    return " ".join(_MARKUP.sub(" ", text).split())


_TOKEN = re.compile(r"[a-z0-9]+")
MIN_TERM = 2
STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on", "or",
     "that", "the", "this", "to", "with", "was", "were"]
)  # fmt: skip


def tokens(text: str) -> set[str]:
    """Search terms: lowercase runs of letters and digits, two characters or more, no stopwords
    (site.js splits a query the same way)."""
    return {t for t in _TOKEN.findall(text.lower()) if len(t) >= MIN_TERM and t not in STOPWORDS}


def ordered_tokens(text: str) -> list[str]:
    """The search terms of `text` in the order they appear, each once."""
    found = _TOKEN.findall(text.lower())
    return list(dict.fromkeys(t for t in found if len(t) >= MIN_TERM and t not in STOPWORDS))


def _version_key(version: str | None) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version or ""))


@dataclasses.dataclass(frozen=True)
class Entry:
    """One card as the listings, facets and search index see it."""

    key: str  # the card's path, unique per build
    name: str
    language: str
    title: str
    date: str | None
    version: str | None
    spark_version: str | None
    facets: dict[str, list[str]]
    tags: list[str]
    excerpt: str
    errors: int
    warnings: int
    deprecated: bool
    terms: str = ""  # search terms of the whole card, space-separated (cheap to keep in the manifest)
    name_terms: str = ""  # those in the name, the title and the tags: they rank higher, in that order
    title_terms: str = ""
    tag_terms: str = ""
    licensed: bool = False  # the model needs a license (registry.Card.licensed)
    download: str = ""  # the Download and Copy S3 URI links, for api/listing.json
    s3: str = ""
    size: int = 0  # bytes, from Model Information (the index's dimension/size chart)
    digest: str = ""  # changes whenever anything a listing or the search index shows changes

    def __post_init__(self) -> None:
        if not self.digest:
            shown = repr((self.name, self.language, self.title, self.version, self.facets, self.excerpt,
                          self.deprecated, self.terms, self.name_terms, self.title_terms, self.tag_terms,
                          self.licensed, self.download, self.s3, self.size, self.date, self.spark_version))
            object.__setattr__(self, "digest", hashlib.blake2b(shown.encode(), digest_size=10).hexdigest())

    @property
    def model_slug(self) -> str:
        return safe_slug(f"{self.name}_{self.language}")

    def to_row(self) -> tuple[Any, ...]:
        """The fields in order, for the manifest (plain values, no copies: asdict's deep copy is slow)."""
        return _FIELDS_GETTER(self)

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Entry:
        """An entry from `to_row`'s fields, its digest included: the fields are set directly,
        without the frozen dataclass's __init__ (a rebuild reads tens of thousands of them)."""
        if len(row) != len(_FIELD_NAMES) or not row[-1]:
            return cls(*row)
        entry = object.__new__(cls)
        entry.__dict__.update(zip(_FIELD_NAMES, row, strict=True))
        return entry


_FIELD_NAMES = tuple(field.name for field in dataclasses.fields(Entry))
_FIELDS_GETTER = operator.attrgetter(*_FIELD_NAMES)


def conformance_status(entry: Entry) -> str:
    """The card's conformance status ("verified", "not run", ...), "" when no report covers it."""
    values = entry.facets.get("conformance")
    return values[0].lower() if values else ""


def facet_values(card: Card) -> dict[str, list[str]]:
    info = card.model_information
    flags = [("Supported", card.supported), ("Deprecated", card.deprecated)]
    flags.append(("Recommended", card.recommended))
    flags.append(("Needs a license", card.licensed))
    status = [label for label, flag in flags if flag]
    case = None if info is None or info.case_sensitive is None else info.case_sensitive
    values: dict[str, list[str | None]] = {
        "task": list(card.tasks),
        "language": [card.language],
        "annotator": [card.annotator],
        "edition": [card.edition.product if card.edition else None],
        "engine": [card.engine],
        "license": [info.license if info else None],
        "status": list(status),
        "case": [None if case is None else ("Case sensitive" if case else "Case insensitive")],
        "dimension": [str(info.dimension) if info and info.dimension is not None else None],
    }
    return {key: sorted({v.strip() for v in vals if v and v.strip()}) for key, vals in values.items()}


def entry_for(card: Card, key: str | None = None, conformance: str | None = None) -> Entry:
    """`conformance`: the card's verdict as a facet value ("Verified", ...), when a report covers it."""
    description = plain_text(card.description)
    excerpt = description
    if len(description) > EXCERPT_CHARS:
        excerpt = description[:EXCERPT_CHARS].rsplit(" ", 1)[0] + "…"
    return Entry(
        key=key or card.path,
        name=card.name,
        language=card.language,
        title=card.title,
        date=card.date.isoformat() if card.date else None,
        version=card.version,
        spark_version=card.spark_version,
        facets=facet_values(card) | ({"conformance": [conformance]} if conformance else {}),
        tags=list(card.tags),
        excerpt=excerpt,
        terms=" ".join(sorted(tokens(f"{card.name} {card.title} {' '.join(card.tags)} {description}"))),
        name_terms=" ".join(sorted(tokens(card.name))),
        title_terms=" ".join(sorted(tokens(card.title))),
        tag_terms=" ".join(sorted(tokens(" ".join(card.tags)))),
        licensed=card.licensed,
        download=card.links.download.url if card.links.download else "",
        s3=card.links.s3.url if card.links.s3 else "",
        size=(card.model_information.size_bytes or 0) if card.model_information else 0,
        errors=len(card.errors),
        warnings=len(card.warnings),
        deprecated=bool(card.deprecated),
    )


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where an entry's page lives, and its place among the versions of its (name, language)."""

    url: str  # relative to the site root, e.g. models/bert_base_cased_en/2.6.0.html
    version_slug: str
    newest: bool
    siblings: tuple[str, ...]  # keys of every version of the same (name, language), newest first


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.date or "", _version_key(e.version), e.key), reverse=True)


def place(
    entries: Sequence[Entry],
    previous: dict[str, tuple[str, bool, tuple[str, ...]]] | None = None,
    touched: set[str] | frozenset[str] = frozenset(),
) -> dict[str, Placement]:
    """Stable URLs for every entry: the version slug is the edition version, disambiguated by
    the Spark version and then the date when one (name, language) has several cards with it.

    `previous` (url, newest, siblings by key, from the last build) is reused for every card whose
    versions are all untouched: the same cards give the same placements."""
    placements: dict[str, Placement] = {}
    groups: dict[str, list[Entry]] = defaultdict(list)
    # A model gains a version when a touched card has its (name, language).
    touched_models = {(e.name, e.language) for e in entries if e.key in touched}
    for entry in entries:
        known = previous.get(entry.key) if previous is not None and entry.key not in touched else None
        reusable = known is not None and (entry.name, entry.language) not in touched_models
        if known is not None and reusable and not touched.intersection(known[2]):
            url, newest, siblings = known
            # the frozen dataclass's __init__ skipped: tens of thousands are reused on a rebuild
            placement = object.__new__(Placement)
            placement.__dict__.update(url=url, version_slug=url.rsplit("/", 1)[1][: -len(".html")],
                                      newest=newest, siblings=tuple(siblings))  # fmt: skip
            placements[entry.key] = placement
        else:
            groups[entry.model_slug].append(entry)
    for model_slug, group in groups.items():
        if len(group) == 1:  # most models have one card: skip the disambiguation
            entry = group[0]
            slug = safe_slug(entry.version or entry.date or "card")
            placements[entry.key] = Placement(f"models/{model_slug}/{slug}.html", slug, True, (entry.key,))
            continue
        ordered = newest_first(group)
        keys = tuple(e.key for e in ordered)
        for index, (entry, slug) in enumerate(zip(ordered, _version_slugs(ordered), strict=True)):
            url = f"models/{model_slug}/{slug}.html"
            placements[entry.key] = Placement(url=url, version_slug=slug, newest=index == 0, siblings=keys)
    return placements


def _version_slugs(ordered: Sequence[Entry]) -> list[str]:
    candidates = [
        lambda e: e.version or e.date or "card",
        lambda e: f"{e.version or 'card'}_spark{e.spark_version or '-'}",
        lambda e: f"{e.version or 'card'}_spark{e.spark_version or '-'}_{e.date or '-'}",
    ]
    slugs = [safe_slug(candidates[0](e)) for e in ordered]
    for level in (1, 2):
        counts: dict[str, int] = defaultdict(int)
        for slug in slugs:
            counts[slug] += 1
        pairs = zip(ordered, slugs, strict=True)
        slugs = [safe_slug(candidates[level](e)) if counts[s] > 1 else s for e, s in pairs]
    seen: dict[str, int] = defaultdict(int)
    unique: list[str] = []
    for slug in slugs:  # still equal: number them in path order, which is stable
        seen[slug] += 1
        unique.append(slug if seen[slug] == 1 else f"{slug}-{seen[slug]}")
    return unique
