"""From a card to the snippets that run: IPython's transformation, the prelude the cards elide with
`...`, and what makes a snippet skip before it runs.

A card's python and nlu fences are notebook cells. IPython's own TransformerManager turns `!cmd`,
`%magic` and `x = !cmd` into calls of `get_ipython()` line for line, so a line number in the
transformed code is still the card's line. A shell escape that needs the network (pip install of
a package the runtime does not provide, wget, curl, git clone ...) makes the snippet skip.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from runtime.conformance.records import ExpectedResults, SnippetJob, SnippetKind
from runtime.conformance.results import parse_results

# What Spark NLP's documentation defines where the cards write `...`.
PRELUDE = """\
import sparknlp
from sparknlp.base import *
from sparknlp.annotator import *
from pyspark.ml import Pipeline
import pandas as pd
spark = sparknlp.start()
document_assembler = DocumentAssembler().setInputCol("text").setOutputCol("document")
sentence_detector = SentenceDetector().setInputCols(["document"]).setOutputCol("sentence")
tokenizer = Tokenizer().setInputCols(["sentence"]).setOutputCol("token")
"""

PRELUDE_IMPORTS, PRELUDE_SESSION, PRELUDE_STAGES = (
    "\n".join(PRELUDE.splitlines()[:5]) + "\n",
    PRELUDE.splitlines()[5] + "\n",
    "\n".join(PRELUDE.splitlines()[6:]) + "\n",
)
_STAGE_NAMES = frozenset({"document_assembler", "sentence_detector", "tokenizer"})

PROVIDED_PACKAGES = frozenset({"spark-nlp", "spark_nlp", "sparknlp", "pyspark", "nlu", "pandas", "numpy"})
"""pip installs of these are satisfied by the compatibility layer: the escape is a no-op."""

_NETWORK_COMMANDS = re.compile(
    r"^\s*(?:sudo\s+)?(pip3?|python3?\s+-m\s+pip|conda|mamba|apt(?:-get)?|wget|curl|git|gsutil|aws|"
    r"huggingface-cli|hf|gdown|kaggle)\b"
)
_PIP_INSTALL = re.compile(r"^\s*(?:sudo\s+)?(?:pip3?|python3?\s+-m\s+pip)\s+install\s+(.*)$")
_SHELL_CALLS = frozenset({"system", "getoutput"})
SCALA_REASON = (
    "Scala snippet: it needs the JVM Spark NLP (jar from Maven), which cardhub does not run; "
    "its python and nlu snippets are checked instead"
)


@dataclass(frozen=True)
class ShellEscape:
    line: int
    command: str


def transform_ipython(source: str) -> str:
    """IPython's own cell transformation (`!`, `%`, `%%`, `?`), or the source unchanged when it
    is plain Python (cheap: IPython is only imported when a line starts with one of those)."""
    if not re.search(r"^\s*(?:[!%]|\S.*=\s*!)|\?\s*$", source, re.MULTILINE):
        return source
    from IPython.core.inputtransformer2 import TransformerManager

    return str(TransformerManager().transform_cell(source))


def shell_escapes(code: str, first_line: int) -> list[ShellEscape]:
    """`get_ipython().system('cmd')` / `.getoutput('cmd')` calls of transformed code, at card lines."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _SHELL_CALLS
            and isinstance(node.func.value, ast.Call)
            and isinstance(node.func.value.func, ast.Name)
            and node.func.value.func.id == "get_ipython"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(ShellEscape(first_line + node.lineno - 1, node.args[0].value))
    return sorted(found, key=lambda escape: escape.line)


def provided_install(command: str) -> bool:
    """`pip install -q spark-nlp==5.1 pyspark`: every package is one the runtime provides."""
    match = _PIP_INSTALL.match(command)
    if not match:
        return False
    names = [
        re.split(r"[<>=!~\[ ]", word, maxsplit=1)[0].lower()
        for word in match.group(1).split()
        if not word.startswith("-")
    ]
    return bool(names) and all(name in PROVIDED_PACKAGES for name in names)


def network_reason(escapes: list[ShellEscape], path: str) -> str | None:
    for escape in escapes:
        if _NETWORK_COMMANDS.match(escape.command) and not provided_install(escape.command):
            return (
                f"{path}:{escape.line}: shell escape `!{escape.command}` needs the network, and "
                "snippets run with none"
            )
    return None


def free_names(code: str) -> set[str]:
    """Names the snippet reads but never binds and Python does not provide: what the card expects
    from the cells it elided."""
    import builtins

    tree = ast.parse(code)
    bound: set[str] = set()
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return used - bound - set(dir(builtins)) - {"get_ipython"}


def prelude_for(code: str) -> str:
    """The part of Spark NLP's prelude the snippet needs: the imports when it uses a name it does
    not define, the session when it uses `spark` or an elided stage, the stages when it uses one."""
    names = free_names(code)
    if not names:
        return ""
    needs_stages = bool(names & _STAGE_NAMES)
    session = PRELUDE_SESSION if needs_stages or "spark" in names else ""
    return PRELUDE_IMPORTS + session + (PRELUDE_STAGES if needs_stages else "")


def snippet_kind(language: str) -> SnippetKind | None:
    if language in ("python", "nlu", "scala"):
        return language  # type: ignore[return-value]
    return None


def compile_error(code: str, path: str, first_line: int) -> tuple[str, int] | None:
    """A syntax error of the snippet at its card line, with what to fix; None when it compiles."""
    try:
        compile("\n" * (first_line - 1) + code, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        line = exc.lineno or first_line
        text = (exc.text or "").strip()
        return (
            f"{path}:{line}: SyntaxError: {exc.msg}"
            + (f" in `{text}`" if text else "")
            + " (fix: correct the snippet in the card so that it runs as written)",
            line,
        )
    return None


def make_job(
    *,
    path: str,
    name: str,
    language: str,
    kind: SnippetKind,
    line: int,
    source: str,
    nlu_reference: str | None,
    expected: ExpectedResults | None,
    skip_reason: str | None,
) -> SnippetJob:
    """One job: transformed, checked for syntax, for network escapes, for Scala."""
    if kind == "scala":
        return SnippetJob(
            path,
            name,
            language,
            kind,
            line,
            source,
            source,
            nlu_reference,
            expected,
            skip_reason=SCALA_REASON,
        )
    code = transform_ipython(source)
    error = compile_error(code, path, line)
    if error is not None:
        return SnippetJob(
            path,
            name,
            language,
            kind,
            line,
            source,
            code,
            nlu_reference,
            expected,
            error=error[0],
            error_line=error[1],
        )
    reason = skip_reason or network_reason(shell_escapes(code, line), path)
    return SnippetJob(
        path, name, language, kind, line, source, code, nlu_reference, expected, skip_reason=reason
    )


def card_jobs(card: object, skip_reason: str | None = None) -> list[SnippetJob]:
    """The python, nlu and scala snippets of a `registry.card.Card`, each with the card's Results."""
    from registry.card import Card

    assert isinstance(card, Card)
    expected = parse_results(card.results.raw, card.results.line) if card.results else None
    jobs = []
    for snippet in card.snippets:
        kind = snippet_kind(snippet.language)
        if kind is None:
            continue
        jobs.append(
            make_job(
                path=card.path,
                name=card.name,
                language=card.language,
                kind=kind,
                line=snippet.line,
                source=snippet.code,
                nlu_reference=card.nlu_reference,
                expected=expected,
                skip_reason=skip_reason,
            )
        )
    return jobs
