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
import logging
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from corpus.models import Article
from corpus.store_guard import (
    APPLICATION_ID,
    Identity,
    StoreError,
    StoreFull,
    check_identity,
    check_location,
    disk_full_message,
    is_disk_full,
    not_writable,
)
from corpus.store_identity import add_text_hash_column, text_hash, upgrade_from_v1
from corpus.store_read import BODY, ArticleInfo, Passage, SourceInfo, StoreReader
from corpus.store_schema import SCHEMA, SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "ArticleInfo",
    "Passage",
    "SourceInfo",
    "Store",
    "StoreError",
    "StoreFull",
    "article_uid",
]

log = logging.getLogger(__name__)


def article_uid(source_path: str, ordinal: int, title: str) -> str:
    """A short stable id for an article: the same file, position and title give the same id."""
    digest = hashlib.sha1(f"{source_path}\0{ordinal}\0{title}".encode()).hexdigest()
    return digest[:10]


class Store(StoreReader):
    """The SQLite store. Open with :meth:`open`; close with :meth:`close` (or use as a context manager)."""

    #: True for a snapshot opened read-only (:func:`index.snapshot_files.open_snapshot`): nothing may write it.
    readonly = False

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open (creating if needed) the store at ``path``; refuse a foreign or unusable file untouched."""
        path = Path(path)
        if str(path) != ":memory:":
            check_location(path)
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
            identity = check_identity(conn, path)  # before any PRAGMA that writes the file
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            store = cls(conn, path)
            store._migrate(identity)
        except (sqlite3.DatabaseError, StoreError) as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, StoreError):
                raise
            if is_disk_full(exc):
                raise StoreFull(disk_full_message(path, 1024 * 1024)) from exc
            if "readonly" in str(exc) or "unable to open" in str(exc):
                raise not_writable(path, str(exc)) from exc
            raise StoreError(
                f"Cannot open the store at {path}: {exc}. Move it aside and rebuild it with: newsqa ingest"
            ) from exc
        return store

    def _migrate(self, identity: Identity = Identity.OURS) -> None:
        """Create the schema on first use; refuse a store written by a newer newsqa before touching it."""
        has_meta = self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
        found = self.get_meta("schema_version") if has_meta.fetchone() else None
        if found is not None and not found.isdigit():
            raise self.corrupt("schema_version", found)
        if found is not None and int(found) > SCHEMA_VERSION:
            raise StoreError(
                f"The store at {self.path} has schema version {found}, newer than this newsqa "
                f"({SCHEMA_VERSION}). Upgrade newsqa, or move the file aside and rebuild it with: newsqa ingest"
            )
        if identity is not Identity.OURS:  # first, so a process opening it meanwhile knows it is ours
            self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        upgrade = found is not None and int(found) < SCHEMA_VERSION
        if found is not None and upgrade:
            self._upgrade(int(found))
        self.conn.executescript(SCHEMA)  # idempotent: every statement is IF NOT EXISTS
        if found is None or upgrade:
            with self.transaction():
                if upgrade:
                    upgrade_from_v1(self.conn)
                self.set_meta("schema_version", str(SCHEMA_VERSION))

    def corrupt(self, key: str, value: str) -> StoreError:
        """The error for a meta value that is not what newsqa wrote."""
        return StoreError(
            f"The store at {self.path} is damaged: its meta value {key} is {value[:40]!r}, not a number. "
            f"Move the file aside and rebuild it with: mv {self.path} {self.path}.bad && newsqa ingest"
        )

    def _upgrade(self, found: int) -> None:
        """Bring an older store up to :data:`SCHEMA_VERSION` (before the schema script runs).

        → 2: ``articles.text_hash`` (content identity). → 3: articles gain ``page`` and ``place``; the
        ``captions`` view also holds ``note`` rows (bylines, trailers, signatures); every source's hash is cleared
        so the next ingest reads each file again with the new parser (the old rows stay until then)."""
        with self.transaction() as conn:
            add_text_hash_column(conn)
            if found < 3:
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
            self.conn.execute("COMMIT")
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, sqlite3.Error) and is_disk_full(exc):
                raise StoreFull(disk_full_message(self.path, 1024 * 1024)) from exc
            raise

    def _rollback(self) -> None:
        """Undo the open transaction, if SQLite has not already (it does after SQLITE_FULL and others);
        a failing ROLLBACK is logged, never raised over the error that caused it."""
        if not self.conn.in_transaction:
            return
        try:
            self.conn.execute("ROLLBACK")
        except sqlite3.Error as exc:
            log.warning("rollback of %s failed: %s", self.path, exc)

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
        value = self.get_meta("corpus_version") or "0"
        if not value.isdigit():
            raise self.corrupt("corpus_version", value)
        return int(value)

    def _bump_corpus_version(self) -> None:
        self.set_meta("corpus_version", str(self.corpus_version + 1))
        self.set_meta("last_ingest", str(time.time()))

    def replace_source(
        self, path: str, content_hash: str, size: int, fmt: str, articles: Sequence[Article]
    ) -> list[str]:
        """Store ``articles`` as the whole content of source ``path``, replacing what it held, atomically.

        An article whose text is already stored (from another source, or earlier in this one) is not stored
        again; its title is returned and the skip recorded (see :mod:`corpus.store_identity`).
        """
        skipped: list[str] = []
        with self.transaction() as conn:
            conn.execute("DELETE FROM sources WHERE path = ?", (path,))
            cur = conn.execute(
                "INSERT INTO sources(path, content_hash, size, format, ingested_at) VALUES (?, ?, ?, ?, ?)",
                (path, content_hash, size, fmt, time.time()),
            )
            source_id = cur.lastrowid
            for ordinal, article in enumerate(articles, start=1):
                digest = text_hash(article)
                if conn.execute("SELECT 1 FROM articles WHERE text_hash = ?", (digest,)).fetchone():
                    conn.execute(
                        "INSERT INTO duplicate_articles(source_id, ordinal, title, text_hash) VALUES (?,?,?,?)",
                        (source_id, ordinal, article.title, digest),
                    )
                    skipped.append(article.title)
                    continue
                self._insert_article(conn, source_id, path, ordinal, article)
            self._bump_corpus_version()
        return skipped

    def rename_source(self, old: str, new: str) -> None:
        """Record that source ``old`` now lives at ``new`` (a moved file): its articles stay as they are."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE sources SET path = ?, ingested_at = ? WHERE path = ?", (new, time.time(), old)
            )

    def remove_source(self, path: str) -> None:
        """Forget source ``path`` and everything read from it."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM sources WHERE path = ?", (path,))
            self._bump_corpus_version()

    def _insert_article(
        self, conn: sqlite3.Connection, source_id: int | None, path: str, ordinal: int, article: Article
    ) -> None:
        uid = article_uid(path, ordinal, article.title)
        salt = 0
        while conn.execute("SELECT 1 FROM articles WHERE uid = ?", (uid,)).fetchone():
            salt += 1  # the id is taken by an article that moved away from this path: pick another
            uid = article_uid(f"{path}\0{salt}", ordinal, article.title)
        cur = conn.execute(
            """INSERT INTO articles(uid, source_id, ordinal, title, title_derived, kicker, subtitle, byline,
               column_name, date, source_name, url, page, place, text_hash)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
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
                text_hash(article),
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
