"""Claims, heartbeats and take-overs of the update journal: the same tests on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from telegram import Update

from bot.journal import KEEP_REPLICAS_S, STALE_S, Journal, is_dead, open_journal
from bot.settings import Settings
from bot.updates import JournalQueue

MESSAGE = {"message_id": 4, "date": 0, "text": "剑河?", "chat": {"id": 9, "type": "private"}}
OUTBOX = {"chat_id": 9, "chunks": ["答"], "sent": 0, "floor": 4, "reply_to": None, "markup": None}


def _journal(state_url: str, name: str) -> Journal:
    """A replica's journal on the shared state."""
    return open_journal(Settings(state_url=state_url, replica_name=name))


def _update(update_id: int) -> Update:
    return Update.de_json({"update_id": update_id, "message": MESSAGE}, None)  # type: ignore[arg-type]


def test_two_replicas_given_one_update_answer_it_once(state_url: str) -> None:
    a, b = _journal(state_url, "a"), _journal(state_url, "b")

    async def scenario() -> tuple[int, int]:
        on_a, on_b = JournalQueue(a), JournalQueue(b)
        await on_a.put(_update(7))
        await on_b.put(_update(7))  # Telegram's retry reached the other replica
        await on_a.put(_update(7))  # and the first one again
        await on_b.put(_update(8))
        return on_a.qsize(), on_b.qsize()

    assert asyncio.run(scenario()) == (1, 1)
    assert a.owners() == {7: "a", 8: "b"}
    assert b.claim(7, "{}") is False
    assert b.states() == {7: "pending", 8: "pending"}


def test_200_updates_claimed_by_20_threads_on_two_replicas_each_once_none_lost(state_url: str) -> None:
    a, b = _journal(state_url, "a"), _journal(state_url, "b")
    wins: list[tuple[int, str]] = []
    lock = threading.Lock()

    def deliver(journal: Journal, lane: int) -> None:
        for update_id in range(1000 + lane, 1200, 10):  # each update reaches one thread of each replica
            if journal.claim(update_id, f'{{"update_id": {update_id}}}'):
                with lock:
                    wins.append((update_id, journal.replica))

    threads = [threading.Thread(target=deliver, args=(a if i < 10 else b, i % 10)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(u for u, _ in wins) == list(range(1000, 1200))
    owners = a.owners()
    assert owners == dict(wins)
    assert set(owners.values()) <= {"a", "b"}


def test_a_dead_replicas_pending_and_sending_updates_are_taken_over_by_one_of_two_survivors(
    state_url: str,
) -> None:
    dead, alive = _journal(state_url, "dead"), _journal(state_url, "alive")
    for update_id in (1, 2, 3):
        dead.claim(update_id, f'{{"update_id": {update_id}}}')
    dead.sending(2, OUTBOX)
    dead.done(3)
    alive.claim(4, '{"update_id": 4}')
    dead.beat(now=time.time() - STALE_S - 5)  # killed: its heartbeat stopped
    survivors = [_journal(state_url, "s1"), _journal(state_url, "s2")]
    taken: dict[str, list[object]] = {}
    start = threading.Barrier(2)

    def take(journal: Journal) -> None:
        start.wait()
        taken[journal.replica] = list(journal.take_over())

    threads = [threading.Thread(target=take, args=(s,)) for s in survivors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (winner,) = [name for name, rows in taken.items() if rows]
    assert taken[winner] == [
        (1, '{"update_id": 1}', "pending", None),
        (2, '{"update_id": 2}', "sending", OUTBOX),
    ]
    assert [rows for name, rows in taken.items() if name != winner] == [[]]
    assert dead.owners() == {1: winner, 2: winner, 3: "dead", 4: "alive"}  # the live one's update stays
    assert [s.take_over() for s in survivors] == [[], []]


def test_a_replica_that_stopped_cleanly_hands_its_updates_over_at_once(state_url: str) -> None:
    leaving, staying = _journal(state_url, "leaving"), _journal(state_url, "staying")
    leaving.claim(5, '{"update_id": 5}')
    assert staying.take_over() == []  # its heartbeat is fresh
    leaving.retire()
    assert staying.take_over() == [(5, '{"update_id": 5}', "pending", None)]


def test_a_running_replica_queues_what_it_takes_over_and_its_heartbeat_goes_when_it_stops(
    state_url: str,
) -> None:
    dead, alive = _journal(state_url, "dead"), _journal(state_url, "alive")
    dead.claim(6, json.dumps({"update_id": 6, "message": MESSAGE}))
    dead.sending(6, OUTBOX)
    dead.beat(now=time.time() - STALE_S - 5)

    async def scenario() -> tuple[object, dict[int, object], set[int]]:
        queue = JournalQueue(alive)
        queue.start_watch(None, every_s=0.05)
        try:
            update = await asyncio.wait_for(queue.get(), 30)
        finally:
            await asyncio.to_thread(queue.stop_watch)
        return update, queue.outboxes, queue.replayed

    update, outboxes, replayed = asyncio.run(scenario())
    assert isinstance(update, Update) and update.update_id == 6 and update.message is not None
    assert update.message.text == "剑河?"
    assert outboxes == {6: OUTBOX} and replayed == {6}
    assert alive.owners() == {6: "alive"}
    assert "alive" not in alive.replicas()  # stopped: gone from the heartbeats


def test_heartbeats_of_replicas_gone_long_and_old_done_updates_are_purged(state_url: str) -> None:
    old, current = _journal(state_url, "old"), _journal(state_url, "current")
    old.beat(now=time.time() - KEEP_REPLICAS_S - 60)
    current.claim(1, "{}")
    current.claim(2, "{}")
    current.done(1)
    assert set(current.replicas()) == {"old", "current"}
    current.prune()  # updates done within two days are kept
    assert current.states() == {1: "done", 2: "pending"}
    assert set(current.replicas()) == {"current"}
    current.prune(keep_s=-1.0)
    assert current.states() == {2: "pending"}


def test_a_replica_of_this_host_whose_process_is_gone_is_dead_at_once_on_sqlite_only() -> None:
    probe = subprocess.Popen([sys.executable, "-c", "pass"])
    probe.wait()
    gone, here = f"{socket.gethostname()}:{probe.pid}", f"{socket.gethostname()}:{os.getpid()}"
    now = time.time()
    assert is_dead(gone, now, "me", now, at_start=False, local=True) is True
    assert is_dead(gone, now, "me", now, at_start=False, local=False) is False  # PostgreSQL: other hosts
    assert is_dead(here, now, "me", now, at_start=False, local=True) is False
    assert is_dead("me", now, "me", now, at_start=True, local=False) is True
    assert is_dead("me", now, "me", now, at_start=False, local=False) is False
    assert is_dead(None, None, "me", now, at_start=False, local=False) is True
    assert is_dead("x", now - STALE_S - 1, "me", now, at_start=False, local=False) is True


def test_the_journal_is_in_the_store_file_unless_the_state_url_names_one(tmp_path: Path) -> None:
    in_store = open_journal(Settings(db_path=tmp_path / "newsqa.db", replica_name="r"))
    in_store.claim(1, "{}")
    in_file = open_journal(Settings(state_url=f"sqlite:///{tmp_path / 'state.db'}", replica_name="r"))
    assert in_file.states() == {} and in_store.states() == {1: "pending"}
    assert (tmp_path / "newsqa.db").exists() and (tmp_path / "state.db").exists()
