"""End to end: the real PTB Application (nothing inside it mocked) against the strict fake Bot API.

Scenario tests use the real engine on a temporary store built from the bundled corpus; a few tests of Telegram
mechanics (errors, splitting, ``message is not modified``) use a tiny scripted engine instead.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.answer_pool import AnswerPool
from bot.engine import MORE_K, Engine, open_engine
from bot.reply import Block, BlockKind, Button, Reply
from bot.settings import Settings
from bot.telegram_app import COMMANDS, Conversation, build_application, prepare
from tests.fake_bot_api import FakeBotAPI, Sent, wait_until

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
QUESTION = "剑河中药材面积多少?"


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("telegram") / "newsqa.db"


@pytest.fixture(scope="module")
def engine(db_path: Path) -> Engine:
    return open_engine(Settings.from_env({"NEWSQA_DB": str(db_path)}))


def settings_for(fake: FakeBotAPI, db_path: Path) -> Settings:
    env = {
        "NEWSQA_DB": str(db_path),
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
    }
    return Settings.from_env(env)


@asynccontextmanager
async def running(
    fake: FakeBotAPI, engine: Conversation, db_path: Path, pool: AnswerPool | None = None
) -> AsyncIterator[None]:
    """A started Application polling the fake (1 s long polls), stopped on exit (``pool`` with it)."""
    app = build_application(settings_for(fake, db_path), engine, pool)
    async with app:
        await prepare(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


def play(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(scenario())


async def say(fake: FakeBotAPI, chat_id: int, text: str | None, expect: int = 1, **kw: Any) -> list[Sent]:
    """Push a user message and return the bot's new messages (at least ``expect`` of them)."""
    before = len(fake.messages(chat_id))
    assert fake.push_message(chat_id, text, **kw) is not None, "withheld by group privacy"
    await wait_until(lambda: len(fake.messages(chat_id)) >= before + expect, what=f"a reply to {text!r}")
    await asyncio.sleep(0.05)
    return fake.messages(chat_id)[before:]


async def press(fake: FakeBotAPI, sent: Sent, label: str, expect: str = "edit") -> Sent:
    """Press a button and wait for what it should do (``edit`` the message, send a ``new`` one, a ``toast``
    only, or ``refused``); returns a snapshot of the edited or new message afterwards."""
    live = lambda: next(m for m in fake.messages(sent.chat_id) if m.message_id == sent.message_id)  # noqa: E731
    edits, errors, sent_before = live().edits, len(fake.errors), len(fake.messages(sent.chat_id))
    query_id = fake.press(sent.chat_id, sent.message_id, label)
    answered = lambda: any(c["callback_query_id"] == query_id for c in fake.calls("answerCallbackQuery"))  # noqa: E731
    done = {
        "edit": lambda: live().edits > edits,
        "toast": answered,
        "refused": lambda: len(fake.errors) > errors,
        "new": lambda: len(fake.messages(sent.chat_id)) > sent_before,
    }
    await wait_until(lambda: answered() and done[expect](), what=f"{label} to {expect}")
    if expect == "new":
        return copy.copy(fake.messages(sent.chat_id)[-1])
    return copy.copy(live())


def test_start_sets_the_commands_menu_and_welcomes(fake: FakeBotAPI, engine: Engine, db_path: Path) -> None:
    async def scenario() -> None:
        async with running(fake, engine, db_path):
            (welcome,) = await say(fake, 10, "/start")
            assert welcome.text.startswith("你好！我从报纸文章里找答案")
            (about,) = await say(fake, 10, "/about")
            assert about.text.startswith("资料库：4篇文章")

    play(scenario)
    assert [c["command"] for c in fake.calls("setMyCommands")[0]["commands"]] == [n for n, _ in COMMANDS]
    assert fake.errors == []


def test_card_feedback_article_paging_and_more(fake: FakeBotAPI, engine: Engine, db_path: Path) -> None:
    async def scenario() -> None:
        async with running(fake, engine, db_path):
            (card,) = await say(fake, 11, QUESTION)
            assert card.bold()[:2] == ["15.78万亩"] * 2  # the answer, then the answer inside the quote
            assert "《激活乡村全面振兴“智力引擎”》" in card.text
            assert list(card.buttons()) == ["更多结果", "查看原文", "👍", "👎"]
            assert all(len(d.encode()) <= 64 for d in card.buttons().values())

            up_before = engine.state.feedback_counts()["up"]
            await press(fake, card, "👍", expect="toast")
            assert fake.calls("answerCallbackQuery")[-1]["text"] == "谢谢，已记下 👍"
            assert engine.state.feedback_counts()["up"] == up_before + 1

            article = await press(fake, card, "查看原文", expect="new")
            assert (
                article.message_id != card.message_id
            )  # the answer card stays; the article is a new message
            assert article.text.startswith("激活乡村全面振兴“智力引擎”")
            assert "15.78万亩" in "".join(article.bold())  # the quoted paragraph is marked
            page2 = await press(fake, article, "下一页 ›")
            assert "第2/" in page2.text and "‹ 上一页" in page2.buttons()
            back = await press(fake, page2, "‹ 上一页")
            assert back.text == article.text != page2.text

            (card2,) = await say(fake, 11, QUESTION)
            more = await press(fake, card2, "更多结果")
            assert more.text.startswith("更多结果（第1/")

    play(scenario)
    assert fake.errors == []


def test_follow_up_question(fake: FakeBotAPI, engine: Engine, db_path: Path) -> None:
    async def scenario() -> None:
        async with running(fake, engine, db_path):
            await say(fake, 12, QUESTION)
            (card,) = await say(fake, 12, "品种呢?")
            assert (
                "理解为：剑河中药材品种多少?" in card.html and "31个" in card.html
            )  # bold when the reader is sure

    play(scenario)
    assert fake.errors == []


def test_group_ask_privacy_and_replies(fake: FakeBotAPI, engine: Engine, db_path: Path) -> None:
    group: dict[str, Any] = {"chat_type": "supergroup"}

    async def scenario() -> None:
        async with running(fake, engine, db_path):
            assert fake.push_message(-100, QUESTION, **group) is None  # privacy mode: not delivered
            (card,) = await say(fake, -100, "/ask " + QUESTION, **group)
            assert "15.78万亩" in card.bold()
            (card2,) = await say(
                fake, -100, "/ask@newsqa_test_bot 剑河县培育了几家规模以上中药材企业", **group
            )
            assert "4家" in card2.bold()
            (follow,) = await say(fake, -100, "品种呢?", reply_to=card.message_id, **group)
            assert follow.text  # a reply to the bot is a question
            assert fake.push_message(-100, "/ask@other_bot 你好", **group) is None

    play(scenario)
    assert fake.errors == []


def test_inline_query(fake: FakeBotAPI, engine: Engine, db_path: Path) -> None:
    async def scenario() -> None:
        async with running(fake, engine, db_path):
            fake.push_inline_query(QUESTION)
            await wait_until(lambda: fake.calls("answerInlineQuery"), what="answerInlineQuery")

    play(scenario)
    (call,) = fake.calls("answerInlineQuery")
    results = call["results"]
    assert 1 <= len(results) <= 10
    assert results[0]["title"] == "15.78万亩"
    assert "<b><u>15.78万亩</u></b>" in results[0]["input_message_content"]["message_text"]
    assert fake.errors == []


def test_articles_ingested_while_the_bot_runs_are_answered_escaped(fake: FakeBotAPI, tmp_path: Path) -> None:
    record = {
        "title": "A&B<script>alert(1)</script>仓储报道",
        "author": "本报记者 李明",
        "date": "2024-05-01",
        "text": "A&B物流公司在<script>镇建成了3座冷链仓库，总投资1.2亿元。\n\n仓库由当地合作社共同运营。",
    }
    source = tmp_path / "articles" / "script.json"
    source.parent.mkdir()
    source.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NEWSQA_"))}
    env["NEWSQA_DB"] = str(tmp_path / "x.db")
    engine = open_engine(Settings.from_env({"NEWSQA_DB": env["NEWSQA_DB"]}))

    async def scenario() -> None:
        async with running(fake, engine, tmp_path / "x.db"):
            (before,) = await say(fake, 13, QUESTION)
            assert "15.78万亩" in before.bold()
            ingest = [sys.executable, "-m", "bot", "ingest", str(source.parent)]
            done = await asyncio.to_thread(subprocess.run, ingest, cwd=ROOT, env=env, capture_output=True)
            assert done.returncode == 0, done.stderr.decode()
            (card,) = await say(fake, 13, "A&B物流公司建成了几座冷链仓库?")  # no restart
            assert "3座" in card.bold()
            assert "<script>镇" in card.text and "《A&B<script>alert(1)</script>仓储报道》" in card.text
            assert "&lt;script&gt;" in card.html and "A&amp;B" in card.html

    play(scenario)
    assert fake.errors == []


def test_long_empty_and_non_text_messages_get_friendly_replies(
    fake: FakeBotAPI, engine: Engine, db_path: Path
) -> None:
    async def scenario() -> None:
        async with running(fake, engine, db_path):
            (long,) = await say(fake, 14, "剑" * 5000)
            assert long.text.startswith("问题太长了（5000字）")
            (blank,) = await say(fake, 14, "   ")
            assert blank.text.startswith("请直接输入问题")
            for kind, start in [
                ("sticker", "收到贴纸"),
                ("photo", "我还看不懂图片"),
                ("voice", "我还听不懂语音"),
            ]:
                (reply,) = await say(fake, 14, None, kind=kind)
                assert reply.text.startswith(start)
            (unknown,) = await say(fake, 14, "/frobnicate")
            assert "直接输入问题即可" in unknown.text

    play(scenario)
    assert fake.errors == []


def test_restart_keeps_chat_state_and_old_buttons(fake: FakeBotAPI, engine: Engine, db_path: Path) -> None:
    async def scenario() -> None:
        async with running(fake, engine, db_path):
            (card,) = await say(fake, 15, QUESTION)
        restarted = open_engine(Settings.from_env({"NEWSQA_DB": str(db_path)}))
        async with running(fake, restarted, db_path):
            article = await press(fake, card, "查看原文", expect="new")
            assert article.text.startswith("激活乡村全面振兴“智力引擎”")
            (follow,) = await say(fake, 15, "品种呢?")
            assert "理解为：剑河中药材品种多少?" in follow.html and "31个" in follow.html  # state kept

    play(scenario)
    assert fake.errors == []


def test_429_is_retried(
    fake: FakeBotAPI, engine: Engine, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # as deployed: PTB 22 warns about int retry_after otherwise

    async def scenario() -> None:
        async with running(fake, engine, db_path):
            fake.fail_next("sendMessage", retry_after=1)
            (card,) = await say(fake, 16, QUESTION)
            assert "15.78万亩" in card.bold()

    play(scenario)
    assert fake.errors == [("sendMessage", "Too Many Requests: retry after 1")]


class Scripted:
    """A stand-in engine for Telegram mechanics: replies are given, failures are scripted."""

    def __init__(self, reply: Reply | None = None, button_reply: Reply | None = None) -> None:
        self.reply, self.button_reply = reply, button_reply

    def handle_text(self, chat_id: int, text: str) -> Reply:
        if self.reply is None:
            raise RuntimeError("boom")
        return self.reply

    def handle_command(self, chat_id: int, name: str, args: str) -> Reply:
        return self.handle_text(chat_id, args)

    def handle_button(self, chat_id: int, data: str, user_id: int | None = None) -> Reply:
        return self.button_reply or Reply(toast="好")

    def inline_results(self, query: str, limit: int = 10) -> list[tuple[str, Reply]]:
        return []

    def notice(self, kind: str) -> Reply:
        return Reply([Block(BlockKind.TEXT, f"notice:{kind}")])


def test_errors_are_logged_with_traceback_and_apologised_for(
    fake: FakeBotAPI, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    async def scenario() -> None:
        async with running(fake, Scripted(), db_path):
            (apology,) = await say(fake, 17, "你好")
            assert apology.text == "notice:error"

    play(scenario)
    assert "RuntimeError: boom" in caplog.text
    assert fake.token not in caplog.text and fake.token.split(":")[1] not in caplog.text
    assert fake.errors == []


def test_long_reply_is_split_with_keyboard_on_last_chunk(fake: FakeBotAPI, db_path: Path) -> None:
    paragraphs = [Block(BlockKind.PARAGRAPH, f"第{i}段。" + "报" * 1800) for i in range(1, 4)]
    reply = Reply(paragraphs, [[Button("下一页 ›", "a:x:1:1")]])
    same = Reply(paragraphs[:1], [[Button("下一页 ›", "a:x:1:1")]], edit=True)

    async def scenario() -> None:
        async with running(fake, Scripted(reply, same), db_path):
            first, second = await say(fake, 18, "长", expect=2)
            assert first.reply_markup is None and list(second.buttons()) == ["下一页 ›"]
            assert first.text.startswith("第1段") and second.text.startswith("第3段")
            edited = await press(fake, second, "下一页 ›")
            assert edited.text.startswith("第1段") and edited.edits == 1
            await press(fake, edited, "下一页 ›", expect="refused")  # identical content: Telegram refuses
            await say(fake, 18, "长", expect=2)  # updates run in order: the refused edit has been handled

    play(scenario)
    assert [e[0] for e in fake.errors] == ["editMessageText"]
    assert "message is not modified" in fake.errors[0][1]
    assert [m.text[:3] for m in fake.messages(18)] == [
        "第1段",
        "第1段",
        "第1段",
        "第3段",
    ]  # 2nd edited; no apology


def test_every_dev_question_gets_the_cli_card(fake: FakeBotAPI, engine: Engine, db_path: Path) -> None:
    path = SHARED / "eval" / "seed_dev_qa.jsonl"
    if not path.exists():
        pytest.skip(f"../shared not present: {path} is needed for the dev questions")
    questions = [
        json.loads(line)["q"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]

    async def scenario() -> None:
        async with running(fake, engine, db_path):
            for i, question in enumerate(questions):
                (card,) = await say(fake, 1000 + i, question)
                result = engine.ask(question, k=MORE_K)
                if result.abstained or not result.hits:
                    assert card.text.startswith("没有找到"), question
                    continue
                assert result.hits[0].quote in card.text, question
                if result.answer:
                    assert card.bold()[0] == result.answer, question

    play(scenario)
    assert fake.errors == []


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_serve_subprocess_answers_and_stops_on_sigterm(fake: FakeBotAPI, db_path: Path, mode: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NEWSQA_"))}
    env |= {
        "NEWSQA_DB": str(db_path),
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
    }
    if mode == "webhook":
        port = _free_port()
        env |= {
            "NEWSQA_WEBHOOK_URL": f"http://127.0.0.1:{port}/newsqa",
            "NEWSQA_WEBHOOK_SECRET": "s3cret-Token",
        }
        env |= {"NEWSQA_WEBHOOK_LISTEN": "127.0.0.1", "NEWSQA_WEBHOOK_PORT": str(port)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:

        async def scenario() -> None:
            started = "setWebhook" if mode == "webhook" else "getUpdates"
            await wait_until(lambda: fake.calls(started) or proc.poll() is not None, 60, "the bot to start")
            assert proc.poll() is None, "newsqa serve exited early"
            assert [c["command"] for c in fake.calls("setMyCommands")[0]["commands"]] == [
                n for n, _ in COMMANDS
            ]
            if mode == "webhook":
                url = f"http://127.0.0.1:{port}/newsqa"
                assert fake.webhook == {"url": url, "secret_token": "s3cret-Token"}
                await wait_until(lambda: _listening(port), what="the webhook server")
                forged = urllib.request.Request(url, b"{}", {"Content-Type": "application/json"})
                with pytest.raises(urllib.error.HTTPError, match="403"):  # no secret token: refused
                    urllib.request.urlopen(forged, timeout=5)
            (card,) = await say(fake, 19, QUESTION)
            assert "15.78万亩" in card.bold()

        play(scenario)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert fake.token.encode() not in out + err
    assert fake.errors == []


def test_serve_with_a_rejected_token_says_so(fake: FakeBotAPI, db_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NEWSQA_"))}
    env |= {
        "NEWSQA_DB": str(db_path),
        "TELEGRAM_BOT_TOKEN": "999:WRONG-secret",
        "TELEGRAM_API_BASE_URL": fake.base_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 1
    assert "Error: Telegram rejected the bot token" in done.stderr.decode()
    assert b"WRONG-secret" not in done.stdout + done.stderr
