"""Bring the index up to date with the store: mine new user words, then segment and index new paragraphs.

User words are mined only from paragraphs added since the last sync (``user_words_last_id`` in the store's meta)
and merged with the words already found, so adding one article to a large archive costs that article only.

**New user words and paragraphs already indexed.** A word mined from a new article (``紫藤湾镇``) changes how
jieba cuts *later* text and questions, but paragraphs already indexed keep the tokens they were indexed with:
re-segmenting a million paragraphs for every article would make adding one article cost an hour. Nothing is
lost in practice: a user word only keeps a name whole, and its pieces, its search-mode sub-words and the
character bigrams are in both the old paragraphs' tokens and the new question's tokens (``紫藤湾镇`` in a
question also yields 紫藤, 藤湾, 湾镇…), so an old paragraph that mentions the name still matches. Run
``SparseIndex.clear()`` and sync again to re-segment everything with the current words (e.g. after changing
the segmentation itself).

Only one process writes at a time: :func:`sync` holds the store's write lock (:mod:`corpus.writelock`),
waiting for another writer to finish first. Reading commands never sync; they answer from the index as it is.

Both passes use ``workers`` processes forked *after* jieba is initialised in this process, so no worker pays
for loading the dictionary again. From :data:`BULK_FROM` paragraphs on, both cut with jieba-rs
(:mod:`index.bulk_cut`, the same words ~10× faster; its 0.6 s set-up is what jieba takes for ~600 paragraphs).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from corpus.store import Store
from corpus.writelock import writer_lock
from index.bm25 import SparseIndex, SyncReport
from index.dictionary import mine_user_words
from index.normalize import fold
from index.tokenize import Segmenter

USER_WORDS_KEY = "user_words"
#: From this many paragraphs to segment on, an ingest cuts with jieba-rs (:mod:`index.bulk_cut`).
BULK_FROM = 2000
USER_WORDS_LAST_ID = "user_words_last_id"

Progress = Callable[[int, int], None]


def stored_user_words(store: Store) -> list[str]:
    """The user words saved by the last sync."""
    raw = store.get_meta(USER_WORDS_KEY)
    return list(json.loads(raw)) if raw else []


def refresh_user_words(store: Store, *, workers: int = 1, progress: Progress | None = None) -> list[str]:
    """Mine paragraphs added since the last sync, merge with the stored words, save; returns all words."""
    last = int(store.get_meta(USER_WORDS_LAST_ID) or 0)
    newest = store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM paragraphs").fetchone()[0]
    words = stored_user_words(store)
    if newest > last:
        mined = mine_user_words(store, after=last, workers=workers, progress=progress, bulk_from=BULK_FROM)
        words = sorted(set(words) | set(mined))
        with store.transaction():
            store.set_meta(USER_WORDS_KEY, json.dumps(words, ensure_ascii=False))
            store.set_meta(USER_WORDS_LAST_ID, str(newest))
    return words


def sync(
    store: Store,
    index: SparseIndex,
    *,
    workers: int = 1,
    progress: Progress | None = None,
    current: Segmenter | None = None,
) -> tuple[Segmenter, SyncReport]:
    """Refresh the user words and index every paragraph not yet indexed; returns the segmenter to use
    (``current`` again when no new words were found: loading jieba with the words costs about a second).

    Holds the store's write lock throughout (waits for it when another process has it).
    """
    with writer_lock(store.path):
        words = refresh_user_words(store, workers=workers, progress=progress)
        same = current is not None and set(current.user_words) == {fold(w) for w in words if w.strip()}
        segmenter = current if same and current is not None else Segmenter(words)
        segmenter.bulk = segmenter.bulk or index.pending() >= BULK_FROM
        segmenter.initialize()  # before the workers fork: they inherit the loaded dictionary
        report = index.sync(segmenter.doc_tokens, workers=workers, progress=progress)
    return segmenter, report
