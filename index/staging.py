"""Adding a large batch of paragraphs in short transactions: staged out of sight, then published at once.

Writing 20,000 paragraphs' postings and document frequencies takes seconds; in one transaction that holds
SQLite's write lock all along, and every other writer of the file (the bot's chat state) waits. So a batch
is written in steps of :data:`~index.postings.STEP_ROWS` rows, each its own transaction, none changing what
a query finds:

1. its segment id is allocated and recorded in ``ix_garbage`` (so a crash leaves nothing that counts);
2. its postings, as a segment not yet listed in ``ix_segments`` (search reads listed segments only);
3. its paragraphs' tokens (ids above ``last_id``: no query can return them yet);
4. its document-frequency changes into ``ix_df_pending`` (search adds a *listed* segment's pending deltas
   to ``ix_terms.df``).

Then one small transaction publishes it — lists the segment, applies the df histogram change (computed
beforehand: only this writer changes df), the lengths, N, the total length and ``last_id``, and bumps the
version — and the pending deltas are folded into ``ix_terms`` step by step (the sum search sees stays the
same). :func:`recover` finishes or drops what a crash interrupted.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import Counter
from collections.abc import Iterator

from index.postings import STEP_ROWS, collect_garbage, get_meta, set_meta, write_blobs
from index.writer import Batch, set_lengths

__all__ = ["Staged", "fold_pending", "recover"]


class Staged:
    """One batch being written in steps: :meth:`steps`, then :meth:`publish` inside the caller's transaction."""

    def __init__(self, conn: sqlite3.Connection, batch: Batch) -> None:
        self.conn = conn
        self.batch = batch
        self.segment = -1
        self.postings = 0
        self.df = dict(zip(batch.postings.terms, batch.postings.df().tolist(), strict=True))

    def steps(self) -> Iterator[None]:
        """Write the batch out of sight; the caller commits between steps."""
        conn = self.conn
        self.segment = get_meta(conn, "next_segment") + 1
        set_meta(conn, "next_segment", self.segment)
        if get_meta(conn, "sorted_from", -1) < 0:
            set_meta(conn, "sorted_from", self.segment)
        conn.execute("INSERT OR IGNORE INTO ix_garbage(segment) VALUES (?)", (self.segment,))
        yield
        rows = self.batch.postings.blobs()
        while part := list(itertools.islice(rows, STEP_ROWS)):
            self.postings += write_blobs(conn, self.segment, part)
            yield
        tokens = zip(self.batch.ids, self.batch.texts, strict=True)
        while part_tokens := list(itertools.islice(tokens, STEP_ROWS)):
            conn.executemany(
                "INSERT OR REPLACE INTO ix_tokens(paragraph_id, tokens) VALUES (?, ?)", part_tokens
            )
            yield
        deltas = iter(self.df.items())
        while part_df := list(itertools.islice(deltas, STEP_ROWS)):
            conn.executemany(
                "INSERT INTO ix_df_pending(term, segment, delta) VALUES (?, ?, ?)",
                [(term, self.segment, n) for term, n in part_df],
            )
            yield

    def histogram_change(self) -> Counter[int]:
        """How the df histogram changes when the batch is published (reads ``ix_terms`` and this batch's
        rows of ``ix_df_pending``, written by :meth:`steps`; writes nothing)."""
        rows = self.conn.execute(
            "SELECT COALESCE(t.df, 0), p.delta FROM ix_df_pending p LEFT JOIN ix_terms t ON t.term = p.term "
            "WHERE p.segment = ?",
            (self.segment,),
        ).fetchall()
        change = Counter(before + delta for before, delta in rows)
        change.subtract(Counter(before for before, _ in rows if before > 0))
        return change

    def publish(self, version: int, histogram: Counter[int]) -> None:
        """Make the batch searchable: one small write, inside the caller's transaction."""
        conn, batch = self.conn, self.batch
        conn.execute(
            "INSERT INTO ix_segments(segment, postings) VALUES (?, ?)", (self.segment, self.postings)
        )
        conn.execute("DELETE FROM ix_garbage WHERE segment = ?", (self.segment,))
        conn.executemany(
            "INSERT INTO ix_dfhist(df, terms) VALUES (?, ?) "
            "ON CONFLICT(df) DO UPDATE SET terms = terms + excluded.terms",
            [(df, n) for df, n in histogram.items() if df > 0 and n],
        )
        conn.execute("DELETE FROM ix_dfhist WHERE terms <= 0")
        set_lengths(conn, dict(zip(batch.ids, batch.lengths, strict=True)), version)
        set_meta(conn, "n_docs", get_meta(conn, "n_docs") + len(batch.ids))
        set_meta(conn, "total_len", get_meta(conn, "total_len") + sum(batch.lengths))
        set_meta(conn, "last_id", max(get_meta(conn, "last_id"), max(batch.ids)))


def fold_pending(conn: sqlite3.Connection) -> Iterator[None]:
    """Move listed segments' pending df deltas into ``ix_terms``, about :data:`STEP_ROWS` terms at a time."""
    listed = "FROM ix_df_pending p JOIN ix_segments s ON s.segment = p.segment"
    while True:
        last = conn.execute(
            f"SELECT MAX(term) FROM (SELECT p.term {listed} ORDER BY p.term LIMIT ?)", (STEP_ROWS,)
        ).fetchone()[0]
        if last is None:
            return
        conn.execute(
            f"INSERT INTO ix_terms(term, df) SELECT p.term, SUM(p.delta) {listed} WHERE p.term <= ? "
            "GROUP BY p.term ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
            (last,),
        )
        conn.execute(
            "DELETE FROM ix_df_pending WHERE term <= ? AND segment IN (SELECT segment FROM ix_segments)",
            (last,),
        )
        yield


def recover(conn: sqlite3.Connection) -> Iterator[None]:
    """After a crash: fold what was published, drop what was not (unlisted rows, tokens past ``last_id``)."""
    yield from fold_pending(conn)
    yield from collect_garbage(conn)
    conn.execute("DELETE FROM ix_tokens WHERE paragraph_id > ?", (get_meta(conn, "last_id"),))
    yield
