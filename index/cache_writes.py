"""Writes to the store's caches (answers, tags) that give up rather than make a user wait, and are counted.

A cache write waits at most :data:`BUSY_TIMEOUT_S` for SQLite's write lock (held by an ingest, or another
process writing its own cache entry). One that gives up is logged at debug level and counted; the count is
added to ``query_cache_stats`` by the next write that gets through, so ``newsqa stats`` shows it. After a
give-up, writes are skipped (and counted) for :data:`BACKOFF_S`: a long ingest costs one wait, not one per answer.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from typing import Any

__all__ = ["BACKOFF_S", "BUSY_TIMEOUT_S", "STATS_SCHEMA", "GuardedWrites", "connect", "saved_count"]

log = logging.getLogger(__name__)

#: How long a cache write waits for the store's write lock before giving up (seconds).
BUSY_TIMEOUT_S = 0.5
#: After a write gave up, further cache writes are skipped for this long (seconds).
BACKOFF_S = 5.0

STATS_SCHEMA = "CREATE TABLE IF NOT EXISTS query_cache_stats (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"


def connect(path: str) -> sqlite3.Connection:
    """A cache's own connection to the store: autocommit, the cache busy timeout, usable from any thread.

    Its commits are ``synchronous=NORMAL``, as the store's own: in WAL mode a commit then waits for no fsync (a
    power cut may lose the last cache entries, never the store's consistency). SQLite's default, FULL, made
    each tag-cache write of a first-read answer cost ~1.6 ms at 200k paragraphs, ~10 ms an answer."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    conn.execute(
        "PRAGMA synchronous=NORMAL"
    )  # a setting of this connection: it writes nothing, takes no lock
    return conn


class GuardedWrites:
    """Cache writes on ``conn`` that give up after the busy timeout; given-up writes counted as ``counter``."""

    def __init__(self, conn: sqlite3.Connection, counter: str, *, clock: Any = time.monotonic) -> None:
        self.conn = conn
        self.counter = counter
        self.given_up = 0  # in this process, since it started
        self.unsaved = 0  # given up in this process and not yet added to query_cache_stats
        self._until = 0.0
        self._clock = clock
        self._lock = threading.Lock()

    def write(self, sql: str, params: tuple[Any, ...]) -> bool:
        """Run one write; False (logged, counted) when it gave up or was skipped during the back-off."""
        with self._lock:
            if self._clock() < self._until:
                self._give_up(sql, "skipped: a recent cache write gave up")
                return False
            try:
                self.conn.execute(sql, params)
            except sqlite3.OperationalError as exc:
                self._until = self._clock() + BACKOFF_S
                self._give_up(sql, str(exc))
                return False
            if self.unsaved:
                try:
                    self._save_count()
                except sqlite3.OperationalError:
                    pass
            return True

    def flush(self) -> None:
        """Add the given-up writes not yet counted in the store (e.g. before closing)."""
        with self._lock:
            if self.unsaved:
                try:
                    self._save_count()
                except sqlite3.Error:  # still locked, or the connection is closed: the count stays unsaved
                    pass

    def _give_up(self, sql: str, why: str) -> None:
        self.given_up += 1
        self.unsaved += 1
        log.debug("cache write gave up (%s): %s", why, sql.split("(", 1)[0].strip())

    def _save_count(self) -> None:
        self.conn.execute(
            "INSERT INTO query_cache_stats(name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
            (self.counter, self.unsaved),
        )
        self.unsaved = 0


def saved_count(conn: sqlite3.Connection, name: str) -> int:
    """A counter from ``query_cache_stats`` (0 when absent)."""
    try:
        row = conn.execute("SELECT value FROM query_cache_stats WHERE name = ?", (name,)).fetchone()
    except sqlite3.OperationalError:
        return 0
    return int(row[0]) if row else 0
