"""The update journal: recorded before queued, queued once, replayed after a crash, marked done."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from telegram import Update

from bot.updates import JournalQueue, UpdateJournal

MESSAGE = {"message_id": 4, "date": 0, "text": "剑河?", "chat": {"id": 9, "type": "private"}}


def _update(update_id: int) -> Update:
    return Update.de_json({"update_id": update_id, "message": MESSAGE}, None)  # type: ignore[arg-type]


def test_an_update_is_queued_once_and_replayed_until_done(tmp_path: Path) -> None:
    journal = UpdateJournal(tmp_path / "j.db")

    async def scenario() -> None:
        queue = JournalQueue(journal)
        await queue.put(_update(7))
        await queue.put(_update(7))  # Telegram delivers it again (not confirmed before a crash)
        await queue.put(_update(8))
        assert queue.qsize() == 2
        assert journal.states() == {7: "pending", 8: "pending"}
        journal.sending(8, {"chat_id": 9, "chunks": ["答"], "sent": 0, "floor": 4, "markup": None})
        journal.done(7)
        restarted = JournalQueue(journal)
        assert await restarted.replay(None) == 1
        replayed = await restarted.get()
        assert isinstance(replayed, Update) and replayed.update_id == 8
        assert restarted.replayed == {8}
        assert restarted.outboxes == {
            8: {"chat_id": 9, "chunks": ["答"], "sent": 0, "floor": 4, "markup": None}
        }

    asyncio.run(scenario())
    assert journal.states() == {7: "done", 8: "sending"}


def test_a_journal_that_cannot_be_written_lets_updates_through(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    journal = UpdateJournal(tmp_path / "j.db")
    journal.conn.execute("PRAGMA query_only = ON")

    async def scenario() -> int:
        queue = JournalQueue(journal)
        await queue.put(_update(7))
        return queue.qsize()

    with caplog.at_level(logging.WARNING):
        assert asyncio.run(scenario()) == 1
    assert "Update journal write skipped (attempt to write a readonly database)" in caplog.text


def test_updates_are_ordered_by_chat_or_by_the_user_of_an_inline_query() -> None:
    from bot.updates import chat_key

    user = {"id": 77, "is_bot": False, "first_name": "读者"}
    press = {"id": "q1", "from": user, "chat_instance": "c", "data": "m:1:2", "message": MESSAGE}
    inline = {"id": "i1", "from": user, "query": "剑河", "offset": ""}
    updates = [{"message": MESSAGE}, {"callback_query": press}, {"inline_query": inline}, {}]
    keys = [chat_key(Update.de_json({"update_id": i} | u, None)) for i, u in enumerate(updates)]  # type: ignore[arg-type]
    assert keys == [9, 9, 77, None]
    assert chat_key("not an update") is None


def test_keyed_locks_are_forgotten_once_released() -> None:
    from bot.chat_locks import AsyncKeyedLocks, KeyedLocks

    locks = KeyedLocks()
    with locks.hold(1), locks.hold(1), locks.hold(2):  # re-entrant in one thread
        assert len(locks) == 2
    assert len(locks) == 0

    async def scenario() -> list[str]:
        alocks, seen = AsyncKeyedLocks(), []

        async def take(name: str) -> None:
            async with alocks.hold("chat"):
                seen.append(f"{name}+")
                await asyncio.sleep(0)
                seen.append(f"{name}-")

        await asyncio.gather(take("a"), take("b"), take("c"))
        assert len(alocks) == 0
        return seen

    assert asyncio.run(scenario()) == ["a+", "a-", "b+", "b-", "c+", "c-"]
