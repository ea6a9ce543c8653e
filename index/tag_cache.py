"""Part-of-speech and entity tags of passages, computed once and kept in the store for every process.

Tagging a passage costs jieba's pure-Python POS Viterbi (~10–30 ms) and a LAC run (~15–35 ms), and loading
either tagger costs a second or more in a fresh process. The reader asks for the tags of the top passages of
every answer, so :func:`cached` looks them up first in the ``tag_cache`` table of the store, keyed by the tagger
(its name and version: the jieba dictionary with the corpus's user words, or the LAC model) and a digest of the
exact text; what it computes it writes there, as the query cache does — through a short busy timeout, a write
that gives up is logged and counted (``tag_writes_given_up`` in ``newsqa stats``). A passage tagged once is
never tagged again, by this process or another.

The layer is injectable: :func:`install` sets the process's cache (the :class:`~index.search.Searcher` installs
one over its store), ``install(None)`` turns it off; without one, :func:`cached` just computes.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from index.cache_writes import STATS_SCHEMA, GuardedWrites, connect, saved_count
from index.snapshot_files import readonly_uri

__all__ = ["SCHEMA", "Layer", "TagCache", "Tags", "cached", "computed", "digest", "install", "installed"]

Tags = tuple[tuple[int, int, str], ...]

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS tag_cache (
    tagger TEXT NOT NULL,
    digest TEXT NOT NULL,
    tags TEXT NOT NULL,
    PRIMARY KEY (tagger, digest)
) WITHOUT ROWID;
"""
    + STATS_SCHEMA
)


class Layer(Protocol):
    """Somewhere tags are kept: :class:`TagCache`, or a dict-backed stand-in in tests."""

    def get(self, tagger: str, text: str) -> Tags | None: ...

    def put(self, tagger: str, text: str, tags: Tags) -> None: ...


def digest(text: str) -> str:
    """The key of a text: the first 128 bits of its SHA-256, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class TagCache:
    """Tags in the store's ``tag_cache`` table, on a connection of their own."""

    #: The ``query_cache_stats`` counter of given-up writes.
    GIVEN_UP = "tag_writes_given_up"

    #: Tags read or computed are also kept in this process's memory, up to this many texts (in a read-only
    #: snapshot's process, memory is the only place computed tags are kept).
    MEMORY_TEXTS = 20_000

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        """``readonly``: a snapshot (:mod:`index.snapshot_files`), opened read-only; new tags stay in memory."""
        self.path = str(path)
        self.readonly = readonly
        if readonly:
            uri = readonly_uri(Path(path))
            self.conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        else:
            self.conn = connect(self.path)
        self.writes = GuardedWrites(self.conn, self.GIVEN_UP)
        self.hits = self.misses = 0  # in this process
        self._memory: dict[tuple[str, str], Tags] = {}
        self._lock = threading.Lock()
        try:
            if not readonly:
                self.conn.executescript(SCHEMA)
        except sqlite3.OperationalError:  # locked by an ingest: the table will exist next time
            pass

    def close(self) -> None:
        """Count given-up writes in the store, then close the connection."""
        if not self.readonly:
            self.writes.flush()
        self.conn.close()

    def get(self, tagger: str, text: str) -> Tags | None:
        """The stored tags of ``text`` by ``tagger``, or None (remembered in this process once read)."""
        key = (tagger, digest(text))
        with self._lock:
            remembered = self._memory.get(key)
            if remembered is not None:
                self.hits += 1
                return remembered
            try:
                row = self.conn.execute(
                    "SELECT tags FROM tag_cache WHERE tagger = ? AND digest = ?", key
                ).fetchone()
            except sqlite3.OperationalError:
                row = None
            if row is None:
                self.misses += 1
                return None
            self.hits += 1
        tags = tuple((int(s), int(e), str(t)) for s, e, t in json.loads(row[0]))
        self._remember(key, tags)
        return tags

    def _remember(self, key: tuple[str, str], tags: Tags) -> None:
        """Keep ``tags`` in this process's memory (the tags of a text by one tagger never change)."""
        with self._lock:
            if len(self._memory) >= self.MEMORY_TEXTS:
                self._memory.clear()
            self._memory[key] = tags

    def put(self, tagger: str, text: str, tags: Tags) -> None:
        """Keep the tags of ``text`` by ``tagger`` (the store write skipped, counted, when it stays locked)."""
        key = (tagger, digest(text))
        self._remember(key, tags)
        if self.readonly:  # a snapshot is never written: remembered in this process only
            return
        value = json.dumps(tags, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            self.writes.write(
                "INSERT OR REPLACE INTO tag_cache(tagger, digest, tags) VALUES (?, ?, ?)", (*key, value)
            )

    def stats(self) -> dict[str, int]:
        """Stored texts by tagger kind (``pos``, ``lac``) and the writes that gave up."""
        with self._lock:
            try:
                rows = self.conn.execute(
                    "SELECT substr(tagger, 1, instr(tagger, ':') - 1), COUNT(*) FROM tag_cache GROUP BY 1"
                ).fetchall()
            except sqlite3.OperationalError:
                rows = []
            given_up = saved_count(self.conn, self.GIVEN_UP) + self.writes.unsaved
        return {**{f"{kind}_entries": int(n) for kind, n in rows}, "writes_given_up": given_up}


_layer: Layer | None = None
_computed = 0


def install(layer: Layer | None) -> Layer | None:
    """Use ``layer`` for this process's tags from now on (None: compute every time); returns the previous one."""
    global _layer
    previous, _layer = _layer, layer
    return previous


def installed() -> Layer | None:
    """The layer in use, if any."""
    return _layer


def computed() -> int:
    """How many texts this process has tagged itself (not found in the layer), every tagger counted."""
    return _computed


def cached(tagger: str, text: str, compute: Callable[[str], Tags | None]) -> Tags:
    """The tags of ``text`` by ``tagger``: from the layer, else ``compute(text)``, then kept in the layer.
    ``compute`` returns None when the tagger is unavailable: no tags, and nothing kept."""
    global _computed
    layer = _layer
    if layer is not None:
        found = layer.get(tagger, text)
        if found is not None:
            return found
    tags = compute(text)
    if tags is None:
        return ()
    _computed += 1
    if layer is not None:
        layer.put(tagger, text, tags)
    return tags
