"""The typed record of one model card, and its small value types.

Every value type is frozen: a card record is a value that the site builder and the runtime read,
never mutate. Every piece taken from the card keeps the 1-based line it came from, so that a
finding, a rendered warning or a conformance failure can point at the source.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

Severity = Literal["error", "warning", "info"]
SnippetLanguage = Literal["python", "scala", "nlu", "bash", "other"]
Engine = Literal["onnx", "tensorflow", "openvino", "llamacpp", "pytorch", "other"]
EngineSource = Literal["front_matter", "tags", "edition", "none"]


COMPUTED_FIELDS = frozenset({"task", "artifact", "version", "ok", "licensed"})
# Folders of the model bucket that only licensed customers can read (public ones: `public/...`).
PRIVATE_FOLDERS = frozenset({"clinical", "finance", "legal"})
_HIDDEN_DOWNLOAD = re.compile(
    r"\[Download\]\([^)\s]*\)\s*(?:\{:[^}\n]*\}\s*)*\{:[^}\n]*\bhidden\b[^}\n]*\}", re.IGNORECASE
)


class _Value(BaseModel):
    # defer_build: each record's validator is built when the first card is parsed, not when
    # this module is imported (a default like `Links()` would build it at import too).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Finding(_Value):
    """One problem found in one card: `path:line: severity: field: message`."""

    path: str
    line: int = Field(ge=0, description="1-based line in the card file; 0 when not tied to a line")
    severity: Severity
    field: str = Field(description="The card field or section the finding is about, e.g. 'snippets.python'")
    message: str
    hint: str | None = Field(default=None, description="What would fix it")
    rule: str = Field(description="Stable identifier of the check that produced this finding")

    @property
    def code(self) -> str:
        """The stable code of the finding's rule, e.g. 'CH201' (see `registry.rules`)."""
        return rule_code(self.rule)

    def format(self) -> str:
        """`path:line: severity: CODE rule: field: message (hint: ...)`."""
        return format_row(finding_row(self))


FindingRow = tuple[str, int, Severity, str, str, "str | None", str]
"""A finding's field values in `Finding`'s order (path, line, severity, field, message, hint,
rule): what `cardhub validate` and its cache pass around, a record being made only when one is
read (a record costs about ten times a tuple to make, and the garbage collector visits it)."""


def finding_row(finding: Finding) -> FindingRow:
    return (
        finding.path,
        finding.line,
        finding.severity,
        finding.field,
        finding.message,
        finding.hint,
        finding.rule,
    )


_FIELDS_SET = {"path", "line", "severity", "field", "message", "hint", "rule"}
"""Every field set (a set, as pydantic makes; `model_copy` copies it before updating it)."""
_new, _set = object.__new__, object.__setattr__


def row_finding(row: FindingRow) -> Finding:
    """The `Finding` of a row that `finding_row` made from one (so validated once already),
    without validating it again: five times faster than `Finding.model_construct`."""
    path, line, severity, field, message, hint, rule = row
    finding = _new(Finding)
    values = {
        "path": path,
        "line": line,
        "severity": severity,
        "field": field,
        "message": message,
        "hint": hint,
        "rule": rule,
    }
    _set(finding, "__dict__", values)
    _set(finding, "__pydantic_fields_set__", _FIELDS_SET)
    _set(finding, "__pydantic_extra__", None)
    _set(finding, "__pydantic_private__", None)
    return finding


def format_row(row: FindingRow) -> str:
    """`Finding.format` of a row."""
    path, line, severity, field, message, hint, rule = row
    text = f"{path}:{line}: {severity}: {rule_code(rule)} {rule}: {field}: {message}"
    return f"{text} (hint: {hint})" if hint else text


_codes: dict[str, str] = {}


def rule_code(rule: str) -> str:
    """`registry.rules.code_of(rule)`, remembered: `registry.rules` imports this module, so it is
    imported on the first call rather than at the top."""
    code = _codes.get(rule)
    if code is None:
        from registry.rules import code_of

        code = _codes[rule] = code_of(rule)
    return code


class Edition(_Value):
    """`edition: Spark NLP 2.6.0` split into product and version."""

    raw: str
    product: str = Field(description="e.g. 'Spark NLP', 'Healthcare NLP', 'Finance NLP'")
    version: str | None = Field(description="e.g. '2.6.0'; None when the edition names no version")


class Link(_Value):
    url: str
    line: int


class Links(_Value):
    download: Link | None = None
    s3: Link | None = None
    demo: Link | None = None
    colab: Link | None = None


class Snippet(_Value):
    language: SnippetLanguage
    code: str
    line: int = Field(description="Line of the first line of code (the line after the opening fence)")
    fence_line: int = Field(description="Line of the opening fence")


class ResultsTable(_Value):
    columns: list[str]
    rows: list[list[str]]


class Results(_Value):
    raw: str
    line: int = Field(description="Line of the first line of the Results block's content")
    table: ResultsTable | None = None


class ModelInformation(_Value):
    """The header-less key/value table under `## Model Information` (older: `## Model Parameters`)."""

    line: int = Field(description="Line of the table's first row")
    model_name: str | None = None
    type: str | None = None
    compatibility: str | None = None
    license: str | None = None
    edition: str | None = None
    input_labels: list[str] = Field(default_factory=list)
    output_labels: list[str] = Field(default_factory=list)
    language: str | None = None
    dimension: int | None = None
    case_sensitive: bool | None = None
    max_sentence_length: int | None = None
    size_bytes: int | None = Field(default=None, description="Parsed from e.g. '141.9 MB'")
    dependencies: str | None = None
    extra: dict[str, str] = Field(default_factory=dict, description="Rows with keys not listed above")
    rows: dict[str, int] = Field(
        default_factory=dict, description="Line of each row, keyed by the field name it filled"
    )


class Section(_Value):
    title: str
    level: int
    line: int
    markdown: str = Field(description="The section's body as Markdown, after the kramdown/Liquid pre-pass")


class Card(_Value):
    """One model card, parsed. `findings` holds everything the validator said about it."""

    path: str = Field(description="Path of the card file as given to the parser")
    # identity
    name: str
    language: str
    title: str
    author: str | None = None
    date: dt.date | None = None
    edition: Edition | None = None
    spark_version: str | None = Field(
        default=None, description="The first listed when the card lists several"
    )
    spark_versions: list[str] = Field(default_factory=list)
    # what it is
    tasks: list[str] = Field(default_factory=list)
    annotator: str | None = None
    annotator_inferred: bool = False
    engine: Engine | None = None
    engine_source: EngineSource = "none"
    tags: list[str] = Field(default_factory=list)
    supported: bool | None = None
    deprecated: bool | None = None
    recommended: bool | None = None
    # content
    description: str = Field(default="", description="Markdown of the Description section, buttons removed")
    predicted_entities: list[str] = Field(default_factory=list)
    links: Links = Field(default_factory=Links)
    snippets: list[Snippet] = Field(default_factory=list)
    results: Results | None = None
    model_information: ModelInformation | None = None
    references: list[str] = Field(default_factory=list, description="URLs found in the closing sections")
    nlu_reference: str | None = Field(default=None, description="e.g. 'en.embed_sentence.small_bert_L6_768'")
    sections: list[Section] = Field(default_factory=list)
    body: str = Field(default="", description="The Markdown body as written, after the front matter")
    body_line: int = Field(default=1, description="Line of the body's first line in the file")
    # provenance
    front_matter: dict[str, object] = Field(default_factory=dict, description="Known keys, as parsed")
    unknown_front_matter: dict[str, object] = Field(default_factory=dict)
    lines: dict[str, int] = Field(default_factory=dict, description="Line of each front-matter field")
    findings: list[Finding] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _drop_computed_fields(cls, data: object) -> object:
        """Lets a card's own JSON (which includes the computed fields) be read back."""
        if isinstance(data, dict) and COMPUTED_FIELDS & data.keys():
            return {k: v for k, v in data.items() if k not in COMPUTED_FIELDS}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def task(self) -> str | None:
        return self.tasks[0] if self.tasks else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def artifact(self) -> str | None:
        """The download file's stem, e.g. `sent_small_bert_L6_768_en_2.6.0_2.4_1598351137007`;
        the upstream cache key."""
        url = self.links.download.url if self.links.download else self.links.s3.url if self.links.s3 else None
        if not url:
            return None
        stem = url.rsplit("/", 1)[-1]
        return stem[:-4] if stem.endswith(".zip") else stem

    @computed_field  # type: ignore[prop-decorator]
    @property
    def version(self) -> str | None:
        """The library version the card was published for (the edition's version)."""
        return self.edition.version if self.edition else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def licensed(self) -> bool:
        """The model needs a license to download and run (see `license_reasons`)."""
        return bool(self.license_reasons)

    @property
    def license_reasons(self) -> list[str]:
        """Why the card's model needs a license: the tag `licensed`, an artifact in a private
        folder of the bucket (`clinical/models/...`), a Download link marked hidden, or
        `License: Licensed` in the Model Information table."""
        reasons = []
        if any(tag.strip().lower() == "licensed" for tag in self.tags):
            reasons.append("the card is tagged 'licensed'")
        for link in (self.links.download, self.links.s3):
            folder = _bucket_folder(link.url) if link else None
            if folder in PRIVATE_FOLDERS:
                reasons.append(f"its artifact lies in the private folder '{folder}/' of the model bucket")
                break
        if "hidden" in self.body and _HIDDEN_DOWNLOAD.search(self.body):
            reasons.append("its Download link is marked hidden")
        info = self.model_information
        if info is not None and (info.license or "").strip().lower() == "licensed":
            reasons.append("its Model Information says License: Licensed")
        return reasons

    def record(self) -> Card:
        """The full record: itself (an entry of the packaged index parses its card instead)."""
        return self

    def snippet(self, language: SnippetLanguage) -> Snippet | None:
        return next((s for s in self.snippets if s.language == language), None)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


def _bucket_folder(url: str) -> str | None:
    """`clinical` for `s3://auxdata.johnsnowlabs.com/clinical/models/x.zip` or
    `https://s3.amazonaws.com/auxdata.johnsnowlabs.com/clinical/models/x.zip`."""
    parts = [p for p in url.split("?", 1)[0].split("/") if p]
    for index, part in enumerate(parts[:-1]):
        if part.startswith("auxdata.") and index + 1 < len(parts) - 1:
            return parts[index + 1].lower()
    return None
