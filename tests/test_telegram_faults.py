"""Bot API faults end to end: the real PTB Application against the fake Bot API injecting 5xx answers, lost
responses and refusals, forged button data, webhook abuse and a store that cannot be written.

Every answer must arrive exactly once, a callback query is answered once, an apology only when the answer
really failed, and no user ever sees a traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import sqlite3
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.engine import Engine, open_engine
from bot.reply import Block, BlockKind, Button, Reply
from bot.settings import Settings
from bot.state import StateStore
from bot.telegram_app import build_application, prepare
from bot.telegram_webhook import WebhookServer
from bot.updates import UpdateJournal
from tests.fake_bot_api import FakeBotAPI, wait_until
from tests.test_telegram_e2e import QUESTION, Scripted, play, press, running, say, settings_for

NOT_FOUND = "Bad Request: message to edit not found"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
CARD = Reply([Block(BlockKind.ANSWER, "15.78万亩")], [[Button("更多结果", "m:1:1")]])


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("faults") / "newsqa.db"


@pytest.fixture(scope="module")
def engine(db_path: Path) -> Engine:
    return open_engine(Settings.from_env({"NEWSQA_DB": str(db_path)}))


@pytest.mark.parametrize(("kind", "times"), [("500", 1), ("502", 2)])
def test_5xx_on_send_is_retried_and_the_answer_arrives_once(
    fake: FakeBotAPI, db_path: Path, kind: str, times: int
) -> None:
    async def scenario() -> None:
        async with running(fake, Scripted(CARD), db_path):
            fake.fault("sendMessage", kind, times)
            (card,) = await say(fake, 30, "剑河?")
            assert card.text == "15.78万亩" and list(card.buttons()) == ["更多结果"]
            await asyncio.sleep(0.3)

    play(scenario)
    assert [m.text for m in fake.messages(30)] == ["15.78万亩"]
    refused = "Internal Server Error" if kind == "500" else "Bad Gateway"
    # each failure: the sender first looks for the message above the user's (id 1): none there, so it resends
    assert fake.errors == [("sendMessage", refused), ("editMessageText", NOT_FOUND)] * times


def test_a_response_lost_after_delivery_is_not_sent_twice_nor_apologised_for(
    fake: FakeBotAPI, db_path: Path
) -> None:
    async def scenario() -> None:
        async with running(fake, Scripted(CARD), db_path):
            fake.fault("sendMessage", "drop")
            await say(fake, 31, "剑河?")
            await asyncio.sleep(0.5)

    play(scenario)
    assert [m.text for m in fake.messages(31)] == ["15.78万亩"]  # once, no apology
    assert len(fake.calls("sendMessage")) == 1
    assert fake.errors == [("editMessageText", NOT_MODIFIED)]  # the look-up found it unchanged at id 2


def test_a_response_slower_than_the_read_timeout_is_not_sent_twice(fake: FakeBotAPI, db_path: Path) -> None:
    async def scenario() -> None:
        async with running(fake, Scripted(CARD), db_path):
            fake.fault("sendMessage", "latency", seconds=6.0)  # PTB gives up reading after 5 s
            await say(fake, 40, "剑河?")
            await wait_until(lambda: fake.errors, 10, "the look-up")
            await asyncio.sleep(0.3)

    play(scenario)
    assert [m.text for m in fake.messages(40)] == ["15.78万亩"]
    assert len(fake.calls("sendMessage")) == 1
    assert fake.errors == [("editMessageText", NOT_MODIFIED)]


def test_an_answer_cut_short_by_a_crash_is_finished_from_its_outbox(fake: FakeBotAPI, tmp_path: Path) -> None:
    db = tmp_path / "outbox.db"
    chunks = ["<b>第1段</b>", "第2段", "第3段"]
    markup = {"inline_keyboard": [[{"text": "更多结果", "callback_data": "m:1:1"}]]}
    fake.push_message(42, "剑河?")  # message 1, fetched by the run that crashed and never confirmed
    (update,) = fake.handle(fake.token, "getUpdates", {"timeout": 0})
    fake.handle(
        fake.token, "sendMessage", {"chat_id": 42, "text": chunks[0], "parse_mode": "HTML"}
    )  # message 2
    journal = UpdateJournal(db)  # what the crashed run left: chunk 1 sent, its response never read
    journal.record(update["update_id"], json.dumps(update))
    outbox = {"chat_id": 42, "chunks": chunks, "sent": 0, "floor": 1, "reply_to": None, "markup": markup}
    journal.sending(update["update_id"], outbox)
    journal.close()

    async def scenario() -> None:
        async with running(fake, Scripted(CARD), db):
            await wait_until(lambda: len(fake.messages(42)) == 3, what="the rest of the answer")
            await asyncio.sleep(0.5)

    play(scenario)
    assert [m.html for m in fake.messages(42)] == chunks  # the handlers did not run again: no second card
    assert fake.messages(42)[2].buttons() == {"更多结果": "m:1:1"}
    assert fake.errors == [("editMessageText", NOT_MODIFIED)]


def test_an_answer_that_really_failed_gets_the_apology(fake: FakeBotAPI, db_path: Path) -> None:
    async def scenario() -> None:
        async with running(fake, Scripted(CARD), db_path):
            fake.fault("sendMessage", "500", 3)
            (apology,) = await say(fake, 32, "剑河?")
            assert apology.text == "notice:error"
            await asyncio.sleep(0.3)

    play(scenario)
    assert [m.text for m in fake.messages(32)] == ["notice:error"]


def test_a_failed_edit_on_more_results_gets_feedback_once(
    fake: FakeBotAPI, engine: Engine, db_path: Path
) -> None:
    async def scenario() -> None:
        async with running(fake, engine, db_path):
            (card,) = await say(fake, 33, QUESTION)
            fake.fault("editMessageText", "500", 3)
            query_id = fake.press(33, card.message_id, "更多结果")
            await wait_until(lambda: len(fake.messages(33)) == 2, what="the apology")
            await asyncio.sleep(0.3)
            answers = [c for c in fake.calls("answerCallbackQuery") if c["callback_query_id"] == query_id]
            assert len(answers) == 1

    play(scenario)
    first, apology = fake.messages(33)
    assert "15.78万亩" in first.bold() and first.edits == 0
    assert apology.text == "抱歉，处理这条消息时出了问题，请稍后再试。"
    assert fake.errors == [("editMessageText", "Internal Server Error")] * 3


class BrokenButtons(Scripted):
    """Buttons whose handling fails inside the engine."""

    def handle_button(self, chat_id: int, data: str, user_id: int | None = None) -> Reply:
        raise RuntimeError("button boom")


def test_a_button_that_fails_in_the_engine_is_answered_once_with_the_apology(
    fake: FakeBotAPI, db_path: Path
) -> None:
    async def scenario() -> None:
        async with running(fake, BrokenButtons(CARD), db_path):
            (card,) = await say(fake, 41, "剑河?")
            await press(fake, card, "更多结果", expect="toast")
            await asyncio.sleep(0.2)

    play(scenario)
    assert [c.get("text") for c in fake.calls("answerCallbackQuery")] == ["抱歉，出了点问题，请稍后再试。"]
    assert len(fake.messages(41)) == 1 and fake.errors == []


def test_a_lost_callback_answer_is_not_mistaken_for_a_failure(fake: FakeBotAPI, db_path: Path) -> None:
    async def scenario() -> None:
        async with running(fake, Scripted(CARD), db_path):
            (card,) = await say(fake, 43, "剑河?")
            fake.fault("answerCallbackQuery", "drop")
            await press(fake, card, "更多结果", expect="toast")
            await wait_until(lambda: len(fake.calls("answerCallbackQuery")) == 2, what="the retry")
            await asyncio.sleep(0.3)

    play(scenario)
    assert [c.get("text") for c in fake.calls("answerCallbackQuery")] == ["好", "好"]
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert fake.errors == [("answerCallbackQuery", too_old)]  # the retry: Telegram had the first one
    assert len(fake.messages(43)) == 1  # no apology


def test_edit_retried_after_a_5xx(fake: FakeBotAPI, engine: Engine, db_path: Path) -> None:
    async def scenario() -> None:
        async with running(fake, engine, db_path):
            (card,) = await say(fake, 34, QUESTION)
            fake.fault("editMessageText", "502")
            more = await press(fake, card, "更多结果")
            assert more.text.startswith("更多结果（第1/") and more.edits == 1

    play(scenario)
    assert fake.errors == [("editMessageText", "Bad Gateway")]


def test_malformed_button_data_gets_a_short_answer_and_no_traceback(
    fake: FakeBotAPI, engine: Engine, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    forged = ["m:99999999999999999999:1", "f:1:2", "a:x:1:" + "9" * 40, "p:../..:1", "m:１:1", "zz", "m:-1:1"]

    async def scenario() -> None:
        async with running(fake, engine, db_path):
            (card,) = await say(fake, 35, QUESTION)
            for data in forged:
                query_id = fake.forge_press(35, card.message_id, data)
                await wait_until(
                    lambda q=query_id: any(
                        c["callback_query_id"] == q for c in fake.calls("answerCallbackQuery")
                    ),
                    what=f"the answer to {data!r}",
                )

    with caplog.at_level(logging.INFO):
        play(scenario)
    toasts = [c.get("text") for c in fake.calls("answerCallbackQuery")]
    assert toasts == ["这个按钮已经过期了，请重新提问。"] * len(forged)
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert fake.errors == []


def test_votes_only_on_the_chats_own_questions_and_the_last_one_counts(
    fake: FakeBotAPI, engine: Engine, db_path: Path
) -> None:
    async def scenario() -> None:
        async with running(fake, engine, db_path):
            (mine,) = await say(fake, 36, QUESTION)
            (theirs,) = await say(fake, 37, QUESTION)
            before = engine.state.feedback_counts()
            await press(fake, mine, "👍", expect="toast")
            await press(fake, mine, "👍", expect="toast")
            assert engine.state.feedback_counts() == {"up": before["up"] + 1, "down": before["down"]}
            await press(fake, mine, "👎", expect="toast")
            assert engine.state.feedback_counts() == {"up": before["up"], "down": before["down"] + 1}
            # chat 36 presses a 👍 naming chat 37's question
            query_id = fake.forge_press(36, mine.message_id, theirs.buttons()["👍"])
            await wait_until(
                lambda: any(c["callback_query_id"] == query_id for c in fake.calls("answerCallbackQuery")),
                what="the refusal",
            )
            assert fake.calls("answerCallbackQuery")[-1]["text"] == "这个按钮不属于这个聊天的问题，没有记下"
            assert engine.state.feedback_counts() == {"up": before["up"], "down": before["down"] + 1}

    play(scenario)
    assert fake.errors == []


def test_a_store_that_cannot_be_written_still_answers(
    fake: FakeBotAPI, tmp_path: Path, seed_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "full.db"
    with sqlite3.connect(seed_db) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    engine = open_engine(Settings.from_env({"NEWSQA_DB": str(db)}))
    app = build_application(settings_for(fake, db), engine)
    for conn in (engine.store.conn, app.bot_data["journal"].conn, engine.searcher.cache.conn):  # type: ignore[union-attr]
        conn.execute("PRAGMA query_only = ON")  # every write now fails, as on a full disk

    async def scenario() -> None:
        async with app:
            await prepare(app)
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            try:
                (card,) = await say(fake, 38, QUESTION)
                assert "15.78万亩" in card.bold()
                (follow,) = await say(fake, 38, "剑河县培育了几家规模以上中药材企业")
                assert "4家" in follow.bold()
            finally:
                await app.updater.stop()
                await app.stop()

    with caplog.at_level(logging.WARNING):
        play(scenario)
    assert "Chat state write skipped (attempt to write a readonly database)" in caplog.text
    assert "Update journal write skipped (attempt to write a readonly database)" in caplog.text
    assert fake.errors == []


def test_state_writes_on_a_full_disk_are_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    conn = sqlite3.connect(tmp_path / "tiny.db", isolation_level=None)
    state = StateStore(conn)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    with caplog.at_level(logging.WARNING):
        asked = [state.record_question(7, "剑" * 2000, "剑" * 2000, "quantity") for _ in range(20)]
    assert asked[0].id == 1 and asked[-1].id == 0  # stored while there was room, then skipped
    assert "Chat state write skipped (database or disk is full)" in caplog.text
    assert state.last_asked(7) is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str, body: bytes, secret: str = "s3cret") -> int:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _announce_big_body(port: int, size: int) -> str:
    """Send headers announcing ``size`` bytes and a little of the body; the status line that comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        head = "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        head += f"X-Telegram-Bot-Api-Secret-Token: s3cret\r\nContent-Length: {size}\r\n\r\n"
        s.sendall(head.encode() + b"{" * 1024)
        return s.recv(200).decode().split("\r\n")[0]


def test_webhook_records_before_200_limits_the_body_and_refuses_non_updates(
    fake: FakeBotAPI, engine: Engine, db_path: Path
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/hook"
    app = build_application(settings_for(fake, db_path), engine)
    journal = app.bot_data["journal"]

    async def scenario() -> None:
        async with app:
            await prepare(app)
            await app.start()
            server = WebhookServer("127.0.0.1", port, "/hook", app.bot, app.update_queue, "s3cret", 1_048_576)
            server.start()
            try:
                fake.handle(fake.token, "setWebhook", {"url": url, "secret_token": "s3cret"})
                assert await asyncio.to_thread(_post, url, b"{not json") == 400
                assert await asyncio.to_thread(_post, url, b"[1, 2]") == 400
                assert await asyncio.to_thread(_post, url, b'{"update_id": 5}', "wrong") == 403
                assert (
                    await asyncio.to_thread(_announce_big_body, port, 20_000_000)
                    == "HTTP/1.1 413 Update too large"
                )
                assert (
                    await asyncio.to_thread(_announce_big_body, port, 1_048_577)
                    == "HTTP/1.1 413 Update too large"
                )
                (card,) = await say(fake, 39, QUESTION)  # delivered by the fake's webhook
                assert "15.78万亩" in card.bold()
                text = "剑河县培育了几家规模以上中药材企业"
                update = {"update_id": 990001, "message": {"message_id": 100, "date": int(time.time()), "text": text,
                          "chat": {"id": 39, "type": "private"}}}  # fmt: skip
                assert await asyncio.to_thread(_post, url, json.dumps(update).encode()) == 200
                assert 990001 in journal.states()  # recorded before the 200
                await wait_until(lambda: len(fake.messages(39)) == 2, what="the answer to the posted update")
                assert "4家" in fake.messages(39)[1].bold()
            finally:
                await server.stop()
                await app.stop()

    play(scenario)
    assert fake.errors == []
