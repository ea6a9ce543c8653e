"""Concurrent conversation, end to end through the real Application and the strict fake Bot API: chats answered
side by side, each chat's updates in order, typing while an answer takes long, the answer pool's workers.

Slowness is made with a gate (an answer that waits until the test lets it go), so what is shown is an order of
events, never a timing.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import pytest

from bot.answer_pool import AnswerPool
from bot.cards import text_card
from bot.engine import open_engine
from bot.reply import Reply
from bot.settings import Settings
from tests.fake_bot_api import FakeBotAPI, wait_until
from tests.test_telegram_e2e import QUESTION, play, running


class GatedEngine:
    """Echoes questions; a question starting with 慢 waits for :attr:`gate` (a slow answer)."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.started: list[str] = []
        self.finished: list[str] = []
        self._lock = threading.Lock()

    def handle_text(self, chat_id: int, text: str) -> Reply:
        with self._lock:
            self.started.append(text)
        if text.startswith("慢"):
            assert self.gate.wait(30), "the test never opened the gate"
        with self._lock:
            self.finished.append(text)
        return text_card(f"答：{text}")

    def handle_command(self, chat_id: int, name: str, args: str) -> Reply:
        return text_card(f"/{name}")

    def handle_button(self, chat_id: int, data: str, user_id: int | None = None) -> Reply:
        return text_card(data)

    def inline_results(self, query: str, limit: int = 10) -> list[tuple[str, Reply]]:
        return []

    def notice(self, kind: str) -> Reply:
        return text_card(kind)


def test_a_slow_answer_in_one_chat_does_not_hold_up_another_and_shows_typing(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    engine = GatedEngine()

    async def scenario() -> None:
        async with running(fake, engine, tmp_path / "newsqa.db"):
            fake.push_message(1, "慢问题")
            await wait_until(lambda: engine.started == ["慢问题"], what="the slow answer to start")
            fake.push_message(2, "快问题")
            await wait_until(lambda: fake.messages(2), what="the other chat's answer")
            assert fake.messages(1) == []  # chat 1 is still waiting for its answer ...
            assert engine.finished == ["快问题"]
            await wait_until(lambda: fake.calls("sendChatAction"), what="typing in the waiting chat")
            engine.gate.set()  # ... and gets it once the slow answer is done
            await wait_until(lambda: fake.messages(1), what="the slow answer")

    play(scenario)
    assert [m.text for m in fake.messages(1)] == ["答：慢问题"]
    assert [m.text for m in fake.messages(2)] == ["答：快问题"]
    order = [(name, p["chat_id"]) for name, p in fake.log() if name in ("sendMessage", "sendChatAction")]
    assert order == [("sendMessage", "2"), ("sendChatAction", "1"), ("sendMessage", "1")]
    assert fake.calls("sendChatAction") == [{"chat_id": "1", "action": "typing"}]  # the quick one had none
    assert fake.errors == []


def test_one_chats_updates_are_answered_in_the_order_they_came(fake: FakeBotAPI, tmp_path: Path) -> None:
    engine = GatedEngine()

    async def scenario() -> None:
        async with running(fake, engine, tmp_path / "newsqa.db"):
            fake.push_message(5, "慢一")
            await wait_until(lambda: engine.started == ["慢一"], what="the first question to start")
            fake.push_message(5, "二")
            fake.push_message(5, "三")
            fake.push_message(6, "别的聊天")
            await wait_until(lambda: fake.messages(6), what="the other chat's answer")
            # queued before the other chat's question, chat 5's later questions still wait for its first
            assert engine.started == ["慢一", "别的聊天"]
            engine.gate.set()
            await wait_until(lambda: len(fake.messages(5)) == 3, what="chat 5's three answers")

    play(scenario)
    assert engine.started == ["慢一", "别的聊天", "二", "三"]
    assert [m.text for m in fake.messages(5)] == ["答：慢一", "答：二", "答：三"]
    assert fake.errors == []


def test_the_answer_pool_answers_for_the_bot_and_stops_with_it(
    fake: FakeBotAPI, fresh_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(db_path=fresh_db, answer_workers=1)
    pool = AnswerPool(settings)
    engine = open_engine(settings, pool)
    caplog.set_level(logging.INFO)

    async def scenario() -> None:
        async with running(fake, engine, fresh_db, pool):
            assert pool.running and len(pool.pids) == 1
            fake.push_message(21, QUESTION)
            fake.push_message(22, "褚靖是谁")
            await wait_until(lambda: fake.messages(21) and fake.messages(22), 60, "both answers")

    play(scenario)
    assert "15.78万亩" in fake.messages(21)[0].text
    assert "褚靖" in fake.messages(22)[0].text
    # the bot's process never answered itself: its searcher logged no answer
    assert [r for r in caplog.records if r.name == "index.search" and r.process == os.getpid()] == []
    assert not pool.running
    for pid in pool.pids:  # the worker has exited and been reaped
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    # a stopped pool is not an outage: the engine answers in this process
    assert engine.handle_text(23, QUESTION).blocks
    assert [r for r in caplog.records if r.name == "index.search"] != []
    assert fake.errors == []
