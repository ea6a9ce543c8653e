"""Content identity in the store: the same article is stored once, whatever path it came from.

- A source file is known by its bytes' sha256 (``sources.content_hash``) as well as its path, so a file that
  moved is recognised by :mod:`corpus.ingest` and its row renamed in place, without re-reading it.
- An article is known by :func:`text_hash` — its title, body paragraphs and captions, whitespace removed. When a file
  brings an article whose text hash is already stored (from another file, or earlier in the same file: a dump
  that prints an article twice), it is not stored again; the skip is recorded in ``duplicate_articles`` with
  the source that skipped it. If the stored copy later goes (its file pruned or changed),
  :func:`orphaned_sources` names the sources that skipped it, and ingest reads them again, so nothing is lost.

Schema version 2 added ``articles.text_hash`` and ``duplicate_articles``; :func:`upgrade_from_v1` adds the
column to a version 1 store and fills it from the stored paragraphs.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterable

from corpus.models import Article

__all__ = ["add_text_hash_column", "orphaned_sources", "text_hash", "text_hash_of", "upgrade_from_v1"]

_SPACE = re.compile(r"\s+")


def text_hash_of(title: str, paragraphs: Iterable[str], captions: Iterable[str] = ()) -> str:
    """sha256 (hex, 32 characters) of the title, body paragraphs and captions, whitespace removed."""
    squashed = "\n".join(_SPACE.sub("", t) for t in (title, *paragraphs))
    extra = "\n".join(_SPACE.sub("", t) for t in captions)
    if extra:  # two photo pieces under one title differ only by their captions
        squashed += "\n\0" + extra
    return hashlib.sha256(squashed.encode("utf-8")).hexdigest()[:32]


def text_hash(article: Article) -> str:
    """The identity of an article's text (see :func:`text_hash_of`)."""
    return text_hash_of(
        article.title, (p.text for p in article.paragraphs), (c.text for c in article.captions)
    )


def add_text_hash_column(conn: sqlite3.Connection) -> bool:
    """Add ``articles.text_hash`` to a version 1 store (before the schema script indexes it); True if added."""
    columns = [row[1] for row in conn.execute("PRAGMA table_info(articles)")]
    if not columns or "text_hash" in columns:
        return False
    conn.execute("ALTER TABLE articles ADD COLUMN text_hash TEXT")
    return True


def upgrade_from_v1(conn: sqlite3.Connection) -> None:
    """Fill ``text_hash`` for articles stored before it existed (inside the caller's transaction)."""
    rows = conn.execute("SELECT id, title FROM articles WHERE text_hash IS NULL").fetchall()
    for article_id, title in rows:
        found = conn.execute(
            "SELECT kind = 'body', text FROM paragraphs WHERE article_id = ? ORDER BY kind != 'body', ordinal",
            (article_id,),
        ).fetchall()
        body = [str(text) for is_body, text in found if is_body]
        captions = [str(text) for is_body, text in found if not is_body]
        conn.execute(
            "UPDATE articles SET text_hash = ? WHERE id = ?",
            (text_hash_of(title, body, captions), article_id),
        )


def orphaned_sources(conn: sqlite3.Connection) -> list[str]:
    """Paths of sources that skipped an article as a duplicate whose stored copy no longer exists."""
    rows = conn.execute(
        """SELECT DISTINCT s.path FROM duplicate_articles d JOIN sources s ON s.id = d.source_id
           WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.text_hash = d.text_hash) ORDER BY s.path"""
    ).fetchall()
    return [str(r[0]) for r in rows]
