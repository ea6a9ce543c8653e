"""A replica killed mid-burst: another replica sharing the state takes its updates over and answers each once."""

from __future__ import annotations

import asyncio
import signal
import socket
from pathlib import Path

from tests.fake_bot_api import FakeBotAPI, wait_until
from tests.test_poller import _env, _serve

QUESTIONS = [
    "剑河中药材面积?",
    "褚靖是谁",
    "剑河县中药材品种有多少个",
    "科技特派团是什么",
    "剑河县培育了几家规模以上中药材企业",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_killed_replicas_updates_are_answered_once_by_the_other(
    state_url: str, fresh_db: Path, tmp_path: Path
) -> None:
    fake = FakeBotAPI()
    fake.start()
    chats = list(range(700, 705))
    a_log, b_log = tmp_path / "a.log", tmp_path / "b.log"
    a = _serve(_env(fresh_db, fake, NEWSQA_STATE_URL=state_url, NEWSQA_REPLICA_NAME="a"), a_log)
    fake.after("sendMessage", 2, a.kill)  # the 2nd answer reaches Telegram, then replica a dies
    port = _free_port()
    b_env = _env(fresh_db, fake, NEWSQA_STATE_URL=state_url, NEWSQA_REPLICA_NAME="b")
    b_env |= {"NEWSQA_WEBHOOK_URL": f"http://127.0.0.1:{port}/newsqa", "NEWSQA_WEBHOOK_PORT": str(port)}
    b_env["NEWSQA_WEBHOOK_LISTEN"] = "127.0.0.1"
    b = None
    try:

        async def scenario() -> None:
            nonlocal b
            await wait_until(lambda: fake.calls("getUpdates") or a.poll() is not None, 60, "a to poll")
            for chat, text in zip(chats, QUESTIONS, strict=True):
                fake.push_message(chat, text)
            await wait_until(lambda: a.poll() is not None, 60, "the kill")
            assert sum(1 for c in chats if fake.messages(c)) < len(chats)
            b = _serve(b_env, b_log)
            await wait_until(lambda: all(fake.messages(c) for c in chats), 90, "every chat answered by b")
            await asyncio.sleep(1.0)  # room for a duplicate to show
            b.send_signal(signal.SIGTERM)
            await asyncio.to_thread(b.wait, 30)

        asyncio.run(scenario())
    finally:
        for proc in (a, b):
            if proc is not None and proc.poll() is None:
                proc.kill()
        fake.stop()
    assert b is not None and b.returncode == 0
    assert {c: len(fake.messages(c)) for c in chats} == dict.fromkeys(chats, 1)
    text = b_log.read_text()
    assert "update(s) of replica a" in text  # "Took over N update(s) of replica a"
    assert "Traceback" not in text + a_log.read_text() and fake.token not in text
