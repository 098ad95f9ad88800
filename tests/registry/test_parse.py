"""Parsing: every piece keeps its line; hostile input becomes a finding, never a crash or a hang;
every real card parses; mutated real cards give only the project's own findings."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.card import Card
from registry.parse import (
    RawCard,
    name_from_file_name,
    parse_card,
    split_front_matter,
    validate_card,
)
from tests.helpers import CARD_FIXTURES, CARDS, SHARED

SEED_000 = CARDS / "2020-08-25-sent_small_bert_L6_768_en.md"

# The key line `split_front_matter` reads with string methods, as the pattern it replaced.
FRONT_MATTER_KEY = re.compile(r"^([^\s#:][^:]*):")


def line_of(path: Path, text: str) -> int:
    """1-based line of the first line containing `text` (an independent reading of the file)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    return next(number for number, line in enumerate(lines, 1) if text in line)


def test_seed_identity_and_typed_fields() -> None:
    card = parse_card(SEED_000)
    assert (card.name, card.language, card.title) == (
        "sent_small_bert_L6_768",
        "en",
        "Smaller BERT Sentence Embeddings (L-6_H-768_A-12)",
    )
    assert card.date == dt.date(2020, 8, 25)
    assert card.edition is not None and (card.edition.product, card.edition.version) == ("Spark NLP", "2.6.0")
    assert card.spark_version == "2.4"
    assert card.tasks == ["Embeddings"] and card.task == "Embeddings"
    assert card.annotator == "BertSentenceEmbeddings" and not card.annotator_inferred
    assert card.tags == ["open_source", "embeddings", "en"]
    assert card.supported is True and card.deprecated is None
    assert card.nlu_reference == "en.embed_sentence.small_bert_L6_768"
    assert card.artifact == "sent_small_bert_L6_768_en_2.6.0_2.4_1598351137007"
    info = card.model_information
    assert info is not None
    assert info.dimension == 768 and info.case_sensitive is False
    assert info.input_labels == ["sentence"] and info.output_labels == ["sentence_embeddings"]
    assert info.language == "en" and info.license == "Open Source"


def test_every_piece_keeps_its_line() -> None:
    card = parse_card(SEED_000)
    assert card.lines["name"] == line_of(SEED_000, "name: sent_small_bert_L6_768")
    assert card.links.download is not None and card.links.download.line == line_of(SEED_000, "[Download]")
    assert card.links.s3 is not None and card.links.s3.line == line_of(SEED_000, "[Copy S3 URI]")
    python, scala, nlu = (card.snippet(language) for language in ("python", "scala", "nlu"))
    assert python is not None and python.fence_line == line_of(SEED_000, "```python")
    assert scala is not None and scala.fence_line == line_of(SEED_000, "```scala")
    assert scala.line == scala.fence_line + 1 and scala.code.startswith("...")
    assert nlu is not None and nlu.code.startswith("import nlu")
    assert card.results is not None and card.results.line == line_of(SEED_000, "en_embed_sentence_small_bert")
    assert card.model_information is not None
    assert card.model_information.line == line_of(SEED_000, "|Model Name:|")
    assert card.model_information.rows["dimension"] == line_of(SEED_000, "|Dimension:|")
    assert [(s.title, s.line) for s in card.sections] == [
        (title, line_of(SEED_000, f"## {title}"))
        for title in ("Description", "How to use", "Results", "Model Information", "Data Source")
    ]


def test_results_table_is_parsed() -> None:
    card = parse_card(SEED_000)
    assert card.results is not None and card.results.table is not None
    assert card.results.table.columns == ["en_embed_sentence_small_bert_L6_768_embeddings", "sentence"]
    assert [row[1] for row in card.results.table.rows] == ["I hate cancer", "Antibiotics aren't painkiller"]


def test_size_and_engine_from_front_matter() -> None:
    card = parse_card(CARDS / "2023-06-28-small_bert_L2_768_en.md")
    assert card.model_information is not None
    assert card.model_information.size_bytes == round(141.9 * 1024 * 1024)
    assert (card.engine, card.engine_source) == ("onnx", "front_matter")
    assert card.model_information.output_labels == ["bert"]


def test_missing_fields_are_inferred_and_marked() -> None:
    card = parse_card(CARDS / "2020-08-25-sent_biobert_pubmed_base_cased_en.md")
    assert card.annotator == "BertSentenceEmbeddings" and card.annotator_inferred
    assert card.spark_version is None
    assert (card.engine, card.engine_source) == ("tensorflow", "edition")
    assert card.links.s3 is None and card.supported is False


def test_description_has_no_kramdown_or_buttons() -> None:
    card = parse_card(SEED_000)
    assert card.description.startswith("This is one of the smaller BERT models")
    for residue in ("{:", "<button", "[Download]", "btn-box"):
        assert residue not in card.description
    for section in card.sections:
        assert "{%" not in section.markdown and "{:" not in section.markdown
        assert 'markdown="1"' not in section.markdown


def test_unknown_front_matter_keys_are_kept_with_a_warning(tmp_path: Path) -> None:
    text = (
        SEED_000.read_text(encoding="utf-8")
        .replace("nav_key", "x")
        .replace("layout: model\n", "layout: model\nreviewer: someone\n")
    )
    path = tmp_path / "2020-08-25-sent_small_bert_L6_768_en.md"
    path.write_text(text, encoding="utf-8")
    card = parse_card(path)
    assert card.unknown_front_matter["reviewer"] == "someone"
    (finding,) = [f for f in card.findings if f.rule == "unknown-key"]
    assert finding.field == "reviewer" and finding.line == 3 and finding.severity == "warning"


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b"", 0, "empty"),
        (b"   \n\n", 0, "empty"),
        (b"---\nname: x\n---\n\x00\x01binary", 4, "binary"),
        (b"---\nname: caf\xe9\n---\n", 2, "not UTF-8"),
        (b"no front matter\n", 1, "no YAML front matter"),
    ],
)
def test_hostile_bytes_give_a_finding(tmp_path: Path, content: bytes, line: int, message: str) -> None:
    path = tmp_path / "hostile.md"
    path.write_bytes(content)
    card = parse_card(path)
    (finding,) = card.findings
    assert finding.severity == "error" and finding.line == line and message in finding.message
    assert finding.path == str(path)


def test_yaml_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    path = tmp_path / "bomb.md"
    path.write_text("---\nname: bomb\n" + "\n".join(lines) + "\n---\n\n## Description\n", encoding="utf-8")
    start = time.perf_counter()
    card = parse_card(path)
    assert time.perf_counter() - start < 5
    (finding,) = card.findings
    assert "aliases" in finding.message and finding.severity == "error"


def test_ten_megabyte_card_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    path.write_bytes(SEED_000.read_bytes() + b"x" * 10_000_000)
    start = time.perf_counter()
    card = parse_card(path)
    assert time.perf_counter() - start < 5
    (finding,) = card.findings
    assert "MB" in finding.message and finding.severity == "error"


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("bad_yaml.md", 6, "not valid YAML"),
        ("list_front_matter.md", 2, "not a mapping"),
        ("no_front_matter.md", 1, "no YAML front matter"),
        ("unclosed_front_matter.md", 1, "not closed"),
    ],
)
def test_broken_fixture_cards(name: str, line: int, message: str) -> None:
    card = parse_card(CARD_FIXTURES / "broken" / name)
    (finding,) = card.findings
    assert (finding.line, finding.severity) == (line, "error") and message in finding.message
    assert finding.hint


def test_unreadable_file_is_a_finding(tmp_path: Path) -> None:
    card = parse_card(tmp_path / "missing.md")
    assert card.findings[0].rule == "readable" and "cannot read" in card.findings[0].message


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("2020-08-25-sent_small_bert_L6_768_en.md", ("sent_small_bert_L6_768", "en")),
        ("03-05-2020-lemma_nl.md", ("lemma", "nl")),
        ("2020-01-02-bert_large_uncased--models_repo.md", ("bert_large_uncased", None)),
        ("2020-01-31-elmo.md", ("elmo", None)),
    ],
)
def test_name_from_file_name(file_name: str, expected: tuple[str, str | None]) -> None:
    assert name_from_file_name(file_name) == expected


def test_every_corpus_card_parses(corpus_cards: list[Path]) -> None:
    """Lists every real card that fails to become a record (there must be none)."""
    failures = []
    for path in corpus_cards:
        try:
            card = parse_card(path)
            assert isinstance(card, Card) and card.name
            if any(f.rule == "readable" for f in card.findings):
                failures.append(f"{path.name}: {card.findings[0].message}")
        except Exception as exc:
            failures.append(f"{path.name}: {type(exc).__name__}: {exc}")
    assert failures == []


def test_corpus_quirks_are_read(corpus_cards: list[Path]) -> None:
    cards = {path.name: parse_card(path) for path in corpus_cards}
    lemma = cards["03-05-2020-lemma_nl.md"]
    assert lemma.date == dt.date(2020, 5, 3) and lemma.annotator == "LemmatizerModel"
    assert any(f.rule == "date-format" for f in lemma.findings)
    listed = [c for c in cards.values() if len(c.spark_versions) > 1]
    assert listed and all(v in ("3.0", "3.2") for c in listed for v in c.spark_versions)
    multi_task = [c for c in cards.values() if len(c.tasks) > 1]
    assert multi_task and multi_task[0].tasks == ["De-identification", "Pipeline Healthcare"]


def _real_texts() -> list[str]:
    paths = sorted(CARDS.glob("*.md"))
    corpus = SHARED / "corpus" / "cards"
    if corpus.is_dir():
        paths += sorted(corpus.glob("*.md"))[::8]
    return [p.read_text(encoding="utf-8") for p in paths]


REAL_TEXTS = _real_texts()


@st.composite
def mutated_cards(draw: st.DrawFn) -> bytes:
    lines = draw(st.sampled_from(REAL_TEXTS)).split("\n")
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "truncate", "replace", "swap"]))
        index = draw(st.integers(0, max(0, len(lines) - 1)))
        if action == "delete" and len(lines) > 1:
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "insert":
            lines.insert(
                index,
                draw(
                    st.sampled_from(
                        [
                            "---",
                            "```",
                            "```python",
                            "~~~",
                            "{:.btn-box}",
                            "|---|---|",
                            "|Dimension:|abc|",
                            "## Results",
                            '<div class="tabs-box" markdown="1">',
                            "</div>",
                            "{% include x.html %}",
                            "name: [",
                            "a: &a [*a]",
                            "\t",
                            "# \u202e",
                            "[Download](s3://x)",
                            "[Copy S3 URI](https://s3.amazonaws.com/b/k.zip)",
                        ]
                    )
                ),
            )
        elif action == "truncate":
            lines[index] = lines[index][: draw(st.integers(0, len(lines[index])))]
        elif action == "replace":
            lines[index] = draw(st.text(max_size=40))
        elif action == "swap" and len(lines) > 1:
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        position = draw(st.integers(0, len(data)))
        data = data[:position] + draw(st.binary(max_size=8)) + data[position:]
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated_cards())
def test_mutated_real_cards_give_only_findings(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("mutated") / "2020-01-01-mutated_en.md"
    path.write_bytes(data)
    card = parse_card(path)
    assert isinstance(card, Card)
    for finding in card.findings:
        assert finding.path == str(path) and finding.message and finding.rule
        assert 0 <= finding.line <= data.count(b"\n") + 1
    card.model_dump_json()
    # The findings-only reading (what `cardhub validate` runs) skips what no check reads.
    findings, claim, _ = validate_card(path)
    assert findings == card.findings
    assert (claim.artifact if claim else None) == (card.artifact if card.links.download else None)


# Cards that used to crash the parser (found by the mutation test above) now parse into a record
# with findings. Expected lines are counted by hand from the texts.


@pytest.mark.parametrize(
    "path", sorted(CARDS.glob("*.md")) + sorted((CARD_FIXTURES / "broken").glob("*.md")), ids=lambda p: p.name
)
def test_validate_card_finds_what_parse_card_finds(path: Path) -> None:
    card = parse_card(path)
    findings, claim, _ = validate_card(path)
    assert findings == card.findings
    if card.artifact and card.links.download:
        assert claim is not None
        download_line = card.links.download.line
        assert (claim.artifact, claim.path, claim.line) == (card.artifact, str(path), download_line)
    else:
        assert claim is None


def test_front_matter_key_lines_are_what_the_key_pattern_finds() -> None:
    front = [
        "name: x",
        "title : spaced key",
        "# comment: no key",
        "url: https://a/b:c",
        "tags: [a, b]",
        "article_header:",
        "  type: cover",
        "name: second name is not the first line",
        "\u00a0odd: blank first",
        "weird key with spaces: v",
    ]
    raw = RawCard(path="2020-01-01-x_en.md", text="---\n" + "\n".join(front) + "\n---\nbody\n")
    split_front_matter(raw)
    expected_lines: dict[str, int] = {}
    expected_raw: dict[str, str] = {}
    for number, text in enumerate(front, 2):
        match = FRONT_MATTER_KEY.match(text)
        if match:
            expected_lines.setdefault(match.group(1).strip(), number)
            expected_raw.setdefault(match.group(1).strip(), text[match.end() :].strip())
    assert raw.key_lines == expected_lines and raw.front_matter_raw == expected_raw
    assert raw.key_lines["url"] == 5 and raw.front_matter_raw["url"] == "https://a/b:c"
    assert raw.key_lines["name"] == 2 and "type" not in raw.key_lines


def test_a_body_without_headings_has_no_sections() -> None:
    card = parse_card("2020-01-01-plain_en.md", b"---\nname: plain\nlanguage: en\n---\nplain text\n")
    assert card.name == "plain" and card.sections == []
    assert card.body.strip() == "plain text" and card.body_line == 4


def test_a_fence_that_never_closes_swallows_the_headings() -> None:
    text = b"---\nname: fenced\n---\n~~~\n## Description\ntext\n"
    card = parse_card("2020-01-01-fenced_en.md", text)
    assert card.sections == []
    assert [s.line for s in card.snippets] == [5]


def test_a_language_row_of_brackets_only_is_a_finding() -> None:
    text = b"---\nname: a\nlanguage: en\n---\n## Model Information\n\n|---|---|\n|Language:|[|\n"
    card = parse_card("2020-01-01-a_en.md", text)
    found = [f for f in card.findings if f.field == "model_information.language"]
    assert [(f.line, f.severity, f.rule) for f in found] == [(8, "error", "model-information-type")]
    assert card.model_information is not None and card.model_information.language is None
