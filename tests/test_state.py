"""Chat state on each backend (the ``state_url`` fixture: a SQLite file, then a real PostgreSQL database): the
same tests for both, with two state objects on one URL standing for two replicas."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.state import Asked, ChatState, ChatStateStore, StateStore, open_state

ROOT = Path(__file__).resolve().parents[1]


def replica(url: str) -> ChatStateStore:
    return open_state(Settings(state_url=url))


def test_question_recorded_and_loaded(state_url: str) -> None:
    state = replica(state_url)
    assert state.load(5) == ChatState(5, None, 0, None, None)
    assert state.last_asked(5) is None
    first = state.record_question(5, "剑河中药材面积?", "剑河中药材面积?", "quantity")
    assert first.id > 0
    assert state.asked(first.id) == first
    assert state.load(5) == ChatState(5, first.id, 0, None, None)
    state.save(ChatState(5, first.id, 2, "a1b2", 3))
    assert state.load(5) == ChatState(5, first.id, 2, "a1b2", 3)
    second = state.record_question(5, "品种呢?", "剑河中药材品种?", None)
    assert state.last_asked(5) == Asked(second.id, 5, "品种呢?", "剑河中药材品种?", None)
    assert state.load(5) == ChatState(5, second.id, 0, None, None)  # a new question starts on page 0
    assert state.asked(0) is None and state.asked(second.id + 100) is None
    assert replica(state_url).last_asked(5) == state.last_asked(5)  # kept: a restart finds it
    state.close()


def test_a_button_from_one_replica_works_on_the_other(state_url: str) -> None:
    a, b = replica(state_url), replica(state_url)
    ids = []
    for n in range(10):
        ids.append(a.record_question(1, f"问题{n}", f"问题{n}", None).id)
        ids.append(b.record_question(2, f"问题{n}", f"问题{n}", None).id)
    assert len(set(ids)) == 20
    assert b.asked(ids[0]) == Asked(ids[0], 1, "问题0", "问题0", None)
    assert a.last_asked(2) == b.last_asked(2) == Asked(ids[-1], 2, "问题9", "问题9", None)


RECORD = """
import sys
from bot.settings import Settings
from bot.state import open_state
state = open_state(Settings(state_url=sys.argv[1]))
print(" ".join(str(state.record_question(int(sys.argv[2]), "问", "问", None).id) for _ in range(25)))
"""


def test_ask_ids_are_unique_across_processes(state_url: str) -> None:
    replica(state_url).close()  # the schema, before the processes race for the rows
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", RECORD, state_url, str(chat)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for chat in (1, 2)
    ]
    ids = [int(x) for run in runs for x in run.communicate(timeout=120)[0].split()]
    assert all(run.returncode == 0 for run in runs)
    assert len(ids) == 50 and len(set(ids)) == 50 and 0 not in ids


def test_a_second_vote_replaces_the_first(state_url: str) -> None:
    a, b = replica(state_url), replica(state_url)
    asked = a.record_question(3, "剑河中药材面积?", "剑河中药材面积?", "quantity")
    assert a.add_feedback(3, asked, 17, "a1", 2, "15.78万亩", 1, user_id=42)
    assert b.add_feedback(3, asked, 17, "a1", 2, "15.78万亩", -1, user_id=42)  # the same user, on replica B
    assert a.feedback_counts() == {"up": 0, "down": 1}
    assert b.add_feedback(3, asked, 17, "a1", 2, "15.78万亩", 1, user_id=43)  # another user
    assert a.feedback_counts() == b.feedback_counts() == {"up": 1, "down": 1}


def test_concurrent_replicas_lose_and_double_nothing(state_url: str) -> None:
    replicas = [replica(state_url), replica(state_url)]
    shared = replicas[0].record_question(99, "共同的问题", "共同的问题", None)
    last: dict[int, int] = {}
    errors: list[BaseException] = []

    def chat(number: int) -> None:  # one writer per chat (the engine's per-chat lock), two replicas
        try:
            for n in range(10):
                state = replicas[(number + n) % 2]
                asked = state.record_question(number, f"问题{n}", f"问题{n}", None)
                state.save(ChatState(number, asked.id, n, "uid", n))
                state.add_feedback(number, asked, 1, "uid", 1, "答", 1, user_id=number)
                state.add_feedback(
                    99, shared, 1, "uid", 1, "答", 1 if n % 2 else -1, user_id=7
                )  # one user, racing
                last[number] = asked.id
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=chat, args=(number,)) for number in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(last) == list(range(20))
    for number, ask_id in last.items():
        assert replicas[number % 2].load(number) == ChatState(number, ask_id, 9, "uid", 9)
    counts = replicas[1].feedback_counts()
    assert counts["up"] + counts["down"] == 201  # 200 votes of 200 questions, one of the racing user
    assert counts["up"] - 200 in (0, 1) and counts["down"] in (0, 1)


def test_schema_created_and_versioned_on_first_use(state_url: str) -> None:
    from bot.cache_pg import open_cache

    replica(state_url).record_question(1, "问", "问", None)
    replica(state_url)  # a second start changes nothing
    open_cache(Settings(state_url=state_url))
    if state_url.startswith("sqlite:///"):
        conn = sqlite3.connect(state_url.removeprefix("sqlite:///"))
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"asked", "chat_state", "feedback", "query_cache", "query_cache_stats"} <= tables
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT COUNT(*) FROM asked").fetchone() == (1,)
        return
    import psycopg

    with psycopg.connect(state_url) as conn:
        versions = conn.execute("SELECT component, version FROM newsqa_schema ORDER BY component").fetchall()
        assert versions == [("query_cache", 1), ("state", 1)]
        assert conn.execute("SELECT COUNT(*) FROM asked").fetchone() == (1,)
        unique = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'feedback_one_vote'"
        ).fetchone()
        assert unique == (
            "CREATE UNIQUE INDEX feedback_one_vote ON public.feedback USING btree (ask_id, user_id)",
        )


def test_a_state_file_gets_its_folder(tmp_path: Path) -> None:
    state = replica(f"sqlite:///{tmp_path / 'new' / 'folder' / 'state.db'}")
    assert state.record_question(1, "问", "问", None).id == 1
    assert (tmp_path / "new" / "folder" / "state.db").exists()


def test_old_feedback_table_gets_the_user_column(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    conn.execute(
        "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id INTEGER NOT NULL, ask_id INTEGER,"
        " question TEXT, passage_id INTEGER, article_uid TEXT, paragraph INTEGER, answer TEXT,"
        " vote INTEGER NOT NULL, at REAL NOT NULL)"
    )
    conn.execute("INSERT INTO feedback(chat_id, ask_id, vote, at) VALUES (1, 1, 1, 0)")
    state = StateStore(conn)
    assert "user_id" in {row[1] for row in conn.execute("PRAGMA table_info(feedback)")}
    asked = state.record_question(1, "问", "问", None)
    state.add_feedback(1, asked, None, None, None, None, -1, user_id=5)
    assert state.feedback_counts() == {"up": 1, "down": 1}


def test_the_store_is_the_default(fresh_db: Path) -> None:
    from corpus.store import Store

    store = Store.open(fresh_db)
    state = open_state(Settings(db_path=fresh_db), store)
    asked = state.record_question(1, "问", "问", None)
    assert store.conn.execute("SELECT question FROM asked WHERE id = ?", (asked.id,)).fetchone() == ("问",)
    with pytest.raises(ValueError, match="pass the store"):
        open_state(Settings(db_path=fresh_db))
    store.close()
