"""The update journal in a SQLite file (the store, unless ``NEWSQA_STATE_URL=sqlite:///PATH``).

Tables ``tg_updates`` (body, state pending/sending/done, outbox, owner) and ``replicas`` (heartbeats). A
take-over runs in one ``BEGIN IMMEDIATE`` transaction, so of two replicas on the file only one takes an
update. A SQLite file lives on one host, so a dead ``host:pid`` owner of this host is recognised at once
(:func:`bot.journal.is_dead`): a restart replays what the killed run left, as it always did.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from bot.journal import KEEP_DONE_S, KEEP_REPLICAS_S, Row, is_dead
from bot.settings import default_replica_name
from corpus.store_guard import APPLICATION_ID

__all__ = ["SCHEMA", "UpdateJournal"]

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS tg_updates (
    update_id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    outbox TEXT,
    received_at REAL NOT NULL,
    done_at REAL,
    owner TEXT
);
CREATE INDEX IF NOT EXISTS tg_updates_open ON tg_updates(state) WHERE state != 'done';
CREATE TABLE IF NOT EXISTS replicas (
    name TEXT PRIMARY KEY,
    started_at REAL NOT NULL,
    last_seen REAL NOT NULL
);
"""


class UpdateJournal:
    """The journal on its own connection to the SQLite file (so the engine's lock never delays it)."""

    def __init__(self, path: str | Path, replica: str | None = None) -> None:
        self.replica = replica or default_replica_name()
        self.lock = threading.Lock()
        self.conn = sqlite3.connect(str(path), timeout=5.0, isolation_level=None, check_same_thread=False)
        self._write("PRAGMA busy_timeout=5000")
        try:
            if not self.conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
                # a new file: mark it as newsqa's, so the store that opens it later adopts it
                self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            with contextlib.suppress(sqlite3.Error):  # as the store; a read-only file keeps its mode
                self.conn.execute("PRAGMA journal_mode=WAL")  # claims of two replicas don't wait for readers
            self.conn.executescript(SCHEMA)
            columns = {row[1] for row in self.conn.execute("PRAGMA table_info(tg_updates)")}
            if "owner" not in columns:  # a journal written before owners were kept
                self.conn.execute("ALTER TABLE tg_updates ADD COLUMN owner TEXT")
        except sqlite3.Error as exc:
            logger.warning("Cannot create the update journal in %s (%s): updates are not kept", path, exc)
        self.beat()

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.conn.close()

    def _write(self, sql: str, params: tuple[Any, ...] = ()) -> int | None:
        """Run one write; rows changed, or None when it failed (logged: the bot goes on without it)."""
        with self.lock:
            try:
                return self.conn.execute(sql, params).rowcount
            except sqlite3.Error as exc:
                logger.warning("Update journal write skipped (%s)", exc)
                return None

    def claim(self, update_id: int, body: str) -> bool:
        """Claim a fetched update; False when it was claimed before (a repeated delivery)."""
        changed = self._write(
            "INSERT INTO tg_updates(update_id, body, owner, received_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(update_id) DO NOTHING",
            (update_id, body, self.replica, time.time()),
        )
        return changed != 0  # None (write failed) still handles the update

    record = claim  # its name before replicas

    def sending(self, update_id: int, outbox: dict[str, Any]) -> None:
        """Keep the rendered answer while it is sent (``outbox["sent"]`` chunks delivered so far)."""
        self._write(
            "UPDATE tg_updates SET state = 'sending', outbox = ? WHERE update_id = ? AND state != 'done'",
            (json.dumps(outbox, ensure_ascii=False), update_id),
        )

    def done(self, update_id: int) -> None:
        """Mark an update handled."""
        self._write(
            "UPDATE tg_updates SET state = 'done', outbox = NULL, done_at = ? WHERE update_id = ?",
            (time.time(), update_id),
        )

    def take_over(self, *, at_start: bool = False) -> list[Row]:
        """Make the unfinished updates of dead replicas this one's, in one write transaction; returns them."""
        now, taken = time.time(), []
        with self.lock:
            try:
                if not self._dead(now, at_start):  # the usual case, without taking the write lock
                    return []
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    for owner in self._dead(now, at_start):  # again: another replica may have been first
                        rows = self.conn.execute(
                            "UPDATE tg_updates SET owner = ? WHERE state != 'done' AND owner IS ? "
                            "RETURNING update_id, body, state, outbox",
                            (self.replica, owner),
                        ).fetchall()
                        if rows and owner != self.replica:
                            logger.info("Took over %d update(s) of replica %s", len(rows), owner)
                        taken += rows
                    self.conn.execute("COMMIT")
                except BaseException:
                    self.conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                logger.warning("Cannot read the update journal (%s): nothing taken over", exc)
                return []
        return sorted(
            (int(u), body, state, json.loads(box) if box else None) for u, body, state, box in taken
        )

    def _dead(self, now: float, at_start: bool) -> list[str | None]:
        """Owners of unfinished updates that are dead (the caller holds ``self.lock``)."""
        owners = self.conn.execute(
            "SELECT DISTINCT u.owner, r.last_seen FROM tg_updates u "
            "LEFT JOIN replicas r ON r.name = u.owner WHERE u.state != 'done'"
        ).fetchall()
        return [o for o, seen in owners if is_dead(o, seen, self.replica, now, at_start=at_start, local=True)]

    def beat(self, now: float | None = None) -> None:
        """Write this replica's heartbeat."""
        at = time.time() if now is None else now
        self._write(
            "INSERT INTO replicas(name, started_at, last_seen) VALUES (?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET last_seen = excluded.last_seen",
            (self.replica, at, at),
        )

    def retire(self) -> None:
        """Remove this replica's heartbeat."""
        self._write("DELETE FROM replicas WHERE name = ?", (self.replica,))

    def states(self) -> dict[int, str]:
        """update_id → state."""
        with self.lock:
            return dict(self.conn.execute("SELECT update_id, state FROM tg_updates").fetchall())

    def owners(self) -> dict[int, str | None]:
        """update_id → owner."""
        with self.lock:
            return dict(self.conn.execute("SELECT update_id, owner FROM tg_updates").fetchall())

    def replicas(self) -> dict[str, float]:
        """Replica name → last seen."""
        with self.lock:
            return dict(self.conn.execute("SELECT name, last_seen FROM replicas").fetchall())

    def prune(self, keep_s: float = KEEP_DONE_S, keep_replicas_s: float = KEEP_REPLICAS_S) -> None:
        """Forget done updates older than ``keep_s`` seconds and replicas not seen for ``keep_replicas_s``."""
        now = time.time()
        self._write("DELETE FROM tg_updates WHERE state = 'done' AND done_at < ?", (now - keep_s,))
        self._write("DELETE FROM replicas WHERE last_seen < ?", (now - keep_replicas_s,))
