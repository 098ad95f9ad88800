from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser
from pathlib import Path

from site_builder.entries import entry_for, place
from site_builder.pages import (
    CSP,
    Listing,
    facet_groups,
    info_rows,
    render_listing,
    render_model_page,
    row_for,
)

CARDS = Path(__file__).resolve().parents[2] / "cards"


class _Text(HTMLParser):
    """Visible text of a page (script and style excluded) and every tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _page(path: str) -> tuple[str, _Text]:
    from registry.parse import parse_card

    card = parse_card(CARDS / path)
    entry = entry_for(card)
    placement = place([entry])[entry.key]
    html = render_model_page(card, placement, [(entry, placement)])
    parsed = _Text()
    parsed.feed(html)
    return html, parsed


def test_model_page_shows_every_part_of_the_card() -> None:
    html, parsed = _page("2020-08-25-sent_small_bert_L6_768_en.md")
    text = " ".join(" ".join(parsed.text).split())
    assert "<h1>Smaller BERT Sentence Embeddings (L-6_H-768_A-12)</h1>" in html
    for badge in ("Embeddings", "Spark NLP 2.6.0", "supported", "newest version"):
        assert f">{badge}</li>" in html
    assert 'href="https://s3.amazonaws.com/auxdata.johnsnowlabs.com/public/models/' in html
    assert (
        "s3://auxdata.johnsnowlabs.com/public/models/sent_small_bert_L6_768_en_2.6.0_2.4_1598351137007.zip"
        in text
    )
    for tab in ("Python", "Scala", "NLU"):
        assert f'class="tab-title">{tab}</h3>' in html
    assert '<span class="n">BertSentenceEmbeddings</span>' in html  # pygments tokens
    assert "I hate cancer" in text and "Results" in text  # the Results block
    assert "Dimension 768" in text and "Case sensitive no" in text  # the Model Information table
    assert "snippets.scala" in text  # the card's own validation findings
    assert "tfhub.dev/tensorflow/small_bert" in text  # the Data Source section
    assert (
        f'http-equiv="Content-Security-Policy" content="{html_lib.escape(CSP).replace("&#x27;", "&#39;")}"'
        in html
    )


def test_model_page_shows_no_kramdown_or_liquid_syntax() -> None:
    for card in CARDS.glob("*.md"):
        _, parsed = _page(card.name)
        text = " ".join(parsed.text)
        assert not re.search(r"\{:|\{%|%\}|markdown=\"1\"|\|---", text), card.name


def test_model_page_links_are_relative_to_its_depth() -> None:
    _, parsed = _page("2020-08-25-sent_small_bert_L6_768_en.md")
    local = [a.get("href") or "" for tag, a in parsed.tags if tag in ("a", "link", "script")]
    local += [a.get("src") or "" for tag, a in parsed.tags if tag == "script"]
    own = [u for u in local if u and not u.startswith(("http://", "https://", "#"))]
    assert own and all(u.startswith("../../") for u in own), own


def test_info_rows_use_the_typed_values() -> None:
    from registry.parse import parse_card

    rows = dict(info_rows(parse_card(CARDS / "2020-08-25-sent_small_bert_L6_768_en.md")))
    assert (
        rows["Dimension"] == "768" and rows["Input labels"] == "sentence" and rows["License"] == "Open Source"
    )


def test_listing_page_lists_rows_with_facets_and_pager() -> None:
    from registry.parse import parse_card

    cards = [parse_card(p) for p in sorted(CARDS.glob("*.md"))]
    entries = [entry_for(c) for c in cards]
    placements = place(entries)
    rows = [row_for(e, placements[e.key]) for e in entries]
    listing = Listing(
        url="pages/2.html",
        heading="All models",
        rows=rows,
        number=2,
        page_urls=["index.html", "pages/2.html"],
        total=105,
    )
    html = render_listing(listing, facet_groups({"task": {"Embeddings": 5}}, 12), 105)
    assert html.count('class="model-link"') == len(cards)
    assert 'href="../facets/task/embeddings.html"' in html and '<span aria-current="page">2</span>' in html
    assert 'href="../index.html">1</a>' in html and "Showing 101–105 of 105" in html


def test_a_card_with_only_information_findings_shows_notes_not_warnings() -> None:
    from registry.card import Finding
    from registry.parse import parse_card

    card = parse_card(CARDS / "2023-06-28-small_bert_L2_768_en.md")
    note = Finding(path=card.path, line=12, severity="info", field="links.download",
                   message="built with Spark NLP 4.4, fine for 5.0", rule="artifact-older")  # fmt: skip
    card = card.model_copy(update={"findings": [note]})
    entry = entry_for(card)
    placement = place([entry])[entry.key]
    html = render_model_page(card, placement, [(entry, placement)])
    assert "Validation notes (1)" in html and "Validation warnings" not in html
    assert '<li class="info"><strong>info</strong> line 12' in html
