"""The query cache: answers keyed by the normalised question, k and the corpus version, in the store's SQLite file.

A corpus change bumps the version, so stale entries are never read; :meth:`QueryCache.clear_stale` drops them.
Hits and misses are counted for ``newsqa stats``. The cache has its own connection with a short busy timeout
(:mod:`index.cache_writes`): while an ingest holds the write lock, a cache write is skipped rather than making a
user wait — logged at debug level and counted (``writes_given_up`` in ``newsqa stats``).

:class:`AnswerCache` is the interface the searcher uses; :class:`QueryCache` is the SQLite one, and
``bot.cache_pg.PgQueryCache`` the one in PostgreSQL that replicas share (chosen by ``NEWSQA_STATE_URL``).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Protocol

from index.cache_writes import GuardedWrites, connect, saved_count

SCHEMA = """
CREATE TABLE IF NOT EXISTS query_cache (
    question TEXT NOT NULL,
    k INTEGER NOT NULL,
    version INTEGER NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (question, k, version)
);
CREATE TABLE IF NOT EXISTS query_cache_stats (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class AnswerCache(Protocol):
    """Cached answers keyed by (question, k, version); a write that fails is skipped and counted, never raised."""

    def get(self, question: str, k: int, version: int) -> dict[str, Any] | None:
        """The cached payload, or None; counts a hit or a miss."""

    def put(self, question: str, k: int, version: int, payload: dict[str, Any]) -> None:
        """Remember ``payload`` for this question, k and version."""

    def clear_stale(self, version: int) -> int:
        """Drop entries of other versions; how many were dropped."""

    def stats(self) -> dict[str, float]:
        """Entries, hits, misses, the hit rate and the writes that gave up."""

    def flush(self) -> None:
        """Save the count of given-up writes not saved yet."""

    def close(self) -> None:
        """Flush, then release what the cache opened."""


class QueryCache:
    """Cached answers (JSON payloads) in the store."""

    #: The ``query_cache_stats`` counter of given-up writes.
    GIVEN_UP = "writes_given_up"

    def __init__(self, path: str | Path) -> None:
        self.conn = connect(str(path))
        self._lock = threading.Lock()
        self.writes = GuardedWrites(self.conn, self.GIVEN_UP)
        try:
            self.conn.executescript(SCHEMA)
        except sqlite3.OperationalError:  # locked by an ingest: the tables will exist next time
            pass

    def close(self) -> None:
        """Count given-up writes in the store, then close the cache's connection."""
        self.writes.flush()
        self.conn.close()

    def flush(self) -> None:
        """Count given-up writes in the store (e.g. before the process exits)."""
        self.writes.flush()

    def get(self, question: str, k: int, version: int) -> dict[str, Any] | None:
        """The cached payload, or None; counts a hit or a miss."""
        with self._lock:
            try:
                row = self.conn.execute(
                    "SELECT payload FROM query_cache WHERE question = ? AND k = ? AND version = ?",
                    (question, k, version),
                ).fetchone()
            except sqlite3.OperationalError:
                return None
            self._count("hits" if row else "misses")
        return None if row is None else dict(json.loads(row[0]))

    def put(self, question: str, k: int, version: int, payload: dict[str, Any]) -> None:
        """Remember ``payload`` for this question, k and version."""
        with self._lock:
            self._write(
                "INSERT OR REPLACE INTO query_cache(question, k, version, payload) VALUES (?, ?, ?, ?)",
                (question, k, version, json.dumps(payload, ensure_ascii=False)),
            )

    def _count(self, name: str) -> None:
        self._write(
            "INSERT INTO query_cache_stats(name, value) VALUES (?, 1) "
            "ON CONFLICT(name) DO UPDATE SET value = value + 1",
            (name,),
        )

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        self.writes.write(sql, params)  # the store is locked by an ingest: skip (counted), never wait long

    def clear_stale(self, version: int) -> int:
        """Drop entries of other versions; returns how many were dropped."""
        with self._lock:
            try:
                return self.conn.execute("DELETE FROM query_cache WHERE version != ?", (version,)).rowcount
            except sqlite3.OperationalError:
                return 0

    def stats(self) -> dict[str, float]:
        """Entries, hits, misses, the hit rate and the writes that gave up (saved in the store, and this process's
        not yet saved)."""
        with self._lock:
            values = dict(self.conn.execute("SELECT name, value FROM query_cache_stats").fetchall())
            entries = self.conn.execute("SELECT COUNT(*) FROM query_cache").fetchone()[0]
        hits, misses = int(values.get("hits", 0)), int(values.get("misses", 0))
        total = hits + misses
        return {
            "entries": entries,
            "hits": hits,
            "misses": misses,
            "hit_rate": hits / total if total else 0.0,
            "writes_given_up": saved_count(self.conn, self.GIVEN_UP) + self.writes.unsaved,
        }
