"""The kramdown/Liquid pre-pass keeps line numbers, and the fast block scanner sees exactly the
headings and fences that markdown-it-py sees."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from registry import markdown
from registry.parse import RawCard, read_text, split_front_matter
from tests.helpers import CARDS

BODY = """## Description

{:.btn-box}
[Download](https://x/y.zip){:.button.button-orange}

<div class="tabs-box" markdown="1">
{% include programmingLanguageSelectScalaPythonNLU.html %}

```python
x = {"a": 1}  # {:.not-an-attribute} {% not liquid %}
```

{:.nlu-block}
```python
import nlu
```
</div>

{:.table-model}
|---|---|
|Model Name:|x|
"""


def test_prepare_keeps_line_count_and_removes_kramdown() -> None:
    prepared = markdown.prepare(BODY)
    assert len(prepared.lines) == len(BODY.split("\n"))
    text = prepared.text
    assert "{%" not in text.replace("{% not liquid %}", "") and 'markdown="1"' not in text
    assert "{:.button" not in text and "{:.btn-box}" not in text
    assert "{:.not-an-attribute} {% not liquid %}" in text, "code is left alone"
    assert prepared.liquid_includes == [(6, "{% include programmingLanguageSelectScalaPythonNLU.html %}")]


def test_block_attributes_are_kept_by_the_line_they_apply_to() -> None:
    prepared = markdown.prepare(BODY)
    lines = BODY.split("\n")
    nlu_fence = next(
        i for i, line in enumerate(lines) if line == "```python" and "import nlu" in lines[i + 1]
    )
    assert prepared.classes_by_line[nlu_fence] == ["nlu-block"]
    assert prepared.classes_by_line[lines.index("[Download](https://x/y.zip){:.button.button-orange}")] == [
        "btn-box"
    ]


def test_header_less_table_renders_as_a_table() -> None:
    html = MarkdownIt("commonmark").enable("table").render(markdown.commonmark(BODY))
    assert "<table>" in html and "<td>Model Name:</td>" in html
    no_blank = "Some text\n|---|---|\n|a|b|\n"
    assert "<td>a</td>" in MarkdownIt("commonmark").enable("table").render(markdown.commonmark(no_blank))


def _scanned(body: str) -> tuple[list[tuple[int, int, str]], list[tuple[int, str, str]]]:
    prepared = markdown.prepare(body)
    return (
        [(h.line, h.level, h.title) for h in prepared.headings],
        [(c.line, c.info, c.content) for c in prepared.code_blocks],
    )


def _markdown_it(body: str) -> tuple[list[tuple[int, int, str]], list[tuple[int, str, str]]]:
    tokens = markdown.block_parser().parse(markdown.prepare(body).text)
    headings = [
        (t.map[0], int(t.tag[1]), tokens[i + 1].content.strip())
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.map
    ]
    fences = [(t.map[0], t.info.strip(), t.content) for t in tokens if t.type == "fence" and t.map]
    return headings, fences


def _bodies(paths: list[Path]) -> list[str]:
    bodies = []
    for path in paths:
        raw = RawCard(path=str(path), text=read_text(str(path), path.read_bytes()))
        split_front_matter(raw)
        bodies.append(raw.body)
    return bodies


def test_scanner_matches_markdown_it_on_seed_cards() -> None:
    for body in _bodies(sorted(CARDS.glob("*.md"))):
        assert _scanned(body) == _markdown_it(body)


def test_scanner_matches_markdown_it_on_every_corpus_card(corpus_cards: list[Path]) -> None:
    for path, body in zip(corpus_cards, _bodies(corpus_cards), strict=True):
        assert _scanned(body) == _markdown_it(body), path.name


LINE = st.sampled_from(
    [
        "",
        "text",
        "## Heading",
        "# H1 #",
        "####### seven",
        "   ### indented",
        "    ## code-indented",
        "#no-space",
        "```",
        "```python",
        "````",
        "~~~",
        "~~~ scala",
        "``` a`b",
        "  ```",
        "    ```",
        "```   ",
        "{:.nlu-block}",
        "|---|---|",
        "|a|b|",
        '<div markdown="1">',
        "</div>",
        "{% include x %}",
        "- item",
        "> quote",
        "\t## tab",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(LINE, max_size=30))
def test_scanner_matches_markdown_it_on_generated_text(lines: list[str]) -> None:
    body = "\n".join(lines)
    assert _scanned(body) == _markdown_it(body)


@pytest.mark.parametrize(
    ("attributes", "classes"),
    [
        (".btn-box", ["btn-box"]),
        (".button.button-orange", ["button", "button-orange"]),
        ('target="_blank"', []),
        (".a .b", ["a", "b"]),
        (".a\u00a0\t.b..c", ["a", "b", "c"]),
        ('.a key="x y" .b', ["a", "b"]),
    ],
)
def test_attribute_list_classes(attributes: str, classes: list[str]) -> None:
    prepared = markdown.prepare(f"{{:{attributes}}}\nparagraph")
    assert prepared.classes_by_line.get(1, []) == classes
