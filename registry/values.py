"""Small parsers for the values written in cards: sizes, booleans, label lists, editions, the Model
Information table and the printed Results."""

from __future__ import annotations

import re

from registry.card import Edition, Finding, ModelInformation, Results, ResultsTable

LANGUAGE_CODE = re.compile(r"^(?:[a-z]{2,3}|xx)$")
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKMGT]?i?B|(?i:(?:kilo|mega|giga|tera)?bytes?))\s*$")
SIZE_FACTORS = {"b": 1, "byte": 1, "bytes": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}
SIZE_WORDS = {"kilo": "kb", "mega": "mb", "giga": "gb", "tera": "tb"}
ALTERNATIVES = re.compile(r"\s*(?:\||/|,|\bor\b)\s*")
EDITION = re.compile(r"^(?P<product>.*?)\s*(?P<version>\d+(?:\.\d+)*)?\+?\s*$")
PRODUCT_NAMES = {
    "spark nlp for healthcare": "Healthcare NLP",
    "spark nlp for finance": "Finance NLP",
    "spark nlp for legal": "Legal NLP",
}
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0"}
LABEL_SEPARATOR = re.compile(r"[\s,;.]+")
SPARK_TABLE_BORDER = re.compile(r"^\s*\+[-+]+\+\s*$")

MODEL_INFORMATION_KEYS = {
    "model name": "model_name",
    "type": "type",
    "compatibility": "compatibility",
    "license": "license",
    "edition": "edition",
    "input labels": "input_labels",
    "spark inputs": "input_labels",
    "output labels": "output_labels",
    "spark outputs": "output_labels",
    "language": "language",
    "dimension": "dimension",
    "case sensitive": "case_sensitive",
    "max sentence length": "max_sentence_length",
    "max sentense length": "max_sentence_length",
    "size": "size_bytes",
    "dependencies": "dependencies",
}


def parse_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return True if text in TRUE_WORDS else False if text in FALSE_WORDS else None


def parse_size(text: str) -> int | None:
    """'141.9 MB' -> bytes, with binary multiples (the hub prints sizes computed as x / 1024**n)."""
    match = SIZE.match(text)
    if not match:
        return None
    unit = match.group(2).lower()
    prefix = unit[:4]
    unit = SIZE_WORDS[prefix] if prefix in SIZE_WORDS else unit.replace("i", "")
    return round(float(match.group(1)) * SIZE_FACTORS[unit])


def parse_labels(text: str) -> list[str]:
    """'[sentence, token]', 'sentence, token', 'sentence. token' -> ['sentence', 'token']."""
    return [label for label in LABEL_SEPARATOR.split(text.strip().strip("[]")) if label]


def parse_edition(text: str) -> Edition:
    match = EDITION.match(text.strip())
    product = match.group("product").strip() if match else text.strip()
    version = match.group("version") if match else None
    return Edition(raw=text, product=PRODUCT_NAMES.get(product.lower(), product), version=version)


def entities(line: str) -> list[str]:
    """A line of the Predicted Entities section: '`PER`, `LOC`' or 'PER, LOC' or '- PER'."""
    quoted = re.findall(r"`([^`]+)`", line)
    if quoted:
        return [q.strip() for q in quoted if q.strip()]
    text = line.strip().lstrip("-*").strip()
    if not text or text.startswith(("#", "|", "<", "[")) or len(text) > 200 or "](" in text:
        return []
    parts = [part.strip() for part in text.split(",") if part.strip()]
    # Prose ("This model does not predict entities; it ...") is not a list of labels.
    if any(len(part.split()) > 4 or part.endswith((".", ":", ";")) for part in parts):
        return []
    return parts


def model_information(
    lines: list[str], first: int, body_line: int, problems: list[Finding], path: str
) -> ModelInformation:
    """Reads the key/value rows from `lines[first]` to the end of the table."""
    fields: dict[str, object] = {}
    extra: dict[str, str] = {}
    rows: dict[str, int] = {}
    first_row: int | None = None
    for index in range(first, len(lines)):
        text = lines[index].strip()
        if not text.startswith("|"):
            break
        cells = text.strip("|").split("|")
        if len(cells) < 2:
            continue
        key = cells[0].strip()
        if not key or not key.strip("-: "):  # an empty cell, or a delimiter row's
            continue
        line = body_line + index
        key = key.rstrip(":").strip()
        value = cells[1].strip() if len(cells) == 2 else "|".join(c.strip() for c in cells[1:]).strip()
        first_row = first_row or line
        name = MODEL_INFORMATION_KEYS.get(key.lower())
        if name is None:
            extra[key] = value
            continue
        rows[name] = line
        typed = _typed_value(name, value)
        if typed is None and value:
            problems.append(
                Finding(
                    path=path,
                    line=line,
                    severity="error",
                    field=f"model_information.{name}",
                    message=f"{key}: {value!r} is not {_EXPECTED[name]}",
                    hint=f"write {_EXAMPLE[name]}",
                    rule="model-information-type",
                )
            )
        fields[name] = typed
    return ModelInformation(line=first_row or body_line + first, extra=extra, rows=rows, **fields)


_EXPECTED = {
    "dimension": "a whole number",
    "max_sentence_length": "a whole number",
    "case_sensitive": "true or false",
    "size_bytes": "a size",
    "language": "a language code",
}
_EXAMPLE = {
    "dimension": "e.g. '768'",
    "max_sentence_length": "e.g. '128'",
    "case_sensitive": "'true' or 'false'",
    "size_bytes": "e.g. '141.9 MB'",
    "language": "e.g. 'en'",
}


def _typed_value(name: str, value: str) -> object:
    if name in ("input_labels", "output_labels"):
        return parse_labels(value)
    if name == "dimension":
        # `512|1024`: a model with several output layers lists each one's dimension; the first is kept.
        choices = ALTERNATIVES.split(value.strip())
        return int(choices[0]) if all(c.isdigit() for c in choices) else None
    if name == "max_sentence_length":
        return int(value) if value.isdigit() else None
    if name == "case_sensitive":
        return parse_bool(value)
    if name == "size_bytes":
        return parse_size(value)
    if name == "language":
        return value.strip("[] ") or None
    return value or None


def results(text: str, line: int) -> Results:
    return Results(raw=text.rstrip("\n"), line=line, table=results_table(text))


def results_table(text: str) -> ResultsTable | None:
    """The printed table in a Results block: Spark's `show()` (+---+ borders, | cells) or a pandas
    / nlu printout with tab-separated columns. None for anything else (free text, JSON, ...)."""
    lines = [line for line in text.split("\n") if line.strip()]
    if any(SPARK_TABLE_BORDER.match(line) for line in lines):
        cells = [
            [c.strip() for c in line.strip().strip("|").split("|")]
            for line in lines
            if line.strip().startswith("|")
        ]
        return _table(cells)
    if sum("\t" in line for line in lines) >= 2:
        cells = [[c.strip() for c in line.split("\t") if c.strip()] for line in lines]
        cells = [row for row in cells if row and row != ["Results"]]
        return _table(cells)
    return None


def _table(cells: list[list[str]]) -> ResultsTable | None:
    if len(cells) < 2:
        return None
    return ResultsTable(columns=cells[0], rows=cells[1:])
