"""A searcher over a folder of snapshots (``NEWSQA_SNAPSHOTS``) that switches to a newer one as it lands.

:class:`SnapshotSearcher` answers from the newest verified snapshot (:class:`index.snapshot_files.
SnapshotFinder`). A watcher thread looks for a newer one every :data:`POLL_S` seconds; when it finds one it
opens it read-only and warms it (the segmenter's dictionary, the index statistics, one question answered)
while answers go on from the current one, then swaps the reference in one step: an answer runs on one
snapshot from start to end — never half-old, half-new — and none waits for the switch. The old snapshot is
closed by the watcher once the answers that were running on it have finished (and, when a ``guard`` lock is
set — the engine's, which covers its own reads of the store — while holding it).

Every process that answers opens its own: the bot's process and each answer-pool worker
(:mod:`bot.answer_pool`) run a watcher, so all of them switch within a poll or two of each other.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.store import Store
from index import tag_cache
from index.bm25 import SparseIndex
from index.cache import AnswerCache
from index.reader import spans
from index.reader.question import QuestionType
from index.result import Result
from index.search import Searcher
from index.snapshot_files import Manifest, SnapshotError, SnapshotFinder, no_snapshot_message, open_snapshot
from index.tokenize import Segmenter

__all__ = ["POLL_S", "WARM_QUESTION", "SnapshotSearcher"]

log = logging.getLogger(__name__)
#: Opening the first snapshot while its cache is locked is tried this many times, this far apart (seconds).
START_ATTEMPTS, START_RETRY_S = 20, 0.5


def _busy(exc: sqlite3.OperationalError) -> bool:
    """Whether ``exc`` is SQLite's lock timeout (someone else was writing), not damage."""
    return "locked" in str(exc) or "busy" in str(exc)


#: How often the watcher looks for a newer snapshot (seconds).
POLL_S = 2.0
#: Answered by a newly opened snapshot before it takes over (without the query cache, so it really loads).
WARM_QUESTION = "褚靖是谁"


@dataclass
class _Active:
    """One opened snapshot and the answers running on it."""

    searcher: Searcher
    manifest: Manifest
    path: Path
    leases: int = 0
    retired: bool = False


class SnapshotSearcher(Searcher):
    """A :class:`Searcher` whose store is the newest snapshot of ``folder``; see the module docstring."""

    def __init__(
        self,
        folder: Path,
        *,
        cache_at: Path | None = None,
        make_cache: Callable[[], AnswerCache | None] | None = None,
        poll_s: float = POLL_S,
        watch: bool = True,
    ) -> None:
        """``cache_at``: the writable file for the query cache, or ``make_cache``: the query cache of each
        snapshot's searcher (neither: no query cache); ``watch``: start the watcher thread (else call
        :meth:`check` yourself)."""
        self.folder = Path(folder)
        self.finder = SnapshotFinder(self.folder)
        self.cache_at = cache_at
        self.make_cache = make_cache
        self.poll_s = poll_s
        self.guard: threading.RLock | None = None
        self.switches = 0
        self._swap = threading.Lock()
        self._retired: list[_Active] = []
        self._stop = threading.Event()
        active = self._open_newest(None, warm=False)
        if active is None:
            raise SnapshotError(no_snapshot_message(self.folder))
        self._active = active
        self._install(active.searcher)
        log.info("Answering from snapshot v%s (%s)", active.manifest.version, active.path.name)
        self._watcher: threading.Thread | None = None
        if watch:
            self._watcher = threading.Thread(target=self._watch, name="snapshot-watch", daemon=True)
            self._watcher.start()

    # -- the current snapshot -----------------------------------------------------------------------------

    @property
    def snapshot(self) -> Manifest:
        """The manifest of the snapshot answering now."""
        return self._active.manifest

    @property
    def snapshot_path(self) -> Path:
        """The file of the snapshot answering now."""
        return self._active.path

    @property
    def store(self) -> Store:
        return self._active.searcher.store

    @store.setter
    def store(self, value: Store) -> None:
        raise AttributeError("a snapshot searcher's store changes only by a switch")

    @property
    def index(self) -> SparseIndex:
        return self._active.searcher.index

    @index.setter
    def index(self, value: SparseIndex) -> None:
        raise AttributeError("a snapshot searcher's index changes only by a switch")

    @property
    def segmenter(self) -> Segmenter:
        return self._active.searcher.segmenter

    @segmenter.setter
    def segmenter(self, value: Segmenter) -> None:
        self._active.searcher.segmenter = value

    @property
    def cache(self) -> AnswerCache | None:
        return self._active.searcher.cache

    @cache.setter
    def cache(self, value: AnswerCache | None) -> None:
        self._active.searcher.cache = value

    @property
    def tags(self) -> tag_cache.TagCache | None:
        return self._active.searcher.tags

    @tags.setter
    def tags(self, value: tag_cache.TagCache | None) -> None:
        self._active.searcher.tags = value

    @property
    def version(self) -> int:
        return self._active.searcher.version

    @contextmanager
    def lease(self) -> Iterator[Searcher]:
        """The current snapshot's searcher, kept open until the block ends (even if a switch happens)."""
        with self._swap:
            active = self._active
            active.leases += 1
        try:
            yield active.searcher
        finally:
            with self._swap:
                active.leases -= 1

    # -- answering: every call runs on one snapshot ---------------------------------------------------------

    def ask(self, question: str, k: int = 5, qtype: QuestionType | None = None) -> Result:
        with self.lease() as searcher:
            return searcher.ask(question, k=k, qtype=qtype)

    def retrieve(self, question: str, k: int = 5, qtype: QuestionType | None = None) -> Any:
        with self.lease() as searcher:
            return searcher.retrieve(question, k, qtype)

    def views(self, result: Any, query: Any) -> Any:
        with self.lease() as searcher:
            return searcher.views(result, query)

    def answerable_features(self, result: Any, query: Any, confidence: float | None) -> list[float]:
        with self.lease() as searcher:
            return searcher.answerable_features(result, query, confidence)

    def refresh(self) -> None:
        """Nothing to pick up within a snapshot: a newer corpus comes as a newer snapshot."""

    def flush(self) -> None:
        with self.lease() as searcher:
            searcher.flush()

    def sync(self, *, workers: int = 1, progress: Callable[[int, int], None] | None = None) -> Any:
        raise SnapshotError(
            f"This process answers from the snapshots in {self.folder} and never writes them. Ingest on the "
            f"ingest host (newsqa ingest), then publish: newsqa snapshot --into {self.folder}"
        )

    # -- switching ----------------------------------------------------------------------------------------

    def _open_newest(self, newer_than: Manifest | None, *, warm: bool) -> _Active | None:
        """Open (and warm) the newest verified snapshot newer than ``newer_than``; one that fails to open is
        rejected (logged once) and the next one tried. A cache that is busy (SQLite's lock held by the answers
        meanwhile) rejects nothing: the switch is tried again at the next poll (at start-up, a few times)."""
        attempts = 0
        while True:
            found = self.finder.newest(newer_than)
            if found is None:
                return None
            path, manifest = found
            try:
                store = open_snapshot(path)
            except SnapshotError as exc:
                self.finder.reject(path, manifest, str(exc))
                continue
            try:
                cache = self.make_cache() if self.make_cache is not None else None
                searcher = Searcher(store, cache_at=self.cache_at, cache=cache)
                if hasattr(self, "_active"):  # the new one installed its globals: the current one's back
                    self._install(self._active.searcher)
                if warm:
                    self._warm(searcher)
            except Exception as exc:
                store.close()
                if hasattr(self, "_active"):  # whatever the new one installed: the current one's back
                    self._install(self._active.searcher)
                if isinstance(exc, sqlite3.OperationalError) and _busy(exc):
                    # the local cache was being written (a burst of answers): not the snapshot's fault
                    if newer_than is not None:
                        log.warning(
                            "Snapshot %s: its cache was busy (%s); trying again at the next poll", path, exc
                        )
                        return None
                    attempts += 1
                    if attempts >= START_ATTEMPTS:
                        raise
                    time.sleep(START_RETRY_S)
                    continue
                # damaged: keep answering from the current one
                log.exception("Snapshot %s failed to open", path)
                self.finder.reject(path, manifest, f"it failed to open ({exc})")
                continue
            return _Active(searcher, manifest, path)

    def _warm(self, searcher: Searcher) -> None:
        """Load what the first answer would (the answers meanwhile keep the current snapshot's globals)."""
        searcher.segmenter.initialize()
        cache, searcher.cache = searcher.cache, None
        try:
            searcher.ask(WARM_QUESTION)
        finally:
            searcher.cache = cache
            self._install(self._active.searcher)

    @staticmethod
    def _install(searcher: Searcher) -> None:
        """Make ``searcher``'s tag cache and segmenter the process's (:mod:`index.tag_cache`, spans)."""
        tag_cache.install(searcher.tags)
        spans.use_segmenter(searcher.segmenter)

    def check(self) -> bool:
        """Switch to a newer verified snapshot if there is one (True), and close retired ones no longer used."""
        switched = False
        fresh = self._open_newest(self._active.manifest, warm=True)
        if fresh is not None:
            with self._swap:
                old, self._active = self._active, fresh
                old.retired = True
                self._retired.append(old)
                self._install(fresh.searcher)
                self.switches += 1
            log.info(
                "Switched to snapshot v%s (%s) from v%s",
                fresh.manifest.version,
                fresh.path.name,
                old.manifest.version,
            )
            switched = True
        self._close_retired()
        return switched

    def _close_retired(self) -> None:
        """Close the retired snapshots no answer is running on (under the guard, when there is one)."""
        if not self._retired:
            return
        with self.guard or threading.RLock():  # the engine reads the store under it: none is reading now
            with self._swap:
                idle = [a for a in self._retired if a.leases == 0]
                self._retired = [a for a in self._retired if a.leases > 0]
            for active in idle:
                _close(active.searcher)
                log.info("Closed snapshot v%s (%s)", active.manifest.version, active.path.name)

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.check()
            except Exception:  # never let the watcher die: the next poll tries again
                log.exception("Looking for a newer snapshot in %s failed", self.folder)

    def close(self) -> None:
        """Stop watching and close every snapshot."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=30)
        with self._swap:
            everything = [*self._retired, self._active]
            self._retired = []
        for active in everything:
            _close(active.searcher)


def _close(searcher: Searcher) -> None:
    """Close a searcher's connections: the store, the query cache, the tag cache (no longer the process's)."""
    if searcher.tags is not None and tag_cache.installed() is searcher.tags:
        tag_cache.install(None)
    for layer in (searcher.cache, searcher.tags):
        if layer is not None:
            layer.close()
    searcher.store.close()
