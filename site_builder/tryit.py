"""The try-it panel's server side, for `cardhub serve`: embed a few sentences with the runtime.

    GET  /api/try/status              -> {"try": true, limits}       (a static host has no such URL)
    POST /api/try {"model": page URL, "texts": [...]}
         200 {"level": "sentence", "similarity": [[..]], "head": [[..]], "dimension": d}
             {"level": "token", "tokens": [[{"token": t, "head": [..]}, ..]], "dimension": d}
         202 {"state": "pulling", "done": bytes, "total": bytes or null}   (ask again)
         4xx/5xx {"error": "what went wrong and what would fix it"}

Only models of the catalog being served (its api/listing.json) are run, from the card record the
build wrote; a model not in memory is loaded in the background (downloaded into the runtime's
cache when missing) while the page polls. Request body, number and length of texts, and the
number of concurrent runs are capped; at most MAX_MODELS models stay in memory."""

from __future__ import annotations

import collections
import dataclasses
import json
import threading
from pathlib import Path
from typing import Any

from site_builder.errors import TryItError

MAX_BODY = 64 * 1024
MAX_TEXTS = 16
MAX_TEXT_CHARS = 2000
MAX_CONCURRENT = 2
MAX_MODELS = 2
HEAD_VALUES = 8  # values of each vector shown
RUN_WAIT = 60.0  # seconds a request waits for a free run before it is refused


@dataclasses.dataclass
class _Pull:
    thread: threading.Thread
    total: int | None
    artifact: str | None
    error: TryItError | None = None


class TryIt:
    """The models of one served catalog, loaded on demand (thread-safe)."""

    def __init__(self, site: Path, settings: Any = None) -> None:
        self.site = site
        self.settings = settings
        self._lock = threading.Lock()
        self._runs = threading.BoundedSemaphore(MAX_CONCURRENT)
        self._models: collections.OrderedDict[str, Any] = collections.OrderedDict()
        self._pulls: dict[str, _Pull] = {}
        self._pages = self._known_pages(site)

    @staticmethod
    def _known_pages(site: Path) -> dict[str, str]:
        """page URL -> record path, from the compact listing the build wrote."""
        listing = site / "api" / "listing.json"
        if not listing.is_file():
            return {}
        data = json.loads(listing.read_text(encoding="utf-8"))
        fields = data["fields"]
        page, record = fields.index("page"), fields.index("record")
        return {row[page]: row[record] for row in data["models"]}

    def status(self) -> dict[str, Any]:
        return {"try": True, "max_texts": MAX_TEXTS, "max_text_chars": MAX_TEXT_CHARS, "max_body": MAX_BODY,
                "max_concurrent": MAX_CONCURRENT}  # fmt: skip

    def handle(self, body: bytes) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON answer) for one POST /api/try."""
        page, texts = self._parse(body)
        card = self._card(page)
        with self._lock:
            model = self._models.get(page)
            if model is not None:
                self._models.move_to_end(page)
            else:
                return self._pulling(page, card)
        if not self._runs.acquire(timeout=RUN_WAIT):
            busy = f"{MAX_CONCURRENT} runs are busy for more than {RUN_WAIT:.0f} s; try again"
            raise TryItError(503, busy)
        try:
            return 200, _answer(model, texts)
        finally:
            self._runs.release()

    def _parse(self, body: bytes) -> tuple[str, list[str]]:
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            hint = 'send {"model": ..., "texts": [...]}'
            raise TryItError(400, f"the request is not JSON ({exc}); {hint}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("model"), str):
            raise TryItError(400, 'the request needs "model": the page URL of a model of this catalog')
        texts = data.get("texts")
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise TryItError(400, 'the request needs "texts": a list of strings')
        texts = [t.strip() for t in texts if t.strip()]
        if not texts:
            raise TryItError(400, "no text to embed: type one or more sentences, one per line")
        if len(texts) > MAX_TEXTS:
            raise TryItError(400, f"too many texts: {len(texts)} (at most {MAX_TEXTS}); remove some lines")
        longest = max(len(t) for t in texts)
        if longest > MAX_TEXT_CHARS:
            raise TryItError(400, f"a text has {longest} characters (at most {MAX_TEXT_CHARS}); shorten it")
        return data["model"], texts

    def _card(self, page: str) -> Any:
        record = self._pages.get(page)
        if record is None:
            hint = "open the model's page and try there"
            raise TryItError(404, f"{page!r} is not a model page of this catalog; {hint}")
        from registry.card import Card

        card = Card.model_validate_json((self.site / record).read_text(encoding="utf-8"))
        from runtime.models import SUPPORTED_ANNOTATORS

        if (card.annotator or "").rsplit(".", 1)[-1] not in SUPPORTED_ANNOTATORS:
            names = ", ".join(SUPPORTED_ANNOTATORS)
            message = f"{card.name}: annotator {card.annotator} is not one the runtime runs ({names})"
            raise TryItError(400, message)
        if card.licensed:
            raise TryItError(403, f"{card.name} needs a license: {'; '.join(card.license_reasons)}")
        return card

    def _pulling(self, page: str, card: Any) -> tuple[int, dict[str, Any]]:
        """Called with the lock held: starts or reports the background load of `page`'s model."""
        pull = self._pulls.get(page)
        if pull is not None and pull.error is not None:
            del self._pulls[page]  # the next request tries again
            raise pull.error
        if pull is None:
            info = card.model_information
            total = info.size_bytes if info is not None else None
            thread = threading.Thread(target=self._load, args=(page, card), daemon=True,
                                      name=f"pull {card.name}")
            pull = self._pulls[page] = _Pull(thread, total, card.artifact)
            thread.start()
        done = self._done_bytes(pull)
        return 202, {"state": "pulling", "model": card.name, "done": done, "total": pull.total}

    def _load(self, page: str, card: Any) -> None:
        import runtime
        from runtime.errors import RuntimeErrorBase

        options: dict[str, Any] = {"progress": False}
        if self.settings is not None:
            options["settings"] = self.settings
        try:
            model = runtime.load(card, **options)
        except RuntimeErrorBase as exc:
            with self._lock:
                self._pulls[page].error = TryItError(502, f"cannot load {card.name}: {exc}")
            return
        with self._lock:
            self._models[page] = model
            while len(self._models) > MAX_MODELS:
                self._models.popitem(last=False)
            self._pulls.pop(page, None)

    def _done_bytes(self, pull: _Pull) -> int:
        """Bytes of the artifact downloaded so far: the size of its partial download file."""
        if not pull.artifact:
            return 0
        from runtime.config import Settings

        settings = self.settings or Settings.from_env()
        done = 0
        for part in Path(settings.cache_dir).rglob(f"*{pull.artifact}*.part"):
            try:
                done = max(done, part.stat().st_size)
            except OSError:
                continue
        return done


def _answer(model: Any, texts: list[str]) -> dict[str, Any]:
    import numpy as np

    if model.level == "token":
        tokens = model.embed_tokens(texts)
        return {"level": "token", "dimension": int(model.dimension), "texts": texts,
                "tokens": [[{"token": token, "head": [float(v) for v in vector[:HEAD_VALUES]]}
                            for token, vector in zip(words, vectors, strict=True)]
                           for words, vectors in tokens]}  # fmt: skip
    vectors = np.asarray(model.embed(texts), dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms == 0, 1.0, norms)
    similarity = unit @ unit.T
    return {"level": "sentence", "dimension": int(vectors.shape[1]), "texts": texts,
            "similarity": [[float(v) for v in row] for row in similarity],
            "head": [[float(v) for v in row[:HEAD_VALUES]] for row in vectors]}  # fmt: skip
