"""The sparse index on disk (``ix_`` tables in the store's SQLite file); writing and merging segments.

Postings live in immutable segments (an LSM): ``ix_postings(term, segment, docs int32, tfs uint16 BLOBs)``,
each term's ids ascending within a segment (from segment :func:`sorted_from` on; search looks ids up by binary
search).
Every sync writes new segments; four of about the same size are merged (tiered, see :func:`segments_to_merge`)
and deleted documents dropped from them. Search reads only the segments listed in ``ix_segments``: a merge
writes its output over many short transactions (:func:`merge_steps`) as an unlisted segment, swaps it for its
inputs in one small transaction, then deletes the inputs' rows step by step — so no transaction of a merge
holds the write lock for long, and a merge cut short by a crash leaves only unlisted rows, recorded in
``ix_garbage`` and deleted by the next sync (:func:`collect_garbage`). Statistics that scoring needs are kept exactly: document
frequency per term (``ix_terms``), a histogram of document frequencies (``ix_dfhist``, so the average idf
over the whole vocabulary costs one small query), document lengths by paragraph id in chunks
(``ix_doclens``), and the counts in ``ix_meta``. A deleted paragraph keeps its postings until a merge, but
its length is set to 0 and search skips it (a paragraph with postings always has length > 0).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

__all__ = [
    "CHUNK_BITS",
    "MAX_SEGMENTS",
    "SCHEMA",
    "STEP_ROWS",
    "Blobs",
    "Inverted",
    "collect_garbage",
    "get_meta",
    "invert",
    "merge_inverted",
    "merge_segments",
    "merge_steps",
    "set_meta",
    "sorted_from",
    "write_blobs",
    "write_rows",
]

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
CREATE TABLE IF NOT EXISTS ix_garbage (segment INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS ix_df_pending (
    term TEXT NOT NULL, segment INTEGER NOT NULL, delta INTEGER NOT NULL, PRIMARY KEY (term, segment)
) WITHOUT ROWID;
"""

#: Document lengths are stored in chunks of 2**CHUNK_BITS paragraph ids.
CHUNK_BITS = 16
#: More segments than this and the smallest are merged, whatever their sizes.
MAX_SEGMENTS = 16
#: How many segments one merge takes.
MERGE_WIDTH = 4
#: Segments merge with others at most this many times their size ...
TIER_RATIO = 4
#: ... and segments smaller than this count as one size.
SMALL_POSTINGS = 100_000
#: Rows read from each input segment (and rows deleted) per step of a merge: one short transaction each.
STEP_ROWS = 1000


Buffer = bytes | memoryview
#: One encoded row of a segment: (term, docs int32 BLOB, tfs uint16 BLOB, how many postings).
Blobs = tuple[str, Buffer, Buffer, int]


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


@dataclass
class Inverted:
    """Postings of a batch of documents, flat: term ``i`` owns ``docs[bounds[i]:bounds[i + 1]]`` (and tfs)."""

    terms: list[str]
    bounds: np.ndarray  # int64, len(terms) + 1
    docs: np.ndarray  # int32 paragraph ids, ascending within a term
    tfs: np.ndarray  # uint16 term frequencies

    def df(self) -> np.ndarray:
        """Documents per term."""
        return np.diff(self.bounds)

    def items(self) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
        """(term, docs, tfs) in the order of ``terms``."""
        b = self.bounds
        for i, term in enumerate(self.terms):
            yield term, self.docs[b[i] : b[i + 1]], self.tfs[b[i] : b[i + 1]]

    def blobs(self) -> Iterator[Blobs]:
        """(term, docs BLOB, tfs BLOB, postings) in the order of ``terms``: slices of two buffers, no copies."""
        docs = np.ascontiguousarray(self.docs, dtype="<i4").data.cast("B")
        tfs = np.ascontiguousarray(self.tfs, dtype="<u2").data.cast("B")
        bounds = self.bounds.tolist()
        for term, start, end in zip(self.terms, bounds, bounds[1:], strict=False):
            yield term, docs[4 * start : 4 * end], tfs[2 * start : 2 * end], end - start


def invert(docs: Sequence[tuple[int, list[str]]]) -> Inverted:
    """Postings of documents given in ascending id order, terms sorted."""
    vocab: dict[str, int] = {}
    tids: list[int] = []
    ids: list[int] = []
    tfs: list[int] = []
    for pid, tokens in docs:
        counts = Counter(tokens)
        tids.extend([vocab.setdefault(t, len(vocab)) for t in counts])
        ids.extend([pid] * len(counts))
        tfs.extend(counts.values())
    terms = list(vocab)
    tf_arr = np.minimum(np.asarray(tfs, dtype=np.int64), np.iinfo(np.uint16).max).astype(np.uint16)
    return _grouped(terms, np.asarray(tids, dtype=np.int64), np.asarray(ids, dtype=np.int32), tf_arr)


def _grouped(terms: list[str], tids: np.ndarray, docs: np.ndarray, tfs: np.ndarray) -> Inverted:
    """Sort postings by term (stable, so ids stay ascending) with the terms in sorted order."""
    rank = np.empty(len(terms), dtype=np.int64)
    order_terms = sorted(range(len(terms)), key=terms.__getitem__)
    rank[order_terms] = np.arange(len(terms))
    keys = rank[tids] if len(tids) else tids
    order = np.argsort(keys, kind="stable")
    bounds = np.searchsorted(keys[order], np.arange(len(terms) + 1))
    return Inverted([terms[i] for i in order_terms], bounds, docs[order], tfs[order])


def merge_inverted(parts: Sequence[Inverted]) -> Inverted:
    """One :class:`Inverted` from parts over disjoint documents, given in ascending id order."""
    if len(parts) == 1:
        return parts[0]
    vocab: dict[str, int] = {}
    for part in parts:
        for term in part.terms:
            vocab.setdefault(term, len(vocab))
    tids = [
        np.repeat(np.fromiter((vocab[t] for t in p.terms), np.int64, len(p.terms)), p.df()) for p in parts
    ]
    return _grouped(
        list(vocab),
        np.concatenate(tids) if tids else np.zeros(0, np.int64),
        np.concatenate([p.docs for p in parts]) if parts else np.zeros(0, np.int32),
        np.concatenate([p.tfs for p in parts]) if parts else np.zeros(0, np.uint16),
    )


def sorted_from(conn: sqlite3.Connection) -> int:
    """The first segment known to hold every term's ids in ascending order (so do all later ones).

    Segments merged before the ``sorted_from`` mark existed may be out of order (a merge used to concatenate
    its inputs); a store that never had one written by this code has none known sorted.
    """
    return get_meta(conn, "sorted_from", 1 << 62)


def write_rows(
    conn: sqlite3.Connection, segment: int, postings: Iterable[tuple[str, np.ndarray, np.ndarray]]
) -> int:
    """Insert one segment's rows from arrays; returns how many postings they hold."""
    return write_blobs(
        conn,
        segment,
        (
            (
                term,
                docs.astype("<i4", copy=False).tobytes(),
                tfs.astype("<u2", copy=False).tobytes(),
                len(docs),
            )
            for term, docs, tfs in postings
        ),
    )


def write_blobs(conn: sqlite3.Connection, segment: int, rows: Iterable[Blobs]) -> int:
    """Insert one segment's rows already encoded (see :meth:`Inverted.blobs`); returns their postings."""
    total = 0

    def bound() -> Iterator[tuple[str, int, Buffer, Buffer]]:
        nonlocal total
        for term, docs, tfs, n in rows:
            if n:
                total += n
                yield term, segment, docs, tfs

    conn.executemany("INSERT INTO ix_postings(term, segment, docs, tfs) VALUES (?, ?, ?, ?)", bound())
    return total


def write_segment(
    conn: sqlite3.Connection, segment: int, postings: Iterable[tuple[str, np.ndarray, np.ndarray]]
) -> int:
    """Write one segment's postings (ids ascending in each term) and list it; returns how many postings it holds."""
    if get_meta(conn, "sorted_from", -1) < 0:
        set_meta(conn, "sorted_from", segment)
    total = write_rows(conn, segment, postings)
    conn.execute("INSERT INTO ix_segments(segment, postings) VALUES (?, ?)", (segment, total))
    return total


def _merged(rows: list[tuple[str, bytes, bytes]], alive: np.ndarray) -> Iterator[Blobs]:
    """Each term's postings from ``rows`` (sorted by term, inputs in order), dead documents dropped.

    A term found in one input only, its documents alive and ascending, keeps its BLOBs as they are.
    """
    for term, group in itertools.groupby(rows, key=itemgetter(0)):
        parts = list(group)
        if len(parts) == 1:
            docs = np.frombuffer(parts[0][1], dtype="<i4")
            if alive[docs].all() and (len(docs) < 2 or bool((docs[1:] > docs[:-1]).all())):
                yield term, parts[0][1], parts[0][2], len(docs)
                continue
        docs = np.concatenate([np.frombuffer(r[1], dtype="<i4") for r in parts])
        tfs = np.concatenate([np.frombuffer(r[2], dtype="<u2") for r in parts])
        keep = alive[docs]
        docs, tfs = docs[keep], tfs[keep]
        if len(docs) > 1 and not bool(np.all(docs[1:] > docs[:-1])):  # inputs' id ranges interleave
            order = np.argsort(docs, kind="stable")
            docs, tfs = docs[order], tfs[order]
        yield (
            term,
            docs.astype("<i4", copy=False).tobytes(),
            tfs.astype("<u2", copy=False).tobytes(),
            len(docs),
        )


def _delete_steps(conn: sqlite3.Connection, segment: int, step_rows: int) -> Iterator[None]:
    """Delete the rows of an unlisted segment, ``step_rows`` at a time (a step between yields)."""
    while conn.execute(
        "DELETE FROM ix_postings WHERE segment = ? AND term IN (SELECT term FROM ix_postings "
        "INDEXED BY ix_postings_segment WHERE segment = ? ORDER BY term LIMIT ?)",
        (segment, segment, step_rows),
    ).rowcount:
        yield
    conn.execute("DELETE FROM ix_df_pending WHERE segment = ?", (segment,))
    conn.execute("DELETE FROM ix_garbage WHERE segment = ?", (segment,))


def merge_steps(
    conn: sqlite3.Connection,
    segments: Sequence[int],
    into: int,
    alive: np.ndarray,
    step_rows: int = STEP_ROWS,
) -> Iterator[None]:
    """Merge ``segments`` into segment ``into``, dropping documents not ``alive`` (bool by id), in steps.

    Yields after each step; the caller may commit there (each step is a consistent state for readers: the
    output is unlisted until the swap). Runs every step when simply exhausted (``merge_segments``).
    """
    if get_meta(conn, "sorted_from", -1) < 0:
        set_meta(conn, "sorted_from", into)
    conn.execute("INSERT OR IGNORE INTO ix_garbage(segment) VALUES (?)", (into,))  # until it is listed
    after, total = "", 0
    while True:
        fetched = [
            conn.execute(
                "SELECT term, docs, tfs FROM ix_postings INDEXED BY ix_postings_segment "
                "WHERE segment = ? AND term > ? ORDER BY term LIMIT ?",
                (s, after, step_rows),
            ).fetchall()
            for s in segments
        ]
        full = [rows[-1][0] for rows in fetched if len(rows) == step_rows]
        cutoff = min(full) if full else None
        rows = sorted(  # stable: a term's rows stay in the order of ``segments``
            (r for part in fetched for r in part if cutoff is None or r[0] <= cutoff), key=lambda r: r[0]
        )
        total += write_blobs(conn, into, _merged(rows, alive))
        if cutoff is None:
            break
        after = cutoff
        yield
    marks = ",".join("?" * len(segments))
    conn.execute(f"DELETE FROM ix_segments WHERE segment IN ({marks})", list(segments))
    conn.execute("INSERT INTO ix_segments(segment, postings) VALUES (?, ?)", (into, total))
    conn.execute("DELETE FROM ix_garbage WHERE segment = ?", (into,))
    conn.executemany("INSERT OR IGNORE INTO ix_garbage(segment) VALUES (?)", [(s,) for s in segments])
    yield  # the swap is committed: readers now read ``into``
    for s in segments:
        yield from _delete_steps(conn, s, step_rows)


def merge_segments(conn: sqlite3.Connection, segments: Sequence[int], into: int, alive: np.ndarray) -> int:
    """Merge ``segments`` into segment ``into`` at once (all of :func:`merge_steps`); returns its postings."""
    for _ in merge_steps(conn, segments, into, alive):
        pass
    row = conn.execute("SELECT postings FROM ix_segments WHERE segment = ?", (into,)).fetchone()
    return int(row[0])


def collect_garbage(conn: sqlite3.Connection, step_rows: int = STEP_ROWS) -> Iterator[None]:
    """Delete, in steps, the rows of segments a merge cut short left behind (unlisted, in ``ix_garbage``)."""
    rows = conn.execute(
        "SELECT segment FROM ix_garbage WHERE segment NOT IN (SELECT segment FROM ix_segments)"
    ).fetchall()
    for (segment,) in rows:
        yield from _delete_steps(conn, segment, step_rows)


def segments_to_merge(conn: sqlite3.Connection) -> list[int]:
    """Segments to merge now, or an empty list.

    Tiered: :data:`MERGE_WIDTH` segments of about the same size (the largest at most :data:`TIER_RATIO` times
    the smallest, sizes below :data:`SMALL_POSTINGS` counting as equal), so the segment a one-article sync
    writes is merged with other small ones, never with the big ones; beyond :data:`MAX_SEGMENTS` the
    smallest are merged whatever their sizes.
    """
    rows = conn.execute("SELECT segment, postings FROM ix_segments ORDER BY postings, segment").fetchall()
    for i in range(len(rows) - MERGE_WIDTH + 1):
        window = rows[i : i + MERGE_WIDTH]
        if window[-1][1] <= TIER_RATIO * max(window[0][1], SMALL_POSTINGS):
            return [r[0] for r in window]
    if len(rows) > MAX_SEGMENTS:
        return [r[0] for r in rows[:MERGE_WIDTH]]
    return []
