"""Opening the store and keeping it built: the set-up shared by every command and the bot.

A missing or empty store is built from the bundled corpus on first use; ingest reads files into the store,
then brings the search index up to date (segmentation in worker processes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.settings import Settings
from corpus.ingest import IngestReport, bundled_corpus_dir, ingest
from corpus.store import Store
from index.search import Searcher

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


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
    """Ingest ``paths`` into the store and bring the index up to date."""
    report = ingest(store, paths)
    searcher.sync(workers=workers, progress=progress)
    return report


def open_searcher(settings: Settings, *, build_if_missing: bool = True) -> Searcher:
    """The searcher over the configured store; builds it from the bundled corpus when it holds nothing yet."""
    store = open_store(settings)
    searcher = Searcher(store)
    if build_if_missing and not store.sources():
        log.info("The store at %s is empty: building it from the bundled corpus", settings.db_path)
        build(store, searcher, [bundled_corpus_dir()], workers=1)
    elif searcher.index.needs_sync():
        searcher.sync(workers=1)
    return searcher
