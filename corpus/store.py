"""The store: one SQLite file (WAL) holding sources, articles, paragraphs and captions.

Other layers keep their own tables in the same file (the search index, the query cache, chat state); they
create them with ``CREATE TABLE IF NOT EXISTS`` through :attr:`Store.conn`.

Paragraph ids only ever grow (``AUTOINCREMENT``) and every deleted paragraph id is recorded in
``deleted_paragraphs`` by a trigger, so an index built beside the store can catch up incrementally.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from corpus.models import Article, Caption, Paragraph

SCHEMA_VERSION = 1

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
    date TEXT, source_name TEXT, url TEXT
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
    SELECT id, article_id, ordinal, kind, text, raw FROM paragraphs WHERE kind IN ('caption', 'credit');
CREATE TABLE IF NOT EXISTS deleted_paragraphs (id INTEGER PRIMARY KEY);
CREATE TRIGGER IF NOT EXISTS paragraphs_deleted AFTER DELETE ON paragraphs
BEGIN INSERT OR IGNORE INTO deleted_paragraphs(id) VALUES (old.id); END;
"""

BODY = "body"


class StoreError(Exception):
    """The store file cannot be opened or has an unknown schema."""


@dataclass(frozen=True)
class SourceInfo:
    """A source file as recorded at its last ingest."""

    id: int
    path: str
    content_hash: str
    size: int
    format: str
    ingested_at: float


@dataclass(frozen=True)
class ArticleInfo:
    """An article's header fields, as stored."""

    id: int
    uid: str
    title: str
    title_derived: bool
    kicker: str | None
    subtitle: str | None
    byline: str | None
    column: str | None
    date: str | None
    source: str | None
    url: str | None
    source_path: str
    paragraph_count: int


@dataclass(frozen=True)
class Passage:
    """One stored paragraph or caption with the article it belongs to: the unit the index ranks."""

    id: int
    article: ArticleInfo
    kind: str  # body, caption or credit
    ordinal: int  # 1-based within its kind in the article
    heading: str | None
    text: str
    flags: tuple[str, ...]


_ARTICLE_COLUMNS = """a.id, a.uid, a.title, a.title_derived, a.kicker, a.subtitle, a.byline, a.column_name, a.date,
    a.source_name, a.url, s.path,
    (SELECT COUNT(*) FROM paragraphs p WHERE p.article_id = a.id AND p.kind = 'body')"""


def _article_info(row: Sequence) -> ArticleInfo:
    return ArticleInfo(
        id=row[0],
        uid=row[1],
        title=row[2],
        title_derived=bool(row[3]),
        kicker=row[4],
        subtitle=row[5],
        byline=row[6],
        column=row[7],
        date=row[8],
        source=row[9],
        url=row[10],
        source_path=row[11],
        paragraph_count=row[12],
    )


def article_uid(source_path: str, ordinal: int, title: str) -> str:
    """A short stable id for an article: the same file, position and title give the same id."""
    digest = hashlib.sha1(f"{source_path}\0{ordinal}\0{title}".encode()).hexdigest()
    return digest[:10]


class Store:
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
        try:
            conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            store = cls(conn, path)
            store._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"Cannot open the store at {path}: {exc}. Move it aside and rebuild it with: newsqa ingest"
            ) from exc
        return store

    def _migrate(self) -> None:
        self.conn.executescript(SCHEMA)  # idempotent: every statement is IF NOT EXISTS
        with self.transaction():
            found = self.get_meta("schema_version")
            if found is None:
                self.set_meta("schema_version", str(SCHEMA_VERSION))
            elif int(found) > SCHEMA_VERSION:
                raise StoreError(
                    f"The store at {self.path} has schema version {found}, newer than this newsqa "
                    f"({SCHEMA_VERSION}). Upgrade newsqa, or rebuild the store with: newsqa ingest"
                )

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

    # -- sources ------------------------------------------------------------------------------------------

    def source(self, path: str) -> SourceInfo | None:
        """The recorded source at ``path``, or None."""
        row = self.conn.execute(
            "SELECT id, path, content_hash, size, format, ingested_at FROM sources WHERE path = ?", (path,)
        ).fetchone()
        return None if row is None else SourceInfo(*row)

    def sources(self) -> list[SourceInfo]:
        """Every recorded source, by path."""
        rows = self.conn.execute(
            "SELECT id, path, content_hash, size, format, ingested_at FROM sources ORDER BY path"
        ).fetchall()
        return [SourceInfo(*row) for row in rows]

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
               column_name, date, source_name, url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
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

    # -- reading ------------------------------------------------------------------------------------------

    def articles(self) -> list[ArticleInfo]:
        """Every article, in source path and page order."""
        rows = self.conn.execute(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id "
            "ORDER BY s.path, a.ordinal"
        ).fetchall()
        return [_article_info(r) for r in rows]

    def article_info(self, uid: str) -> ArticleInfo | None:
        """One article's header by its uid (a unique prefix of at least 4 characters also works)."""
        rows = self.conn.execute(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id "
            "WHERE a.uid = ? OR (length(?) >= 4 AND a.uid LIKE ? || '%') LIMIT 2",
            (uid, uid, uid),
        ).fetchall()
        return _article_info(rows[0]) if len(rows) == 1 else None

    def article(self, uid: str) -> tuple[ArticleInfo, list[Passage]] | None:
        """An article with its paragraphs (body first, then captions and credits), or None."""
        info = self.article_info(uid)
        if info is None:
            return None
        rows = self.conn.execute(
            "SELECT id, kind, ordinal, heading, text, flags FROM paragraphs WHERE article_id = ? "
            "ORDER BY kind != 'body', kind, ordinal",
            (info.id,),
        ).fetchall()
        return info, [_passage(info, r) for r in rows]

    def to_article(self, uid: str) -> Article | None:
        """Load an article back as a :class:`corpus.models.Article`."""
        found = self.article(uid)
        if found is None:
            return None
        info, passages = found
        return Article(
            title=info.title,
            title_derived=info.title_derived,
            kicker=info.kicker,
            subtitle=info.subtitle,
            byline=info.byline,
            column=info.column,
            date=info.date,
            source=info.source,
            url=info.url,
            paragraphs=[Paragraph(p.text, p.heading, p.flags) for p in passages if p.kind == BODY],
            captions=[Caption(p.text, p.kind) for p in passages if p.kind != BODY],
        )

    def passages(self, ids: Sequence[int]) -> dict[int, Passage]:
        """Passages by id (ids that no longer exist are left out)."""
        found: dict[int, Passage] = {}
        infos: dict[int, ArticleInfo] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT id, kind, ordinal, heading, text, flags, article_id FROM paragraphs WHERE id IN ({marks})",
                chunk,
            ).fetchall()
            for row in rows:
                article_id = row[6]
                if article_id not in infos:
                    info_row = self.conn.execute(
                        f"SELECT {_ARTICLE_COLUMNS} FROM articles a JOIN sources s ON s.id = a.source_id "
                        "WHERE a.id = ?",
                        (article_id,),
                    ).fetchone()
                    infos[article_id] = _article_info(info_row)
                found[row[0]] = _passage(infos[article_id], row)
        return found

    def passage_at(self, uid: str, ordinal: int) -> Passage | None:
        """Body paragraph number ``ordinal`` (1-based) of article ``uid``, or None."""
        info = self.article_info(uid)
        if info is None:
            return None
        row = self.conn.execute(
            "SELECT id, kind, ordinal, heading, text, flags FROM paragraphs "
            "WHERE article_id = ? AND kind = 'body' AND ordinal = ?",
            (info.id, ordinal),
        ).fetchone()
        return None if row is None else _passage(info, row)

    def counts(self) -> dict[str, int]:
        """How many sources, articles, paragraphs and captions the store holds."""
        one = self.conn.execute
        return {
            "sources": one("SELECT COUNT(*) FROM sources").fetchone()[0],
            "articles": one("SELECT COUNT(*) FROM articles").fetchone()[0],
            "paragraphs": one("SELECT COUNT(*) FROM paragraphs WHERE kind = 'body'").fetchone()[0],
            "captions": one("SELECT COUNT(*) FROM paragraphs WHERE kind != 'body'").fetchone()[0],
        }


def _passage(info: ArticleInfo, row: Sequence) -> Passage:
    flags = tuple(f for f in str(row[5]).split(",") if f)
    return Passage(
        id=row[0], article=info, kind=row[1], ordinal=row[2], heading=row[3], text=row[4], flags=flags
    )
