"""What the runtime reads from a card.

A `registry.card.Card` has all of it. So does an entry of the registry's packaged index, which
`registry.load(name)` passes instead: a load from the cache then imports neither pydantic nor
the card parser (together about half of a cold start), and `EmbeddingModel.info` asks the entry
for the full record only when someone reads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from registry.card import Card


class LinkFacts(Protocol):
    @property
    def url(self) -> str: ...


class LinksFacts(Protocol):
    @property
    def download(self) -> LinkFacts | None: ...
    @property
    def s3(self) -> LinkFacts | None: ...


class ModelInformationFacts(Protocol):
    @property
    def case_sensitive(self) -> bool | None: ...
    @property
    def dimension(self) -> int | None: ...
    @property
    def max_sentence_length(self) -> int | None: ...


class CardFacts(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def annotator(self) -> str | None: ...
    @property
    def nlu_reference(self) -> str | None: ...
    @property
    def links(self) -> LinksFacts: ...
    @property
    def model_information(self) -> ModelInformationFacts | None: ...

    def record(self) -> Card:
        """The full card record."""
        ...
