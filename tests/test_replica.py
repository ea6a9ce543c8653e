"""Replicas on NEWSQA_SNAPSHOTS: answers from the newest snapshot, a switch to a newer one mid-run with no
failed or mixed answer, the answer pool's workers switching too, and chat state kept off the snapshot."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bot.answer_pool import AnswerPool
from bot.engine import open_engine
from bot.settings import Settings
from index import tag_cache
from index.snapshot_files import file_sha256
from index.snapshot_watch import SnapshotSearcher
from tests.snapshot_helpers import (
    NEW_ANSWER,
    NEW_QUESTION,
    SEED_ANSWER,
    SEED_QUESTION,
    add_article,
    publish,
    wait_for,
)


def test_a_replica_switches_to_a_newer_snapshot_while_answering_without_a_failed_or_mixed_answer(
    fresh_db: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "snapshots"
    first, manifest = publish(fresh_db, folder)
    searcher = SnapshotSearcher(folder, cache_at=tmp_path / "local.db", poll_s=0.2)
    try:
        assert searcher.snapshot == manifest
        assert searcher.store.readonly
        assert searcher.ask(NEW_QUESTION).abstained

        answers: list[tuple[str, str | None]] = []
        failures: list[BaseException] = []
        stop = threading.Event()

        def hammer() -> None:
            while not stop.is_set():
                for question in (SEED_QUESTION, NEW_QUESTION):
                    try:
                        answers.append((question, searcher.ask(question).answer))
                    except BaseException as exc:  # any failure is what the test looks for
                        failures.append(exc)

        thread = threading.Thread(target=hammer)
        thread.start()
        old_store = searcher.store
        try:
            wait_for(lambda: len(answers) >= 4, "answers from the first snapshot")
            add_article(fresh_db, tmp_path / "extra")  # the ingest host grows its store ...
            second, newer = publish(fresh_db, folder)  # ... and publishes it
            wait_for(lambda: searcher.snapshot == newer, "the switch to the newer snapshot")
            switched_at = len(answers)
            wait_for(lambda: len(answers) >= switched_at + 4, "answers from the newer snapshot")
        finally:
            stop.set()
            thread.join(timeout=120)
        assert failures == []
        assert {a for q, a in answers if q == SEED_QUESTION} == {SEED_ANSWER}
        new = [a for q, a in answers if q == NEW_QUESTION]
        assert set(new) == {None, NEW_ANSWER}
        first_new = new.index(NEW_ANSWER)
        assert new[first_new:] == [NEW_ANSWER] * (len(new) - first_new)  # never back to the old snapshot
        assert searcher.snapshot_path == second
        assert searcher.switches == 1
        wait_for(lambda: not searcher._retired, "the old snapshot to be closed")
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            old_store.conn.execute("SELECT 1")
        assert file_sha256(first) == manifest.sha256 and file_sha256(second) == newer.sha256  # never written
    finally:
        searcher.close()
    assert tag_cache.installed() is None  # a closed snapshot's tag cache is not left as the process's


def test_a_newer_snapshot_whose_cache_is_busy_is_switched_to_once_the_lock_is_free(
    fresh_db: Path, tmp_path: Path
) -> None:
    """A lock on the local cache (answers writing, for longer than the cache's busy timeout) is no damage: the
    newer snapshot is not rejected, the switch waits for the next poll."""
    folder = tmp_path / "snapshots"
    publish(fresh_db, folder)
    local = tmp_path / "local.db"
    searcher = SnapshotSearcher(folder, cache_at=local, watch=False)
    try:
        add_article(fresh_db, tmp_path / "extra")
        second, newer = publish(fresh_db, folder)
        writer = sqlite3.connect(local, isolation_level=None)
        writer.execute("BEGIN EXCLUSIVE")  # what a long write holds
        try:
            assert searcher.check() is False
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        assert searcher.check() is True
        assert searcher.snapshot == newer and searcher.snapshot_path == second
        assert searcher.ask(NEW_QUESTION).answer == NEW_ANSWER
    finally:
        searcher.close()


def test_the_engine_on_snapshots_keeps_chat_state_in_its_own_file(fresh_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "snapshots"
    snapshot, manifest = publish(fresh_db, folder)
    local = tmp_path / "replica" / "local.db"
    engine = open_engine(Settings(db_path=local, snapshots=folder, answer_workers=0))
    try:
        reply = engine.handle_text(42, SEED_QUESTION)
        assert reply.blocks[0].text == SEED_ANSWER
        assert engine.index_label == f"snapshot v{manifest.version}"
        conn = sqlite3.connect(local)
        assert conn.execute("SELECT chat_id, question FROM asked").fetchall() == [(42, SEED_QUESTION)]
        assert conn.execute("SELECT chat_id, page FROM chat_state").fetchall() == [(42, 0)]
        conn.close()
        more = engine.handle_command(42, "more")  # 更多结果 reads the state back
        assert "还没有问题可以翻页" not in more.blocks[0].text
    finally:
        engine.searcher.close()  # type: ignore[attr-defined]
    assert file_sha256(snapshot) == manifest.sha256


def test_answer_pool_workers_switch_to_a_newer_snapshot(
    fresh_db: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Each worker process runs its own watcher; their log (stderr, inherited) says when each switched."""
    folder = tmp_path / "snapshots"
    publish(fresh_db, folder)
    settings = Settings(db_path=tmp_path / "local.db", snapshots=folder, answer_workers=2)
    pool = AnswerPool(settings)
    pool.start()
    try:
        assert pool.running and len(pool.pids) == 2
        assert pool.ask(NEW_QUESTION).abstained
        add_article(fresh_db, tmp_path / "extra")
        _, newer = publish(fresh_db, folder)
        logged: list[str] = []
        switched = f"index.snapshot_watch: Switched to snapshot v{newer.version}"

        def both_switched() -> bool:
            logged.append(capfd.readouterr().err)
            return "".join(logged).count(switched) == 2

        wait_for(both_switched, "both workers to switch")
        assert [pool.ask(NEW_QUESTION).answer for _ in range(6)] == [NEW_ANSWER] * 6
        assert pool.ask(SEED_QUESTION).answer == SEED_ANSWER
    finally:
        pool.close()
