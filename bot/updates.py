"""No lost updates, none answered twice: every Telegram update is claimed in the journal (:mod:`bot.journal`)
before Telegram may forget it.

Long polling confirms updates with the next ``getUpdates`` offset, and a webhook's 200 tells Telegram the update
arrived; python-telegram-bot does both right after putting the update on its queue. So :class:`JournalQueue`
(the Application's update queue) claims the update in ``tg_updates`` before queueing it, and
:class:`JournalProcessor` marks it done once every handler has run. Updates of different chats are handled
concurrently, those of one chat one after the other, in the order they were queued. While an answer is being sent, its rendered
chunks are kept with the update (the *outbox*), so a restart finishes sending it instead of answering again.

On start :meth:`JournalQueue.replay` queues what a crash left behind: ``pending`` updates are handled again,
``sending`` ones resume their outbox. An update Telegram delivers a second time is recognised by its
``update_id`` and not handled twice, also when another replica sharing the state got it. While running,
:meth:`JournalQueue.start_watch` keeps the heartbeat and queues what it takes over from dead replicas. A failed write (disk full, read-only store) is logged and skipped: the bot
then answers without the safety net rather than not at all.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.chat_locks import AsyncKeyedLocks
from bot.journal import HEARTBEAT_S, KEEP_DONE_S, Journal, Row, Watch
from bot.journal_sqlite import SCHEMA, UpdateJournal

__all__ = [
    "KEEP_DONE_S",
    "MAX_CONCURRENT",
    "SCHEMA",
    "JournalProcessor",
    "JournalQueue",
    "UpdateJournal",
    "chat_key",
]

logger = logging.getLogger(__name__)


class JournalQueue(asyncio.Queue[object]):
    """The Application's update queue: an update is claimed before it is queued, and queued once."""

    def __init__(self, journal: Journal, seen: Callable[[Update], None] | None = None) -> None:
        super().__init__()
        self.journal = journal
        self.seen = seen or (lambda update: None)  # told of every update queued (message ids in chats)
        self.replayed: set[int] = set()  # updates left over from a previous run: answered with an apology
        self.outboxes: dict[int, dict[str, Any]] = {}  # update_id → outbox to finish sending
        self.watch: Watch | None = None

    async def put(self, item: object) -> None:
        """Claim ``item`` (an Update) durably, then queue it; a repeated update is dropped."""
        if isinstance(item, Update):
            body = json.dumps(item.to_dict(), ensure_ascii=False)
            if not await asyncio.to_thread(self.journal.claim, item.update_id, body):
                logger.info("Update %s was already received: not handled twice", item.update_id)
                return
            self.seen(item)
        await super().put(item)

    async def replay(self, bot: Any) -> int:
        """Queue the updates a previous run (or a dead replica) claimed but did not finish; returns how many."""
        rows = await asyncio.to_thread(lambda: self.journal.take_over(at_start=True))
        await self.adopt(rows, bot)
        if rows:
            logger.info("Replaying %d update(s) left unfinished by the previous run", len(rows))
        return len(rows)

    async def adopt(self, rows: list[Row], bot: Any) -> None:
        """Queue updates taken over: ``pending`` ones are handled again, ``sending`` ones finish their outbox."""
        for update_id, body, state, outbox in rows:
            update = Update.de_json(json.loads(body), bot)
            self.replayed.add(update_id)
            if state == "sending" and outbox is not None:
                self.outboxes[update_id] = outbox
            self.seen(update)
            await super().put(update)

    def start_watch(self, bot: Any, every_s: float = HEARTBEAT_S) -> None:
        """Start the heartbeat, which takes over the updates of dead replicas and queues them here."""
        loop = asyncio.get_running_loop()

        def taken(rows: list[Row]) -> None:
            asyncio.run_coroutine_threadsafe(self.adopt(rows, bot), loop).result(timeout=30)

        self.watch = Watch(self.journal, taken, every_s)
        self.watch.start()

    def stop_watch(self) -> None:
        """Stop the heartbeat and remove it: what is still unfinished here is for the other replicas."""
        if self.watch is not None:
            self.watch.stop()
            self.watch = None
            self.journal.retire()


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
        """Stop it and the heartbeat, after the last update was handled (the Application has stopped)."""
        await asyncio.to_thread(self.queue.stop_watch)
        if self._stop is not None:
            await asyncio.to_thread(self._stop)
