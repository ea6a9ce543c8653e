"""The sparse index on disk (``ix_`` tables in the store's SQLite file); writing and merging segments.

Postings live in immutable segments (an LSM): ``ix_postings(term, segment, docs int32, tfs uint16 BLOBs)``.
Every sync writes one new small segment; when there are more than :data:`MAX_SEGMENTS`, the smallest ones are
merged and deleted documents dropped from them. Statistics that scoring needs are kept exactly: document
frequency per term (``ix_terms``), a histogram of document frequencies (``ix_dfhist``, so the average idf
over the whole vocabulary costs one small query), document lengths by paragraph id in chunks
(``ix_doclens``), and the counts in ``ix_meta``. A deleted paragraph keeps its postings until a merge, but
its length is set to 0 and search skips it (a paragraph with postings always has length > 0).
"""

from __future__ import annotations

import heapq
import itertools
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

__all__ = ["CHUNK_BITS", "MAX_SEGMENTS", "SCHEMA", "get_meta", "invert", "merge_segments", "set_meta"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS ix_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ix_terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ix_dfhist (df INTEGER PRIMARY KEY, terms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ix_postings (
    term TEXT NOT NULL, segment INTEGER NOT NULL, docs BLOB NOT NULL, tfs BLOB NOT NULL,
    PRIMARY KEY (term, segment)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_postings_segment ON ix_postings(segment);
CREATE TABLE IF NOT EXISTS ix_segments (segment INTEGER PRIMARY KEY, postings INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ix_doclens (
    chunk INTEGER PRIMARY KEY, version INTEGER NOT NULL, lens BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS ix_tokens (paragraph_id INTEGER PRIMARY KEY, tokens TEXT NOT NULL);
"""

#: Document lengths are stored in chunks of 2**CHUNK_BITS paragraph ids.
CHUNK_BITS = 16
#: More segments than this and the smallest are merged.
MAX_SEGMENTS = 6
#: How many of the smallest segments one merge takes.
MERGE_WIDTH = 4


def get_meta(conn: sqlite3.Connection, key: str, default: int = 0) -> int:
    """An integer from ``ix_meta``."""
    row = conn.execute("SELECT value FROM ix_meta WHERE key = ?", (key,)).fetchone()
    return default if row is None else int(row[0])


def set_meta(conn: sqlite3.Connection, key: str, value: int) -> None:
    """Set an integer in ``ix_meta``."""
    conn.execute(
        "INSERT INTO ix_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def invert(docs: Sequence[tuple[int, list[str]]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Postings of a batch of documents: term → (paragraph ids int32, term frequencies uint16)."""
    vocab: dict[str, int] = {}
    tids: list[int] = []
    ids: list[int] = []
    tfs: list[int] = []
    for pid, tokens in docs:
        counts = Counter(tokens)
        tids.extend([vocab.setdefault(t, len(vocab)) for t in counts])
        ids.extend([pid] * len(counts))
        tfs.extend(counts.values())
    if not tids:
        return {}
    tid_arr = np.asarray(tids, dtype=np.int64)
    order = np.argsort(tid_arr, kind="stable")
    id_arr = np.asarray(ids, dtype=np.int32)[order]
    tf_arr = np.minimum(np.asarray(tfs, dtype=np.int64)[order], np.iinfo(np.uint16).max).astype(np.uint16)
    bounds = np.searchsorted(tid_arr[order], np.arange(len(vocab) + 1))
    terms = list(vocab)
    return {
        terms[i]: (id_arr[bounds[i] : bounds[i + 1]], tf_arr[bounds[i] : bounds[i + 1]])
        for i in range(len(terms))
    }


def write_segment(
    conn: sqlite3.Connection, segment: int, postings: Iterable[tuple[str, np.ndarray, np.ndarray]]
) -> int:
    """Write one segment's postings; returns how many postings it holds."""
    total = 0

    def rows() -> Iterator[tuple[str, int, bytes, bytes]]:
        nonlocal total
        for term, docs, tfs in postings:
            if len(docs):
                total += len(docs)
                yield term, segment, docs.astype("<i4").tobytes(), tfs.astype("<u2").tobytes()

    conn.executemany("INSERT INTO ix_postings(term, segment, docs, tfs) VALUES (?, ?, ?, ?)", rows())
    conn.execute("INSERT INTO ix_segments(segment, postings) VALUES (?, ?)", (segment, total))
    return total


def _segment_rows(conn: sqlite3.Connection, segment: int) -> Iterator[tuple[str, bytes, bytes]]:
    # A cursor of its own: the merge reads several segments at once while writing the new one.
    cur = conn.cursor()
    yield from cur.execute(
        "SELECT term, docs, tfs FROM ix_postings INDEXED BY ix_postings_segment "
        "WHERE segment = ? ORDER BY term",
        (segment,),
    )


def merge_segments(conn: sqlite3.Connection, segments: Sequence[int], into: int, alive: np.ndarray) -> int:
    """Merge ``segments`` into segment ``into``, dropping postings of documents not ``alive`` (bool by id)."""
    streams = [_segment_rows(conn, s) for s in segments]
    merged = heapq.merge(*streams, key=lambda row: row[0])

    def postings() -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
        for term, group in itertools.groupby(merged, key=lambda row: row[0]):
            rows = list(group)
            docs = np.concatenate([np.frombuffer(r[1], dtype="<i4") for r in rows])
            tfs = np.concatenate([np.frombuffer(r[2], dtype="<u2") for r in rows])
            keep = alive[docs]
            yield term, docs[keep], tfs[keep]

    total = write_segment(conn, into, postings())
    marks = ",".join("?" * len(segments))
    conn.execute(f"DELETE FROM ix_postings WHERE segment IN ({marks})", list(segments))
    conn.execute(f"DELETE FROM ix_segments WHERE segment IN ({marks})", list(segments))
    return total


def segments_to_merge(conn: sqlite3.Connection) -> list[int]:
    """The smallest segments, when there are more than :data:`MAX_SEGMENTS`; else an empty list."""
    rows = conn.execute("SELECT segment FROM ix_segments ORDER BY postings, segment").fetchall()
    if len(rows) <= MAX_SEGMENTS:
        return []
    return [r[0] for r in rows[:MERGE_WIDTH]]
