"""Replica benchmark: 1 and then 2 ``newsqa serve`` replicas in webhook mode behind the fake Bot API's proxy.

Usage (from the repository root)::

    .venv/bin/python -m bench.replicas                           # PostgreSQL state, index from snapshots
    .venv/bin/python -m bench.replicas --state sqlite --ready webhook   # one shared SQLite store (no /healthz)
    .venv/bin/python -m bench.replicas --updates 400 --chats 40 --replicas 1 2 3

The replicas are started as the tests start them (tests/replica_harness.py): subprocesses on 127.0.0.1,
answering on threads (``--workers``, NEWSQA_ANSWER_WORKERS, default 0), with the state in PostgreSQL
(``--state postgresql``: a server of tests/postgres.py, or ``NEWSQA_TEST_POSTGRES_URL``; the index from a
snapshot folder) or in one SQLite store they share (``--state sqlite``). The store holds the bundled page and
``../shared/data/peoples-daily`` (bench/load.py builds it). Each chat asks its next question as soon as the
previous one is answered (``--chats`` readers at once) until ``--updates`` questions were answered, drawn in
turn from bench/load.py's question files. Each run starts with new state (a new database, or a new copy of
the store), so a question is computed the first time it is asked and may come from the query cache after.
Before measuring, every replica answers ``--warmup`` other questions (its taggers loaded).

Printed per replica count: answered updates per second (first question delivered to last answer received),
and the answer time through the webhook — from the fake's first POST of an update to the answer's
``sendMessage`` reaching it — p50, p99 and max, how many answers each replica sent, refused calls, the load
average. One JSON line per row is appended to ``bench/out/replicas.jsonl``. The fake, this script and the
replicas share the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.load import OUT, build_store, questions
from tests.fake_bot_api import FakeBotAPI, Sent, wait_until
from tests.replica_harness import ReplicaSet, copy_store, publish_snapshot

NAMES = ("r1", "r2", "r3", "r4")


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Postgres:
    """A fresh database per run: on ``NEWSQA_TEST_POSTGRES_URL`` or a server started here (tests/postgres.py)."""

    def __init__(self) -> None:
        from tests.postgres import SKIP_REASON, ExternalServer, PostgresServer, binaries

        external = os.environ.get("NEWSQA_TEST_POSTGRES_URL")
        if external:
            self.server: Any = ExternalServer(external)
            return
        folder = binaries()
        if folder is None:
            raise SystemExit(SKIP_REASON)
        self.server = PostgresServer(folder)
        self.server.start()

    def new_database(self) -> str:
        return str(self.server.new_database())

    def stop(self) -> None:
        self.server.stop()


async def closed_loop(
    fake: FakeBotAPI, chats: list[int], pool: list[str], updates: int
) -> list[tuple[float, str]]:
    """Each chat asks, waits for the answer, asks again; until ``updates`` were answered. (answer time in s,
    question) of each."""
    loop = asyncio.get_running_loop()
    waiting: dict[int, asyncio.Future[Sent]] = {}

    def sent(message: Sent) -> None:  # on the fake's thread
        future = waiting.get(message.chat_id)
        if future is not None:
            loop.call_soon_threadsafe(answered, future, message)

    def answered(future: asyncio.Future[Sent], message: Sent) -> None:
        if not future.done():
            future.set_result(message)

    fake.on_sent = sent
    times: list[tuple[float, str]] = []
    turns = iter(range(updates))

    async def reader(chat: int) -> None:
        for turn in turns:
            waiting[chat] = loop.create_future()
            question = pool[turn % len(pool)]
            update_id = fake.push_message(chat, question)
            assert update_id is not None
            answer = await asyncio.wait_for(waiting[chat], 120)
            times.append((answer.at - fake.delivery.first_post[update_id], question))

    try:
        await asyncio.gather(*(reader(chat) for chat in chats))
    finally:
        fake.on_sent = None
    return times


async def warm_up(fake: FakeBotAPI, replicas: ReplicaSet, warmup: list[str]) -> None:
    """Each replica answers the ``warmup`` questions (never asked when measuring: the state, query cache
    included, is new for each run, so a measured question is computed the first time it is asked)."""
    for index, replica in enumerate(replicas.replicas.values()):
        chat = 900_000 + index
        for question in warmup:
            before = len(fake.messages(chat))
            with fake.via(index):
                fake.push_message(chat, question)
            answered = lambda chat=chat, before=before: len(fake.messages(chat)) > before  # noqa: E731
            await wait_until(answered, 120, f"{replica.name} to warm up")
    if replicas.extra_env.get("NEWSQA_ANSWER_WORKERS") == "0":  # taggers load on a thread (bot/warmup.py)
        loaded = lambda: all("warm-up:" in r.log_text() for r in replicas.replicas.values())  # noqa: E731
        await wait_until(loaded, 120, "the taggers to load")


async def run_once(
    args: argparse.Namespace, n: int, store: Path, work: Path, pg: Postgres | None
) -> dict[str, Any]:
    """Start ``n`` replicas, warm them up, measure, stop them; the row."""
    fake = FakeBotAPI()
    fake.start()
    extra = {"NEWSQA_ANSWER_WORKERS": str(args.workers)}
    if pg is not None:
        snapshots = work / f"snapshots-{n}"
        snapshots.mkdir()
        publish_snapshot(store, snapshots)
        replicas = ReplicaSet(fake, work / f"run-{n}", seed_db=store, state_url=pg.new_database(),
                              snapshots=snapshots, ready=args.ready, extra_env=extra)  # fmt: skip
    else:
        shared = copy_store(store, work / f"shared-{n}.db")
        replicas = ReplicaSet(fake, work / f"run-{n}", seed_db=store, shared_db=shared, ready=args.ready,
                              extra_env=extra)  # fmt: skip
    pool = questions()
    warmup, pool = pool[-args.warmup :] if args.warmup else [], pool[: len(pool) - args.warmup]
    try:
        replicas.start(*NAMES[:n])
        fake.proxy(replicas.targets())
        await warm_up(fake, replicas, warmup)
        load_before = os.getloadavg()[0]
        chats = list(range(100_000, 100_000 + args.chats))
        started = time.monotonic()
        answered = await closed_loop(fake, chats, pool, args.updates)
        times = [seconds for seconds, _ in answered]
        slowest = max(answered)
        wall = max(m.at for c in chats for m in fake.messages(c)) - started
        by = Counter(m.by for c in chats for m in fake.messages(c))
        return {
            "replicas": n,
            "state": args.state,
            "updates": len(times),
            "chats": args.chats,
            "distinct_questions": min(len(pool), args.updates),
            "workers": args.workers,
            "seconds": round(wall, 2),
            "updates_per_s": round(len(times) / wall, 1),
            "p50_ms": round(statistics.median(times) * 1000, 1),
            "p99_ms": round(quantile(times, 0.99) * 1000, 1),
            "max_ms": round(max(times) * 1000, 1),
            "slowest": slowest[1],
            "answers_by": dict(sorted(by.items(), key=lambda kv: str(kv[0]))),
            "errors": len(fake.errors),
            "loadavg_before": round(load_before, 2),
            "loadavg_after": round(os.getloadavg()[0], 2),
            "cpus": len(os.sched_getaffinity(0)),
        }
    finally:
        codes = replicas.close()
        fake.stop()
        if any(code != 0 for code in codes.values()):
            print(f"replicas exited with {codes}; logs in {work}", file=sys.stderr)


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a fixed-width table."""
    head = [
        "replicas",
        "state",
        "updates",
        "chats",
        "seconds",
        "updates/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "errors",
    ]
    keys = [
        "replicas",
        "state",
        "updates",
        "chats",
        "seconds",
        "updates_per_s",
        "p50_ms",
        "p99_ms",
        "max_ms",
        "errors",
    ]
    cells = [head] + [[str(row[k]) for k in keys] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(head))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse the options, build the store, measure each replica count, print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--state", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2], choices=range(1, len(NAMES) + 1))
    parser.add_argument("--updates", type=int, default=400, help="questions answered per run (default 400)")
    parser.add_argument("--chats", type=int, default=40, help="readers asking at once (default 40)")
    parser.add_argument(
        "--workers", type=int, default=0, help="NEWSQA_ANSWER_WORKERS per replica (default 0)"
    )
    parser.add_argument("--warmup", type=int, default=10, help="questions each replica answers first")
    parser.add_argument(
        "--ready", choices=["healthz", "webhook"], default="healthz", help="how to tell a replica is up"
    )
    parser.add_argument("--db", type=Path, default=OUT / "load.db", help="store (built when missing)")
    args = parser.parse_args(argv)
    build_store(args.db)
    OUT.mkdir(parents=True, exist_ok=True)
    pg = Postgres() if args.state == "postgresql" else None
    rows: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="newsqa-replicas-") as folder:
            for n in args.replicas:
                rows.append(asyncio.run(run_once(args, n, args.db, Path(folder), pg)))
                print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    finally:
        if pg is not None:
            pg.stop()
    print(table(rows))
    with (OUT / "replicas.jsonl").open("a", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
