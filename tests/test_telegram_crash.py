"""A real ``newsqa serve`` killed and restarted, and one started while the Bot API is unreachable."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.fake_bot_api import FakeBotAPI, wait_until
from tests.test_telegram_e2e import ROOT

QUESTIONS = [
    "剑河中药材面积多少?",
    "剑河县培育了几家规模以上中药材企业",
    "褚靖是谁",
    "剑河县中药材品种有多少个",
    "科技特派团是什么",
]


def _env(db: Path, base_url: str, token: str, answer_workers: int = 0) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NEWSQA_"))}
    env |= {"NEWSQA_DB": str(db), "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_BASE_URL": base_url}
    env["NEWSQA_ANSWER_WORKERS"] = str(answer_workers)
    env["NEWSQA_CACHE_DIR"] = os.environ.get("NEWSQA_CACHE_DIR", "")
    return env


def _serve(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, stdout=err, stderr=err
        )


def test_sigkill_during_a_burst_of_30_loses_nothing_and_answers_nothing_twice(
    fresh_db: Path, tmp_path: Path
) -> None:
    fake = FakeBotAPI()
    fake.start()
    log = tmp_path / "serve.log"
    env = _env(fresh_db, fake.base_url, fake.token, answer_workers=1)  # a worker process answers
    chats = list(range(500, 530))
    proc = _serve(env, log)
    # the 6th answer is carried out by Telegram, then the bot dies before it reads the response
    fake.after("sendMessage", 6, proc.kill)
    try:

        async def scenario() -> float:
            await wait_until(
                lambda: fake.calls("getUpdates") or proc.poll() is not None, 60, "the bot to start"
            )
            for i, chat in enumerate(chats):
                fake.push_message(chat, QUESTIONS[i % len(QUESTIONS)])
            await wait_until(lambda: proc.poll() is not None, 60, "the kill")
            (worker,) = _worker_pids(log.read_text())
            await wait_until(lambda: not _alive(worker), 10, "the orphaned answer worker to exit")
            answered = sum(1 for c in chats if fake.messages(c))
            assert 6 <= answered < 30, answered
            polls = len(fake.calls("getUpdates"))
            restart = time.monotonic()
            second = _serve(env, log)
            try:
                await wait_until(
                    lambda: len(fake.calls("getUpdates")) > polls, 60, "the restarted bot to poll"
                )
                started = time.monotonic() - restart
                await wait_until(lambda: all(fake.messages(c) for c in chats), 60, "every chat answered")
                recovered = time.monotonic() - restart
                await asyncio.sleep(1.0)  # room for any duplicate to show
            finally:
                second.send_signal(signal.SIGTERM)
                await asyncio.to_thread(second.wait, 30)
            assert second.returncode == 0
            return started, recovered

        started, recovered = asyncio.run(scenario())
    finally:
        if proc.poll() is None:
            proc.kill()
        fake.stop()
    counts = {c: len(fake.messages(c)) for c in chats}
    assert counts == dict.fromkeys(chats, 1)  # all 30 answered, none twice
    late = [c for c in chats if fake.messages(c)[0].text.startswith("抱歉回复晚了。")]
    assert 0 < len(late) <= 24  # the ones left over from the killed run say sorry
    text = log.read_text()
    assert "its answer had arrived before the restart" in text  # the 6th: found, not sent again
    assert fake.token not in text and "Traceback" not in text
    print(
        f"\nSIGKILL during 30 updates: polling {started:.1f} s, all answered {recovered:.1f} s after the restart"
    )


def test_serve_with_an_unreachable_bot_api_retries_until_it_is_back_and_stops_on_sigterm(
    fresh_db: Path, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    port = _free_port()
    fake = FakeBotAPI()
    proc = _serve(_env(fresh_db, f"http://127.0.0.1:{port}/bot", fake.token), log)  # nothing listens yet
    try:

        async def scenario() -> None:
            await wait_until(lambda: log.read_text().count("Bot API unreachable") >= 2, 60, "two retries")
            assert proc.poll() is None
            fake.start(port)  # the Bot API is back
            await wait_until(lambda: fake.calls("getUpdates"), 60, "the bot to poll")
            fake.push_message(60, QUESTIONS[0])
            await wait_until(lambda: fake.messages(60), 30, "the answer")

        asyncio.run(scenario())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        fake.stop()
    assert "15.78万亩" in fake.messages(60)[0].bold()
    text = log.read_text()
    refused = (
        "Bot API unreachable (NetworkError: httpx.ConnectError: All connection attempts failed): retrying"
    )
    assert f"{refused} the start in 1 s" in text and f"{refused} the start in 2 s" in text
    assert "Traceback" not in text and fake.token not in text


def test_serve_stops_on_sigterm_while_the_bot_api_is_unreachable(fresh_db: Path, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    proc = _serve(_env(fresh_db, f"http://127.0.0.1:{_free_port()}/bot", "123456:UNREACHABLE-secret"), log)
    try:
        asyncio.run(wait_until(lambda: "Bot API unreachable" in log.read_text(), 60, "a retry"))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text()
    assert "Stopped before the Bot API could be reached" in text
    assert "Traceback" not in text and "UNREACHABLE-secret" not in text


def _worker_pids(log: str) -> list[int]:
    """The answer workers' pids, as ``newsqa serve`` logs them at start."""
    found = re.search(r"Answering in \d+ worker process\(es\) \(pids ([\d ]+)\)", log)
    assert found, "the answer workers' start is logged"
    return [int(pid) for pid in found.group(1).split()]


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (an orphan reaped by init is gone; a zombie is not running)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
