"""Checks of a parsed card, one function per check, each named for what it checks.

Each check returns findings and never raises; `check_card` runs them all, `check_registry` runs
the checks that need every card at once. A check reports only real defects: what a card may leave
out is not a finding unless something else depends on it.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from registry.card import Card, Finding, Snippet

DOWNLOAD_FILE = re.compile(
    r"^(?P<prefix>.+)_(?P<library>\d+\.\d+(?:\.\d+)*)_(?P<spark>\d+\.\d+(?:\.\d+)*)_(?P<epoch>\d{10,})\.zip$"
)
S3_HTTPS = re.compile(r"^https?://s3(?:[.-][\w-]+)*\.amazonaws\.com/(?P<bucket>[^/]+)/(?P<key>.+)$")
S3_URI = re.compile(r"^s3://(?P<bucket>[^/]+)/(?P<key>.+)$")

# Annotation types by the column names the cards use for them.
LABEL_TYPES = {
    "document": "document",
    "sentence": "document",
    "sentences": "document",
    "token": "token",
    "tokens": "token",
    "embeddings": "word_embeddings",
    "word_embeddings": "word_embeddings",
    "sentence_embeddings": "sentence_embeddings",
}
# Input and output annotation types of the annotators whose contract the checks know.
ANNOTATOR_TYPES: dict[str, tuple[list[str], str]] = {
    "BertEmbeddings": (["document", "token"], "word_embeddings"),
    "BertSentenceEmbeddings": (["document"], "sentence_embeddings"),
    "AlbertEmbeddings": (["document", "token"], "word_embeddings"),
    "XlnetEmbeddings": (["document", "token"], "word_embeddings"),
    "RoBertaEmbeddings": (["document", "token"], "word_embeddings"),
    "DistilBertEmbeddings": (["document", "token"], "word_embeddings"),
    "CamemBertEmbeddings": (["document", "token"], "word_embeddings"),
    "XlmRoBertaEmbeddings": (["document", "token"], "word_embeddings"),
    "WordEmbeddingsModel": (["document", "token"], "word_embeddings"),
    "ElmoEmbeddings": (["document", "token"], "word_embeddings"),
    "UniversalSentenceEncoder": (["document"], "sentence_embeddings"),
    "E5Embeddings": (["document"], "sentence_embeddings"),
    "BGEEmbeddings": (["document"], "sentence_embeddings"),
    "MPNetEmbeddings": (["document"], "sentence_embeddings"),
    "InstructorEmbeddings": (["document"], "sentence_embeddings"),
}
BRACKETS = {")": "(", "]": "[", "}": "{"}
TEMPLATE_LEFTOVER = re.compile(r"\{(?:nlp_ref|nlu_ref|model_name|model|lang|language|name)\}")


def _finding(
    card: Card, line: int, severity: str, field: str, message: str, hint: str | None, rule: str
) -> Finding:
    return Finding(
        path=card.path,
        line=line,
        severity=severity,
        field=field,
        message=message,
        hint=hint,
        rule=rule,
    )


def check_download_file_name(card: Card) -> list[Finding]:
    """`<name>_<lang>_<sparknlp>_<spark>_<epoch-ms>.zip` agrees with the front matter."""
    link = card.links.download
    if link is None or not link.url:
        return []
    file_name = link.url.rsplit("/", 1)[-1]
    match = DOWNLOAD_FILE.match(file_name)
    field = "links.download"
    if not match:
        return [
            _finding(
                card,
                link.line,
                "error",
                field,
                f"download file {file_name!r} is not named <name>_<lang>_<version>_<spark>_<epoch-ms>.zip",
                "link the model's zip as published",
                "download-name",
            )
        ]
    found: list[Finding] = []
    expected_prefix = f"{card.name}_{card.language}"
    if match.group("prefix") == card.name and card.name.endswith(f"_{card.language}"):
        short = card.name[: -len(card.language) - 1]
        found.append(
            _finding(
                card,
                card.lines.get("name", link.line),
                "warning",
                "name",
                f"the name {card.name!r} ends with the language: the download is "
                f"pretrained({short!r}, {card.language!r})",
                f"write 'name: {short}' and 'language: {card.language}'",
                "name-has-language",
            )
        )
    elif match.group("prefix") != expected_prefix:
        found.append(
            _finding(
                card,
                link.line,
                "error",
                field,
                f"download file {file_name!r} is for {match.group('prefix')!r}, but the card is "
                f"{expected_prefix!r} (name_language)",
                "fix the link or the card's name and language",
                "download-name",
            )
        )
    if card.version and match.group("library") != card.version:
        found.append(
            _finding(
                card,
                link.line,
                "error",
                field,
                f"download file {file_name!r} is for version {match.group('library')}, but the "
                f"edition says {card.version}",
                "fix the edition or the link",
                "download-version",
            )
        )
    if card.spark_versions and match.group("spark") not in card.spark_versions:
        found.append(
            _finding(
                card,
                link.line,
                "error",
                field,
                f"download file {file_name!r} is for Spark {match.group('spark')}, but "
                f"spark_version says {', '.join(card.spark_versions)}",
                "fix spark_version or the link",
                "download-spark",
            )
        )
    return found


def check_spark_version_present(card: Card) -> list[Finding]:
    if card.spark_versions:
        return []
    match = DOWNLOAD_FILE.match(card.artifact + ".zip") if card.artifact else None
    found = f"; the download file says {match.group('spark')}" if match else ""
    hint = f"add 'spark_version: {match.group('spark') if match else '3.0'}' to the front matter"
    return [
        _finding(
            card,
            1,
            "warning",
            "spark_version",
            "the card has no spark_version" + found,
            hint,
            "required-field",
        )
    ]


def check_s3_uri(card: Card) -> list[Finding]:
    """The Copy S3 URI link names the same object as the Download link."""
    download, s3 = card.links.download, card.links.s3
    if download is None or s3 is None:
        return []
    https, uri = S3_HTTPS.match(download.url), S3_URI.match(s3.url)
    if uri is None:
        return [
            _finding(
                card,
                s3.line,
                "error",
                "links.s3",
                f"S3 URI {s3.url!r} is not s3://bucket/key",
                "write s3://auxdata.johnsnowlabs.com/public/models/<file>.zip",
                "s3-uri",
            )
        ]
    if https is None or (https.group("bucket"), https.group("key")) != (
        uri.group("bucket"),
        uri.group("key"),
    ):
        expected = f"s3://{https.group('bucket')}/{https.group('key')}" if https else None
        return [
            _finding(
                card,
                s3.line,
                "error",
                "links.s3",
                f"S3 URI {s3.url!r} does not name the download {download.url!r}",
                f"use {expected}" if expected else "make both links name the same object",
                "s3-uri",
            )
        ]
    return []


def check_annotator_labels(card: Card) -> list[Finding]:
    """Input labels give the annotation types the annotator takes; a typed output label its output."""
    info = card.model_information
    if info is None or card.annotator not in ANNOTATOR_TYPES:
        return []
    inputs, output = ANNOTATOR_TYPES[card.annotator]
    found: list[Finding] = []
    input_types = [LABEL_TYPES.get(label.lower()) for label in info.input_labels]
    if info.input_labels and None not in input_types and sorted(input_types) != sorted(inputs):  # type: ignore[type-var]
        found.append(
            _finding(
                card,
                info.rows.get("input_labels", info.line),
                "error",
                "model_information.input_labels",
                f"{card.annotator} takes {inputs} annotations, but the input labels are {info.input_labels}",
                f"list {', '.join(inputs)} columns (e.g. "
                f"[{', '.join('sentence' if t == 'document' else t for t in inputs)}])",
                "annotator-labels",
            )
        )
    for label in info.output_labels:
        label_type = LABEL_TYPES.get(label.lower())
        if label_type and label_type not in ("document", "token") and label_type != output:
            found.append(
                _finding(
                    card,
                    info.rows.get("output_labels", info.line),
                    "error",
                    "model_information.output_labels",
                    f"{card.annotator} outputs {output}, but the output label is {label!r}",
                    f"name the output column e.g. {output!r}",
                    "annotator-labels",
                )
            )
    return found


def check_model_information_agrees(card: Card) -> list[Finding]:
    info = card.model_information
    if info is None:
        return []
    found: list[Finding] = []
    if info.model_name and info.model_name != card.name:
        found.append(
            _finding(
                card,
                info.rows.get("model_name", info.line),
                "warning",
                "model_information.model_name",
                f"Model Name {info.model_name!r} differs from the card's name {card.name!r}",
                "make them the same",
                "model-information-agrees",
            )
        )
    if info.language and card.language and info.language != card.language:
        found.append(
            _finding(
                card,
                info.rows.get("language", info.line),
                "warning",
                "model_information.language",
                f"Language {info.language!r} differs from the card's language {card.language!r}",
                "make them the same",
                "model-information-agrees",
            )
        )
    return found


def check_python_snippets(card: Card) -> list[Finding]:
    """Python and NLU snippets parse, and the DataFrames they build have one value per column."""
    found: list[Finding] = []
    for snippet in card.snippets:
        if snippet.language not in ("python", "nlu") or not snippet.code.strip():
            continue
        field = f"snippets.{snippet.language}"
        try:
            tree = ast.parse(snippet.code)
        except SyntaxError as exc:
            line = snippet.line + (exc.lineno or 1) - 1
            found.append(
                _finding(
                    card,
                    line,
                    "error",
                    field,
                    f"the {snippet.language} snippet does not parse: "
                    f"{re.sub(r' [(]detected at line [0-9]+[)]', '', exc.msg)}",
                    "fix the code so that it runs (check quotes and brackets)",
                    "python-syntax",
                )
            )
            continue
        if "createDataFrame" in snippet.code:
            found.extend(_dataframe_arity(card, snippet, field, tree))
    return found


def _literal_rows(node: ast.AST) -> list[list[ast.AST]] | None:
    if (
        isinstance(node, ast.List | ast.Tuple)
        and node.elts
        and all(isinstance(e, ast.List | ast.Tuple) for e in node.elts)
    ):
        return [list(e.elts) for e in node.elts]  # type: ignore[attr-defined]
    return None


def _literal_columns(node: ast.AST) -> list[str] | None:
    if isinstance(node, ast.List | ast.Tuple) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    ):
        return [e.value for e in node.elts]  # type: ignore[attr-defined]
    return None


LEAVES = (ast.Constant, ast.Name, ast.expr_context)
"""Nodes that hold no call: `_calls` does not look inside them (a list of texts is mostly these)."""


def _calls(statement: ast.stmt) -> Iterator[ast.Call]:
    """The calls in `statement`, in `ast.walk`'s order (breadth first)."""
    pending: deque[ast.AST] = deque([statement])
    while pending:
        node = pending.popleft()
        if isinstance(node, ast.Call):
            yield node
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                pending.extend(v for v in value if isinstance(v, ast.AST) and not isinstance(v, LEAVES))
            elif isinstance(value, ast.AST) and not isinstance(value, LEAVES):
                pending.append(value)


def _dataframe_arity(card: Card, snippet: Snippet, field: str, tree: ast.Module) -> list[Finding]:
    """`spark.createDataFrame([[a, b]], ["text"])`: pyspark 4 builds ONE row with an extra column
    `_2`, older Spark refuses it; either way the pipeline does not see the texts the card shows."""
    found: list[Finding] = []
    lines = {n + 1 for n, text in enumerate(snippet.code.split("\n")) if "createDataFrame" in text}
    statements = [
        s
        for s in tree.body
        if any(s.lineno <= n <= (s.end_lineno or s.lineno) for n in lines)
    ]
    for node in (node for statement in statements for node in _calls(statement)):
        if not isinstance(node.func, ast.Attribute):
            continue
        columns: list[str] | None = None
        rows: list[list[ast.AST]] | None = None
        if node.func.attr == "createDataFrame" and node.args:
            rows = _literal_rows(node.args[0])
            columns = _literal_columns(node.args[1]) if len(node.args) > 1 else None
        elif (
            node.func.attr == "toDF"
            and isinstance(node.func.value, ast.Call)
            and isinstance(node.func.value.func, ast.Attribute)
            and node.func.value.func.attr == "createDataFrame"
            and node.func.value.args
        ):
            rows = _literal_rows(node.func.value.args[0])
            columns = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if not rows or not columns:
            continue
        widths = sorted({len(row) for row in rows})
        if widths != [len(columns)]:
            width = widths[-1] if widths[-1] != len(columns) else widths[0]
            found.append(
                _finding(
                    card,
                    snippet.line + node.lineno - 1,
                    "error",
                    field,
                    f"createDataFrame gets rows of {width} values for {len(columns)} column(s) {columns}: "
                    "Spark builds one row per inner list, so the texts are not one row each "
                    "(pyspark 4 keeps the first value and adds a column '_2'; older Spark refuses it)",
                    "put each text in its own row, e.g. [['first text'], ['second text']]",
                    "dataframe-shape",
                )
            )
    return found


def check_scala_snippets(card: Card) -> list[Finding]:
    """Quotes and brackets balance in Scala snippets (Scala strings cannot span lines)."""
    found: list[Finding] = []
    for snippet in card.snippets:
        if snippet.language != "scala" or not snippet.code.strip():
            continue
        problem = scala_balance(snippet.code)
        if problem:
            offset, message = problem
            found.append(
                _finding(
                    card,
                    snippet.line + offset,
                    "error",
                    "snippets.scala",
                    message,
                    "close every string on its line and every bracket",
                    "scala-balance",
                )
            )
    return found


SCALA_TOKEN = re.compile(
    r'"""|"(?:\\.|[^"\\\n])*"|"|//[^\n]*|/\*|\*/|' + r"'(?:\\.|[^'\\\n])'" + r"|[()\[\]{}]"
)


# With neither triple quotes nor block comments in the code, the tokens are read left to right
# without jumps, so one substitution removes every token that is not a bracket (a lone quote
# stays, and sends the code to the exact scan).
# The string is written `"[^"\\\n]*(?:\\.[^"\\\n]*)*"` rather than `"(?:\\.|[^"\\\n])*"`: the same
# strings, read in runs of plain characters instead of one alternation per character (twice
# as fast).
NON_BRACKET_TOKEN = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"|//[^\n]*|\*/|' + r"'(?:\\.|[^'\\\n])'")
BRACKET = re.compile(r"[()\[\]{}]")


def _balanced_fast(code: str) -> bool:
    """True when `scala_balance` would find nothing; False when only the exact scan can tell."""
    if '"""' in code or "/*" in code:
        return False
    rest = NON_BRACKET_TOKEN.sub("", code)
    if '"' in rest:
        return False
    brackets = "".join(BRACKET.findall(rest))
    while brackets:
        # Removing adjacent pairs reaches the same end in any order: one kind after the other.
        shorter = brackets.replace("()", "").replace("[]", "").replace("{}", "")
        if len(shorter) == len(brackets):
            return False
        brackets = shorter
    return True


def scala_balance(code: str) -> tuple[int, str] | None:
    """The first quoting or bracket problem in Scala code, as (0-based line, message).

    A regular expression finds the tokens that matter (strings, comments, char literals,
    brackets); a lone quote is a string that does not close on its line."""
    return None if _balanced_fast(code) else _scan_balance(code)


def _scan_balance(code: str) -> tuple[int, str] | None:
    """`scala_balance` token by token, without the quick check."""
    stack: list[tuple[str, int]] = []
    position = 0
    line = counted = 0  # line of `counted`, so that newlines are counted once
    while (match := SCALA_TOKEN.search(code, position)) is not None:
        token, position = match.group(0), match.end()
        line += code.count("\n", counted, match.start())
        counted = match.start()
        closing = {'"""': '"""', "/*": "*/"}.get(token)
        if closing:
            end = code.find(closing, position)
            if end < 0:
                return line, f"{token} is never closed by {closing}"
            position = end + len(closing)
        elif token == '"':
            return line, "a string is not closed on its line (unbalanced quotes)"
        elif token in "([{":
            stack.append((token, line))
        elif token in BRACKETS:
            if not stack or stack[-1][0] != BRACKETS[token]:
                return line, f"{token!r} closes no open bracket"
            stack.pop()
    if stack:
        char, number = stack[-1]
        return number, f"{char!r} is never closed"
    return None


def check_snippets_present(card: Card) -> list[Finding]:
    found: list[Finding] = []
    for snippet in card.snippets:
        if snippet.language in ("python", "scala", "nlu") and not snippet.code.strip():
            found.append(
                _finding(
                    card,
                    snippet.fence_line,
                    "warning",
                    f"snippets.{snippet.language}",
                    f"the {snippet.language} code block is empty",
                    "show how to load and run the model",
                    "empty-snippet",
                )
            )
        elif TEMPLATE_LEFTOVER.search(snippet.code):
            leftover = TEMPLATE_LEFTOVER.search(snippet.code)
            assert leftover is not None
            found.append(
                _finding(
                    card,
                    snippet.line + snippet.code[: leftover.start()].count("\n"),
                    "error",
                    f"snippets.{snippet.language}",
                    f"template text {leftover.group(0)} was never filled in",
                    "replace it with the model's value",
                    "template-leftover",
                )
            )
    return found


CARD_CHECKS: tuple[Callable[[Card], list[Finding]], ...] = (
    check_download_file_name,
    check_spark_version_present,
    check_s3_uri,
    check_annotator_labels,
    check_model_information_agrees,
    check_python_snippets,
    check_scala_snippets,
    check_snippets_present,
)


def card_findings(card: Card) -> list[Finding]:
    """The card's findings and those of every per-card check, sorted by line."""
    found = list(card.findings)
    for check in CARD_CHECKS:
        found.extend(check(card))
    found.sort(key=lambda f: (f.line, f.severity != "error", f.field))
    return found


def check_card(card: Card) -> Card:
    """The card with the findings of every per-card check added, sorted by line."""
    return card.model_copy(update={"findings": card_findings(card)})


@dataclass(frozen=True)
class Claim:
    """What the cross-card check needs of one card: the artifact its download link claims."""

    artifact: str
    path: str
    line: int
    """Line of the download link."""


def artifact_claim(card: Card) -> Claim | None:
    if card.artifact and card.links.download:
        return Claim(card.artifact, card.path, card.links.download.line)
    return None


def check_registry(cards: Iterable[Card]) -> dict[int, list[Finding]]:
    """Checks that need every card: two cards claiming the same artifact. Returns new findings by
    the card's index in `cards`."""
    return check_claims(artifact_claim(card) for card in cards)


def check_claims(claims: Iterable[Claim | None]) -> dict[int, list[Finding]]:
    """`check_registry` from each card's claim (None: the card claims no artifact), so that a
    run that keeps no cards can check them too."""
    by_artifact: dict[str, list[tuple[int, Claim]]] = defaultdict(list)
    for index, claim in enumerate(claims):
        if claim is not None:
            by_artifact[claim.artifact].append((index, claim))
    found: dict[int, list[Finding]] = defaultdict(list)
    for artifact, claimants in by_artifact.items():
        if len(claimants) < 2:
            continue
        for index, claim in claimants:
            others = ", ".join(f"{c.path}:{c.line}" for i, c in claimants if i != index)
            found[index].append(
                Finding(
                    path=claim.path,
                    line=claim.line,
                    severity="error",
                    field="links.download",
                    message=f"artifact {artifact}.zip is also claimed by {others}",
                    hint="keep one card per artifact "
                    "(delete the copy, or link this card to its own artifact)",
                    rule="duplicate-artifact",
                )
            )
    return found


def with_registry_findings(findings: list[Finding], extra: list[Finding] | None) -> list[Finding]:
    """A card's findings with what `check_claims` found about it, in line order."""
    return sorted(findings + extra, key=lambda f: f.line) if extra else findings
