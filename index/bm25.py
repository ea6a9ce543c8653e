"""The production BM25 index: rank-bm25's BM25Okapi scores from posting lists in the store's SQLite file.

Scores are exactly rank-bm25 0.2.2's ``BM25Okapi`` (k1=1.5, b=0.75, epsilon=0.25; a negative idf is replaced
by epsilon times the average idf over the whole vocabulary; a repeated query token counts each time), so on
the same token lists the top-k is rank-bm25's (a tie goes to the higher paragraph id). A query reads only
its own terms' postings and finds the exact top k with MaxScore pruning (:mod:`index.topk`): the common terms
are only looked up for the candidates the rarer ones found. The index is opened, never rebuilt: :meth:`SparseIndex.sync` adds new paragraphs and
drops deleted ones; a reader notices a newer version written by another process and switches to it between
queries.

Usage::

    index = SparseIndex(store.conn)
    index.sync(segmenter.doc_tokens, workers=2)
    index.search(segmenter.query_tokens("剑河中药材面积?"), k=5)  # [(paragraph_id, score), ...]
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing
import signal
import sqlite3
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from multiprocessing.pool import Pool

import numpy as np

from index.postings import CHUNK_BITS, SCHEMA, get_meta, set_meta, sorted_from
from index.postings_cache import BATCH_TERMS, PostingsCache, read_postings
from index.staging import Staged, fold_pending, recover
from index.topk import Term, top_k
from index.writer import (
    Batch,
    load_lengths,
    merge_if_needed,
    prepare,
    remove_deleted,
    sort_old_segment,
)

__all__ = ["EPSILON", "K1", "B", "SparseIndex", "SyncReport"]

K1 = 1.5
B = 0.75
EPSILON = 0.25

#: Paragraphs per page (one segment) of :meth:`SparseIndex.sync`; with workers, a page is one worker's task:
#: the worker segments and inverts it whole, so this process only writes it (no joining of parts).
BATCH = 20000
#: The smallest page the last round is split into (so the workers finish together, see :func:`page_sizes`).
CHUNK = 1000
#: Pages in flight per worker: while this process writes and merges, every worker has one queued.
PAGES_AHEAD = 2
#: SQLite page cache (KiB) of the writing connection during a sync: the term B-trees of a big archive are
#: hundreds of MB, and the default 2 MB cache made every insert read its path again.
SYNC_CACHE_KIB = 256 * 1024
#: After each step of a staged write or a merge the writer pauses this share of the step's time (at most
#: STEP_PAUSE_MAX_S): SQLite gives its write lock to whoever asks first when it is free, and a writer that
#: never paused would starve the others (the bot's chat state) of it. Measured with ``bench.stall`` on 20k
#: paragraphs, 2 workers (2026-12-01): at 1.0 the longest wait for the lock was 81 ms (p99 10 ms) and the
#: sync took 24.1 s; at 0.25, 183 ms (p99 57 ms) and 18.5 s — a chat-state write waits a fifth of a second at
#: worst (its timeout is 10 s), and the pauses no longer take a third of an ingest's time.
STEP_PAUSE_RATIO = 0.25
STEP_PAUSE_MAX_S = 0.05

_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies

Tokenize = Callable[[str], list[str]]
Progress = Callable[[int, int], object]

_PASSAGES = """SELECT p.id, p.article_id, a.title, a.kicker, a.column_name, a.byline, p.heading, p.text
FROM paragraphs p JOIN articles a ON a.id = p.article_id WHERE p.id > ? ORDER BY p.id LIMIT ?"""
_PENDING_DF = """SELECT p.term, SUM(p.delta) FROM ix_df_pending p
JOIN ix_segments s ON s.segment = p.segment WHERE p.term IN ({}) GROUP BY p.term"""
_LISTED = """SELECT -1, value FROM ix_meta WHERE key = 'version'
UNION ALL SELECT segment, postings FROM ix_segments ORDER BY 1"""
#: Document frequencies kept for the current version before the map is emptied.
MAX_CACHED_DF = 200_000
_DELETED = "SELECT 1 FROM deleted_paragraphs d JOIN ix_tokens t ON t.paragraph_id = d.id LIMIT 1"


@dataclass(frozen=True)
class SyncReport:
    """What one :meth:`SparseIndex.sync` did."""

    added: int
    removed: int
    merged_segments: int
    seconds: float
    version: int


# -- segmentation (also run in worker processes) ----------------------------------------------------------

_tokenize: Tokenize | None = None
_header: tuple[int, list[str]] = (-1, [])


def _init_worker(tokenize: Tokenize) -> None:
    global _tokenize, _header
    _tokenize = tokenize
    _header = (-1, [])


def _init_pool_worker(tokenize: Tokenize) -> None:
    """A worker process: dies with the ingest that forked it (Linux), so a killed ingest leaves none behind."""
    _init_worker(tokenize)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass


def _segment(row: tuple) -> tuple[int, list[str]]:
    """Tokens of one paragraph: its article's title, kicker, column and byline, its heading, its text."""
    global _header
    pid, article_id, title, kicker, column, byline, heading, text = row
    assert _tokenize is not None
    if _header[0] != article_id:
        _header = (article_id, [t for f in (title, kicker, column, byline) if f for t in _tokenize(f)])
    tokens = _header[1] + (_tokenize(heading) if heading else []) + _tokenize(text)
    return pid, [t.replace(" ", "_") for t in tokens if t.strip()]


def _index_rows(rows: list[tuple]) -> Batch:
    """Segment and invert one page of paragraphs (in a worker process, or inline)."""
    return prepare([_segment(row) for row in rows])


_DONE = object()


def publish_documents(staged: Staged, version: int, histogram: Counter[int]) -> None:
    """Make a staged batch searchable (a name of its own, so a test can look inside the transaction)."""
    staged.publish(version, histogram)


def page_sizes(todo: int, workers: int) -> Iterator[int]:
    """Page sizes for ``todo`` paragraphs: :data:`BATCH` each, but the last round of ``workers`` pages split
    evenly (at least :data:`CHUNK` each), so no worker segments a whole page alone at the end; then
    :data:`BATCH` for ever (paragraphs another writer added meanwhile)."""
    rounds = -(-todo // (BATCH * workers))
    for _ in range(max(0, rounds - 1) * workers):
        yield BATCH
    tail = todo - max(0, rounds - 1) * workers * BATCH
    parts = max(1, min(workers, tail // CHUNK))
    for i in range(parts):
        yield tail // parts + (i < tail % parts)
    while True:
        yield BATCH


@contextmanager
def _bulk_cache(conn: sqlite3.Connection) -> Iterator[None]:
    """A large page cache for the writing connection while it syncs (the reader's own is restored after)."""
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = -{SYNC_CACHE_KIB}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(before)}")


class _Stale(Exception):
    """The paragraphs pending changed between segmenting a page and writing it (another writer)."""


class SparseIndex:
    """BM25 over the store's paragraphs and captions, persisted in ``ix_`` tables of the same SQLite file."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        conn.executescript(SCHEMA)
        self._lock = threading.RLock()
        self._version = -1
        self._lens = np.zeros(0, dtype=np.uint32)
        self._norm = np.zeros(0)  # k1 * (1 - b + b * len / avgdl); inf for no document
        self._acc = np.zeros(0)
        self._sorted_from = 0  # segments from this id on hold each term's ids in ascending order
        self._n_docs = 0
        self._eps_idf = 0.0
        self._df: dict[str, int] = {}  # for self._version (with pending deltas of listed segments)
        self.postings = PostingsCache()

    # -- reading ------------------------------------------------------------------------------------------

    def needs_sync(self) -> bool:
        """Whether paragraphs were added or deleted in the store since the index last caught up."""
        newest = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM paragraphs").fetchone()[0]
        return newest > get_meta(self.conn, "last_id") or self.conn.execute(_DELETED).fetchone() is not None

    def pending(self) -> int:
        """How many paragraphs wait to be indexed."""
        last = get_meta(self.conn, "last_id")
        return int(self.conn.execute("SELECT COUNT(*) FROM paragraphs WHERE id > ?", (last,)).fetchone()[0])

    @property
    def version(self) -> int:
        """The index version on disk: it changes whenever the indexed paragraphs change."""
        return get_meta(self.conn, "version")

    @property
    def doc_count(self) -> int:
        """How many paragraphs and captions are indexed."""
        return get_meta(self.conn, "n_docs")

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """One read transaction, so a query sees a single version even while another process writes."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.execute("COMMIT")

    def _reload(self, version: int) -> None:
        """Load the statistics of ``version``: lengths of changed chunks, counts, average idf."""
        if get_meta(self.conn, "cleared") > self._version:  # rebuilt since we last looked: start afresh
            self._version = -1
            self._lens = np.zeros(0, dtype=np.uint32)
        for chunk, lens in load_lengths(self.conn, self._version).items():
            end = (chunk + 1) << CHUNK_BITS
            if len(self._lens) < end:
                self._lens = np.concatenate([self._lens, np.zeros(end - len(self._lens), dtype=np.uint32)])
            self._lens[chunk << CHUNK_BITS : end] = lens
        n = self._n_docs = get_meta(self.conn, "n_docs")
        total = get_meta(self.conn, "total_len")
        avgdl = total / n if n else 1.0
        lens = self._lens.astype(np.float64)
        with np.errstate(divide="ignore"):
            self._norm = np.where(lens > 0, K1 * (1 - B + B * lens / (avgdl or 1.0)), np.inf)
        self._sorted_from = sorted_from(self.conn)
        if len(self._acc) != len(self._lens):
            self._acc = np.zeros(len(self._lens))
        hist = self.conn.execute("SELECT df, terms FROM ix_dfhist").fetchall()
        vocabulary = sum(terms for _, terms in hist)
        idf_sum = sum(terms * (math.log(n - df + 0.5) - math.log(df + 0.5)) for df, terms in hist)
        self._eps_idf = EPSILON * idf_sum / vocabulary if vocabulary else 0.0
        self._df = {}
        self.postings.clear()  # what is kept holds per-version values (Part.units): read afresh
        self._version = version

    def _idf(self, df: int) -> float:
        idf = math.log(self._n_docs - df + 0.5) - math.log(df + 0.5)
        return self._eps_idf if idf < 0 else idf

    def search(self, tokens: list[str], k: int = 10) -> list[tuple[int, float]]:
        """The ``k`` best paragraphs for ``tokens`` as (paragraph id, BM25 score), best first.

        Exact, with pruning (:mod:`index.topk`): a higher paragraph id wins a tie.
        """
        counts = Counter(t.replace(" ", "_") for t in tokens if t.strip())
        with self._lock:
            with self._snapshot():
                listed = self.conn.execute(_LISTED).fetchall()  # the version first, then the segments
                version = listed[0][1] if listed and listed[0][0] < 0 else 0
                if version != self._version:
                    self._reload(version)
                if not self._n_docs or not counts:
                    return []
                terms = self._terms(counts, [row for row in listed if row[0] >= 0])
            found = top_k(terms, self._norm, self._acc, k)
        return [(int(i), float(s)) for i, s in zip(found.ids.tolist(), found.scores.tolist(), strict=True)]

    def _terms(self, counts: Counter[str], segments: list[tuple[int, int]]) -> list[Term]:
        """The query terms' weights and postings (terms no paragraph has left out), in few statements.

        Document frequencies are kept for the version, posting lists in :attr:`postings`
        (:mod:`index.postings_cache`): only what neither holds is read, in one statement for all terms.
        """
        missing = [t for t in counts if t not in self._df]
        if missing:
            self._read_df(missing)
        present = [t for t in counts if self._df[t] > 0]
        parts = read_postings(self.conn, present, segments, self._sorted_from, self.postings)
        return [Term(self._idf(self._df[t]) * (K1 + 1) * counts[t], [parts[t]]) for t in present]

    def _read_df(self, terms: list[str]) -> None:
        """Document frequencies of ``terms`` (pending deltas of listed segments included) into the cache."""
        if len(self._df) > MAX_CACHED_DF:
            self._df.clear()
        for start in range(0, len(terms), BATCH_TERMS):
            batch = terms[start : start + BATCH_TERMS]
            marks = ",".join("?" * len(batch))
            df = dict.fromkeys(batch, 0)
            for term, n in self.conn.execute(f"SELECT term, df FROM ix_terms WHERE term IN ({marks})", batch):
                df[term] += n
            for term, n in self.conn.execute(_PENDING_DF.format(marks), batch):
                df[term] += n
            self._df.update(df)

    def tokens(self, paragraph_ids: list[int]) -> dict[int, list[str]]:
        """The cached search tokens of indexed paragraphs (ids not indexed are left out)."""
        found: dict[int, list[str]] = {}
        for start in range(0, len(paragraph_ids), 500):
            chunk = paragraph_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT paragraph_id, tokens FROM ix_tokens WHERE paragraph_id IN ({marks})"
            for pid, text in self.conn.execute(sql, chunk):
                found[pid] = text.split(" ") if text else []
        return found

    # -- writing ------------------------------------------------------------------------------------------

    @contextmanager
    def _write(self, publish: bool = True) -> Iterator[int]:
        """One write transaction; with ``publish`` it makes a new version (what readers switch to)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            version = get_meta(self.conn, "version") + 1
            yield version
            if publish:
                set_meta(self.conn, "version", version)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def sync(self, tokenize: Tokenize, *, progress: Progress | None = None, workers: int = 1) -> SyncReport:
        """Index the paragraphs not yet indexed, drop deleted ones; ``workers`` > 1 segment in processes.

        Each worker segments *and* inverts whole pages of :data:`BATCH` paragraphs (forked after
        ``tokenize``'s owner was initialised, so they inherit it); this process writes each page as one
        segment while the workers segment the next ones (:data:`PAGES_AHEAD` per worker are queued). A page
        is written in short steps out of sight and then published in one small transaction (:mod:`index.staging`), so no commit holds SQLite's write lock
        for long. What is published is decided inside that transaction: it reads ``last_id`` and the ids
        of the paragraphs pending after it, and publishes only when they are the page's (paragraph rows
        never change once written, so the same ids mean the same texts); otherwise another writer got
        there first, and the sync starts again from what is indexed now. The statistics (N, total length,
        df and its histogram) change in the same transaction as the postings become visible. Callers that
        write the store hold its write lock (:mod:`corpus.writelock`).
        """
        with _bulk_cache(self.conn):
            return self._sync(tokenize, progress, workers)

    def _sync(self, tokenize: Tokenize, progress: Progress | None, workers: int) -> SyncReport:
        start = time.perf_counter()
        removed = merged = added = 0
        self._run_steps(recover(self.conn))  # what a sync cut short by a crash left
        while True:  # once, in a store written before segments kept their ids ascending
            with self._write(publish=False):
                steps = sort_old_segment(self.conn)
            if steps is None:
                break
            self._run_steps(steps)
        while True:
            while self.conn.execute(_DELETED).fetchone():
                with self._write() as version:
                    removed += remove_deleted(self.conn, version)
            try:
                added, merged = self._add_pending(tokenize, progress, workers, added, merged)
            except _Stale:
                continue
            if not self.conn.execute(_DELETED).fetchone():
                break
        return SyncReport(added, removed, merged, time.perf_counter() - start, self.version)

    def _add_pending(
        self, tokenize: Tokenize, progress: Progress | None, workers: int, added: int, merged: int
    ) -> tuple[int, int]:
        """Segment and write the paragraphs after ``last_id``; returns the running (added, merged) counts.

        With workers, :data:`PAGES_AHEAD` pages per worker are queued ahead of the one being written, so
        segmentation goes on while this process writes, merges and pauses between its steps.
        """
        last = get_meta(self.conn, "last_id")
        left = self.pending()
        todo = added + left
        _init_worker(tokenize)
        pool = None
        if workers > 1 and left > 2 * CHUNK:
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            pool = multiprocessing.get_context(method).Pool(workers, _init_pool_worker, (tokenize,))
        sizes = page_sizes(left, workers if pool else 1)
        if progress is not None and left and not added:
            progress(0, todo)  # the pass starts now: its rate and time left count the first pages' segmenting
        try:
            pages: deque[Callable[[], Batch]] = deque()
            for _ in range(PAGES_AHEAD * workers if pool else 1):
                last = self._submit(pages, last, pool, next(sizes))
            while pages:
                result = pages.popleft()
                last = self._submit(pages, last, pool, next(sizes))
                batch = result()
                self._write_batch(batch)
                added += len(batch.ids)
                merged += self._merge()
                if progress is not None:
                    progress(added, todo)
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
        return added, merged

    def _merge(self) -> int:
        """Run the merges due, each in short steps (:func:`index.postings.merge_steps`); returns segments merged."""
        merged = 0
        while True:
            with self._write(publish=False):
                due = merge_if_needed(self.conn)
            if due is None:
                return merged
            merged += due[0]
            self._run_steps(due[1])

    def _run_steps(self, steps: Iterator[None]) -> None:
        """Run ``steps``, each in its own write transaction (none changes what a query finds)."""
        done = False
        while not done:
            started = time.perf_counter()
            with self._write(publish=False):
                done = next(steps, _DONE) is _DONE
            time.sleep(min(STEP_PAUSE_MAX_S, (time.perf_counter() - started) * STEP_PAUSE_RATIO))

    def _write_batch(self, batch: Batch) -> None:
        """Write one page in short steps, then publish it if it is still exactly the paragraphs pending.

        Staged out of sight first (:mod:`index.staging`), then published in one small transaction that
        reads ``last_id`` and the pending ids itself (:class:`_Stale` when another writer got there first).
        """
        staged = Staged(self.conn, batch)
        self._run_steps(staged.steps())
        histogram = staged.histogram_change()
        with self._write() as version:
            last = get_meta(self.conn, "last_id")
            pending = [
                pid
                for (pid,) in self.conn.execute(
                    "SELECT id FROM paragraphs WHERE id > ? ORDER BY id LIMIT ?", (last, len(batch.ids))
                )
            ]
            if pending != batch.ids:
                raise _Stale
            publish_documents(staged, version, histogram)
        self._run_steps(fold_pending(self.conn))

    def _submit(self, pages: deque[Callable[[], Batch]], after: int, pool: Pool | None, size: int) -> int:
        """Queue the next page (``size`` paragraphs after id ``after``) for segmentation; returns the new ``after``."""
        rows = self.conn.execute(_PASSAGES, (after, size)).fetchall()
        if not rows:
            return after
        pages.append(
            partial(_index_rows, rows) if pool is None else pool.apply_async(_index_rows, (rows,)).get
        )
        return int(rows[-1][0])

    def clear(self) -> None:
        """Drop the whole index (e.g. after the segmentation changed); the next :meth:`sync` rebuilds it."""
        with self._write():
            tables = (
                "ix_terms",
                "ix_dfhist",
                "ix_postings",
                "ix_segments",
                "ix_doclens",
                "ix_tokens",
                "ix_garbage",
            )
            for table in tables:
                self.conn.execute(f"DELETE FROM {table}")
            for key in ("n_docs", "total_len", "last_id"):
                set_meta(self.conn, key, 0)
            set_meta(self.conn, "cleared", get_meta(self.conn, "version") + 1)
