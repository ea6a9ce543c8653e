"""The query cache on each backend (the ``state_url`` fixture: a SQLite file, then a real PostgreSQL database),
shared by two caches on one URL as by two replicas, and by the answer pool's workers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.cache_pg import PgQueryCache, open_cache
from bot.library import open_searcher
from bot.settings import Settings

QUESTION = "剑河中药材面积多少?"


def test_hits_and_misses_are_counted_across_replicas(state_url: str) -> None:
    a, b = open_cache(Settings(state_url=state_url)), open_cache(Settings(state_url=state_url))
    assert a is not None and b is not None
    assert a.get("剑河中药材面积", 5, 1) is None
    a.put("剑河中药材面积", 5, 1, {"answer": "15.78万亩"})
    assert b.get("剑河中药材面积", 5, 1) == {"answer": "15.78万亩"}  # written by the other replica
    assert b.get("剑河中药材面积", 3, 1) is None  # another k
    b.put("剑河中药材面积", 5, 1, {"answer": "15.78万亩。"})  # both replicas answered it: the last one stays
    assert a.get("剑河中药材面积", 5, 1) == {"answer": "15.78万亩。"}
    figures = a.stats()
    assert (figures["entries"], figures["hits"], figures["misses"], figures["hit_rate"]) == (1, 2, 2, 0.5)
    assert figures["writes_given_up"] == 0
    a.close()
    b.close()


def test_a_new_version_never_reads_old_entries(state_url: str) -> None:
    cache = open_cache(Settings(state_url=state_url))
    assert cache is not None
    cache.put("q", 5, 1, {"answer": "旧"})
    cache.put("r", 5, 1, {"answer": "旧"})
    assert cache.get("q", 5, 2) is None
    cache.put("q", 5, 2, {"answer": "新"})
    cache.clear_stale(2)
    assert cache.get("q", 5, 2) == {"answer": "新"}
    assert cache.get("r", 5, 1) is None
    assert cache.stats()["entries"] == 1


def test_the_searcher_answers_from_the_configured_cache(state_url: str, fresh_db: Path) -> None:
    searcher = open_searcher(Settings(db_path=fresh_db, state_url=state_url))
    assert searcher.ask(QUESTION).cache_hit is False
    again = open_searcher(Settings(db_path=fresh_db, state_url=state_url))  # another replica
    result = again.ask(QUESTION)
    assert result.cache_hit is True and result.answer == "15.78万亩"
    figures = again.cache.stats()  # type: ignore[union-attr]
    assert (figures["entries"], figures["hits"], figures["misses"]) == (1, 1, 1)
    store = sqlite3.connect(fresh_db)
    assert store.execute("SELECT COUNT(*) FROM query_cache").fetchone() == (0,)  # not in the store's file


def test_a_write_postgresql_refuses_is_skipped_and_counted(pg_url: str) -> None:
    import psycopg

    cache = PgQueryCache(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("ALTER TABLE query_cache RENAME TO query_cache_away")
        cache.put("q", 5, 1, {"answer": "甲"})  # no error: skipped and counted
        assert cache.get("q", 5, 1) is None
        admin.execute("ALTER TABLE query_cache_away RENAME TO query_cache")
    assert cache.unsaved == 1
    cache.put("q", 5, 1, {"answer": "甲"})  # gets through, and saves the count
    assert PgQueryCache(pg_url).stats()["writes_given_up"] == 1
    assert cache.get("q", 5, 1) == {"answer": "甲"}


def test_a_newer_version_drops_older_entries_and_never_the_reverse(pg_url: str) -> None:
    old, new = PgQueryCache(pg_url), PgQueryCache(pg_url)  # replicas on an older and a newer snapshot
    old.put("q", 5, 1, {"answer": "旧"})
    old.get("q", 5, 1)
    assert new.get("q", 5, 2) is None  # first sight of version 2: version 1 entries go
    new.put("q", 5, 2, {"answer": "新"})
    assert old.get("q", 5, 1) is None
    old.put("q", 5, 1, {"answer": "旧"})  # the older replica keeps answering from its own entries
    assert old.get("q", 5, 1) == {"answer": "旧"} and new.get("q", 5, 2) == {"answer": "新"}
    assert new.stats()["entries"] == 2


def test_answer_workers_share_the_cache(pg_url: str, fresh_db: Path) -> None:
    from bot.answer_pool import AnswerPool

    settings = Settings(db_path=fresh_db, state_url=pg_url, answer_workers=1)
    pool = AnswerPool(settings)
    pool.start()
    try:
        assert pool.running
        assert pool.ask(QUESTION).cache_hit is False
    finally:
        pool.close()
    result = open_searcher(settings).ask(QUESTION)  # this process finds the worker's answer
    assert result.cache_hit is True and result.answer == "15.78万亩"
