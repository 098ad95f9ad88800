"""`Registry`: every card of a folder, with `list`, `get`, `versions` and `search`."""

from __future__ import annotations

import builtins
import difflib
import gc
import os
import pickle
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from registry import resolve
from registry.card import Card, Finding, FindingRow, finding_row, row_finding
from registry.errors import ModelNotFoundError, RegistryError
from registry.parse import parse_card, validate_card
from registry.rules.suppressions import Suppression, apply_suppressions, suppressions
from registry.validate import Claim, check_claims, check_registry, with_registry_findings

PARALLEL_THRESHOLD = 400
"""Below this many cards, starting worker processes costs more than it saves."""
MIN_CHUNK, MAX_CHUNK = 25, 50
"""Cards per chunk: small enough to balance the parent's and the children's share (a chunk
takes about 50 ms, and the parent waits for at most QUEUED_PER_CHILD of them at the end), large
enough that handing one out costs little."""
QUEUED_PER_CHILD = 3
"""Chunks submitted and not yet collected per child: one it parses and two waiting, so that it
does not run dry while the parent, which looks only between its own chunks, is busy."""
T = TypeVar("T")
if TYPE_CHECKING:
    from concurrent.futures import Future

    from registry.cache import ValidationCache
    from registry.config import Config

FILTERS: dict[str, str] = {
    "task": "tasks",
    "language": "language",
    "lang": "language",
    "annotator": "annotator",
    "edition": "edition",
    "engine": "engine",
    "supported": "supported",
    "deprecated": "deprecated",
    "recommended": "recommended",
    "name": "name",
    "author": "author",
    "tag": "tags",
    "ok": "ok",
    "license": "license",
    "case_sensitive": "case_sensitive",
    "dimension": "dimension",
}


def card_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Markdown files under the given files or folders, in a stable order."""
    return [Path(name) for name in card_files(paths)]


def card_files(paths: Iterable[str | Path]) -> list[str]:
    """`card_paths` as strings (`str(path)` of each), without making a `Path` per file: what
    `cardhub validate` runs on, where 10,000 `Path` objects cost more than reading the cache."""
    found: list[str] = []
    for path in paths:
        name = str(Path(path))
        if os.path.isdir(name):
            # The order of the paths' `parts`, as `Path` sorts them: a separator sorts first.
            found.extend(sorted(markdown_files(name), key=lambda p: p.replace(os.sep, "\0")))
        else:
            found.append(name)
    return found


def markdown_files(folder: str | Path) -> list[str]:
    """What `[str(p) for p in Path(folder).rglob("*.md") if p.is_file()]` finds (symlinked folders
    are not entered; unreadable ones are skipped), in about a fifth of the time: `os.scandir`
    entries know their type without a `stat` per file, and no `Path` is made."""
    root = str(Path(folder))
    found: list[str] = []
    # (folder to scan, prefix of its entries' paths): `Path` writes `./a.md` as `a.md`
    pending = [(root, "" if root == "." else os.path.join(root, ""))]
    while pending:
        where, prefix = pending.pop()
        try:
            entries = os.scandir(where)
        except PermissionError:
            continue
        with entries:
            for entry in entries:
                if entry.name.endswith(".md") and entry.is_file():
                    found.append(prefix + entry.name)
                elif entry.is_dir(follow_symlinks=False):
                    folder_path = prefix + entry.name
                    pending.append((folder_path, folder_path + os.sep))
    return found


@contextmanager
def _collector_paused(promote: bool = False) -> Iterator[None]:
    """Parsing and unpickling cards allocate many small containers and free none of them: the
    cyclic garbage collector's passes over the growing heap find nothing and cost about a tenth
    of the parse and a third of the unpickling. Reference counting still frees everything.

    With `promote`, what was allocated meanwhile is moved to the oldest generation on the way out
    (`gc.freeze` then `gc.unfreeze`, which is what they do), rather than examined by the next
    young collection: after a warm cached run that pass alone (90,000 tuples of the cache's
    findings and stats) cost a quarter of the run. Not when something else froze objects (a
    pre-fork server's `gc.freeze`): `gc.unfreeze` would thaw those too."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if promote and gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if was_enabled:
            gc.enable()


def _parse_chunk(paths: Sequence[str]) -> list[Card]:
    with _collector_paused():
        return [parse_card(path) for path in paths]


def _parse_chunk_to_file(paths: Sequence[str], out: str) -> list[Card] | None:
    """A child's chunk, pickled to `out` while the collector is paused; returned instead when the
    file cannot be written (a small /dev/shm is full). Through a file rather than the executor's
    pipe: a pipe holds 64 kB, so the child would wait, chunk after chunk, for the parent's result
    thread to drain half a megabyte while the parent parses."""
    cards = _parse_chunk(paths)
    try:
        with _collector_paused(), open(out, "wb") as file:
            pickle.dump(cards, file, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:
        with suppress(OSError):
            os.remove(out)
        return cards
    return None


CheckedCard = tuple[tuple[FindingRow, ...], Claim | None, tuple[Suppression, ...]]
"""What validation keeps of a card: its findings (as rows), the artifact it claims (for
`check_claims`) and its inline suppressions (applied once the cross-card findings are in)."""


def _validate_chunk(paths: Sequence[str], out: str | None = None) -> list[CheckedCard]:
    """A chunk's findings, parent or child: a few kB, so a child returns them through the pipe."""
    with _collector_paused():
        return [_checked(*validate_card(path)) for path in paths]


def _checked(found: list[Finding], claim: Claim | None, inline: tuple[Suppression, ...]) -> CheckedCard:
    return tuple(map(finding_row, found)), claim, inline


def parse_cards(paths: Sequence[str | Path], workers: int | None = None) -> list[Card]:
    """Parses cards, on every core when there are many. Order follows `paths`.

    With `workers` cores, `workers - 1` child processes parse chunks while the parent parses
    chunks too: a card the parent parses is never pickled, and pickling a card and unpickling it
    in the parent cost about a quarter of parsing it. Chunks are handed out in order, the children
    kept fed with a few queued chunks, the parent taking the next one whenever they are."""
    return _spread([str(p) for p in paths], workers, _parse_chunk, _parse_chunk_to_file, to_file=True)


@dataclass(frozen=True)
class Validation:
    """What `cardhub validate` reports: how many cards, and every finding, in path order, as rows
    (`registry.card.FindingRow`); `findings` makes their records when first read."""

    cards: int
    rows: tuple[FindingRow, ...]

    @cached_property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(map(row_finding, self.rows))

    def count(self, severity: str) -> int:
        """How many findings have this severity."""
        return sum(1 for row in self.rows if row[2] == severity)


def validate_paths(
    paths: Sequence[str | Path],
    workers: int | None = None,
    config: Config | None = None,
    cache: ValidationCache | None = None,
) -> Validation:
    """The findings `Registry.from_paths(paths).findings` holds, without keeping the cards: each
    process parses and checks its chunks and hands back findings and artifact claims only, so no
    card is pickled and the parent's heap stays small. Then each card's inline suppressions, and
    `config` (see `registry.config`) when given. With a `cache`, only the cards it does not hold
    (by path and content) are parsed; the cross-card check still runs over every card."""
    names = [p if type(p) is str else str(p) for p in paths]
    if cache is None:
        facts = _spread(names, workers, _validate_chunk, _validate_chunk, to_file=False)
        return finish_validation(names, facts, config)
    with _collector_paused(promote=True):  # unpickling tens of thousands of findings
        return finish_validation(names, _cached_facts(names, workers, cache), config)


def _cached_facts(names: list[str], workers: int | None, cache: ValidationCache) -> list[CheckedCard]:
    cache.load()
    facts: list[CheckedCard | None] = []
    keys: list[bytes | None] = []
    for name in names:
        # key None: validate_card reports why the card cannot be read; not cached
        key, fact = cache.lookup(name)
        keys.append(key)
        facts.append(fact)
    missing = [index for index, fact in enumerate(facts) if fact is None]
    cache.validated = len(missing)
    if missing:
        fresh = _spread([names[i] for i in missing], workers, _validate_chunk, _validate_chunk, to_file=False)
        for index, fact in zip(missing, fresh, strict=True):
            facts[index] = fact
            key = keys[index]
            if key is not None:
                cache.put(key, names[index], *fact)
    cache.keep_only({key for key in keys if key is not None}, names)
    cache.save()
    return [fact for fact in facts if fact is not None]


def finish_validation(
    names: Sequence[str], facts: Sequence[CheckedCard], config: Config | None = None
) -> Validation:
    """The cross-card check over every card's claim, then inline suppressions and `config`. Only
    the cards that the first two change become records (and rows again)."""
    extra = check_claims(claim for _, claim, _ in facts)
    configure = config.apply_rows if config is not None and not config.is_default else None
    rows: list[FindingRow] = []
    for index, (found, _, inline) in enumerate(facts):
        more = extra.get(index)
        if more or inline:
            records = with_registry_findings([row_finding(row) for row in found], more)
            if inline:
                records = apply_suppressions(records, inline, names[index])
            found = tuple(map(finding_row, records))
        if configure is not None:
            found = configure(found, names[index])
        rows.extend(found)
    return Validation(cards=len(facts), rows=tuple(rows))


def settle_findings(cards: Sequence[Card], config: Config | None = None) -> list[Card]:
    """The cards with their findings as `cardhub validate` reports them: each card's inline
    suppressions (read from its file) and `config` applied, after the cross-card check. What the
    catalog's pages and `cardhub list` / `show` show, so that a silenced rule stays silent there."""
    configure = config.apply if config is not None and not config.is_default else None
    settled = []
    for card in cards:
        findings = list(card.findings)
        try:
            inline = suppressions(Path(card.path).read_bytes())
        except OSError:
            inline = ()
        if inline:
            findings = apply_suppressions(findings, inline, card.path)
        if configure is not None:
            findings = configure(findings, card.path)
        changed = findings != list(card.findings)
        settled.append(card.model_copy(update={"findings": findings}) if changed else card)
    return settled


def _spread(
    names: list[str],
    workers: int | None,
    here: Callable[[Sequence[str]], list[T]],
    there: Callable[[Sequence[str], str], list[T] | None],
    to_file: bool,
) -> list[T]:
    """`here(chunk)` for every chunk, in order, on every core when there are many: the parent runs
    `here` on its chunks, `workers - 1` children run `there(chunk, out)`, which returns the result
    or, having pickled it to the file `out` (when `to_file`), None."""
    workers = workers or os.cpu_count() or 1
    if workers < 2 or len(names) < PARALLEL_THRESHOLD:
        return here(names)
    size = max(MIN_CHUNK, min(MAX_CHUNK, len(names) // (workers * 8)))
    chunks = [names[i : i + size] for i in range(0, len(names), size)]
    # Imported here: it costs the default registry, which parses five cards, about 20 ms.
    from concurrent.futures import ProcessPoolExecutor

    done: list[list[T]] = [[] for _ in chunks]
    children = workers - 1
    with (
        tempfile.TemporaryDirectory(prefix="cardhub-chunks-", dir=_memory_folder())
        if to_file
        else nullcontext("") as scratch,
        ProcessPoolExecutor(max_workers=children) as pool,
        _collector_paused(),
    ):
        queued: dict[int, Future[list[T] | None]] = {}
        for index, chunk in enumerate(chunks):
            _collect(queued, done, scratch, wait=False)
            # Near the end the parent keeps the last chunks, about as many as are queued, so
            # that it finishes them while the children finish theirs rather than waiting.
            left = len(chunks) - index
            if len(queued) < children * QUEUED_PER_CHILD and left > len(queued) // children + 1:
                out = _chunk_file(scratch, index) if to_file else ""
                queued[index] = pool.submit(there, chunk, out)
            else:
                done[index] = here(chunk)
        _collect(queued, done, scratch, wait=True)
    return [item for part in done for item in part]


def _memory_folder() -> str | None:
    """Where the children's chunks are written: /dev/shm (memory) where there is one."""
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


def _chunk_file(scratch: str, index: int) -> str:
    return os.path.join(scratch, f"chunk-{index}.pickle")


def _collect(
    queued: dict[int, Future[list[T] | None]], done: list[list[T]], scratch: str, wait: bool
) -> None:
    """Reads the children's finished chunks (all of them with `wait`) into `done`."""
    for index, future in list(queued.items()):
        if wait or future.done():
            returned = future.result()  # a child's error is raised here
            if returned is None:
                path = _chunk_file(scratch, index)
                with open(path, "rb") as file:
                    returned = pickle.load(file)
                os.remove(path)
            done[index] = returned
            del queued[index]


def _field_value(card: Card, field: str) -> Any:
    if field == "edition":
        return [card.edition.product, card.edition.raw] if card.edition else None
    if field in ("license", "case_sensitive", "dimension"):
        return getattr(card.model_information, field, None)
    return getattr(card, field)


def _matches(value: Any, wanted: Any) -> bool:
    if isinstance(value, list):
        return any(_matches(v, wanted) for v in value)
    if isinstance(wanted, str) and isinstance(value, str):
        return value.casefold() == wanted.casefold()
    return bool(value == wanted)


class Registry:
    """Cards and what the validator found in them. A card with errors is still listed: the
    registry describes the catalog as it is; `ok` tells which cards are clean."""

    def __init__(self, cards: Iterable[Card]) -> None:
        cards = list(cards)
        extra = check_registry(cards)
        if extra:
            cards = [
                card.model_copy(update={"findings": with_registry_findings(card.findings, extra[i])})
                if i in extra
                else card
                for i, card in enumerate(cards)
            ]
        self._hold(cards)

    def _hold(self, cards: builtins.list[Card]) -> None:
        self.cards: builtins.list[Card] = cards
        self._by_key: dict[tuple[str, str], builtins.list[Card]] = defaultdict(list)
        for card in cards:
            self._by_key[(card.name, card.language)].append(card)

    def settled(self, config: Config | None = None) -> Registry:
        """This registry with each card's findings as `cardhub validate` reports them: inline
        suppressions and `config` applied (see `settle_findings`)."""
        registry = object.__new__(Registry)
        registry._hold(settle_findings(self.cards, config))
        return registry

    @classmethod
    def from_dir(cls, path: str | Path, workers: int | None = None) -> Registry:
        folder = Path(path)
        if not folder.is_dir():
            raise RegistryError(f"{folder}: no such folder of cards")
        return cls(parse_cards(card_files([folder]), workers))

    @classmethod
    def from_paths(cls, paths: Iterable[str | Path], workers: int | None = None) -> Registry:
        return cls(parse_cards(card_files(paths), workers))

    def __len__(self) -> int:
        return len(self.cards)

    def __iter__(self) -> Iterator[Card]:
        return iter(self.cards)

    @property
    def findings(self) -> list[Finding]:
        return [finding for card in self.cards for finding in card.findings]

    def list(self, **filters: Any) -> builtins.list[Card]:
        """Every card (all versions) whose fields match every filter, e.g.
        `list(task="Embeddings", language="en", supported=True)`."""
        unknown = sorted(set(filters) - set(FILTERS))
        if unknown:
            raise TypeError(f"unknown filter(s) {', '.join(unknown)}; use: {', '.join(sorted(FILTERS))}")
        chosen = [
            card
            for card in self.cards
            if all(_matches(_field_value(card, FILTERS[key]), wanted) for key, wanted in filters.items())
        ]
        return sorted(
            chosen, key=lambda c: (c.name.casefold(), c.language, -resolve.published_at(c).timestamp())
        )

    def versions(self, name: str, lang: str = "en") -> builtins.list[Card]:
        """Every card of (name, language), newest first."""
        return resolve.newest_first(self._by_key.get((name, lang), []))

    def get(
        self, name: str, lang: str = "en", version: str | None = None, spark_version: str | None = None
    ) -> Card:
        """The card `pretrained(name, lang)` resolves to: the newest compatible with `version`
        (the caller's library version) and `spark_version`."""
        candidates = self._by_key.get((name, lang))
        if not candidates:
            raise ModelNotFoundError(self._not_found(name, lang), self.suggest(name, lang))
        chosen = resolve.pick(candidates, version, spark_version)
        if chosen is None:
            available = ", ".join(sorted({f"{c.version} (Spark {c.spark_version})" for c in candidates}))
            raise ModelNotFoundError(
                f"{name!r} ({lang}) has no version compatible with library {version or 'any'} and Spark "
                f"{spark_version or 'any'}; available: {available}"
            )
        return chosen

    def _not_found(self, name: str, lang: str) -> str:
        languages = sorted(language for (n, language) in self._by_key if n == name)
        if languages:
            return f"no model {name!r} in language {lang!r}; it exists in: {', '.join(languages)}"
        return f"no model {name!r} in language {lang!r}"

    def suggest(self, name: str, lang: str = "en", limit: int = 5) -> builtins.list[str]:
        names = sorted(
            {n for (n, language) in self._by_key if language == lang} or {n for n, _ in self._by_key}
        )
        close = difflib.get_close_matches(name, names, n=limit, cutoff=0.6)
        contains = [n for n in names if name.casefold() in n.casefold() and n not in close]
        return (close + contains)[:limit]

    def search(self, text: str, limit: int | None = None) -> builtins.list[Card]:
        """Cards ranked by how well every word of `text` matches name, title, tags, description."""
        words = [w for w in text.casefold().split() if w]
        if not words:
            return []
        scored: list[tuple[float, Card]] = []
        for card in self.cards:
            fields = (
                (card.name.casefold(), 8.0),
                (card.title.casefold(), 4.0),
                (" ".join(card.tags).casefold(), 3.0),
                (" ".join(card.tasks).casefold(), 2.0),
                ((card.annotator or "").casefold(), 2.0),
                (card.description.casefold(), 1.0),
            )
            score = 0.0
            for word in words:
                hit = sum(weight for field, weight in fields if word in field)
                if not hit:
                    break
                score += hit
            else:
                score += 10.0 if card.name.casefold() == text.casefold().strip() else 0.0
                scored.append((score, card))
        scored.sort(key=lambda pair: (-pair[0], pair[1].name, pair[1].language))
        results = [card for _, card in scored]
        return results[:limit] if limit else results
