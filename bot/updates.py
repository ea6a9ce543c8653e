"""No lost updates: every Telegram update is written to the store before Telegram may forget it.

Long polling confirms updates with the next ``getUpdates`` offset, and a webhook's 200 tells Telegram the update
arrived; python-telegram-bot does both right after putting the update on its queue. So :class:`JournalQueue`
(the Application's update queue) writes the update to ``tg_updates`` before queueing it, and
:class:`JournalProcessor` marks it done once every handler has run. Updates of different chats are handled
concurrently, those of one chat one after the other, in the order they were queued. While an answer is being sent, its rendered
chunks are kept with the update (the *outbox*), so a restart finishes sending it instead of answering again.

On start :meth:`JournalQueue.replay` queues what a crash left behind: ``pending`` updates are handled again,
``sending`` ones resume their outbox. An update Telegram delivers a second time is recognised by its
``update_id`` and not handled twice. A failed write (disk full, read-only store) is logged and skipped: the bot
then answers without the safety net rather than not at all.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.chat_locks import AsyncKeyedLocks

__all__ = ["MAX_CONCURRENT", "SCHEMA", "JournalProcessor", "JournalQueue", "UpdateJournal", "chat_key"]

from corpus.store_guard import APPLICATION_ID

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS tg_updates (
    update_id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    outbox TEXT,
    received_at REAL NOT NULL,
    done_at REAL
);
CREATE INDEX IF NOT EXISTS tg_updates_open ON tg_updates(state) WHERE state != 'done';
"""

#: Done updates are kept this long to recognise a repeated delivery (Telegram keeps updates for 24 hours).
KEEP_DONE_S = 2 * 24 * 3600


class UpdateJournal:
    """The ``tg_updates`` table on its own connection to the store (so the engine's lock never delays it)."""

    def __init__(self, path: str | Path) -> None:
        self.lock = threading.Lock()
        self.conn = sqlite3.connect(str(path), timeout=5.0, isolation_level=None, check_same_thread=False)
        self._write("PRAGMA busy_timeout=5000")
        try:
            if not self.conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
                # a new file: mark it as newsqa's, so the store that opens it later adopts it
                self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.conn.executescript(SCHEMA)
        except sqlite3.Error as exc:
            logger.warning("Cannot create the update journal in %s (%s): updates are not kept", path, exc)

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

    def record(self, update_id: int, body: str) -> bool:
        """Write a fetched update; False when it was already recorded (a repeated delivery)."""
        changed = self._write(
            "INSERT OR IGNORE INTO tg_updates(update_id, body, received_at) VALUES (?, ?, ?)",
            (update_id, body, time.time()),
        )
        return changed != 0  # None (write failed) still handles the update

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

    def unfinished(self) -> list[tuple[int, str, str, dict[str, Any] | None]]:
        """(update_id, body, state, outbox) of every update not done, oldest first."""
        with self.lock:
            try:
                rows = self.conn.execute(
                    "SELECT update_id, body, state, outbox FROM tg_updates WHERE state != 'done' "
                    "ORDER BY update_id"
                ).fetchall()
            except sqlite3.Error as exc:
                logger.warning("Cannot read the update journal (%s): nothing to replay", exc)
                return []
        return [(int(u), body, state, json.loads(box) if box else None) for u, body, state, box in rows]

    def states(self) -> dict[int, str]:
        """update_id → state (for tests and ``stats``)."""
        with self.lock:
            return dict(self.conn.execute("SELECT update_id, state FROM tg_updates").fetchall())

    def prune(self, keep_s: float = KEEP_DONE_S) -> None:
        """Forget done updates older than ``keep_s`` seconds."""
        self._write("DELETE FROM tg_updates WHERE state = 'done' AND done_at < ?", (time.time() - keep_s,))


class JournalQueue(asyncio.Queue[object]):
    """The Application's update queue: an update is recorded before it is queued, and queued once."""

    def __init__(self, journal: UpdateJournal, seen: Callable[[Update], None] | None = None) -> None:
        super().__init__()
        self.journal = journal
        self.seen = seen or (lambda update: None)  # told of every update queued (message ids in chats)
        self.replayed: set[int] = set()  # updates left over from a previous run: answered with an apology
        self.outboxes: dict[int, dict[str, Any]] = {}  # update_id → outbox to finish sending

    async def put(self, item: object) -> None:
        """Record ``item`` (an Update) durably, then queue it; a repeated update is dropped."""
        if isinstance(item, Update):
            body = json.dumps(item.to_dict(), ensure_ascii=False)
            if not await asyncio.to_thread(self.journal.record, item.update_id, body):
                logger.info("Update %s was already received: not handled twice", item.update_id)
                return
            self.seen(item)
        await super().put(item)

    async def replay(self, bot: Any) -> int:
        """Queue the updates a previous run fetched but did not finish; returns how many."""
        rows = await asyncio.to_thread(self.journal.unfinished)
        for update_id, body, state, outbox in rows:
            update = Update.de_json(json.loads(body), bot)
            self.replayed.add(update_id)
            if state == "sending" and outbox is not None:
                self.outboxes[update_id] = outbox
            self.seen(update)
            await super().put(update)
        if rows:
            logger.info("Replaying %d update(s) left unfinished by the previous run", len(rows))
        return len(rows)


#: Finishes an outbox: (update, outbox) → delivered.
Resume = Callable[[Update, dict[str, Any]], Awaitable[None]]


#: Updates handled at once (PTB's semaphore, first come first served); the CPU is bounded by the answer pool.
MAX_CONCURRENT = 256


def chat_key(update: object) -> int | None:
    """What orders updates: the chat (a button press: the chat of its message), else the user (inline
    queries); None for anything else (handled without waiting for others)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.callback_query is not None and update.callback_query.message is not None:
        return update.callback_query.message.chat.id
    return update.effective_user.id if update.effective_user is not None else None


class JournalProcessor(BaseUpdateProcessor):
    """Handles updates of different chats concurrently and each chat's in the order they came, and marks each
    done in the journal once handled. ``start`` and ``stop`` run with the Application's initialize and
    shutdown (the answer pool's workers)."""

    def __init__(
        self,
        queue: JournalQueue,
        resume: Resume,
        *,
        max_concurrent: int = MAX_CONCURRENT,
        start: Callable[[], None] | None = None,
        stop: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates=max_concurrent)
        self.queue, self.resume = queue, resume
        self.chats = AsyncKeyedLocks()
        self._start, self._stop = start, stop

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's earlier updates, then handle this one."""
        key = chat_key(update)
        if key is None:
            await self._process(update, coroutine)
            return
        async with self.chats.hold(key):
            await self._process(update, coroutine)

    async def _process(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handlers (or finish the outbox a crash interrupted), then mark the update done."""
        update_id = update.update_id if isinstance(update, Update) else None
        outbox = self.queue.outboxes.pop(update_id, None) if update_id is not None else None
        try:
            if outbox is not None and isinstance(update, Update):
                getattr(coroutine, "close", lambda: None)()  # its handlers already ran before the crash
                try:
                    await self.resume(update, outbox)
                except Exception:
                    logger.exception("Could not finish sending the answer to update %s", update_id)
            else:
                await coroutine
        finally:
            if update_id is not None:
                self.queue.replayed.discard(update_id)
                await asyncio.to_thread(self.queue.journal.done, update_id)

    async def initialize(self) -> None:
        """Start what answering needs (the answer pool: seconds, on a thread)."""
        if self._start is not None:
            await asyncio.to_thread(self._start)

    async def shutdown(self) -> None:
        """Stop it, after the last update was handled (the Application has stopped)."""
        if self._stop is not None:
            await asyncio.to_thread(self._stop)
