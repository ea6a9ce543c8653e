"""The store's write lock: one process at a time reads files into the store and writes the index.

An ``flock`` on ``<store>.lock`` beside the SQLite file, holding the pid of the process that has it. The
kernel releases it when that process exits, however it exits (``kill -9`` included), so a crash never leaves
a stale lock behind. SQLite's own lock covers one transaction; this one covers a whole ingest or index sync,
so a second ``newsqa ingest`` waits for the first instead of indexing the same paragraphs again.

The lock is re-entrant within a process (``newsqa ingest`` holds it and calls code that takes it again).

Usage::

    with writer_lock(store.path, on_wait=lambda pid: print(f"pid {pid} is writing; waiting")):
        ingest(store, paths)
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["WriterBusy", "lock_path", "writer_lock", "writer_pid"]

#: How often a bounded wait tries the lock again.
POLL_S = 0.05

_held: dict[str, int] = {}  # lock path → depth, for the locks this process holds
_fds: dict[str, int] = {}  # lock path → the descriptor holding the flock
_guard = threading.Lock()


def _forget_in_child() -> None:
    """In a forked child (a segmentation worker): drop the inherited lock descriptors.

    The flock belongs to the open file, which the child shares: were it kept open, a worker outliving a killed
    ingest would keep the store locked. Closing the child's copy leaves the parent's lock as it was.
    """
    for fd in _fds.values():
        try:
            os.close(fd)
        except OSError:
            pass
    _fds.clear()
    _held.clear()


os.register_at_fork(after_in_child=_forget_in_child)


class WriterBusy(Exception):
    """Another process holds the store's write lock."""

    def __init__(self, path: Path, pid: int | None) -> None:
        super().__init__(f"pid {pid if pid is not None else '?'} holds the write lock of {path}")
        self.path = path
        self.pid = pid


def lock_path(db_path: str | Path) -> Path | None:
    """The lock file of the store at ``db_path`` (None for an in-memory store, which needs none)."""
    if str(db_path) == ":memory:":
        return None
    path = Path(db_path).absolute()  # one lock per file, however its path was spelled
    return path.with_name(path.name + ".lock")


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def writer_pid(db_path: str | Path) -> int | None:
    """The pid of the process writing the store now, or None when no process is (this one excepted)."""
    path = lock_path(db_path)
    if path is None or not path.exists() or str(path) in _held:
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _read_pid(path) or -1
    finally:
        os.close(fd)  # closing drops the shared lock taken to test it
    return None


@contextmanager
def writer_lock(
    db_path: str | Path,
    *,
    wait: bool = True,
    timeout_s: float | None = None,
    on_wait: Callable[[int | None], object] | None = None,
) -> Iterator[None]:
    """Hold the store's write lock for the ``with`` block.

    When another process holds it: ``on_wait(pid)`` is called once, then this waits (for ever, or up to
    ``timeout_s``); with ``wait=False`` or after the timeout :class:`WriterBusy` is raised.
    """
    path = lock_path(db_path)
    if path is None:
        yield
        return
    key = str(path)
    with _guard:
        if key in _held:
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                _held[key] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, path, wait, timeout_s, on_wait)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        with _guard:
            _held[key] = 1
            _fds[key] = fd
        try:
            yield
        finally:
            with _guard:
                del _held[key]
                del _fds[key]
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the flock


def _acquire(
    fd: int,
    path: Path,
    wait: bool,
    timeout_s: float | None,
    on_wait: Callable[[int | None], object] | None,
) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pid = _read_pid(path)
    if not wait:
        raise WriterBusy(path, pid)
    if on_wait is not None:
        on_wait(pid)
    if timeout_s is None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise WriterBusy(path, _read_pid(path)) from None
            time.sleep(POLL_S)
