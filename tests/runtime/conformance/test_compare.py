"""Tolerant comparison: exact names, rows and texts; vector values within atol; readable diffs."""

from __future__ import annotations

from runtime.conformance.compare import compare, compare_tables, compare_text
from runtime.conformance.records import Produced, Table, Vector
from runtime.conformance.results import parse_results

BLOCK = (
    "\ten_embed_sentence_x_embeddings\tsentence\n\t\t\n"
    "\t[0.01553951483219862, -0.1754797250032425, 0.0...\tI hate cancer\n"
    "\t[0.4996863603591919, 0.14960810542106628, 0.03...\tAntibiotics aren't painkiller"
)


def _got(first: float = 0.0155395, rows: int = 2, column: str = "en_embed_sentence_x_embeddings") -> Table:
    vectors = [(first, -0.17547974, 0.0312, 0.5), (0.49968636, 0.14960811, 0.0345, 0.1)]
    texts = ["I hate cancer", "Antibiotics aren't painkiller"]
    return Table(
        (column, "sentence"),
        tuple((Vector(values=vectors[i], shown=()), texts[i]) for i in range(rows)),
    )


def _expected() -> Table:
    table = parse_results(BLOCK, 1).table
    assert table is not None
    return table


def test_within_tolerance_passes_and_says_what_was_not_compared() -> None:
    result = compare_tables(_expected(), _got())
    assert result.ok and result.compared
    assert any("2 leading value(s)" in note and "4-dimensional" in note for note in result.not_compared)
    assert any("cut-off value" in note for note in result.not_compared)


def test_a_perturbed_value_is_named() -> None:
    result = compare_tables(_expected(), _got(first=0.0165395))
    assert result.diff == (
        "row 1, column 'en_embed_sentence_x_embeddings', value 1: expected 0.01553951483219862, "
        "got 0.0165395 (|diff| 0.001 > atol 0.0001)",
    )
    assert compare_tables(_expected(), _got(first=0.0165395), atol=0.01).ok


def test_a_missing_row_is_named() -> None:
    result = compare_tables(_expected(), _got(rows=1))
    assert result.diff[0] == "rows: expected 2, got 1"
    assert result.diff[1].startswith(
        "row 2 expected, not produced: en_embed_sentence_x_embeddings=[0.4996863603591919"
    )
    assert 'sentence="Antibiotics aren\'t painkiller"' in result.diff[1]


def test_a_renamed_column_is_named() -> None:
    result = compare_tables(_expected(), _got(column="embeddings"))
    assert result.diff[0] == (
        "columns: expected ['en_embed_sentence_x_embeddings', 'sentence'], got ['embeddings', 'sentence'] "
        "(missing ['en_embed_sentence_x_embeddings']; unexpected ['embeddings'])"
    )
    assert len(result.diff) == 1  # the shared column still matches


def test_row_texts_compare_exactly() -> None:
    got = _got()
    changed = Table(got.columns, ((got.rows[0][0], "I hate cancer!"), got.rows[1]))
    assert compare_tables(_expected(), changed).diff == (
        "row 1, column 'sentence': expected 'I hate cancer', got 'I hate cancer!'",
    )


def test_text_blocks_compare_with_numbers_in_tolerance() -> None:
    assert compare_text("total: 0.875\n0 1.0", "total:   0.87500001\n\n0 1.0\n").ok
    result = compare_text("total: 0.875", "total: 0.9")
    assert not result.ok and "-total: 0.875" in result.diff and "+total: 0.9" in result.diff


def test_nothing_to_compare_is_not_a_pass() -> None:
    result = compare(None, Produced(stdout="42\n"))
    assert not result.compared


def test_a_table_block_with_nothing_shown_fails() -> None:
    result = compare(parse_results(BLOCK, 1), Produced())
    assert not result.ok and "showed nothing" in result.diff[0]


def test_a_block_in_words_is_not_compared_and_says_why() -> None:
    expected = parse_results("The output is a dataframe with a Relation column and a Confidence column.", 9)
    result = compare(expected, Produced(stdout="relation confidence\nA-B 0.9\n"))
    assert not result.compared and not result.diff
    assert any("describes the output in words" in note for note in result.not_compared)
