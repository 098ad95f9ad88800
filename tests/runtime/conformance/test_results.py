"""The Results block: parsing the seeds' shapes, rendering in the card's format, byte-exact rewrite."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.parse import parse_card
from runtime.conformance.errors import ResultsBlockError
from runtime.conformance.records import Table, Vector
from runtime.conformance.results import (
    block_content,
    describes_output,
    format_vector,
    is_empty_block,
    parse_cell,
    parse_results,
    render_table,
    rewrite_block,
)
from tests.helpers import CARDS

SEEDS_WITH_RESULTS = sorted(p for p in CARDS.glob("*.md") if parse_card(p).results is not None)


def test_vector_cells_keep_the_values_printed_in_full() -> None:
    cell = parse_cell("[0.01553951483219862, -0.1754797250032425, 0.0...")
    assert cell == Vector(
        values=(0.01553951483219862, -0.1754797250032425),
        shown=("0.01553951483219862", "-0.1754797250032425"),
        partial="0.0",
        truncated=True,
    )
    whole = parse_cell("[0.1, -0.2]")
    assert isinstance(whole, Vector) and whole.values == (0.1, -0.2) and not whole.truncated
    cut_after_comma = parse_cell("[-0.16226479411125183, -0.053727392107248306, ...")
    assert isinstance(cut_after_comma, Vector) and len(cut_after_comma.values) == 2
    assert cut_after_comma.partial is None
    assert parse_cell("I hate cancer") == "I hate cancer"
    assert parse_cell("[not, numbers]") == "[not, numbers]"


@pytest.mark.parametrize("path", SEEDS_WITH_RESULTS, ids=lambda p: p.name)
def test_every_seed_block_parses_as_a_table(path: Path) -> None:
    card = parse_card(path)
    assert card.results is not None
    expected = parse_results(card.results.raw, card.results.line)
    assert expected.table is not None
    assert any(name.endswith("_embeddings") for name in expected.table.columns)
    assert len(expected.table.columns) == 2
    assert len(expected.table.rows) in (2, 3)
    for row in expected.table.rows:
        assert sum(isinstance(cell, Vector) for cell in row) == 1


def test_seed_000_block() -> None:
    card = parse_card(CARDS / "2020-08-25-sent_small_bert_L6_768_en.md")
    assert card.results is not None
    table = parse_results(card.results.raw, card.results.line).table
    assert table is not None
    assert table.columns == ("en_embed_sentence_small_bert_L6_768_embeddings", "sentence")
    assert [row[1] for row in table.rows] == ["I hate cancer", "Antibiotics aren't painkiller"]


def test_results_title_inside_the_block_is_dropped_and_said() -> None:
    card = parse_card(CARDS / "2023-06-28-small_bert_L2_768_en.md")
    assert card.results is not None
    expected = parse_results(card.results.raw, card.results.line)
    assert expected.table is not None and [r[0] for r in expected.table.rows] == ["I", "love", "NLP"]
    assert any("Results" in note for note in expected.notes)


def test_space_aligned_pandas_repr_with_an_index() -> None:
    raw = (
        "        sentence            vector\n0  I hate cancer  [0.1, 0.2, ...\n1  I love NLP  [0.3, 0.4, ..."
    )
    table = parse_results(raw, 1).table
    assert table is not None and table.columns == ("sentence", "vector")
    assert table.rows[1][0] == "I love NLP"


def test_a_block_that_is_not_a_table_is_text_and_said() -> None:
    expected = parse_results("{'token': ['I', 'love', 'NLP'],\n 'embeddings': [...]}", 3)
    assert expected.table is None
    assert any("compared as text" in note for note in expected.notes)


def test_render_in_the_cards_format() -> None:
    previous = "\ttoken\temb\n\t\t\n\tI\t[0.1, ..."
    table = Table(("token", "emb"), (("I", Vector(values=(0.25, -0.5, 0.125), shown=())),))
    assert render_table(table, previous) == "\ttoken\temb\n\t\t\n\tI\t[0.25, -0.5, 0.125]"
    long = format_vector(tuple(float(i) / 3 for i in range(10)))
    assert len(long) == 50 and long.endswith("...")
    assert isinstance(parse_cell(long), Vector)


def test_an_empty_block_gets_the_layout_of_the_cards_that_show_nlu_output() -> None:
    table = Table(("sentence", "emb"), (("I love NLP", Vector(values=(0.25, -0.5), shown=())),))
    for empty in ("", "\n\n", "Results\n"):
        assert is_empty_block(empty)
        title = "Results\n" if empty.strip() else ""
        rendered = render_table(table, empty)
        assert rendered == title + "\tsentence\temb\n\t\t\n\tI love NLP\t[0.25, -0.5]"
        parsed = parse_results(rendered, 1).table
        assert parsed is not None and parsed.columns == ("sentence", "emb")
        assert parsed.rows == (("I love NLP", Vector((0.25, -0.5), ("0.25", "-0.5"))),)
    assert not is_empty_block("total: 0.875") and not is_empty_block("Results\n\tx\ty")


PROSE = (
    'The output is a dataframe with a sentence per row and a "ner" column containing all of the entity '
    'labels in the sentence. To get only the tokens and entity labels, select "token.result".\n'
    "![image](\\assets\\images\\ner.png)\n"
)


def test_a_block_that_describes_the_output_in_words_is_said_so() -> None:
    """Many older hub cards put a description where the output should be: not compared (it
    would always differ), and `--update` replaces it with the layout of an nlu table."""
    expected = parse_results(PROSE, 40)
    assert describes_output(PROSE) and expected.style == "prose" and expected.table is None
    assert "describes the output in words" in expected.notes[-1]
    assert describes_output("THe output is a dictionary with the following keys: 'sentences'.")
    assert not describes_output("People in poor countries demand that the EU does not engage.")  # output
    assert not describes_output("total: 0.875") and not describes_output("")
    table = Table(("sentence", "emb"), (("I love NLP", Vector(values=(0.25,), shown=())),))
    assert render_table(table, PROSE) == "\tsentence\temb\n\t\t\n\tI love NLP\t[0.25]"


def _card_with_block(tmp_path: Path, newline: str) -> Path:
    text = "---\nname: x\n---\n\n## Results\n\n```bash\nold line 1\nold line 2\n```\n\ntail ```x``` stays\n"
    path = tmp_path / "card.md"
    path.write_bytes(text.replace("\n", newline).encode())
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_rewrite_changes_only_the_block_bytes(tmp_path: Path, newline: str) -> None:
    path = _card_with_block(tmp_path, newline)
    before = path.read_bytes()
    assert block_content(path, 8) == "old line 1\nold line 2"
    assert rewrite_block(path, 8, "new\ncontent")
    after = path.read_bytes()
    nl = newline.encode()
    old_block = b"old line 1" + nl + b"old line 2" + nl
    new_block = b"new" + nl + b"content" + nl
    assert after == before.replace(old_block, new_block)
    assert not rewrite_block(path, 8, "new\ncontent")


def test_rewrite_refuses_a_line_that_is_not_a_block(tmp_path: Path) -> None:
    path = _card_with_block(tmp_path, "\n")
    with pytest.raises(ResultsBlockError, match=r"card.md:3: no ``` fence"):
        rewrite_block(path, 4, "x")
