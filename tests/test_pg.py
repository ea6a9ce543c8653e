"""bot/pg.py against a real PostgreSQL server: pools, versioned schemas, clear errors."""

from __future__ import annotations

import threading

import pytest

from bot.pg import PostgresUnavailable, ensure_schema, is_postgres_url, pool_for, redacted

STEPS = ["CREATE TABLE t (id INTEGER PRIMARY KEY)", "ALTER TABLE t ADD COLUMN name TEXT"]


def test_urls() -> None:
    assert is_postgres_url("postgresql://u@h/db")
    assert is_postgres_url("postgres://u@h/db")
    assert not is_postgres_url("sqlite:///var/x.db")
    assert not is_postgres_url(None)
    assert redacted("postgresql://bot:s3cret@db:5432/newsqa") == "postgresql://bot:***@db:5432/newsqa"
    assert redacted("postgresql://bot@db/newsqa") == "postgresql://bot@db/newsqa"


def test_schema_applied_once_and_upgraded(pg_url: str) -> None:
    pool = pool_for(pg_url)
    assert ensure_schema(pool, "demo", STEPS[:1]) == 1
    assert ensure_schema(pool, "demo", STEPS[:1]) == 1  # again: nothing to do
    assert ensure_schema(pool, "demo", STEPS) == 2  # a newer newsqa adds a step
    with pool.connection() as conn:
        conn.execute("INSERT INTO t(id, name) VALUES (%s, %s)", (1, "x"))
        assert conn.execute("SELECT version FROM newsqa_schema WHERE component = 'demo'").fetchone() == (2,)
    with pytest.raises(PostgresUnavailable, match="newer than this newsqa knows"):
        ensure_schema(pool, "demo", STEPS[:1])


def test_concurrent_first_use_applies_each_step_once(pg_url: str) -> None:
    pool = pool_for(pg_url)
    errors: list[BaseException] = []

    def start() -> None:
        try:
            ensure_schema(pool, "race", STEPS)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_unreachable_server_says_what_to_do() -> None:
    with pytest.raises(PostgresUnavailable, match="Check NEWSQA_STATE_URL") as caught:
        pool_for("postgresql://bot:pw@127.0.0.1:1/none", timeout_s=1.0)
    assert "pw" not in str(caught.value)
