"""``GET /healthz`` over real HTTP, and the one log line per answered update with the replica's name."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.engine import open_engine
from bot.health import Health, state_check_for
from bot.settings import Settings
from bot.telegram_app import build_application, prepare
from bot.telegram_webhook import WebhookServer
from corpus.store import Store
from index.search import Searcher
from index.snapshot_watch import SnapshotSearcher
from tests.fake_bot_api import FakeBotAPI, wait_until
from tests.snapshot_helpers import NEW_ANSWER, NEW_QUESTION, SEED_ANSWER, SEED_QUESTION, add_article, publish

ROOT = Path(__file__).resolve().parents[1]
ANSWERED = re.compile(r"answered update (\d+) chat 42 in \d+ ms by replica web-1 \(snapshot v(\d+\.\d+)\)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _healthz(health: Callable[[], tuple[int, dict[str, Any]]]) -> tuple[int, str]:
    """GET /healthz from a real webhook server on 127.0.0.1 (it has a secret; the GET sends none)."""
    port = _free_port()

    async def scenario() -> tuple[int, str]:
        server = WebhookServer("127.0.0.1", port, "/hook", None, None, "s3cret", 1_048_576, health=health)
        server.start()
        try:
            return await asyncio.to_thread(_get, f"http://127.0.0.1:{port}/healthz")
        finally:
            await server.stop()

    return asyncio.run(scenario())


def test_healthz_reports_the_snapshot_and_needs_no_secret(fresh_db: Path, tmp_path: Path) -> None:
    _, manifest = publish(fresh_db, tmp_path / "snapshots")
    searcher = SnapshotSearcher(tmp_path / "snapshots", cache_at=tmp_path / "local.db", watch=False)
    try:
        settings = Settings(
            db_path=tmp_path / "local.db", snapshots=tmp_path / "snapshots", replica_name="web-1"
        )
        status, body = _healthz(Health("web-1", searcher, state_check_for(settings)).report)
    finally:
        searcher.close()
    assert status == 200
    assert json.loads(body) == {
        "ok": True,
        "replica": "web-1",
        "store": "ok",
        "state": "ok",
        "snapshot": {"version": "1.1", "sha256": manifest.sha256, "created": manifest.created},
        "index_version": 1,
    }


def test_healthz_is_503_when_the_store_cannot_be_read(fresh_db: Path) -> None:
    store = Store.open(fresh_db)
    health = Health("web-2", Searcher(store, use_cache=False, cache_tags=False), lambda: "ok")
    status, body = _healthz(health.report)
    assert (status, json.loads(body)["store"], json.loads(body)["snapshot"]) == (200, "ok", None)
    fresh_db.write_bytes(b"this is not a database" * 1000)  # the file damaged under the replica
    status, body = _healthz(health.report)
    store.close()
    assert status == 503
    assert json.loads(body) == {
        "ok": False,
        "replica": "web-2",
        "store": "cannot read: file is not a database",
        "state": "ok",
        "snapshot": None,
        "index_version": None,
    }


def test_healthz_checks_postgresql_and_never_shows_its_password(seed_db: Path, pg_url: str) -> None:
    searcher = Searcher(Store.open(seed_db), use_cache=False, cache_tags=False)
    assert state_check_for(Settings(state_url=pg_url))() == "ok"
    down = Settings(state_url="postgresql://newsqa:hunter2-secret@127.0.0.1:1/newsqa")
    status, body = _healthz(Health("web-3", searcher, state_check_for(down)).report)
    searcher.store.close()
    assert status == 200  # answers still come: the state is what is missing
    assert (json.loads(body)["ok"], json.loads(body)["state"]) == (False, "unreachable")
    assert "hunter2" not in body and "postgresql" not in body


def test_one_log_line_per_answered_update_names_the_replica_and_snapshot(
    fake: FakeBotAPI, fresh_db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "snapshots"
    publish(fresh_db, folder)
    env = {"NEWSQA_DB": str(tmp_path / "local.db"), "NEWSQA_SNAPSHOTS": str(folder)}
    env |= {
        "NEWSQA_REPLICA_NAME": "web-1",
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
    }
    settings = Settings.from_env(env)
    engine = open_engine(settings)
    app = build_application(settings, engine)

    async def scenario() -> None:
        async with app:
            await prepare(app)
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            try:
                fake.push_message(42, SEED_QUESTION)
                fake.push_message(42, "/about")
                fake.push_message(43, "/help")
                await wait_until(
                    lambda: len(fake.messages(42)) == 2 and fake.messages(43), what="the replies"
                )
                await asyncio.sleep(0.2)
            finally:
                await app.updater.stop()
                await app.stop()

    with caplog.at_level(logging.INFO, logger="bot.telegram_handlers"):
        asyncio.run(scenario())
    app.bot_data["journal"].close()
    engine.searcher.close()  # type: ignore[attr-defined]
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("answered update")]
    assert len(lines) == 3
    assert [ANSWERED.fullmatch(line) is not None for line in lines].count(True) == 2
    assert "chat 43" in next(line for line in lines if ANSWERED.fullmatch(line) is None)
    assert fake.token not in caplog.text


def test_a_serve_replica_on_snapshots_reports_health_logs_answers_and_switches(
    fake: FakeBotAPI, fresh_db: Path, tmp_path: Path
) -> None:
    """``newsqa serve`` as a real process (webhook mode, one answer worker) on NEWSQA_SNAPSHOTS."""
    folder = tmp_path / "snapshots"
    _, first = publish(fresh_db, folder)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NEWSQA_"))}
    env |= {
        "NEWSQA_CACHE_DIR": os.environ["NEWSQA_CACHE_DIR"],
        "NEWSQA_DB": str(tmp_path / "replica" / "local.db"),
        "NEWSQA_SNAPSHOTS": str(folder),
        "NEWSQA_REPLICA_NAME": "web-1",
        "NEWSQA_ANSWER_WORKERS": "1",
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "NEWSQA_WEBHOOK_URL": f"http://127.0.0.1:{port}/newsqa",
        "NEWSQA_WEBHOOK_SECRET": "s3cret-Token",
        "NEWSQA_WEBHOOK_PORT": str(port),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:

        async def scenario() -> None:
            await wait_until(
                lambda: fake.calls("setWebhook") or proc.poll() is not None, 90, "the bot to start"
            )
            assert proc.poll() is None, "newsqa serve exited early"
            status, body = await asyncio.to_thread(_get, f"http://127.0.0.1:{port}/healthz")
            assert status == 200
            report = json.loads(body)
            assert (report["replica"], report["store"], report["state"]) == ("web-1", "ok", "ok")
            assert report["snapshot"]["sha256"] == first.sha256
            assert "s3cret" not in body and fake.token not in body
            fake.push_message(42, SEED_QUESTION)
            await wait_until(lambda: len(fake.messages(42)) == 1, 60, "the first answer")
            assert SEED_ANSWER in fake.messages(42)[0].bold()

            await asyncio.to_thread(add_article, fresh_db, tmp_path / "extra")
            _, second = await asyncio.to_thread(publish, fresh_db, folder)

            def switched() -> bool:
                code, text = _get(f"http://127.0.0.1:{port}/healthz")
                return code == 200 and json.loads(text)["snapshot"]["sha256"] == second.sha256

            await wait_until(switched, 60, "the replica to switch")
            assert second.version == "2.2"
            for _ in range(30):  # the worker switches on its own watcher, within a poll or two
                count = len(fake.messages(42))
                fake.push_message(42, NEW_QUESTION)
                await wait_until(lambda n=count: len(fake.messages(42)) > n, 60, "an answer")
                if NEW_ANSWER in fake.messages(42)[-1].bold():
                    break
                await asyncio.sleep(1.0)
            assert NEW_ANSWER in fake.messages(42)[-1].bold()

        asyncio.run(scenario())
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    log = err.decode()
    assert proc.returncode == 0, log
    versions = [m.group(2) for m in ANSWERED.finditer(log)]
    assert versions[0] == first.version and versions[-1] == "2.2"
    assert "Switched to snapshot v2.2" in log
    assert fake.token.encode() not in out + err
    assert fake.errors == []
