"""One poller per bot: a second ``newsqa serve`` in polling mode is refused, and Telegram's 409 for another
poller elsewhere is said clearly."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from bot.poller_lock import bot_key, hold_poller
from bot.settings import Settings
from tests.fake_bot_api import CONFLICT, ApiError, FakeBotAPI, wait_until
from tests.test_telegram_e2e import ROOT


def _env(db: Path, fake: FakeBotAPI, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NEWSQA_"))}
    env |= {"NEWSQA_DB": str(db), "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url}
    env |= {"NEWSQA_ANSWER_WORKERS": "0", "NEWSQA_CACHE_DIR": os.environ.get("NEWSQA_CACHE_DIR", "")}
    return env | extra


def _serve(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, stdout=out, stderr=out
        )


def test_a_second_poller_on_one_token_exits_saying_who_polls(
    state_url: str, fresh_db: Path, tmp_path: Path
) -> None:
    fake = FakeBotAPI()
    fake.start()
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = _serve(_env(fresh_db, fake, NEWSQA_STATE_URL=state_url, NEWSQA_REPLICA_NAME="first"), first_log)
    try:
        asyncio.run(
            wait_until(lambda: fake.calls("getUpdates") or first.poll() is not None, 60, "the first to poll")
        )
        assert first.poll() is None, first_log.read_text()
        env = _env(fresh_db, fake, NEWSQA_STATE_URL=state_url, NEWSQA_REPLICA_NAME="second")
        second = subprocess.run(
            [sys.executable, "-m", "bot", "serve"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert re.fullmatch(
            r"Error: Another newsqa is already polling for this bot \(replica first since "
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\); run replicas in webhook mode \(NEWSQA_WEBHOOK_URL\) or "
            r"stop the other one\n",
            second.stderr,
        ), second.stderr
        assert fake.token not in second.stderr + second.stdout
        first.send_signal(signal.SIGTERM)
        assert first.wait(30) == 0
    finally:
        if first.poll() is None:
            first.kill()
        fake.stop()
    text = first_log.read_text()
    assert "Traceback" not in text and fake.token not in text
    assert not second_log.exists()
    # the first one stopped: its lock went with it
    hold_poller(Settings(db_path=fresh_db, state_url=state_url, telegram_token=fake.token)).release()
    if state_url.startswith("sqlite:///"):
        lock = Path(state_url.removeprefix("sqlite:///") + f".poller-{bot_key(fake.token)}.lock")
        assert lock.exists() and fake.token not in lock.name


def test_telegram_ending_a_poll_for_another_host_polling_the_same_bot_is_said_clearly(
    fresh_db: Path, tmp_path: Path
) -> None:
    fake = FakeBotAPI()
    fake.start()
    log = tmp_path / "serve.log"
    proc = _serve(_env(fresh_db, fake), log)
    try:

        async def scenario() -> None:
            await wait_until(
                lambda: fake.calls("getUpdates") or proc.poll() is not None, 60, "the bot to poll"
            )

            def other_host() -> None:  # another program polling with the same token
                while "another program is polling" not in log.read_text() and proc.poll() is None:
                    with contextlib.suppress(ApiError):  # ended by the bot's next poll, as Telegram does
                        fake.handle(fake.token, "getUpdates", {"timeout": 2})

            await asyncio.wait_for(asyncio.to_thread(other_host), 60)

        asyncio.run(scenario())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        fake.stop()
    text = log.read_text()
    assert (
        "Telegram ended this poll: another program is polling for this bot with the same token (on another "
        "host?). Telegram allows one getUpdates consumer per bot: stop the other one, or run replicas in "
        "webhook mode (NEWSQA_WEBHOOK_URL). Retrying"
    ) in text
    assert ("getUpdates", CONFLICT) in fake.errors  # the bot's poll, ended by the other one's
    assert "Traceback" not in text and fake.token not in text
