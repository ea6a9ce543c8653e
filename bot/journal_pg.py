"""The update journal in PostgreSQL (``NEWSQA_STATE_URL=postgresql://…``), shared by every replica.

The same tables as :mod:`bot.journal_sqlite` (``tg_updates``, ``replicas``) plus ``pollers`` (who holds the
polling lock of a bot, :mod:`bot.poller_lock`), created by :func:`bot.pg.ensure_schema` as component
``updates``. A claim is ``INSERT … ON CONFLICT DO NOTHING``: of two replicas given one update, one wins. A
take-over is one ``UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED)`` on the rows of owners found dead, so two
survivors never both take one update. Times are the replicas' clocks (keep them in sync, NTP): a heartbeat
is stale after :data:`bot.journal.STALE_S`.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import psycopg

from bot.journal import KEEP_DONE_S, KEEP_REPLICAS_S, Row, is_dead
from bot.pg import ensure_schema, pool_for

__all__ = ["SCHEMA_STEPS", "PgJournal"]

logger = logging.getLogger(__name__)

SCHEMA_STEPS = [
    """
    CREATE TABLE tg_updates (
        update_id BIGINT PRIMARY KEY,
        body TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        outbox TEXT,
        owner TEXT,
        received_at DOUBLE PRECISION NOT NULL,
        done_at DOUBLE PRECISION
    );
    CREATE INDEX tg_updates_open ON tg_updates(owner) WHERE state <> 'done';
    CREATE TABLE replicas (
        name TEXT PRIMARY KEY,
        started_at DOUBLE PRECISION NOT NULL,
        last_seen DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE pollers (
        bot_key TEXT PRIMARY KEY,
        replica TEXT NOT NULL,
        since DOUBLE PRECISION NOT NULL
    );
    """
]


class PgJournal:
    """The journal on this process's pool for ``url``."""

    def __init__(self, url: str, replica: str) -> None:
        self.replica = replica
        self.pool = pool_for(url)
        ensure_schema(self.pool, "updates", SCHEMA_STEPS)
        self.beat()

    def close(self) -> None:
        """Nothing to close: the pool is the process's (:func:`bot.pg.close_pools`)."""

    def _write(self, sql: str, params: tuple[Any, ...] = ()) -> int | None:
        """Run one write; rows changed, or None when it failed (logged: the bot goes on without it)."""
        try:
            with self.pool.connection() as conn:
                return int(conn.execute(sql, params).rowcount)
        except psycopg.Error as exc:
            logger.warning("Update journal write skipped (%s)", exc)
            return None

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.pool.connection() as conn:
            return list(conn.execute(sql, params).fetchall())

    def claim(self, update_id: int, body: str) -> bool:
        """Claim a fetched update; False when it was claimed before (here or by another replica)."""
        changed = self._write(
            "INSERT INTO tg_updates(update_id, body, owner, received_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (update_id) DO NOTHING",
            (update_id, body, self.replica, time.time()),
        )
        return changed != 0  # None (write failed) still handles the update

    record = claim

    def sending(self, update_id: int, outbox: dict[str, Any]) -> None:
        """Keep the rendered answer while it is sent."""
        self._write(
            "UPDATE tg_updates SET state = 'sending', outbox = %s WHERE update_id = %s AND state <> 'done'",
            (json.dumps(outbox, ensure_ascii=False), update_id),
        )

    def done(self, update_id: int) -> None:
        """Mark an update handled."""
        self._write(
            "UPDATE tg_updates SET state = 'done', outbox = NULL, done_at = %s WHERE update_id = %s",
            (time.time(), update_id),
        )

    def take_over(self, *, at_start: bool = False) -> list[Row]:
        """Make the unfinished updates of dead replicas this one's, atomically; returns them."""
        now = time.time()
        try:
            with self.pool.connection() as conn, conn.transaction():
                owners = conn.execute(
                    "SELECT u.owner, max(r.last_seen) FROM tg_updates u "
                    "LEFT JOIN replicas r ON r.name = u.owner WHERE u.state <> 'done' GROUP BY u.owner"
                ).fetchall()
                dead = [
                    o
                    for o, seen in owners
                    if is_dead(o, seen, self.replica, now, at_start=at_start, local=False)
                ]
                if not dead:
                    return []
                named = [o for o in dead if o is not None]
                rows = conn.execute(
                    "UPDATE tg_updates t SET owner = %s FROM ("
                    " SELECT update_id, owner FROM tg_updates"
                    " WHERE state <> 'done' AND (owner = ANY(%s) OR (owner IS NULL AND %s))"
                    " FOR UPDATE SKIP LOCKED) s "
                    "WHERE t.update_id = s.update_id "
                    "RETURNING t.update_id, t.body, t.state, t.outbox, s.owner",
                    (self.replica, named, None in dead),
                ).fetchall()
        except psycopg.Error as exc:
            logger.warning("Cannot read the update journal (%s): nothing taken over", exc)
            return []
        gone: dict[str, int] = {}
        for *_, owner in rows:
            if owner != self.replica:
                gone[owner] = gone.get(owner, 0) + 1
        for owner, count in gone.items():
            logger.info("Took over %d update(s) of replica %s", count, owner)
        return sorted(
            (int(u), body, state, json.loads(box) if box else None) for u, body, state, box, _ in rows
        )

    def beat(self, now: float | None = None) -> None:
        """Write this replica's heartbeat."""
        at = time.time() if now is None else now
        self._write(
            "INSERT INTO replicas(name, started_at, last_seen) VALUES (%s, %s, %s) "
            "ON CONFLICT (name) DO UPDATE SET last_seen = EXCLUDED.last_seen",
            (self.replica, at, at),
        )

    def retire(self) -> None:
        """Remove this replica's heartbeat."""
        self._write("DELETE FROM replicas WHERE name = %s", (self.replica,))

    def states(self) -> dict[int, str]:
        """update_id → state."""
        return {int(u): s for u, s in self._read("SELECT update_id, state FROM tg_updates")}

    def owners(self) -> dict[int, str | None]:
        """update_id → owner."""
        return {int(u): o for u, o in self._read("SELECT update_id, owner FROM tg_updates")}

    def replicas(self) -> dict[str, float]:
        """Replica name → last seen."""
        return {n: float(s) for n, s in self._read("SELECT name, last_seen FROM replicas")}

    def prune(self, keep_s: float = KEEP_DONE_S, keep_replicas_s: float = KEEP_REPLICAS_S) -> None:
        """Forget done updates older than ``keep_s`` seconds and replicas not seen for ``keep_replicas_s``."""
        now = time.time()
        self._write("DELETE FROM tg_updates WHERE state = 'done' AND done_at < %s", (now - keep_s,))
        self._write("DELETE FROM replicas WHERE last_seen < %s", (now - keep_replicas_s,))
