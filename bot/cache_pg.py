"""The query cache in PostgreSQL (``NEWSQA_STATE_URL=postgresql://…``): one cache for every replica and
answer worker, and :func:`open_cache`, the cache the settings name.

Entries are keyed by (question, k, version) like :class:`index.cache.QueryCache`; hits and misses are
counters updated in place (``value = value + 1``), so replicas never lose each other's counts. A cache call
PostgreSQL cannot serve is skipped — a read is a miss, a write is counted in ``writes_given_up`` and logged at
debug level — and the answer goes on (:mod:`bot.pg_guard`). When a newer version is first seen, the entries
of older versions are dropped (a replica still on an older snapshot never drops a newer one's).
"""

from __future__ import annotations

import json
import logging
import threading
from typing import TYPE_CHECKING, Any

from bot.pg_guard import SoftCalls

if TYPE_CHECKING:
    from bot.settings import Settings
    from index.cache import AnswerCache

__all__ = ["COMPONENT", "STEPS", "PgQueryCache", "open_cache"]

COMPONENT = "query_cache"
#: Schema steps (:func:`bot.pg.ensure_schema`): append, never edit.
STEPS = [
    """
    CREATE TABLE query_cache (
        question TEXT NOT NULL,
        k INTEGER NOT NULL,
        version BIGINT NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (question, k, version)
    );
    CREATE INDEX query_cache_version ON query_cache(version);
    CREATE TABLE query_cache_stats (name TEXT PRIMARY KEY, value BIGINT NOT NULL)
    """,
]
COUNT = (
    "INSERT INTO query_cache_stats(name, value) VALUES (%s, %s) "
    "ON CONFLICT (name) DO UPDATE SET value = query_cache_stats.value + EXCLUDED.value"
)
GIVEN_UP = "writes_given_up"


def open_cache(settings: Settings) -> AnswerCache | None:
    """The query cache ``settings.state_url`` names: unset, None (the searcher keeps it in the store's file);
    ``sqlite:///PATH``, that file; ``postgresql://…``, that server."""
    url = settings.state_url
    if url is None:
        return None
    if url.startswith("sqlite:///"):
        from bot.state import sqlite_file
        from index.cache import QueryCache

        return QueryCache(sqlite_file(url))
    return PgQueryCache(url)


class PgQueryCache:
    """:class:`index.cache.AnswerCache` on a PostgreSQL server (the process's pool)."""

    def __init__(self, url: str) -> None:
        self.calls = SoftCalls(url, COMPONENT, STEPS)
        self.unsaved = 0  # writes given up in this process and not yet added to query_cache_stats
        self._newest = 0  # the newest version this process has seen
        self._lock = threading.Lock()

    def get(self, question: str, k: int, version: int) -> dict[str, Any] | None:
        """The cached payload, or None; counts a hit or a miss (in the same round trip)."""
        if version > self._newest:
            self._newest = version
            self._drop_older(version)

        def read(conn: Any) -> str | None:
            row = conn.execute(
                "SELECT payload FROM query_cache WHERE question = %s AND k = %s AND version = %s",
                (question, k, version),
            ).fetchone()
            conn.execute(COUNT, ("hits" if row else "misses", 1))
            return None if row is None else str(row[0])

        payload = self.calls.call(read, None, "Query cache read skipped", level=logging.DEBUG)
        return None if payload is None else dict(json.loads(payload))

    def put(self, question: str, k: int, version: int, payload: dict[str, Any]) -> None:
        """Remember ``payload`` for this question, k and version (replacing an entry another replica wrote)."""
        text = json.dumps(payload, ensure_ascii=False)
        self._write(
            "INSERT INTO query_cache(question, k, version, payload) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (question, k, version) DO UPDATE SET payload = EXCLUDED.payload",
            (question, k, version, text),
        )

    def _write(self, sql: str, params: tuple[Any, ...]) -> bool:
        """One write, with the given-up count when there is one; False (counted) when it failed."""
        with self._lock:
            unsaved = self.unsaved

        def write(conn: Any) -> bool:
            with conn.transaction():
                conn.execute(sql, params)
                if unsaved:
                    conn.execute(COUNT, (GIVEN_UP, unsaved))
            return True

        done = self.calls.call(write, False, "Query cache write gave up", level=logging.DEBUG)
        with self._lock:
            if done:
                self.unsaved -= unsaved
            else:
                self.unsaved += 1
        return done

    def _drop_older(self, version: int) -> None:
        self.calls.call(
            lambda conn: conn.execute("DELETE FROM query_cache WHERE version < %s", (version,)),
            None,
            "Query cache clean-up skipped",
            level=logging.DEBUG,
        )

    def clear_stale(self, version: int) -> int:
        """Drop entries of other versions; how many were dropped (0 when PostgreSQL cannot do it now)."""

        def delete(conn: Any) -> int:
            return int(conn.execute("DELETE FROM query_cache WHERE version <> %s", (version,)).rowcount)

        return self.calls.call(delete, 0, "Query cache clean-up skipped", level=logging.DEBUG)

    def flush(self) -> None:
        """Add this process's given-up writes to ``writes_given_up`` in PostgreSQL."""
        with self._lock:
            unsaved = self.unsaved
        if (
            unsaved
            and self.calls.call(
                lambda conn: conn.execute(COUNT, (GIVEN_UP, unsaved)), None, "Query cache count not saved"
            )
            is not None
        ):
            with self._lock:
                self.unsaved -= unsaved

    def close(self) -> None:
        """Flush the count (the pool is the process's, closed at exit)."""
        self.flush()

    def stats(self) -> dict[str, float]:
        """Entries, hits, misses, the hit rate, and the writes that gave up (saved, and this process's not yet
        saved); ``PostgresUnavailable`` when the server cannot say."""
        from bot.pg import PostgresUnavailable

        def read(conn: Any) -> tuple[dict[str, int], int]:
            values = dict(conn.execute("SELECT name, value FROM query_cache_stats").fetchall())
            return values, int(conn.execute("SELECT COUNT(*) FROM query_cache").fetchone()[0])

        found = self.calls.call(read, None, "Query cache figures not read")
        if found is None:
            raise PostgresUnavailable(
                "Cannot read the query cache figures from PostgreSQL (see the log above)."
            )
        values, entries = found
        hits, misses = int(values.get("hits", 0)), int(values.get("misses", 0))
        total = hits + misses
        return {
            "entries": entries,
            "hits": hits,
            "misses": misses,
            "hit_rate": hits / total if total else 0.0,
            "writes_given_up": int(values.get(GIVEN_UP, 0)) + self.unsaved,
        }
