"""The store's tables, in one script of ``CREATE … IF NOT EXISTS`` statements, and its version.

Version history: 1 — sources, articles, paragraphs, captions view, deleted_paragraphs; 2 — ``articles.text_hash``,
``duplicate_articles`` and ``sources_hash`` (content identity, :mod:`corpus.store_identity`); 3 — ``articles.page``
and ``articles.place``, ``note`` rows (bylines, trailers, signatures) in the captions view. The file is marked
with ``PRAGMA application_id`` (:data:`corpus.store_guard.APPLICATION_ID`).
"""

from __future__ import annotations

__all__ = ["SCHEMA", "SCHEMA_VERSION"]

SCHEMA_VERSION = 3  # 2: text_hash, duplicate_articles, sources_hash; 3: page, place, notes

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
    date TEXT, source_name TEXT, url TEXT, page TEXT, place TEXT,
    text_hash TEXT
);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source_id);
CREATE INDEX IF NOT EXISTS articles_text_hash ON articles(text_hash);
CREATE INDEX IF NOT EXISTS sources_hash ON sources(content_hash);
CREATE TABLE IF NOT EXISTS duplicate_articles (
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    title TEXT NOT NULL,
    text_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS duplicate_articles_source ON duplicate_articles(source_id);
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
