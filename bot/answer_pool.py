"""The CPU part of answering (:meth:`index.search.Searcher.ask`) in worker processes, one per core.

Answering is pure Python (jieba, the reader, LAC through ONNX Runtime): threads share one GIL, processes do not.
Each worker opens its own store connection and :class:`~index.search.Searcher` once, at start, and loads the
reader's models with a first question; the bot's process keeps the conversation (chat state, follow-ups,
cards) and only sends ``(question, k, qtype)`` here and gets the :class:`~index.result.Result` back — the same
engine methods produce every reply, with or without the pool.

Workers are started with ``spawn`` (never forked from a process that runs threads and holds SQLite connections),
ignore SIGINT and SIGTERM (the bot stops them itself, after its last answer: :meth:`AnswerPool.close`), and
exit by themselves when the bot's process disappears (a SIGKILL leaves no orphans).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.settings import Settings
from index.reader.question import QuestionType
from index.result import Result

__all__ = ["AnswerPool", "PoolUnavailable"]

logger = logging.getLogger(__name__)

#: A first question per worker at start: loads jieba's tagger, the reader's models and LAC before users ask.
WARM_QUESTION = "褚靖是谁"
WATCH_PARENT_S = 0.5

_searcher = None  # the worker's Searcher, opened once by _start_worker


class PoolUnavailable(Exception):
    """The pool is not running (not started, stopped, or a worker died): answer in this process instead."""


def _watch_parent(parent: int) -> None:
    """Exit the worker when the process that started it is gone (it was killed without stopping us)."""
    while True:
        time.sleep(WATCH_PARENT_S)
        if os.getppid() != parent:
            os._exit(0)


def _start_worker(settings: Settings, parent: int) -> None:
    """Worker initialiser: signals left to the bot, an orphan watch, the searcher opened once."""
    global _searcher
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("index.search").setLevel(logging.WARNING)  # one line per answer is the bot's to log
    from bot.library import open_searcher

    _searcher = open_searcher(settings, build_if_missing=False)


def _warm() -> int:
    """Answer :data:`WARM_QUESTION` without the cache (so the models really load); the worker's pid."""
    assert _searcher is not None
    cache, _searcher.cache = _searcher.cache, None
    try:
        _searcher.ask(WARM_QUESTION)
    finally:
        _searcher.cache = cache
    return os.getpid()


def _ask(question: str, k: int, qtype: str | None) -> Result:
    assert _searcher is not None
    return _searcher.ask(question, k=k, qtype=QuestionType(qtype) if qtype else None)


class AnswerPool:
    """``workers`` processes answering questions; :meth:`ask` blocks its (worker) thread, never an event loop."""

    def __init__(self, settings: Settings, workers: int | None = None) -> None:
        self.settings = settings
        self.workers = max(1, settings.answer_workers if workers is None else workers)
        self.pids: list[int] = []
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        """Started and not stopped or broken."""
        return self._executor is not None

    def start(self) -> None:
        """Start every worker and wait until each has answered its first question (blocking: seconds)."""
        with self._lock:
            if self._executor is not None:
                return
            started = time.perf_counter()
            executor = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.settings, os.getpid()),
            )
            try:
                # submitted together, the warm-ups start every worker (each runs at most one at a time)
                warmups = [executor.submit(_warm) for _ in range(self.workers)]
                self.pids = sorted({f.result() for f in warmups} | set(_worker_pids(executor)))
            except Exception as exc:  # a worker could not open the store: answer in the bot's process
                logger.error("Answer workers failed to start (%s): answering in the bot's process", exc)
                executor.shutdown(wait=True, cancel_futures=True)
                return
            self._executor = executor
        logger.info(
            "Answering in %d worker process(es) (pids %s), ready in %.1f s",
            self.workers,
            " ".join(map(str, self.pids)),
            time.perf_counter() - started,
        )

    def ask(self, question: str, k: int = 5, qtype: QuestionType | None = None) -> Result:
        """``Searcher.ask`` in a worker; :class:`PoolUnavailable` when there is no working pool."""
        executor = self._executor
        if executor is None:
            raise PoolUnavailable("the answer pool is not running")
        try:
            future = executor.submit(_ask, question, k, qtype.value if qtype else None)
        except (BrokenProcessPool, RuntimeError) as exc:  # RuntimeError: shut down meanwhile
            self._broken(exc)
            raise PoolUnavailable(str(exc)) from exc
        try:
            return future.result()
        except BrokenProcessPool as exc:
            self._broken(exc)
            raise PoolUnavailable(str(exc)) from exc

    def _broken(self, exc: BaseException) -> None:
        with self._lock:
            if self._executor is not None:
                logger.error("An answer worker died (%s): answering in the bot's process from now on", exc)
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None

    def close(self) -> None:
        """Stop the workers (after the answers in flight) and wait for them to exit."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
            logger.info("Answer workers stopped")


def _worker_pids(executor: ProcessPoolExecutor) -> list[int]:
    """The pids of the executor's processes (for the log and the tests that check none is left)."""
    processes = getattr(executor, "_processes", None) or {}
    return [int(pid) for pid in processes]
