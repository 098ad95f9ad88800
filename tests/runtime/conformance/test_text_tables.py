"""Tables printed as text: Spark's show() (printed here by real pyspark, the reference for its
format), tabulate's grid and Markdown pipe tables (as real cards print them), read into the
same Table records as pandas blocks and compared like them."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.conformance.compare import compare, compare_tables
from runtime.conformance.records import Produced, Table, Vector
from runtime.conformance.results import parse_results
from runtime.conformance.text_tables import find_text_table, parse_text_table

ROWS = [("Syväoppimisen tavoitteena", [0.9422476, -0.14567, 0.5]), ("宮本", [-2.0408847, 1.4500001, 0.25])]
# As nlu / pandas would hold it in full (what a `result` DataFrame gives): the reference to compare with.
FULL = Table(("token", "embeddings"), tuple((text, Vector(values=tuple(v), shown=tuple(map(repr, v))))
                                            for text, v in ROWS))  # fmt: skip
GRID = """+----+-------------------+---------+---------+--------------------------+
|    | chunk             |   begin |   end   | entity                   |
+====+===================+=========+=========+==========================+
|  0 | Kleinzellige      |      4  |    15   | MEDICAL_SPECIFICATION    |
+----+-------------------+---------+---------+--------------------------+
|  1 | Bronchialkarzinom |      17 |   33    | MEDICAL_CONDITION        |
+----+-------------------+---------+---------+--------------------------+"""
PIPE = """token  |  glove_embeddings                                  |
-------|----------------------------------------------------|
I\t| [0.1941000074148178, 0.22603000700473785, -0.4...] |
love\t| [0.13948999345302582, 0.534529983997345, -0.25...] |"""


def _shown(spark: Any, capsys: pytest.CaptureFixture[str], rows: list[tuple[Any, ...]], schema: str) -> str:
    capsys.readouterr()
    spark.createDataFrame(rows, schema).show()
    return capsys.readouterr().out


@pytest.mark.spark
def test_spark_show_output_reads_back_as_its_dataframe(
    spark: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = _shown(spark, capsys, ROWS, "token string, embeddings array<double>")
    found = find_text_table("some log line\n" + printed + "done\n")
    assert found is not None
    table, style = found
    assert style == "show" and table.columns == ("token", "embeddings") and len(table.rows) == 2
    (cut_text, first), (cjk, second) = table.rows
    assert cut_text == "Syväoppimisen tav..." and cjk == "宮本"  # Spark cuts at 17 characters + "..."
    assert isinstance(first, Vector) and first.values == (0.9422476,) and first.truncated and first.partial
    assert isinstance(second, Vector) and second.values == (-2.0408847,)
    assert compare_tables(table, FULL).ok  # a cut text matches its full text; cut-off values are skipped
    moved = [list(v) for _, v in ROWS]
    moved[1][0] += 0.01
    cells = [(t, Vector(tuple(v), tuple(map(repr, v)))) for (t, _), v in zip(ROWS, moved, strict=True)]
    assert compare_tables(table, Table(FULL.columns, tuple(cells))).diff == (
        "row 2, column 'embeddings', value 1: expected -2.0408847, got -2.0308847 "
        "(|diff| 0.01 > atol 0.0001)",
    )


@pytest.mark.spark
def test_a_pipe_inside_a_cell_and_the_top_rows_note(spark: Any, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [(f"a|b {i}", i) for i in range(25)]
    printed = _shown(spark, capsys, rows, "text string, n int")
    assert "only showing top 20 rows" in printed
    found = find_text_table(printed)
    assert found is not None
    table, _ = found
    assert table.columns == ("text", "n") and len(table.rows) == 20
    assert table.rows[3] == ("a|b 3", "3")


def test_grid_and_pipe_tables_as_cards_print_them() -> None:
    grid = parse_text_table(GRID.splitlines())
    assert grid is not None
    table, style = grid
    assert style == "grid" and table.columns == ("chunk", "begin", "end", "entity")  # the index dropped
    assert table.rows == (("Kleinzellige", "4", "15", "MEDICAL_SPECIFICATION"),
                          ("Bronchialkarzinom", "17", "33", "MEDICAL_CONDITION"))  # fmt: skip
    pipe = parse_text_table(PIPE.splitlines())
    assert pipe is not None
    table, style = pipe
    assert style == "pipe" and table.columns == ("token", "glove_embeddings") and len(table.rows) == 2
    vector = table.rows[1][1]
    assert isinstance(vector, Vector)
    assert vector.values == (0.13948999345302582, 0.534529983997345) and vector.partial == "-0.25"


@pytest.mark.parametrize(
    "text",
    ["token | vector", "+---+\n| a |\n+---+\nnot a row", "a | b |\n---|---|\nno cells", "plain words\nmore"],
)
def test_what_is_not_one_of_these_tables_is_left_alone(text: str) -> None:
    assert parse_text_table([line for line in text.splitlines() if line.strip()]) is None


def test_a_results_block_names_its_style() -> None:
    assert parse_results(GRID, 40).style == "grid" and parse_results(PIPE, 40).style == "pipe"
    assert parse_results("\tsentence\tvector\n\t\n\tI love\t[0.1, 0.2]\n", 40).style == "pandas"
    assert parse_results("['almost_same']\n['not_same']", 40).style == "text"
    assert parse_results("The output is a DataFrame.", 40).style == "prose"


@pytest.mark.spark
def test_a_show_block_is_compared_with_the_table_the_snippet_printed(
    spark: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = _shown(spark, capsys, ROWS, "token string, embeddings array<double>")
    expected = parse_results("\n" + printed, 50)
    assert expected.style == "show"
    # A pipeline DataFrame with other columns is there too: the printed table is what the block shows.
    other = Table(("sentence", "x"), (("s", "t"),))
    result = compare(expected, Produced(stdout="loading...\n" + printed, pipeline=other))
    assert result.ok and result.compared
    assert "the block is a Spark show() table: compared with the table it printed" in result.not_compared
    changed = printed.replace("0.9422476", "0.9522476")
    assert compare(expected, Produced(stdout=changed)).diff == (
        "row 1, column 'embeddings', value 1: expected 0.9422476, got 0.9522476 (|diff| 0.01 > atol 0.0001)",
    )
    # Nothing printed: the DataFrame in full is compared (cut texts by their kept part).
    assert compare(expected, Produced(pipeline=FULL)).ok
