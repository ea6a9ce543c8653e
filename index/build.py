"""Bring the index up to date with the store: mine new user words, then segment and index new paragraphs.

User words are mined only from paragraphs added since the last sync (``user_words_last_id`` in the store's meta)
and merged with the words already found, so adding one article to a large archive costs that article only.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from corpus.store import Store
from index.bm25 import SparseIndex, SyncReport
from index.dictionary import mine_user_words
from index.tokenize import Segmenter

USER_WORDS_KEY = "user_words"
USER_WORDS_LAST_ID = "user_words_last_id"

Progress = Callable[[int, int], None]


def stored_user_words(store: Store) -> list[str]:
    """The user words saved by the last sync."""
    raw = store.get_meta(USER_WORDS_KEY)
    return list(json.loads(raw)) if raw else []


def refresh_user_words(store: Store) -> list[str]:
    """Mine paragraphs added since the last sync, merge with the stored words, save; returns all words."""
    last = int(store.get_meta(USER_WORDS_LAST_ID) or 0)
    newest = store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM paragraphs").fetchone()[0]
    words = stored_user_words(store)
    if newest > last:
        words = sorted(set(words) | set(mine_user_words(store, after=last)))
        with store.transaction():
            store.set_meta(USER_WORDS_KEY, json.dumps(words, ensure_ascii=False))
            store.set_meta(USER_WORDS_LAST_ID, str(newest))
    return words


def sync(
    store: Store, index: SparseIndex, *, workers: int = 1, progress: Progress | None = None
) -> tuple[Segmenter, SyncReport]:
    """Refresh the user words and index every paragraph not yet indexed; returns the new segmenter."""
    segmenter = Segmenter(refresh_user_words(store))
    report = index.sync(segmenter.doc_tokens, workers=workers, progress=progress)
    return segmenter, report
