"""Writing the sparse index: segmented batches, dropping deleted paragraphs, merges; every statistic exact.

Each call runs inside the caller's write transaction and leaves the ``ix_`` tables consistent; the caller
bumps the version when it commits. New batches are written in steps by :mod:`index.staging`; merges return
their steps (:func:`index.postings.merge_steps`). See :mod:`index.postings` for the layout.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from index.postings import (
    CHUNK_BITS,
    Inverted,
    get_meta,
    invert,
    merge_inverted,
    merge_steps,
    segments_to_merge,
    set_meta,
    sorted_from,
)

__all__ = [
    "Batch",
    "join",
    "load_lengths",
    "merge_if_needed",
    "prepare",
    "remove_deleted",
    "set_lengths",
    "sort_old_segment",
]

_CHUNK = 1 << CHUNK_BITS


def load_lengths(conn: sqlite3.Connection, since_version: int = -1) -> dict[int, np.ndarray]:
    """Document-length chunks (uint32 by paragraph id) written after ``since_version``."""
    rows = conn.execute("SELECT chunk, lens FROM ix_doclens WHERE version > ?", (since_version,))
    return {chunk: np.frombuffer(blob, dtype="<u4").copy() for chunk, blob in rows}


def set_lengths(conn: sqlite3.Connection, lengths: dict[int, int], version: int) -> None:
    by_chunk: dict[int, list[tuple[int, int]]] = {}
    for pid, n in lengths.items():
        by_chunk.setdefault(pid >> CHUNK_BITS, []).append((pid & (_CHUNK - 1), n))
    for chunk, items in by_chunk.items():
        row = conn.execute("SELECT lens FROM ix_doclens WHERE chunk = ?", (chunk,)).fetchone()
        lens = np.zeros(_CHUNK, dtype="<u4") if row is None else np.frombuffer(row[0], dtype="<u4").copy()
        offsets, values = zip(*items, strict=True)
        lens[list(offsets)] = values
        conn.execute(
            "INSERT OR REPLACE INTO ix_doclens(chunk, version, lens) VALUES (?, ?, ?)",
            (chunk, version, lens.tobytes()),
        )


def _update_df(conn: sqlite3.Connection, deltas: dict[str, int]) -> None:
    """Apply document-frequency changes to ``ix_terms`` and the df histogram ``ix_dfhist``."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS ix_batch (term TEXT PRIMARY KEY, delta INTEGER NOT NULL)")
    conn.execute("DELETE FROM temp.ix_batch")
    conn.executemany("INSERT INTO temp.ix_batch(term, delta) VALUES (?, ?)", deltas.items())
    histogram = "SELECT t.df, COUNT(*) FROM temp.ix_batch b JOIN ix_terms t ON t.term = b.term GROUP BY t.df"
    change: Counter[int] = Counter()
    for df, n in conn.execute(histogram):
        change[df] -= n
    conn.execute(
        "INSERT INTO ix_terms(term, df) SELECT term, delta FROM temp.ix_batch WHERE true "
        "ON CONFLICT(term) DO UPDATE SET df = df + excluded.df"
    )
    for df, n in conn.execute(histogram):
        change[df] += n
    conn.execute("DELETE FROM ix_terms WHERE df <= 0 AND term IN (SELECT term FROM temp.ix_batch)")
    conn.executemany(
        "INSERT INTO ix_dfhist(df, terms) VALUES (?, ?) "
        "ON CONFLICT(df) DO UPDATE SET terms = terms + excluded.terms",
        [(df, n) for df, n in change.items() if df > 0 and n],
    )
    conn.execute("DELETE FROM ix_dfhist WHERE terms <= 0")
    conn.execute("DELETE FROM temp.ix_batch")


@dataclass
class Batch:
    """Paragraphs segmented and inverted (in a worker process), ready to be written as one segment."""

    ids: list[int]
    texts: list[str]  # each paragraph's tokens joined by spaces (``ix_tokens``)
    lengths: list[int]
    postings: Inverted


def prepare(docs: Sequence[tuple[int, list[str]]]) -> Batch:
    """A :class:`Batch` of segmented paragraphs given in ascending id order."""
    return Batch(
        [pid for pid, _ in docs],
        [" ".join(tokens) for _, tokens in docs],
        [len(tokens) for _, tokens in docs],
        invert(docs),
    )


def join(batches: Sequence[Batch]) -> Batch:
    """One batch from consecutive batches."""
    if len(batches) == 1:
        return batches[0]
    return Batch(
        [i for b in batches for i in b.ids],
        [t for b in batches for t in b.texts],
        [n for b in batches for n in b.lengths],
        merge_inverted([b.postings for b in batches]),
    )


def remove_deleted(conn: sqlite3.Connection, version: int, limit: int = 200) -> int:
    """Drop up to ``limit`` indexed paragraphs that the store has deleted; returns how many."""
    rows = conn.execute(
        "SELECT t.paragraph_id, t.tokens FROM ix_tokens t JOIN deleted_paragraphs d ON d.id = t.paragraph_id "
        "LIMIT ?",
        (limit,),
    ).fetchall()
    if not rows:
        return 0
    deltas: Counter[str] = Counter()
    total = 0
    for _, text in rows:
        tokens = text.split(" ") if text else []
        total += len(tokens)
        deltas.update(set(tokens))
    _update_df(conn, {t: -n for t, n in deltas.items()})
    set_lengths(conn, {pid: 0 for pid, _ in rows}, version)
    conn.executemany("DELETE FROM ix_tokens WHERE paragraph_id = ?", [(pid,) for pid, _ in rows])
    set_meta(conn, "n_docs", get_meta(conn, "n_docs") - len(rows))
    set_meta(conn, "total_len", get_meta(conn, "total_len") - total)
    return len(rows)


def _alive(conn: sqlite3.Connection) -> np.ndarray:
    """Whether each paragraph id is indexed and not deleted (bool by id)."""
    last = get_meta(conn, "last_id")
    alive = np.zeros(((last >> CHUNK_BITS) + 1) << CHUNK_BITS, dtype=bool)
    for chunk, lens in load_lengths(conn).items():
        alive[chunk << CHUNK_BITS : (chunk + 1) << CHUNK_BITS] = lens > 0
    return alive


def _merge_into_new(conn: sqlite3.Connection, segments: list[int]) -> Iterator[None]:
    """Allocate the merged segment's id now (the caller commits it), and return the merge's steps."""
    segment = get_meta(conn, "next_segment") + 1
    set_meta(conn, "next_segment", segment)
    return merge_steps(conn, segments, segment, _alive(conn))


def merge_if_needed(conn: sqlite3.Connection) -> tuple[int, Iterator[None]] | None:
    """The merge due now, if any: (how many segments it merges, its steps — see :func:`merge_steps`)."""
    merge = segments_to_merge(conn)
    return (len(merge), _merge_into_new(conn, merge)) if merge else None


def sort_old_segment(conn: sqlite3.Connection) -> Iterator[None] | None:
    """The steps rewriting one segment written before ids were kept ascending (see :func:`sorted_from`).

    None when none is left. Search is exact either way; sorted ids let it look up candidates by binary
    search instead of testing every posting.
    """
    row = conn.execute(
        "SELECT segment FROM ix_segments WHERE segment < ? ORDER BY segment LIMIT 1", (sorted_from(conn),)
    ).fetchone()
    return None if row is None else _merge_into_new(conn, [row[0]])
