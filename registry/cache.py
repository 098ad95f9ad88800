"""The validation cache: each card's findings, artifact claim and inline suppressions, keyed by
the card's path and content (a BLAKE2 digest of its bytes) and stored under a digest of cardhub's
own code, so that a new cardhub (or any edit of `registry/`) starts afresh.

What is cached is what `registry.parse.validate_card` returns, before the cross-card check,
the suppressions and the configuration are applied: those run over every card on every run, so
a changed configuration or a renamed, added or deleted card is never served stale findings.

The folder is safe to delete at any time and to share between concurrent runs: each run reads
the files for its set of cards (SHARDS files, by a hash of each card's path) once, and replaces
those it changed at the end with an atomic rename of a file of its own; a file that cannot be
read (truncated, corrupted, another format) is ignored and rewritten. Two runs that change the
same shard at once: the last rename wins, and the other's entries are computed again next time.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
import time
import zlib
from collections.abc import Sequence
from contextlib import suppress
from functools import lru_cache
from pathlib import Path

from registry.card import FindingRow
from registry.rules.cross_card import Claim
from registry.rules.suppressions import Suppression

DEFAULT_DIR = ".cardhub_cache"
FORMAT = 3
SHARDS = 32
RACY_NS = 1_000_000_000
Stat = tuple[int, int, int, bytes, int]
"""A card file's size, mtime (ns) and inode, its key, and when it was read (ns)."""

Entry = tuple[tuple[FindingRow, ...], Claim | None, tuple[Suppression, ...]]
"""A card's findings (as rows, `registry.card.FindingRow`: they unpickle many times faster than
records, and become records only when read), its claim and its suppressions."""


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of cardhub's version and of the registry's source (the rules, the parser)."""
    root = Path(__file__).resolve().parent
    digest = hashlib.blake2b(f"{FORMAT}".encode(), digest_size=16)
    try:
        from importlib.metadata import version

        digest.update(version("cardhub").encode())
    except Exception:  # not installed: the source digest alone
        pass
    for source in sorted([*root.glob("*.py"), *root.glob("rules/*.py")]):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def content_key(path: str, data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16, person=b"cardhub-card").digest() + path.encode()


class Shard:
    """One cache file: the entries and file stats of the cards whose path hashes to it."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.entries: dict[bytes, Entry] = {}
        self.stats: dict[str, Stat] = {}
        self.dirty = False

    def load(self) -> None:
        try:
            with open(self.file, "rb") as handle:
                loaded = pickle.load(handle)
            if isinstance(loaded, dict) and loaded.get("format") == FORMAT:
                self.entries, self.stats = loaded["entries"], loaded["stats"]
            else:
                self.dirty = True
        except FileNotFoundError:
            pass
        except Exception:  # truncated, corrupted, not ours: start afresh, rewrite at the end
            self.entries, self.stats, self.dirty = {}, {}, True

    def save(self) -> None:
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=self.file.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                data = {"format": FORMAT, "entries": self.entries, "stats": self.stats}
                pickle.dump(data, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.chmod(temporary, 0o644)  # mkstemp's 0600 would keep other users' runs out
            os.replace(temporary, self.file)  # atomic: a concurrent reader sees the old or the new
        except BaseException:
            with suppress(OSError):
                os.remove(temporary)
            raise


class ValidationCache:
    """The cache of one set of cards (the paths given to `cardhub validate`), in SHARDS files by
    a hash of each card's path, so that a run that re-validates one card rewrites one small file."""

    def __init__(self, folder: str | Path, roots: Sequence[str]) -> None:
        self.folder = Path(folder)
        scope = hashlib.blake2b("\0".join(os.path.abspath(r) for r in roots).encode(), digest_size=8)
        prefix = f"validate-{code_digest()[:20]}-{scope.hexdigest()}"
        self.shards = [Shard(self.folder / f"{prefix}-{i:02d}.pickle") for i in range(SHARDS)]
        self.validated = 0
        """How many cards the last run had to validate afresh (not in the cache)."""

    @property
    def entries(self) -> dict[bytes, Entry]:
        return {k: v for shard in self.shards for k, v in shard.entries.items()}

    @property
    def stats(self) -> dict[str, Stat]:
        return {k: v for shard in self.shards for k, v in shard.stats.items()}

    @property
    def dirty(self) -> bool:
        return any(shard.dirty for shard in self.shards)

    def _shard(self, path: str) -> Shard:
        return self.shards[zlib.crc32(path.encode()) % SHARDS]

    def load(self) -> None:
        for shard in self.shards:
            shard.load()

    def lookup(self, path: str) -> tuple[bytes | None, Entry | None]:
        """The card's key (see `_key`) and its cached entry (None: not cached, or of the wrong
        shape). Its shard is found once for both."""
        shard = self._shard(path)
        key = self._key(shard, path)
        if key is None:
            return None, None
        entry = shard.entries.get(key)
        return key, entry if entry is not None and _well_formed(entry) else None

    def _key(self, shard: Shard, path: str) -> bytes | None:
        """The card's key: its path and a digest of its content. The content is read and hashed
        unless the file's size, mtime and inode are those recorded when it was last hashed and its
        mtime is over a second older than that moment (so an edit made in the same clock tick as
        the last read is still seen: git's "racy clean" rule). None: the file cannot be read."""
        try:
            stat = os.stat(path)
            known = shard.stats.get(path)
            if (
                known is not None
                and known[:3] == (stat.st_size, stat.st_mtime_ns, stat.st_ino)
                and stat.st_mtime_ns < known[4] - RACY_NS
            ):
                return known[3]
            now = time.time_ns()
            with open(path, "rb", buffering=0) as file:
                key = content_key(path, file.read())
        except OSError:
            return None
        shard.stats[path] = (stat.st_size, stat.st_mtime_ns, stat.st_ino, key, now)
        shard.dirty = True
        return key

    def put(
        self,
        key: bytes,
        path: str,
        rows: Sequence[FindingRow],
        claim: Claim | None,
        inline: tuple[Suppression, ...],
    ) -> None:
        shard = self._shard(path)
        shard.entries[key] = (tuple(map(_interned, rows)), claim, inline)
        shard.dirty = True

    def keep_only(self, keys: set[bytes], paths: Sequence[str]) -> None:
        """Drops the entries and stats of cards no longer in the set (deleted, renamed, edited)."""
        wanted: set[str] | None = None
        for shard in self.shards:
            if any(k not in keys for k in shard.entries):
                shard.entries = {k: v for k, v in shard.entries.items() if k in keys}
                shard.dirty = True
            if wanted is None and sum(len(s.stats) for s in self.shards) != len(paths):
                wanted = set(paths)
            if wanted is not None and any(p not in wanted for p in shard.stats):
                shard.stats = {p: v for p, v in shard.stats.items() if p in wanted}
                shard.dirty = True

    def save(self) -> None:
        """Writes the shards this run changed (a read-only or full disk: not cached, no error)."""
        dirty = [shard for shard in self.shards if shard.dirty]
        if not dirty:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Made by cardhub: safe to delete.\n*\n", encoding="utf-8")
            for shard in dirty:
                shard.save()
                shard.dirty = False
        except OSError:
            pass


def _interned(row: FindingRow) -> FindingRow:
    """The row with its strings interned: a message or hint that thousands of cards share is then
    one object, which pickle writes once per file and unpickling makes once."""
    path, line, severity, field, message, hint, rule = row
    intern = sys.intern
    return (
        path,
        line,
        severity,  # one of three constants already
        intern(field),
        intern(message),
        intern(hint) if hint is not None else None,
        intern(rule),
    )


def _well_formed(entry: object) -> bool:
    """Whether an entry has the shape of one (a file of ours from a broken write, or edited by
    hand, may hold anything: such a card is validated again). A loop, not `all(...)`: ten times
    faster over 50,000 rows."""
    if not (
        type(entry) is tuple
        and len(entry) == 3
        and type(entry[0]) is tuple
        and (entry[1] is None or type(entry[1]) is Claim)
        and type(entry[2]) is tuple
    ):
        return False
    for row in entry[0]:  # noqa: SIM110  (see the docstring)
        if type(row) is not tuple or len(row) != 7:
            return False
    return True
