"""The engine on each state backend, as two replicas sharing one state URL; PostgreSQL down at start (a clear
error from the CLI) and gone mid-run (answers go on); ``newsqa stats`` reading the configured backend."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.engine import Engine, open_engine
from bot.pg import pool_for
from bot.reply import Reply
from bot.settings import Settings

QUESTION = "剑河中药材面积多少?"
DOWN = "postgresql://newsqa:pw@127.0.0.1:1/none"
ALIVE = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s"


def button(reply: Reply, label: str) -> str:
    return next(b.data for row in reply.buttons for b in row if b.label == label)


def two_replicas(db: Path, url: str) -> tuple[Engine, Engine]:
    settings = Settings(db_path=db, state_url=url)
    return open_engine(settings), open_engine(settings)


def test_a_conversation_moves_between_replicas(state_url: str, fresh_db: Path) -> None:
    a, b = two_replicas(fresh_db, state_url)
    card = a.handle_text(1, QUESTION)
    assert card.blocks[0].text == "15.78万亩"
    more = b.handle_button(1, button(card, "更多结果"))  # replica A's card, pressed on B
    assert more.edit and more.blocks  # a results page, not the stale notice
    assert b.handle_button(1, button(card, "👍"), user_id=5).toast == "谢谢，已记下 👍"
    assert a.handle_button(1, button(card, "👍"), user_id=5).toast == "谢谢，已记下 👍"  # pressed twice
    assert a.handle_button(1, button(card, "👎"), user_id=6).toast == "谢谢，已记下 👎，我们会改进"
    assert a.state.feedback_counts() == b.state.feedback_counts() == {"up": 1, "down": 1}
    followup = b.handle_text(1, "品种呢?")  # resolved against the question asked on A
    assert followup.blocks[0].text == "（理解为：剑河中药材品种多少?）"
    assert a.state.last_asked(1).resolved == "剑河中药材品种多少?"  # type: ignore[union-attr]
    a.close()
    b.close()


def test_answers_go_on_when_postgresql_goes_away(
    pg_url: str, fresh_db: Path, postgres_server: object, caplog: pytest.LogCaptureFixture
) -> None:
    import psycopg

    engine = open_engine(Settings(db_path=fresh_db, state_url=pg_url))
    first = engine.handle_text(2, QUESTION)
    pool = pool_for(pg_url)
    with pool.connection(), pool.connection(), pool.connection():
        pass  # three connections in the pool now, all about to be closed by the server
    database = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_server.admin_url, autocommit=True) as admin:  # type: ignore[attr-defined]
        ended = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (database,)
        ).fetchall()
        assert ended and all(row == (True,) for row in ended)  # every pooled connection closed by the server
        for _ in range(1000):  # until the server has ended them (pg_terminate_backend only signals)
            if admin.execute(ALIVE, (database,)).fetchone() == (0,):
                break
            time.sleep(0.01)
        assert admin.execute(ALIVE, (database,)).fetchone() == (0,)
        followup = engine.handle_text(2, "品种呢?")  # on fresh connections: the state is still there
        assert followup.blocks[0].text == "（理解为：剑河中药材品种多少?）"

        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("DROP TABLE asked, chat_state, feedback, query_cache, query_cache_stats")
        with caplog.at_level(logging.WARNING):
            card = engine.handle_text(2, QUESTION)
            assert card.blocks[0].text == "15.78万亩"
            assert engine.handle_button(2, button(first, "👍"), user_id=5).toast  # a toast, no traceback
        assert "Chat state write skipped" in caplog.text
        assert button(card, "更多结果") == "m:0:1"  # not stored: its buttons will say they are stale

        caplog.clear()
        admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')  # the server is gone for this replica
        with caplog.at_level(logging.WARNING):
            assert engine.handle_text(3, QUESTION).blocks[0].text == "15.78万亩"
            assert engine.handle_text(3, "剑河县培育了几家规模以上中药材企业").blocks
        assert "Chat state write skipped" in caplog.text


def test_ask_and_serve_say_when_postgresql_is_down(
    fresh_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSQA_DB", str(fresh_db))
    monkeypatch.setenv("NEWSQA_STATE_URL", DOWN)
    assert main(["ask", QUESTION]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: Cannot connect to PostgreSQL at postgresql://newsqa:***@127.0.0.1:1/none (")
    assert "or unset NEWSQA_STATE_URL to keep the state in the SQLite store." in err
    assert "Traceback" not in err and ":pw@" not in err
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678")
    monkeypatch.setenv("NEWSQA_ANSWER_WORKERS", "0")
    assert main(["serve"]) == 1
    err = capsys.readouterr().err
    assert "Error: Cannot connect to PostgreSQL at postgresql://newsqa:***@127.0.0.1:1/none (" in err
    assert "Traceback" not in err


def test_stats_reads_the_configured_backend(
    state_url: str, fresh_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSQA_DB", str(fresh_db))
    monkeypatch.setenv("NEWSQA_STATE_URL", state_url)
    engine = open_engine(Settings.from_env())
    card = engine.handle_text(4, QUESTION)
    engine.handle_button(4, button(card, "👎"), user_id=8)
    assert main(["ask", QUESTION]) == 0
    assert main(["ask", QUESTION]) == 0  # answered from the cache: the same backend
    capsys.readouterr()
    assert main(["stats", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["feedback"] == {"up": 0, "down": 1}
    cache = figures["cache"]
    assert (cache["entries"], cache["hits"], cache["misses"]) == (3, 1, 3)  # the card, 👎 (typed), ask -k 5
    assert figures["state"] == state_url
    monkeypatch.delenv("NEWSQA_STATE_URL")
    assert main(["stats", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["state"] == "store" and figures["feedback"] == {"up": 0, "down": 0}
