"""Snippet extraction: IPython's transformation, shell escapes, the prelude, syntax errors at card lines."""

from __future__ import annotations

from registry.parse import parse_card
from runtime.conformance.snippets import (
    PRELUDE,
    card_jobs,
    compile_error,
    free_names,
    make_job,
    network_reason,
    prelude_for,
    provided_install,
    shell_escapes,
    transform_ipython,
)
from tests.helpers import CARD_FIXTURES, CARDS

BIOBERT = CARDS / "2020-08-25-sent_biobert_pubmed_base_cased_en.md"
NOTEBOOK = CARD_FIXTURES / "conformance" / "2024-01-15-conform_notebook_cell_en.md"


def _job(source: str, line: int = 10, kind: str = "python") -> object:
    return make_job(
        path="card.md",
        name="c",
        language="en",
        kind=kind,
        line=line,  # type: ignore[arg-type]
        source=source,
        nlu_reference=None,
        expected=None,
        skip_reason=None,
    )


def test_ipython_syntax_is_transformed_line_for_line() -> None:
    source = "!pip install spark-nlp\n%time x = 1\nfiles = !ls\nprint(x)\n"
    code = transform_ipython(source)
    assert code.count("\n") == source.count("\n")
    assert "get_ipython().system('pip install spark-nlp')" in code
    assert "get_ipython().run_line_magic('time', 'x = 1')" in code
    assert "get_ipython().getoutput('ls')" in code


def test_plain_python_is_not_touched() -> None:
    source = "x = 1  # 100% plain\nprint(x != 2)\n"
    assert transform_ipython(source) == source


def test_shell_escapes_are_found_at_card_lines() -> None:
    code = transform_ipython("x = 1\n!wget -q https://example.org/a.zip\ny = !curl example.org\n")
    escapes = shell_escapes(code, first_line=30)
    assert [(e.line, e.command) for e in escapes] == [
        (31, "wget -q https://example.org/a.zip"),
        (32, "curl example.org"),
    ]
    reason = network_reason(escapes, "card.md")
    assert reason is not None and reason.startswith("card.md:31: shell escape `!wget")
    assert "needs the network" in reason


def test_installing_what_the_runtime_provides_is_not_a_network_need() -> None:
    assert provided_install("pip install -q spark-nlp==5.1.0 pyspark")
    assert provided_install("python -m pip install nlu pyspark==3.5")
    assert not provided_install("pip install spark-nlp transformers")
    assert network_reason(shell_escapes(transform_ipython("!pip install spark-nlp\n"), 1), "c.md") is None
    reason = network_reason(shell_escapes(transform_ipython("!pip install transformers\n"), 5), "c.md")
    assert reason is not None and reason.startswith("c.md:5:")


def test_seed_004_python_is_a_syntax_error_at_the_unclosed_string() -> None:
    card = parse_card(BIOBERT)
    jobs = {job.kind: job for job in card_jobs(card)}
    python = jobs["python"]
    assert python.error_line == 38
    assert python.error is not None
    assert python.error.startswith(f"{card.path}:38: SyntaxError: unterminated string literal")
    assert "fix:" in python.error
    line = BIOBERT.read_text().splitlines()[37]
    assert line.startswith("result = pipeline_model.transform(")
    assert jobs["scala"].skip_reason is not None and "Scala" in jobs["scala"].skip_reason
    assert jobs["nlu"].error is None and jobs["nlu"].skip_reason is None


def test_compile_error_names_the_card_line() -> None:
    error = compile_error("x = 1\ny = (\n", "card.md", 40)
    assert error is not None
    message, line = error
    assert line == 41 and message.startswith("card.md:41: SyntaxError")


def test_notebook_fixture_jobs() -> None:
    jobs = card_jobs(parse_card(NOTEBOOK))
    first, second = jobs
    assert first.skip_reason is None and first.error is None
    assert second.skip_reason is not None and ":29: shell escape `!wget" in second.skip_reason


def test_prelude_is_spark_nlp_docs_and_only_what_the_snippet_needs() -> None:
    assert 'DocumentAssembler().setInputCol("text").setOutputCol("document")' in PRELUDE
    assert 'SentenceDetector().setInputCols(["document"]).setOutputCol("sentence")' in PRELUDE
    assert 'Tokenizer().setInputCols(["sentence"]).setOutputCol("token")' in PRELUDE
    assert "spark = sparknlp.start()" in PRELUDE
    assert prelude_for("print(sum([1, 2]))\n") == ""
    pipeline = "nlp = Pipeline(stages=[document_assembler, sentence_detector])\n"
    assert prelude_for(pipeline) == PRELUDE
    only_imports = prelude_for("x = BertEmbeddings()\n")
    assert "from sparknlp.annotator import *" in only_imports and "sparknlp.start()" not in only_imports
    assert free_names("import nlu\ndf = nlu.load('x').predict(['a'])\ndf\n") == set()


def test_scala_is_skipped_with_the_reason() -> None:
    job = _job("val x = 1", kind="scala")
    assert job.skip_reason is not None and "JVM Spark NLP" in job.skip_reason  # type: ignore[attr-defined]
