"""Opening the store and keeping it built: the set-up shared by every command and the bot.

Only writers touch the index: :func:`build` (``newsqa ingest``, ``newsqa eval`` of a squad file) and
``newsqa index``, under the store's write lock. Everything else opens a searcher with :func:`open_searcher`
and answers from the index as it is; a searcher switches to a newer index version by itself when the writer
commits one.

**A fresh store** (nothing ingested, or nothing indexed yet: a first ``make run`` or ``newsqa ask`` on a new
clone) is built once, automatically, by the process that gets the write lock: it ingests the bundled corpus
(about a second) and indexes it. A process that finds the lock taken waits up to :data:`FIRST_BUILD_WAIT_S`
for it — enough for the bundled corpus even on a busy machine — then answers from what is indexed so far,
rather than keep a user or a restarted bot waiting behind a long first ingest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.settings import Settings
from corpus.ingest import IngestReport, bundled_corpus_dir, ingest
from corpus.store import Store
from corpus.writelock import WriterBusy, writer_lock
from index.postings import get_meta
from index.search import Searcher
from index.snapshot_files import SnapshotError
from index.status import index_status

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

#: How long a reader waits for another process's first build of a fresh store before answering anyway.
FIRST_BUILD_WAIT_S = 30.0


def open_store(settings: Settings) -> Store:
    """Open the store at ``settings.db_path`` (created if missing)."""
    return Store.open(settings.db_path)


def build(
    store: Store,
    searcher: Searcher,
    paths: Sequence[Path],
    *,
    workers: int = 1,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest ``paths`` into the store and bring the index up to date, holding the store's write lock."""
    with writer_lock(store.path):
        report = ingest(store, paths, workers=workers)
        searcher.sync(workers=workers, progress=progress)
    return report


def _never_built(store: Store) -> bool:
    """Whether the store holds nothing, or holds paragraphs of which none was ever indexed."""
    if not store.sources():
        return True
    has_paragraphs = store.conn.execute("SELECT 1 FROM paragraphs LIMIT 1").fetchone() is not None
    return has_paragraphs and get_meta(store.conn, "last_id") == 0


def _first_build(settings: Settings, store: Store, searcher: Searcher) -> None:
    """Build a fresh store once: the process that takes the write lock does it (see the module docstring)."""

    def waiting(pid: int | None) -> None:
        log.info("Another process (pid %s) is building the store at %s; waiting", pid, settings.db_path)

    try:
        with writer_lock(store.path, timeout_s=FIRST_BUILD_WAIT_S, on_wait=waiting):
            if not store.sources():
                # a mistyped NEWSQA_DB would otherwise answer from the sample page without a word
                level = logging.INFO if settings.db_path == Settings().db_path else logging.WARNING
                log.log(
                    level,
                    "The store at %s is empty: building it from the bundled corpus (the sample page). "
                    "If you meant another store, check NEWSQA_DB; to add your own articles: newsqa ingest DIR",
                    settings.db_path,
                )
                build(store, searcher, [bundled_corpus_dir()], workers=1)
            elif _never_built(store):
                log.info("The store at %s was never indexed: indexing it", settings.db_path)
                searcher.sync(workers=1)
    except WriterBusy as busy:
        log.warning(
            "Another process (pid %s) is still building the store at %s: answering from what is indexed so far",
            busy.pid,
            settings.db_path,
        )


def local_state_path(settings: Settings) -> Path:
    """With NEWSQA_SNAPSHOTS, ``NEWSQA_DB`` is this replica's own writable file for what is not the index (the
    query cache, chat state, the update journal — until NEWSQA_STATE_URL moves them): never a snapshot."""
    path, folder = Path(settings.db_path), settings.snapshots
    if folder is not None and Path(folder).resolve() in path.resolve().parents:
        raise SnapshotError(
            f"NEWSQA_DB {path} is inside NEWSQA_SNAPSHOTS {folder}; snapshots are never written. Point NEWSQA_DB "
            "at a file of its own, e.g.: NEWSQA_DB=var/newsqa.db"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def open_searcher(settings: Settings, *, build_if_missing: bool = True) -> Searcher:
    """The searcher over the configured store, answering from the index as it is (it never syncs it).

    A fresh store is built once (see the module docstring); an index behind the store is said so in the log.
    With NEWSQA_SNAPSHOTS the store is the newest snapshot there, switched as newer ones land
    (:mod:`index.snapshot_watch`); the query cache then lives in :func:`local_state_path`.
    """
    if settings.snapshots is not None:
        from bot.cache_pg import open_cache
        from index.snapshot_watch import SnapshotSearcher

        local_state_path(settings)  # never inside the snapshot folder
        return SnapshotSearcher(settings.snapshots, make_cache=lambda: open_cache(settings))
    from bot.cache_pg import open_cache

    store = open_store(settings)
    searcher = Searcher(store, cache=open_cache(settings))  # the query cache where NEWSQA_STATE_URL says
    if build_if_missing and _never_built(store):
        _first_build(settings, store, searcher)
    status = index_status(store.conn, store.path)
    if status.behind:
        log.warning("%s", status.describe())
    return searcher
