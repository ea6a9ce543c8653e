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
