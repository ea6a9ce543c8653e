"""The store: one SQLite file (WAL) holding sources, articles, paragraphs and captions.

Other layers keep their own tables in the same file (the search index, the query cache, chat state); they
create them with ``CREATE TABLE IF NOT EXISTS`` through :attr:`Store.conn`.

The read queries live in :mod:`corpus.store_read` (``Store`` inherits them); this module opens the file,
keeps its schema and writes.

Paragraph ids only ever grow (``AUTOINCREMENT``) and every deleted paragraph id is recorded in
``deleted_paragraphs`` by a trigger, so an index built beside the store can catch up incrementally.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from corpus.models import Article
from corpus.store_read import BODY, ArticleInfo, Passage, SourceInfo, StoreReader

__all__ = ["SCHEMA_VERSION", "ArticleInfo", "Passage", "SourceInfo", "Store", "StoreError", "article_uid"]

SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    id INTEGER PRIMARY KEY,
    path TEXT UNIQUE NOT NULL,
    content_hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    format TEXT NOT NULL DEFAULT '',
    ingested_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT UNIQUE NOT NULL,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    title TEXT NOT NULL,
    title_derived INTEGER NOT NULL DEFAULT 0,
    kicker TEXT, subtitle TEXT, byline TEXT, column_name TEXT,
    date TEXT, source_name TEXT, url TEXT, page TEXT, place TEXT
);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source_id);
CREATE TABLE IF NOT EXISTS paragraphs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    kind TEXT NOT NULL DEFAULT 'body',
    ordinal INTEGER NOT NULL,
    heading TEXT,
    text TEXT NOT NULL,
    flags TEXT NOT NULL DEFAULT '',
    raw TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS paragraphs_article ON paragraphs(article_id, kind, ordinal);
CREATE VIEW IF NOT EXISTS captions AS
    SELECT id, article_id, ordinal, kind, text, raw FROM paragraphs WHERE kind IN ('caption', 'credit', 'note');
CREATE TABLE IF NOT EXISTS deleted_paragraphs (id INTEGER PRIMARY KEY);
CREATE TRIGGER IF NOT EXISTS paragraphs_deleted AFTER DELETE ON paragraphs
BEGIN INSERT OR IGNORE INTO deleted_paragraphs(id) VALUES (old.id); END;
"""


class StoreError(Exception):
    """The store file cannot be opened or has an unknown schema."""


def article_uid(source_path: str, ordinal: int, title: str) -> str:
    """A short stable id for an article: the same file, position and title give the same id."""
    digest = hashlib.sha1(f"{source_path}\0{ordinal}\0{title}".encode()).hexdigest()
    return digest[:10]


class Store(StoreReader):
    """The SQLite store. Open with :meth:`open`; close with :meth:`close` (or use as a context manager)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (creating if needed) the store at ``path``."""
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            store = cls(conn, path)
            store._migrate()
        except (sqlite3.DatabaseError, StoreError) as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(
                f"Cannot open the store at {path}: {exc}. Move it aside and rebuild it with: newsqa ingest"
            ) from exc
        return store

    def _migrate(self) -> None:
        """Create the schema on first use; refuse a store written by a newer newsqa before touching it."""
        has_meta = self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
        found = self.get_meta("schema_version") if has_meta.fetchone() else None
        if found is not None and int(found) > SCHEMA_VERSION:
            raise StoreError(
                f"The store at {self.path} has schema version {found}, newer than this newsqa "
                f"({SCHEMA_VERSION}). Upgrade newsqa, or move the file aside and rebuild it with: newsqa ingest"
            )
        if found is not None and int(found) < SCHEMA_VERSION:
            self._upgrade(int(found))
        self.conn.executescript(SCHEMA)  # idempotent: every statement is IF NOT EXISTS
        if found is None or int(found) < SCHEMA_VERSION:
            with self.transaction():
                self.set_meta("schema_version", str(SCHEMA_VERSION))

    def _upgrade(self, found: int) -> None:
        """Bring an older store up to :data:`SCHEMA_VERSION`.

        1 → 2: articles gain ``page`` and ``place``; the ``captions`` view also holds ``note`` rows (bylines,
        trailers, signatures); every source's hash is cleared so the next ingest reads each file again with
        the new parser (the old rows stay until then)."""
        with self.transaction() as conn:
            if found < 2:
                columns = {row[1] for row in conn.execute("PRAGMA table_info(articles)")}
                for name in ("page", "place"):
                    if name not in columns:
                        conn.execute(f"ALTER TABLE articles ADD COLUMN {name} TEXT")
                conn.execute("DROP VIEW IF EXISTS captions")
                conn.execute("UPDATE sources SET content_hash = ''")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is committed, or none of it (also on KeyboardInterrupt)."""
        if self.conn.in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- meta ---------------------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """A value from the meta table, or None."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Set a value in the meta table."""
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @property
    def corpus_version(self) -> int:
        """A counter bumped by every change to the articles; caches key on it."""
        return int(self.get_meta("corpus_version") or 0)

    def _bump_corpus_version(self) -> None:
        self.set_meta("corpus_version", str(self.corpus_version + 1))
        self.set_meta("last_ingest", str(time.time()))

    def replace_source(
        self, path: str, content_hash: str, size: int, fmt: str, articles: Sequence[Article]
    ) -> None:
        """Store ``articles`` as the whole content of source ``path``, replacing what it held, atomically."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM sources WHERE path = ?", (path,))
            cur = conn.execute(
                "INSERT INTO sources(path, content_hash, size, format, ingested_at) VALUES (?, ?, ?, ?, ?)",
                (path, content_hash, size, fmt, time.time()),
            )
            source_id = cur.lastrowid
            for ordinal, article in enumerate(articles, start=1):
                self._insert_article(conn, source_id, path, ordinal, article)
            self._bump_corpus_version()

    def remove_source(self, path: str) -> None:
        """Forget source ``path`` and everything read from it."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM sources WHERE path = ?", (path,))
            self._bump_corpus_version()

    def _insert_article(
        self, conn: sqlite3.Connection, source_id: int | None, path: str, ordinal: int, article: Article
    ) -> None:
        uid = article_uid(path, ordinal, article.title)
        cur = conn.execute(
            """INSERT INTO articles(uid, source_id, ordinal, title, title_derived, kicker, subtitle, byline,
               column_name, date, source_name, url, page, place)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                uid,
                source_id,
                ordinal,
                article.title,
                int(article.title_derived),
                article.kicker,
                article.subtitle,
                article.byline,
                article.column,
                article.date,
                article.source,
                article.url,
                article.page,
                article.place,
            ),
        )
        article_id = cur.lastrowid
        conn.executemany(
            "INSERT INTO paragraphs(article_id, kind, ordinal, heading, text, flags, raw) VALUES (?,?,?,?,?,?,?)",
            [
                (article_id, BODY, i, p.heading, p.text, ",".join(p.flags), p.raw)
                for i, p in enumerate(article.paragraphs, start=1)
            ]
            + [
                (article_id, c.kind, i, None, c.text, "", c.raw)
                for i, c in enumerate(article.captions, start=1)
            ],
        )
