"""How far the index is behind the store: what readers can answer from, for ``newsqa stats`` and ``/about``.

Readers never write the index (only ``newsqa ingest`` and ``newsqa index`` do, under the store's write lock),
so a store can hold paragraphs the index does not have yet — while an ingest runs, or after one was killed.
Those are *pending*; the articles counted as answerable are the ones with an indexed paragraph.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from corpus.writelock import writer_pid
from index.postings import get_meta

__all__ = ["IndexStatus", "index_status"]


@dataclass(frozen=True)
class IndexStatus:
    """The index against the store, read in one snapshot."""

    articles: int  # in the store
    indexed_articles: int  # with at least one indexed paragraph: these can be answered
    indexed_passages: int
    pending_passages: int  # in the store, not indexed yet
    pending_removals: int  # deleted from the store, still indexed
    writer_pid: int | None  # the process writing the store now, if any

    @property
    def behind(self) -> bool:
        """Whether the index lacks paragraphs the store has (or still has ones it deleted)."""
        return bool(self.pending_passages or self.pending_removals)

    def to_json(self) -> dict[str, Any]:
        """The figures as a dict."""
        return asdict(self)

    def describe(self) -> str:
        """One line for the log: what is not answerable yet and the command that fixes it."""
        if not self.behind:
            return "the index is up to date"
        if self.writer_pid is not None:
            fix = f"an ingest (pid {self.writer_pid}) is indexing them now"
        else:
            fix = "index them with: newsqa index"
        return (
            f"the index is behind the store: {self.pending_passages} passages not indexed yet, "
            f"{self.pending_removals} deleted ones still indexed; answering from what is indexed "
            f"({self.indexed_articles} of {self.articles} articles); {fix}"
        )


def index_status(conn: sqlite3.Connection, db_path: str | Path) -> IndexStatus:
    """Count what is indexed and what is pending, in one read transaction."""
    began = not conn.in_transaction
    if began:
        conn.execute("BEGIN")
    try:
        last = get_meta(conn, "last_id")
        articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        indexed_articles = conn.execute(
            "SELECT COUNT(*) FROM articles a WHERE EXISTS "
            "(SELECT 1 FROM paragraphs p WHERE p.article_id = a.id AND p.id <= ?)",
            (last,),
        ).fetchone()[0]
        pending = conn.execute("SELECT COUNT(*) FROM paragraphs WHERE id > ?", (last,)).fetchone()[0]
        removals = conn.execute(
            "SELECT COUNT(*) FROM deleted_paragraphs d JOIN ix_tokens t ON t.paragraph_id = d.id"
        ).fetchone()[0]
        indexed = get_meta(conn, "n_docs")
    finally:
        if began:
            conn.execute("COMMIT")
    return IndexStatus(articles, indexed_articles, indexed, pending, removals, writer_pid(db_path))
