"""The store's write lock between real processes: who holds it, waiting, --no-wait, SIGKILL, forked workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus.writelock import WriterBusy, lock_path, writer_lock, writer_pid

ROOT = Path(__file__).resolve().parents[1]
HOLD = """
import sys, time
from corpus.writelock import writer_lock
with writer_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(60)
"""


def _holder(db: Path) -> subprocess.Popen[str]:
    """A process that takes the lock and sleeps; returns once it holds it."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline() == "locked\n"
    return process


def test_another_process_holding_the_lock_is_named_and_waited_for(tmp_path: Path) -> None:
    db = tmp_path / "newsqa.db"
    holder = _holder(db)
    try:
        assert writer_pid(db) == holder.pid
        with pytest.raises(WriterBusy) as busy, writer_lock(db, wait=False):
            pass
        assert busy.value.pid == holder.pid
        told: list[int | None] = []
        with pytest.raises(WriterBusy), writer_lock(db, timeout_s=0.3, on_wait=told.append):
            pass
        assert told == [holder.pid]
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    started = time.perf_counter()
    with writer_lock(db):  # the kernel dropped the killed holder's lock at once
        assert writer_pid(db) is None  # this process holds it
    assert time.perf_counter() - started < 5
    assert lock_path(db) == tmp_path / "newsqa.db.lock"
    assert lock_path(":memory:") is None


def test_the_lock_is_reentrant_and_not_kept_by_a_forked_child(tmp_path: Path) -> None:
    db = tmp_path / "newsqa.db"
    with writer_lock(db), writer_lock(db, wait=False):
        child = os.fork()
        if child == 0:  # a segmentation worker: it must not keep the store locked
            time.sleep(30)
            os._exit(0)
    try:
        deadline = time.monotonic() + 10  # the child drops its copy as soon as it first runs
        while writer_pid(db) is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert writer_pid(db) is None  # released by this process, not held by the child
        checker = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from corpus.writelock import writer_pid; print(writer_pid(sys.argv[1]))",
                str(db),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert checker.stdout == "None\n"
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
