"""The cached path of ``newsqa ask``: an answer the query cache already holds, found without loading the engine.

A cold ``newsqa ask`` spends most of its time importing and loading (numpy, the reader's rules and model, jieba's
dictionary). When the question was answered before by the same code over the same store, the answer is a row of
the query cache: :func:`cached_answer` reads it with the light modules only (the store, the cache, the key
functions of :mod:`index.answer_key`), and anything else — no store yet, a snapshot folder, the cache elsewhere
(``NEWSQA_STATE_URL``), a miss — returns None and the caller answers with the engine, which files its answer under
the same key. Either way the user sees the same card.
"""

from __future__ import annotations

import logging
import sqlite3
import time

from bot.settings import Settings
from corpus.store import Store, StoreError
from index.answer_key import answer_version, clean_question, entry_key
from index.cache import QueryCache
from index.result import Result

__all__ = ["cached_answer"]

log = logging.getLogger(__name__)


def cached_answer(settings: Settings, question: str, k: int) -> Result | None:
    """The cached answer to ``question`` (``k`` passages) in the configured store, or None."""
    started = time.perf_counter()
    if settings.snapshots is not None or settings.state_url is not None or not settings.db_path.is_file():
        return None
    try:
        store = Store.open(settings.db_path)
    except (sqlite3.Error, StoreError):
        return None  # the engine's path opens it again and says what is wrong
    try:
        cache = QueryCache(store.path)
        try:
            version = answer_version(store.corpus_version, _index_version(store))
            cleaned = clean_question(question)
            payload = cache.get(entry_key(cleaned, None), k, version)
            if payload is None:
                return None
            result = Result.from_payload(
                cleaned, payload, store.passages([row[0] for row in payload["hits"]])
            )
        finally:
            cache.close()
    except sqlite3.Error as exc:
        log.debug("cached answer not read (%s): answering afresh", exc)
        return None
    finally:
        store.close()
    if result is None:
        return None
    result.cache_hit = True
    result.question = question
    result.elapsed_ms = (time.perf_counter() - started) * 1000
    return result


def _index_version(store: Store) -> int:
    """``ix_meta``'s index version (as :func:`index.postings.get_meta` reads it, without the engine's imports)."""
    row = store.conn.execute("SELECT value FROM ix_meta WHERE key = 'version'").fetchone()
    return 0 if row is None else int(row[0])
