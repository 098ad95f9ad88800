"""Snippet rules (CH3xx): the How to use code parses and builds the data the card shows."""

from __future__ import annotations

import ast
import re
import textwrap
from collections import deque
from collections.abc import Iterator

from registry.card import Card, Finding, Snippet
from registry.rules.base import Rule, finding
from registry.rules.examples import EXAMPLE_CARD

BRACKETS = {")": "(", "]": "[", "}": "{"}


TEMPLATE_LEFTOVER = re.compile(r"\{(?:nlp_ref|nlu_ref|model_name|model|lang|language|name)\}")


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
            parsed = _notebook_cell(snippet.code)
            if isinstance(parsed, ast.Module):
                tree = parsed
            else:
                found.append(_syntax_finding(card, snippet, field, parsed or exc))
                continue
        if "createDataFrame" in snippet.code:
            found.extend(_dataframe_arity(card, snippet, field, tree))
    return found


IPYTHON_LINE = re.compile(r"^[ \t]*[!%]", re.M)
IPYTHON_ESCAPE_LINE = re.compile(r"^([ \t]*)[!%].*$", re.M)


def _notebook_cell(code: str) -> ast.Module | SyntaxError | None:
    """The code parsed as IPython parses a notebook cell (`!pip install ...`, `%time ...`,
    `x = !ls`), with IPython's own input transformer (it keeps the lines where they are), or the
    error that parse raises; None for code without such a line. Only asked for code that Python
    does not parse, so IPython is imported only for such cells."""
    if not IPYTHON_LINE.search(code):
        return None
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # without IPython: each `!` / `%` line read as a statement of its own
        transformed = IPYTHON_ESCAPE_LINE.sub(r"\1pass", code)
    else:
        transformed = TransformerManager().transform_cell(code)
    try:
        return ast.parse(transformed)
    except SyntaxError as exc:
        return exc
    except ValueError as exc:  # what IPython's transformer itself refuses
        return SyntaxError(str(exc))


def _dedented(code: str) -> str | None:
    """The code without the indentation common to all its lines, when it has some."""
    dedented = textwrap.dedent(code)
    return dedented if dedented != code else None


def _syntax_finding(card: Card, snippet: Snippet, field: str, exc: SyntaxError) -> Finding:
    dedented = _dedented(snippet.code)
    if dedented is not None and (_parses(dedented) or isinstance(_notebook_cell(dedented), ast.Module)):
        return finding(
            card,
            snippet.line,
            "error",
            field,
            f"the {snippet.language} code block is indented as a whole, so it does not run as written",
            "remove the indentation common to every line of the block (cardhub validate --fix does it)",
            "indented-snippet",
        )
    line = snippet.line + (exc.lineno or 1) - 1
    return finding(
        card,
        line,
        "error",
        field,
        f"the {snippet.language} snippet does not parse: "
        f"{re.sub(r' [(]detected at line [0-9]+[)]', '', exc.msg)}",
        "fix the code so that it runs (check quotes and brackets)",
        "python-syntax",
    )


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except SyntaxError:
        return False
    return True


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
    statements = [s for s in tree.body if any(s.lineno <= n <= (s.end_lineno or s.lineno) for n in lines)]
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
                finding(
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
                finding(
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
                finding(
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
                finding(
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


_START = EXAMPLE_CARD.index("```python\n") + len("```python\n")
_PYTHON = EXAMPLE_CARD[_START : EXAMPLE_CARD.index("```", _START)]
_NLU = (
    '```python\nimport nlu\n\ntext = ["I love NLP"]\n'
    "embeddings_df = nlu.load('en.embed.bert.small_L2_768').predict(text, output_level='token')\n"
    "embeddings_df\n```"
)
RULES = (
    Rule(
        "CH301",
        "python-syntax",
        "snippets",
        "error",
        "Python and NLU snippets parse (as notebook cells).",
        fixed='embeddings = BertEmbeddings.pretrained("small_bert_L2_768", "en") \\\n',
        bad='embeddings = BertEmbeddings.pretrained("small_bert_L2_768, "en") \\\n',
        check="registry.rules.snippets.check_python_snippets",
    ),
    Rule(
        "CH302",
        "dataframe-shape",
        "snippets",
        "error",
        "`createDataFrame` gets rows of as many values as it names columns.",
        fixed="spark.createDataFrame([['I love NLP']], [\"text\"])",
        bad="spark.createDataFrame([['I love NLP', 'I love Spark']], [\"text\"])",
        check="registry.rules.snippets.check_python_snippets",
    ),
    Rule(
        "CH303",
        "scala-balance",
        "snippets",
        "error",
        "Quotes and brackets balance in Scala snippets.",
        fixed='val data = Seq("I love NLP").toDF("text")\n',
        bad='val data = Seq("I love NLP).toDF("text")\n',
        check="registry.rules.snippets.check_scala_snippets",
    ),
    Rule(
        "CH304",
        "empty-snippet",
        "snippets",
        "warning",
        "A python, scala or nlu code block is not empty.",
        fixed=_NLU,
        bad="```python\n```",
        check="registry.rules.snippets.check_snippets_present",
    ),
    Rule(
        "CH305",
        "template-leftover",
        "snippets",
        "error",
        "No template text such as `{model_name}` is left in a snippet.",
        fixed="nlu.load('en.embed.bert.small_L2_768')",
        bad="nlu.load('{nlu_ref}')",
        check="registry.rules.snippets.check_snippets_present",
    ),
    Rule(
        "CH306",
        "indented-snippet",
        "snippets",
        "error",
        "A code block is not indented as a whole (it would not run as written).",
        fixed=_PYTHON,
        bad=textwrap.indent(_PYTHON, "    "),
        check="registry.rules.snippets.check_python_snippets",
    ),
)
