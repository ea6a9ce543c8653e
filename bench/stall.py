"""How long another writer and a reader wait while the index is being written (issue 11, item 9).

Copies a store, clears its index, and rebuilds it (user words too) in a child process (``Searcher.sync``) while this process
writes a row every 20 ms (as the bot writes chat state before answering) and answers a question in between,
timing each. Prints one JSON line: the longest wait for the write lock, the slowest answer, and the sync time.

    .venv/bin/python -m bench.stall STORE.db [--workers N]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path


def _rebuild(db: str, workers: int) -> None:
    from corpus.store import Store
    from index.search import Searcher

    searcher = Searcher(Store.open(db), use_cache=False)
    searcher.sync(workers=workers)


def main() -> None:
    """Run the measurement (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", help="a built store (copied, never changed)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--question", default="剑河中药材面积")
    args = parser.parse_args()
    from corpus.store import Store
    from index.search import Searcher

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "stall.db")
        shutil.copy(args.store, db)
        searcher = Searcher(Store.open(db), use_cache=False)
        searcher.index.clear()  # before the clock starts: the rebuild is what is measured
        searcher.store.set_meta("user_words_last_id", "0")
        searcher.ask(args.question)
        other = sqlite3.connect(db, timeout=60, isolation_level=None)
        other.execute("CREATE TABLE IF NOT EXISTS stall_probe (t REAL)")
        child = multiprocessing.get_context("fork").Process(target=_rebuild, args=(db, args.workers))
        started = time.perf_counter()
        child.start()
        writes: list[float] = []
        locked: list[float] = []  # waiting for the write lock alone
        answers: list[float] = []
        while child.is_alive():
            t = time.perf_counter()
            other.execute("BEGIN IMMEDIATE")
            locked.append(time.perf_counter() - t)
            other.execute("INSERT INTO stall_probe VALUES (?)", (t,))
            other.execute("COMMIT")
            writes.append(time.perf_counter() - t)
            t = time.perf_counter()
            searcher.ask(args.question)
            answers.append(time.perf_counter() - t)
            time.sleep(0.02)
        child.join()
        figures = {
            "sync_s": round(time.perf_counter() - started, 2),
            "write_wait_max_ms": round(1000 * max(writes), 1),
            "write_wait_p99_ms": round(1000 * sorted(writes)[int(0.99 * (len(writes) - 1))], 1),
            "lock_wait_max_ms": round(1000 * max(locked), 1),
            "answer_max_ms": round(1000 * max(answers), 1),
            "samples": len(writes),
        }
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
