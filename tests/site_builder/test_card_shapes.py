"""Card shapes of 2024-2026 upstream cards (tests/fixtures/site/shapes): licensed models, empty
and prose Predicted Entities above the button row, chained attribute lists; in the registry
record, on the rendered page, and in `registry.load`."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.site_builder.conftest import SHAPES

LICENSED = "models/ner_clinical_large_en/5.3.0.html"
EMPTY = "models/sent_e5_small_v2_en/5.5.2.html"
PROSE = "models/sent_bge_base_en/6.1.0.html"


def _card(name: str):  # type: ignore[no-untyped-def]
    from registry import Registry

    return next(c for c in Registry.from_dir(SHAPES).cards if c.name == name)


def test_the_registry_says_why_a_model_needs_a_license() -> None:
    card = _card("ner_clinical_large")
    assert card.licensed
    reasons = " | ".join(card.license_reasons)
    for part in ("tagged 'licensed'", "private folder 'clinical/'", "Download link is marked hidden",
                 "License: Licensed"):  # fmt: skip
        assert part in reasons
    assert '"licensed":true' in card.model_dump_json()
    assert not _card("sent_e5_small_v2").licensed and not _card("sent_bge_base").licensed


def test_entities_are_the_listed_labels_never_the_button_row_or_prose() -> None:
    assert _card("ner_clinical_large").predicted_entities == ["PROBLEM", "TEST", "TREATMENT"]
    assert _card("sent_e5_small_v2").predicted_entities == []  # empty section, buttons below
    assert _card("sent_bge_base").predicted_entities == []  # prose
    # chained attribute lists do not hide the links they follow
    card = _card("sent_e5_small_v2")
    assert card.links.demo is not None and card.links.demo.url == "https://sparknlp.org/"
    assert card.links.colab is not None and card.links.download is not None


def test_licensed_page_shows_the_license_not_a_download_button(built_site: Path) -> None:
    html = (built_site / LICENSED).read_text()
    assert "Needs a license." in html and "private folder" in html
    assert ">Download</a>" not in html
    assert "needs a license" in html  # the badge
    for page in (LICENSED, EMPTY, PROSE):
        text = (built_site / page).read_text()
        assert "{:" not in text and "_blank" not in text, page
    index = (built_site / "index.html").read_text()
    assert "needs a license" in index


def test_empty_and_prose_entities_render_as_meant(built_site: Path) -> None:
    empty = (built_site / EMPTY).read_text()
    assert "Predicted entities" not in empty
    assert ">Download</a>" in empty  # the public model keeps its button
    prose = (built_site / PROSE).read_text()
    assert "<p>This model does not predict entities. It returns one 768-dimensional vector" in prose
    section = prose.split('id="ents-h"', 1)[1].split("</section>", 1)[0]
    assert "chips" not in section and "Download" not in section and "Live Demo" not in section


def test_registry_load_of_a_licensed_card_fails_at_once_with_the_reason() -> None:
    import runtime
    from runtime.errors import LicenseRequiredError

    card = _card("ner_clinical_large")
    started = time.perf_counter()
    with pytest.raises(LicenseRequiredError) as failure:
        # an unroutable URL: were the refusal not first, the download would wait and retry
        runtime.load(card, url="http://10.255.255.1/never.zip")
    assert time.perf_counter() - started < 1.0
    message = str(failure.value)
    assert "ner_clinical_large (en) needs a license" in message and "private folder 'clinical/'" in message
    assert "registry.load('/path/to/model_folder')" in message
    assert isinstance(failure.value, PermissionError)


def test_a_packaged_index_entry_carries_the_license_and_is_refused_too() -> None:
    import runtime
    from registry.index import _entry, entry_of
    from runtime.errors import LicenseRequiredError

    card = _card("ner_clinical_large")
    entry = _entry(entry_of(card), Path(card.path))  # as registry.load reads the packaged index
    assert entry.licensed and entry.license_reasons == tuple(card.license_reasons)
    with pytest.raises(LicenseRequiredError, match="needs a license"):
        runtime.load(entry)
    public = _entry(entry_of(_card("sent_bge_base")), Path("x.md"))
    assert not public.licensed
