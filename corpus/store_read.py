"""Reading the store: sources, article headers, paragraphs and captions as plain records.

:class:`StoreReader` holds the queries; :class:`corpus.store.Store` inherits them, so callers only ever use
``Store`` and import the records (``SourceInfo``, ``ArticleInfo``, ``Passage``) from :mod:`corpus.store`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from corpus.models import Article, Caption, Paragraph

__all__ = ["BODY", "ArticleInfo", "Passage", "SourceInfo", "StoreReader"]

BODY = "body"


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
    page: str | None = None  # the printed page (第07版)
    place: str | None = None  # where it was filed (from the dateline)


@dataclass(frozen=True)
class Passage:
    """One stored paragraph or caption with the article it belongs to: the unit the index ranks."""

    id: int
    article: ArticleInfo
    kind: str  # body, caption, credit or note
    ordinal: int  # 1-based within its kind in the article
    heading: str | None
    text: str
    flags: tuple[str, ...]


_SOURCE_QUERY = "SELECT id, path, content_hash, size, format, ingested_at FROM sources"
_ARTICLE_QUERY = """SELECT a.id, a.uid, a.title, a.title_derived, a.kicker, a.subtitle, a.byline, a.column_name,
    a.date, a.source_name, a.url, s.path,
    (SELECT COUNT(*) FROM paragraphs p WHERE p.article_id = a.id AND p.kind = 'body'), a.page, a.place
    FROM articles a JOIN sources s ON s.id = a.source_id"""
_PASSAGE_QUERY = "SELECT id, kind, ordinal, heading, text, flags, article_id FROM paragraphs"


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
        page=row[13],
        place=row[14],
    )


def _passage(info: ArticleInfo, row: Sequence) -> Passage:
    flags = tuple(f for f in str(row[5]).split(",") if f)
    return Passage(
        id=row[0], article=info, kind=row[1], ordinal=row[2], heading=row[3], text=row[4], flags=flags
    )


class StoreReader:
    """The store's read queries (mixed into :class:`corpus.store.Store`)."""

    conn: sqlite3.Connection

    def source(self, path: str) -> SourceInfo | None:
        """The recorded source at ``path``, or None."""
        row = self.conn.execute(f"{_SOURCE_QUERY} WHERE path = ?", (path,)).fetchone()
        return None if row is None else SourceInfo(*row)

    def sources_with_hash(self, content_hash: str) -> list[SourceInfo]:
        """Every recorded source whose bytes hash to ``content_hash``, by path."""
        rows = self.conn.execute(f"{_SOURCE_QUERY} WHERE content_hash = ? ORDER BY path", (content_hash,))
        return [SourceInfo(*row) for row in rows]

    def sources(self) -> list[SourceInfo]:
        """Every recorded source, by path."""
        return [SourceInfo(*row) for row in self.conn.execute(f"{_SOURCE_QUERY} ORDER BY path")]

    def articles(self) -> list[ArticleInfo]:
        """Every article, in source path and page order."""
        rows = self.conn.execute(f"{_ARTICLE_QUERY} ORDER BY s.path, a.ordinal").fetchall()
        return [_article_info(r) for r in rows]

    def article_info(self, uid: str) -> ArticleInfo | None:
        """One article's header by its uid (a unique prefix of at least 4 characters also works)."""
        rows = self.conn.execute(
            f"{_ARTICLE_QUERY} WHERE a.uid = ? OR (length(?) >= 4 AND a.uid LIKE ? || '%') LIMIT 2",
            (uid, uid, uid),
        ).fetchall()
        return _article_info(rows[0]) if len(rows) == 1 else None

    def article(self, uid: str) -> tuple[ArticleInfo, list[Passage]] | None:
        """An article with its paragraphs (body first, then captions and credits), or None."""
        info = self.article_info(uid)
        if info is None:
            return None
        rows = self.conn.execute(
            f"{_PASSAGE_QUERY} WHERE article_id = ? ORDER BY kind != 'body', kind, ordinal", (info.id,)
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
            rows = self.conn.execute(f"{_PASSAGE_QUERY} WHERE id IN ({marks})", chunk).fetchall()
            wanted = sorted({row[6] for row in rows} - infos.keys())  # their articles, in one query
            if wanted:
                article_marks = ",".join("?" * len(wanted))
                sql = f"{_ARTICLE_QUERY} WHERE a.id IN ({article_marks})"
                infos.update((r[0], _article_info(r)) for r in self.conn.execute(sql, wanted).fetchall())
            for row in rows:
                if row[6] in infos:  # an article deleted between the two queries: its passages are gone too
                    found[row[0]] = _passage(infos[row[6]], row)
        return found

    def passage_at(self, uid: str, ordinal: int) -> Passage | None:
        """Body paragraph number ``ordinal`` (1-based) of article ``uid``, or None."""
        info = self.article_info(uid)
        if info is None:
            return None
        row = self.conn.execute(
            f"{_PASSAGE_QUERY} WHERE article_id = ? AND kind = 'body' AND ordinal = ?", (info.id, ordinal)
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
