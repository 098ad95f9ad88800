"""What was read from a card file -> the typed `Card`, noting where a value had to be coerced or
inferred. Checks of the values against each other live in `validate.py`."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry import values
from registry.card import Card, Finding, Snippet

if TYPE_CHECKING:
    from registry.parse import Body, RawCard

KNOWN_KEYS = {
    "layout",
    "title",
    "author",
    "name",
    "date",
    "task",
    "language",
    "edition",
    "spark_version",
    "tags",
    "supported",
    "deprecated",
    "recommended",
    "annotator",
    "engine",
    "nav_key",
    "article_header",
    "use_language_switcher",
}
LEGACY_KEYS = {"class": "annotator", "repository": None}
ENGINES = {"onnx", "tensorflow", "openvino", "llamacpp", "pytorch"}
SORTED_ENGINES = sorted(ENGINES)
DEEP_LEARNING_ANNOTATOR = re.compile(
    r"bert|albert|roberta|xlnet|elmo|universalsentenceencoder|deberta|longformer|t5|marian|bart|gpt|"
    r"nerdl|classifierdl|sentimentdl|assertiondl|contextspell|e5|bge|mpnet|instructor|vit|whisper|wav2vec",
    re.IGNORECASE,
)


FILE_NAME = re.compile(r"^(?:\d{4}-\d{2}-\d{2}|\d{2}-\d{2}-\d{4})-(?P<stem>.+?)(?:--.*)?$")
# `\b([A-Z]\w+)...`, with the word boundary checked after the capital: a pattern that starts with
# a character class lets the regex engine skip to the capitals instead of trying every offset.
PRETRAINED_CALL = re.compile(r"([A-Z](?<=\b[A-Z])\w+)\s*\.\s*pretrained\s*\(\s*['\"]([^'\"]*)['\"]")
PRETRAINED_PIPELINE = re.compile(r"\bPretrainedPipeline\s*\(")
NLU_LOAD = re.compile(r"nlu\s*\.\s*load\s*\(\s*['\"]([^'\"]+)['\"]")


class _Collector:
    def __init__(self, raw: RawCard) -> None:
        self.raw = raw
        self.findings: list[Finding] = []

    def add(
        self, severity: str, key: str, message: str, hint: str | None, rule: str, line: int | None = None
    ) -> None:
        self.findings.append(
            Finding(
                path=self.raw.path,
                line=line if line is not None else self.raw.key_lines.get(key, 1),
                severity=severity,
                field=key,
                message=message,
                hint=hint,
                rule=rule,
            )
        )


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _string_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _spark_versions(raw: RawCard) -> list[str]:
    """YAML reads `spark_version: 3.10` as the float 3.1, so scalars are taken from the raw text."""
    value = raw.front_matter.get("spark_version")
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [raw.front_matter_raw.get("spark_version", str(value)).strip("'\" ")]


def build_card(raw: RawCard, body: Body, complete: bool = True) -> Card:
    """The typed card and the findings of reading it. Not `complete`: without what no check or
    finding reads (see `parse.read_body`)."""
    out = _Collector(raw)
    fm = raw.front_matter
    file_name, file_language = name_from_file_name(raw.path)

    name = _text(fm.get("name"))
    if name is None:
        out.add(
            "error",
            "name",
            "the card has no name",
            f"add 'name: {file_name}' to the front matter",
            "required-field",
        )
        name = file_name
    language = _text(fm.get("language"))
    if language is None:
        language, source = _infer_language(name, body, file_language)
        out.add(
            "warning",
            "language",
            "the card has no language" + (f"; read {language!r} from {source}" if language else ""),
            f"add 'language: {language or 'en'}' to the front matter",
            "required-field",
            line=raw.key_lines.get("language", 1),
        )
    title = _text(fm.get("title"))
    if title is None:
        out.add("warning", "title", "the card has no title", "add a 'title:' line", "required-field")

    date, note = parse_date(fm.get("date"))
    if date is None:
        out.add(
            "error" if "date" in fm else "warning",
            "date",
            f"date {fm.get('date')!r} is not a date" if "date" in fm else "the card has no date",
            "write the date as YYYY-MM-DD",
            "date-format",
        )
    elif note:
        out.add(
            "warning",
            "date",
            f"date {fm.get('date')!r} is not YYYY-MM-DD ({note})",
            "write the date as YYYY-MM-DD",
            "date-format",
        )

    edition = values.parse_edition(str(fm["edition"])) if _text(fm.get("edition")) else None
    if edition is None:
        out.add(
            "warning",
            "edition",
            "the card has no edition",
            "add e.g. 'edition: Spark NLP 5.0.0'",
            "required-field",
        )
    spark_versions = _spark_versions(raw)

    tasks = _string_list(fm.get("task"))
    if not tasks:
        out.add("warning", "task", "the card has no task", "add e.g. 'task: Embeddings'", "required-field")

    annotator, annotator_inferred = _annotator(raw, body, name, out)
    engine, engine_source = _engine(fm, annotator, edition.version if edition else None)
    flags = {key: _flag(key, fm.get(key), out) for key in ("supported", "deprecated", "recommended")}
    _report_unknown_keys(raw, out)
    known, unknown = _known_and_unknown(fm) if complete else ({}, {})
    return Card(
        path=raw.path,
        name=name,
        language=language,
        title=title or name,
        author=_text(fm.get("author")),
        date=date,
        edition=edition,
        spark_version=spark_versions[0] if spark_versions else None,
        spark_versions=spark_versions,
        tasks=tasks,
        annotator=annotator,
        annotator_inferred=annotator_inferred,
        engine=engine,
        engine_source=engine_source,
        tags=_string_list(fm.get("tags")),
        description=body.description,
        predicted_entities=body.predicted_entities,
        links=body.links,
        snippets=body.snippets,
        results=body.results,
        model_information=body.model_information,
        references=body.references,
        nlu_reference=nlu_reference(body.snippets) if complete else None,
        sections=body.sections,
        body=raw.body,
        body_line=raw.body_line,
        front_matter=_plain(known),
        unknown_front_matter=_plain(unknown),
        lines=raw.key_lines,
        findings=out.findings + body.problems,
        **flags,
    )


def _known_and_unknown(fm: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    known = {k: v for k, v in fm.items() if k in KNOWN_KEYS or k in LEGACY_KEYS}
    return known, {k: v for k, v in fm.items() if k not in known}


def _infer_language(name: str, body: Body, file_language: str | None) -> tuple[str, str]:
    """The Model Information table, then the download file name, then the card's file name."""
    info = body.model_information
    if info and info.language and values.LANGUAGE_CODE.match(info.language):
        return info.language, "the Model Information table"
    download = body.links.download.url.rsplit("/", 1)[-1] if body.links.download else ""
    if download.startswith(name + "_"):
        candidate = download[len(name) + 1 :].split("_", 1)[0]
        if values.LANGUAGE_CODE.match(candidate):
            return candidate, "the download file name"
    return (file_language, "the file name") if file_language else ("", "")


def _annotator(raw: RawCard, body: Body, name: str, out: _Collector) -> tuple[str | None, bool]:
    declared = _text(raw.front_matter.get("annotator"))
    if declared:
        return declared, False
    legacy = _text(raw.front_matter.get("class"))
    if legacy:
        return legacy, False
    inferred = annotator_from_snippets(body.snippets, name)
    out.add(
        "warning",
        "annotator",
        "the card has no annotator" + (f"; inferred {inferred!r} from the code snippet" if inferred else ""),
        f"add 'annotator: {inferred}' to the front matter"
        if inferred
        else "add 'annotator: <the class whose .pretrained() loads this model>' to the front matter",
        "required-field",
    )
    return inferred, inferred is not None


def _engine(fm: dict[str, Any], annotator: str | None, version: str | None) -> tuple[Any, Any]:
    declared = _text(fm.get("engine"))
    if declared:
        lowered = declared.lower()
        return (lowered if lowered in ENGINES else "other"), "front_matter"
    tags = {t.lower() for t in _string_list(fm.get("tags"))}
    for engine in SORTED_ENGINES:
        if engine in tags:
            return engine, "tags"
    # Spark NLP ran every deep-learning model on TensorFlow before 5.0 brought ONNX.
    if annotator and version and DEEP_LEARNING_ANNOTATOR.search(annotator) and int(version.split(".")[0]) < 5:
        return "tensorflow", "edition"
    return None, "none"


def _flag(key: str, value: object, out: _Collector) -> bool | None:
    if value is None:
        return None
    parsed = values.parse_bool(value)
    if parsed is None or not isinstance(value, bool):
        out.add(
            "warning" if parsed is not None else "error",
            key,
            f"{key}: {value!r} is not a YAML boolean",
            f"write '{key}: true' or '{key}: false'",
            "front-matter-type",
        )
    return parsed


def _report_unknown_keys(raw: RawCard, out: _Collector) -> None:
    fm = raw.front_matter
    for key in fm:
        if key in KNOWN_KEYS:
            continue
        if key == "type" and not fm.get("article_header"):
            out.add(
                "warning",
                key,
                "'type' is a top-level key and 'article_header' is empty: "
                "'type: cover' is not indented under 'article_header:'",
                "indent it: 'article_header:' then '  type: cover'",
                "front-matter-indent",
            )
        elif key in LEGACY_KEYS:
            replacement = LEGACY_KEYS[key]
            out.add(
                "warning",
                key,
                f"old front-matter key {key!r}",
                f"use '{replacement}:' instead" if replacement else "remove it",
                "legacy-key",
            )
        else:
            out.add(
                "warning",
                key,
                f"unknown front-matter key {key!r} (kept)",
                "remove it or use one of: " + ", ".join(sorted(KNOWN_KEYS)),
                "unknown-key",
            )


JSON_SCALARS = (str, int, float)  # bool is an int


def _plain(mapping: dict[str, Any]) -> dict[str, object]:
    """Front-matter values as JSON-safe data (dates as ISO text)."""
    return {k: _json_safe(v) for k, v in mapping.items()}


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, JSON_SCALARS):
        return value
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return str(value)


def name_from_file_name(path: str) -> tuple[str, str | None]:
    """`2020-08-25-sent_small_bert_L6_768_en.md` -> ('sent_small_bert_L6_768', 'en')."""
    # A path ending in ".md" names its file last; only other paths need pathlib's normalisation.
    base = path.rpartition("/")[2] if path.endswith(".md") else Path(path).name
    stem = base.removesuffix(".md")
    match = FILE_NAME.match(stem)
    stem = match.group("stem") if match else stem
    head, _, tail = stem.rpartition("_")
    if head and values.LANGUAGE_CODE.match(tail):
        return head, tail
    return stem, None


def parse_date(value: object) -> tuple[dt.date | None, str | None]:
    """Returns the date and, when it was not ISO, a note on how it was read."""
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    text = str(value or "").strip()
    for pattern, note in (
        ("%Y-%m-%d", None),
        ("%d/%m/%Y", "read as dd/mm/yyyy"),
        ("%d-%m-%Y", "read as dd-mm-yyyy"),
    ):
        try:
            return dt.datetime.strptime(text[:10], pattern).date(), note
        except ValueError:
            continue
    return None, None


def annotator_from_snippets(snippets: list[Snippet], name: str) -> str | None:
    """The class whose `pretrained("<name>")` the snippet calls, e.g. 'BertSentenceEmbeddings'."""
    calls: list[tuple[str, str]] = []
    for snippet in snippets:
        if snippet.language not in ("python", "scala"):
            continue
        # Both patterns need their literal word, which a plain search finds faster.
        code = snippet.code
        for found in PRETRAINED_CALL.finditer(code) if "pretrained" in code else ():
            if found.group(2) == name:
                return found.group(1)
            calls.append((found.group(1), found.group(2)))
        if "PretrainedPipeline" in code and PRETRAINED_PIPELINE.search(code):
            return "PipelineModel"
    return _annotator_for_malformed_name(calls, name)


def _annotator_for_malformed_name(calls: list[tuple[str, str]], name: str) -> str | None:
    """When no `X.pretrained("<name>")` names the card's model exactly (a malformed `name:`, e.g.
    with the language or stray quotes or spaces in it): the one class whose pretrained() loads a
    model whose name the card's name contains or is contained in; else none (never a guess)."""
    cleaned = name.strip().strip("'\"").strip().lower()
    near = {cls for cls, model in calls if model and (model.lower() in cleaned or cleaned in model.lower())}
    return near.pop() if len(near) == 1 else None


def nlu_reference(snippets: list[Snippet]) -> str | None:
    for snippet in snippets:
        match = NLU_LOAD.search(snippet.code)
        if match:
            return match.group(1)
    return None
