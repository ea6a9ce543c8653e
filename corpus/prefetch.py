"""Parse source files ahead of the ingest in worker processes, so reading overlaps the store's inserts.

:func:`corpus.ingest.ingest` still decides about each file in order, as without workers (unchanged, moved,
bad, added, updated); this only hands it the parse of the very bytes it read. Files are read and hashed here
(in this process), a few ahead; a file whose hash the store already records is not parsed (an unchanged
folder costs no more than before). A parse that fails is returned as its exception and raised where the
ingest would have raised it.
"""

from __future__ import annotations

import ctypes
import hashlib
import multiprocessing
import signal
import sys
from collections.abc import Callable, Sequence
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path

from corpus.models import Article
from corpus.readers import read_source
from corpus.walk import read_limited

__all__ = ["Parsed", "Prefetch"]

Parsed = tuple[str, list[Article]]  # (format name, articles), as read_source returns them

#: Files read and queued per worker ahead of the one being stored.
FILES_AHEAD = 2

_PR_SET_PDEATHSIG = 1


def _init_worker() -> None:
    """A parsing process dies with its parent (Linux): the fork server, which ends with the ingest."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass


def _parse(path: str, data: bytes) -> Parsed | BaseException:
    try:
        return read_source(Path(path), data)
    except Exception as exc:  # raised again in the ingest, where a bad file is reported
        return exc


class Prefetch:
    """Parses for :func:`corpus.ingest.ingest` done ahead in worker processes (:meth:`take`)."""

    def __init__(
        self,
        paths: Sequence[str],
        known_hash: Callable[[str], str | None],
        max_file_bytes: int,
        workers: int,
    ) -> None:
        self._paths = list(paths)
        self._known_hash = known_hash
        self._max = max_file_bytes
        self._next = 0
        self._ahead: dict[str, tuple[str, AsyncResult[Parsed | BaseException]]] = {}
        self._pool: Pool | None = None
        if workers > 1 and len(self._paths) > 1 and "forkserver" in multiprocessing.get_all_start_methods():
            # forked from a fresh single-threaded server, never from this process (a bot's threads, its locks)
            self._pool = multiprocessing.get_context("forkserver").Pool(workers, _init_worker)
            self._window = FILES_AHEAD * workers

    def __enter__(self) -> Prefetch:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def _fill(self) -> None:
        """Read, hash and queue the next files until :data:`FILES_AHEAD` per worker are queued."""
        assert self._pool is not None
        while len(self._ahead) < self._window and self._next < len(self._paths):
            path = self._paths[self._next]
            self._next += 1
            try:
                data = read_limited(path, self._max)
            except Exception:  # the ingest reads it again and reports why
                continue
            digest = hashlib.sha256(data).hexdigest()
            if self._known_hash(path) != digest:
                self._ahead[path] = (digest, self._pool.apply_async(_parse, (path, data)))

    def take(self, path: str, digest: str) -> Parsed | None:
        """The parse of ``path`` done ahead, if its bytes hashed to ``digest``; None: the caller parses."""
        if self._pool is None:
            return None
        self._fill()
        queued = self._ahead.pop(path, None)
        self._fill()
        if queued is None or queued[0] != digest:  # not queued, or the file changed since it was
            return None
        result = queued[1].get()
        if isinstance(result, BaseException):
            raise result
        return result

    def skip(self, path: str) -> None:
        """``path`` needs no parse after all (unchanged, moved, unreadable): drop what was queued for it."""
        self._ahead.pop(path, None)
        if self._pool is not None:
            self._fill()
