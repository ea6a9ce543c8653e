"""The store: schema versioning, atomic source replacement, cascades and lookups."""

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus.models import JOINED, Article, Caption, Paragraph
from corpus.store import SCHEMA_VERSION, Store, StoreError, article_uid

FARM = Article(
    title="守好群众的“菜篮子”",
    byline="记者 刘芳",
    column="一线见闻",
    paragraphs=[
        Paragraph("寿光的冬天来得早，蔬菜大棚里却温暖如春。", raw="寿光的冬天来得早,蔬菜大棚里 却温暖如春。"),
        Paragraph("合作社请来农技专家，亩均增收3000元。", heading="科学种菜", flags=(JOINED,)),
    ],
    captions=[Caption("右上图：菜农在大棚里采摘黄瓜。"), Caption("新华社记者 黄文摄", kind="credit")],
)
NIGHT = Article(
    title="夜市点亮烟火气", kicker="四川省成都市", paragraphs=[Paragraph("夜幕降临，夜市热闹起来。")]
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "var" / "newsqa.db")
    yield opened
    opened.close()


def _ids(store: Store) -> list[int]:
    return [row[0] for row in store.conn.execute("SELECT id FROM paragraphs ORDER BY id")]


def test_a_new_store_records_its_schema_version(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a" / "b.db") as store:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION) == "3"
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Store.open(tmp_path / "a" / "b.db") as again:
        assert again.get_meta("schema_version") == "3"


def test_a_store_from_a_newer_newsqa_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "newsqa.db"
    with Store.open(path) as store:
        store.set_meta("schema_version", "4")
    with pytest.raises(StoreError) as caught:
        Store.open(path)
    assert str(caught.value) == (
        f"The store at {path} has schema version 4, newer than this newsqa (3). "
        "Upgrade newsqa, or move the file aside and rebuild it with: newsqa ingest"
    )


def test_a_version_1_store_gains_page_and_place_and_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '1');
        CREATE TABLE sources (id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, content_hash TEXT NOT NULL,
            size INTEGER NOT NULL, format TEXT NOT NULL DEFAULT '', ingested_at REAL NOT NULL);
        INSERT INTO sources VALUES (1, 'a.txt', 'abc', 3, 'page', 0);
        CREATE TABLE articles (id INTEGER PRIMARY KEY AUTOINCREMENT, uid TEXT UNIQUE NOT NULL,
            source_id INTEGER NOT NULL, ordinal INTEGER NOT NULL, title TEXT NOT NULL,
            title_derived INTEGER NOT NULL DEFAULT 0, kicker TEXT, subtitle TEXT, byline TEXT, column_name TEXT,
            date TEXT, source_name TEXT, url TEXT);
        INSERT INTO articles(uid, source_id, ordinal, title) VALUES ('u1', 1, 1, '旧文章');"""
    )
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        assert store.get_meta("schema_version") == "3"
        assert [(a.title, a.page, a.place) for a in store.articles()] == [("旧文章", None, None)]
        assert store.source("a.txt").content_hash == ""  # type: ignore[union-attr]


def test_a_file_that_is_not_a_store_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "newsqa.db"
    path.write_bytes(b"this is not a database, it is a text file" * 100)
    with pytest.raises(
        StoreError, match=r"^Cannot open the store at .*Move it aside and rebuild it with: newsqa ingest$"
    ):
        Store.open(path)


def test_replace_source_stores_articles_paragraphs_and_captions(store: Store) -> None:
    store.replace_source("pages/a.txt", "h1", 120, "page", [FARM, NIGHT])
    assert store.counts() == {"sources": 1, "articles": 2, "paragraphs": 3, "captions": 2}
    assert [(a.title, a.paragraph_count, a.source_path) for a in store.articles()] == [
        ("守好群众的“菜篮子”", 2, "pages/a.txt"),
        ("夜市点亮烟火气", 1, "pages/a.txt"),
    ]
    uid = article_uid("pages/a.txt", 1, "守好群众的“菜篮子”")
    loaded = store.to_article(uid)
    assert loaded is not None
    assert (loaded.title, loaded.byline, loaded.column) == ("守好群众的“菜篮子”", "记者 刘芳", "一线见闻")
    assert [(p.text, p.heading, p.flags) for p in loaded.paragraphs] == [
        ("寿光的冬天来得早，蔬菜大棚里却温暖如春。", None, ()),
        ("合作社请来农技专家，亩均增收3000元。", "科学种菜", (JOINED,)),
    ]
    assert [(c.kind, c.text) for c in loaded.captions] == [
        ("caption", "右上图：菜农在大棚里采摘黄瓜。"),
        ("credit", "新华社记者 黄文摄"),
    ]
    raw = store.conn.execute("SELECT raw FROM paragraphs WHERE ordinal = 1 AND kind = 'body' LIMIT 1")
    assert raw.fetchone()[0] == "寿光的冬天来得早,蔬菜大棚里 却温暖如春。"


def test_replace_source_replaces_what_the_source_held(store: Store) -> None:
    store.replace_source("pages/a.txt", "h1", 120, "page", [FARM, NIGHT])
    before = store.corpus_version
    store.replace_source("pages/a.txt", "h2", 80, "page", [NIGHT])
    assert [a.title for a in store.articles()] == ["夜市点亮烟火气"]
    assert store.source("pages/a.txt") is not None
    assert store.source("pages/a.txt").content_hash == "h2"  # type: ignore[union-attr]
    assert store.corpus_version == before + 1


def test_replace_source_is_all_or_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.replace_source("pages/a.txt", "h1", 120, "page", [FARM])
    real = Store._insert_article

    def fail_on_second(
        self: Store, conn: object, source_id: int, path: str, ordinal: int, art: Article
    ) -> None:
        if ordinal == 2:
            raise RuntimeError("disk on fire")
        real(self, conn, source_id, path, ordinal, art)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "_insert_article", fail_on_second)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.replace_source("pages/a.txt", "h2", 80, "page", [NIGHT, FARM])
    assert [a.title for a in store.articles()] == ["守好群众的“菜篮子”"]
    assert store.source("pages/a.txt").content_hash == "h1"  # type: ignore[union-attr]
    assert not store.conn.in_transaction


def test_removing_a_source_cascades_and_records_deleted_paragraphs(store: Store) -> None:
    store.replace_source("pages/a.txt", "h1", 120, "page", [FARM])
    store.replace_source("pages/b.txt", "h2", 60, "page", [NIGHT])
    farm_ids = _ids(store)[:4]
    store.remove_source("pages/a.txt")
    assert store.counts() == {"sources": 1, "articles": 1, "paragraphs": 1, "captions": 0}
    deleted = [row[0] for row in store.conn.execute("SELECT id FROM deleted_paragraphs ORDER BY id")]
    assert deleted == farm_ids
    store.replace_source("pages/a.txt", "h1", 120, "page", [FARM])
    assert min(_ids(store)[1:]) > max(farm_ids)  # ids only grow: an index can catch up by id


def test_article_lookup_by_uid_or_unique_prefix(store: Store) -> None:
    store.replace_source("pages/a.txt", "h1", 120, "page", [FARM])
    uid = article_uid("pages/a.txt", 1, "守好群众的“菜篮子”")
    with store.transaction() as conn:
        source_id = conn.execute("SELECT id FROM sources").fetchone()[0]
        for fake in ("abcd1111", "abcd2222"):
            conn.execute(
                "INSERT INTO articles(uid, source_id, ordinal, title) VALUES (?, ?, 9, '同名')",
                (fake, source_id),
            )
    assert store.article_info(uid).title == "守好群众的“菜篮子”"  # type: ignore[union-attr]
    assert store.article_info(uid[:4]).uid == uid  # type: ignore[union-attr]
    assert store.article_info(uid[:3]) is None  # too short to be a prefix
    assert store.article_info("abcd") is None  # ambiguous
    assert store.article_info("abcd2").uid == "abcd2222"  # type: ignore[union-attr]
    assert store.article_info("ffffffff") is None


def test_passages_by_id_and_by_position(store: Store) -> None:
    store.replace_source("pages/a.txt", "h1", 120, "page", [FARM])
    ids = _ids(store)
    found = store.passages([ids[1], ids[3], 999_999])
    assert sorted(found) == [ids[1], ids[3]]
    assert (found[ids[1]].kind, found[ids[1]].ordinal, found[ids[1]].heading) == ("body", 2, "科学种菜")
    assert (found[ids[3]].kind, found[ids[3]].text) == ("credit", "新华社记者 黄文摄")
    uid = found[ids[1]].article.uid
    second = store.passage_at(uid, 2)
    assert second is not None and second.text == "合作社请来农技专家，亩均增收3000元。"
    assert store.passage_at(uid, 3) is None
