"""The same article under another path is stored once: moved and renamed files are recognised by content,
identical articles in two files (or twice in one) are stored once, and nothing is lost when a copy goes."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from corpus.ingest import format_report, ingest
from corpus.store import Store
from corpus.store_identity import text_hash_of

RECORD = '{{"title": "{title}", "text": "{text}"}}\n'
ROAD = RECORD.format(title="山区公路通车", text="公路通车了。村民出行方便了。")
HERBS = RECORD.format(title="剑河中药材", text="种植面积达到15.78万亩。")
SCHOOL = RECORD.format(title="乡村学校", text="新校舍启用。")


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "var" / "newsqa.db") as opened:
        yield opened


def paragraph_ids(store: Store) -> list[int]:
    return [r[0] for r in store.conn.execute("SELECT id FROM paragraphs ORDER BY id")]


def titles(store: Store) -> list[str]:
    return sorted(a.title for a in store.articles())


def test_a_renamed_folder_is_recognised_not_stored_twice(store: Store, tmp_path: Path) -> None:
    news = tmp_path / "news"
    news.mkdir()
    (news / "a.jsonl").write_text(ROAD + HERBS, encoding="utf-8")
    (news / "b.jsonl").write_text(SCHOOL, encoding="utf-8")
    ingest(store, [news])
    ids, uids, version = paragraph_ids(store), [a.uid for a in store.articles()], store.corpus_version
    news.rename(tmp_path / "news-2019")
    report = ingest(store, [tmp_path / "news-2019"])
    assert report.moved == [
        (str(news / "a.jsonl"), str(tmp_path / "news-2019" / "a.jsonl")),
        (str(news / "b.jsonl"), str(tmp_path / "news-2019" / "b.jsonl")),
    ]
    assert (report.added, report.updated, report.duplicates) == ([], [], [])
    assert paragraph_ids(store) == ids  # not read again: the index has nothing to redo
    assert [a.uid for a in store.articles()] == uids  # old buttons and links still work
    assert store.corpus_version == version
    assert [s.path for s in store.sources()] == [
        str(tmp_path / "news-2019" / "a.jsonl"),
        str(tmp_path / "news-2019" / "b.jsonl"),
    ]
    assert format_report(report).splitlines()[0] == (
        "added 0 · updated 0 · unchanged 0 · pruned 0 · failed 0 · moved 2"
    )
    assert ingest(store, [tmp_path / "news-2019"]).unchanged == [s.path for s in store.sources()]


def test_a_file_renamed_inside_the_folder_is_moved_not_pruned(store: Store, tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(ROAD, encoding="utf-8")
    ingest(store, [tmp_path])
    (tmp_path / "a.jsonl").rename(tmp_path / "road.jsonl")
    report = ingest(store, [tmp_path])
    assert (report.moved, report.pruned) == ([(str(tmp_path / "a.jsonl"), str(tmp_path / "road.jsonl"))], [])
    assert titles(store) == ["山区公路通车"]


def test_a_copied_file_is_stored_once_and_its_articles_survive_the_original(
    store: Store, tmp_path: Path
) -> None:
    (tmp_path / "a.jsonl").write_text(ROAD + HERBS, encoding="utf-8")
    shutil.copy(tmp_path / "a.jsonl", tmp_path / "copy.jsonl")
    report = ingest(store, [tmp_path])
    assert report.added == [str(tmp_path / "a.jsonl"), str(tmp_path / "copy.jsonl")]
    assert report.duplicates == [
        (str(tmp_path / "copy.jsonl"), "山区公路通车"),
        (str(tmp_path / "copy.jsonl"), "剑河中药材"),
    ]
    assert titles(store) == ["剑河中药材", "山区公路通车"]
    assert format_report(report).splitlines()[2:] == [
        f"duplicate: {tmp_path}/copy.jsonl: 《山区公路通车》 is already stored (same title and text), not stored twice",
        f"duplicate: {tmp_path}/copy.jsonl: 《剑河中药材》 is already stored (same title and text), not stored twice",
    ]
    assert ingest(store, [tmp_path]).unchanged == [str(tmp_path / "a.jsonl"), str(tmp_path / "copy.jsonl")]

    (tmp_path / "a.jsonl").unlink()
    after = ingest(store, [tmp_path])
    assert (after.pruned, after.updated) == ([str(tmp_path / "a.jsonl")], [str(tmp_path / "copy.jsonl")])
    assert titles(store) == ["剑河中药材", "山区公路通车"]
    assert {a.source_path for a in store.articles()} == {str(tmp_path / "copy.jsonl")}


def test_an_article_in_two_different_files_is_stored_once(store: Store, tmp_path: Path) -> None:
    (tmp_path / "monday.jsonl").write_text(ROAD + HERBS, encoding="utf-8")
    (tmp_path / "tuesday.jsonl").write_text(
        SCHOOL + RECORD.format(title="山区公路通车", text="公路 通车了。村民出行方便了。"), encoding="utf-8"
    )
    report = ingest(store, [tmp_path])
    assert report.duplicates == [
        (str(tmp_path / "tuesday.jsonl"), "山区公路通车")
    ]  # whitespace does not count
    assert titles(store) == ["乡村学校", "剑河中药材", "山区公路通车"]

    (tmp_path / "monday.jsonl").write_text(HERBS, encoding="utf-8")  # the first copy is edited out
    again = ingest(store, [tmp_path])
    assert again.updated == [str(tmp_path / "monday.jsonl"), str(tmp_path / "tuesday.jsonl")]
    assert titles(store) == ["乡村学校", "剑河中药材", "山区公路通车"]


def test_an_article_printed_twice_in_one_file_is_stored_once(store: Store, tmp_path: Path) -> None:
    (tmp_path / "dump.jsonl").write_text(ROAD + HERBS + ROAD, encoding="utf-8")
    report = ingest(store, [tmp_path / "dump.jsonl"])
    assert report.duplicates == [(str(tmp_path / "dump.jsonl"), "山区公路通车")]
    assert [a.title for a in store.articles()] == ["山区公路通车", "剑河中药材"]


def test_a_version_1_store_is_upgraded_and_deduplicates_against_old_articles(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    (tmp_path / "a.jsonl").write_text(ROAD, encoding="utf-8")
    with Store.open(db) as store:
        ingest(store, [tmp_path / "a.jsonl"])
    conn = sqlite3.connect(db)  # take it back to what version 1 wrote
    conn.executescript(
        """DROP INDEX articles_text_hash; DROP INDEX sources_hash; DROP TABLE duplicate_articles;
           ALTER TABLE articles DROP COLUMN text_hash; UPDATE meta SET value = '1' WHERE key = 'schema_version';
           PRAGMA application_id = 0;"""
    )
    conn.close()
    shutil.copy(tmp_path / "a.jsonl", tmp_path / "b.jsonl")
    with Store.open(db) as store:
        assert store.get_meta("schema_version") == "3"
        row = store.conn.execute("SELECT text_hash FROM articles").fetchone()
        assert row[0] == text_hash_of("山区公路通车", ["公路通车了。村民出行方便了。"])
        report = ingest(store, [tmp_path / "b.jsonl"])
        assert report.duplicates == [(str(tmp_path / "b.jsonl"), "山区公路通车")]
        assert store.counts()["articles"] == 1


def test_a_new_file_at_a_moved_files_old_path_gets_its_own_ids(store: Store, tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(ROAD, encoding="utf-8")
    ingest(store, [tmp_path])
    (tmp_path / "a.jsonl").rename(tmp_path / "b.jsonl")
    assert ingest(store, [tmp_path]).moved == [(str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"))]
    (tmp_path / "a.jsonl").write_text(
        RECORD.format(title="山区公路通车", text="公路改版了。"), encoding="utf-8"
    )
    report = ingest(store, [tmp_path])  # same path, position and title as the moved article: the id is taken
    assert (report.added, report.failed) == ([str(tmp_path / "a.jsonl")], [])
    assert len({a.uid for a in store.articles()}) == 2


def test_the_upgrade_hash_equals_the_ingest_hash_with_captions(tmp_path: Path) -> None:
    from corpus.models import Article, Caption, Paragraph
    from corpus.store_identity import text_hash, upgrade_from_v1

    photo = Article(
        title="夜市",
        paragraphs=[Paragraph("夜市热闹。"), Paragraph("摊主忙碌。")],
        captions=[Caption("新华社记者 黄文摄", kind="credit"), Caption("上图：夜市一角。")],
    )
    with Store.open(tmp_path / "newsqa.db") as store:
        store.replace_source("a.txt", "h", 1, "page", [photo])
        with store.transaction() as conn:
            conn.execute("UPDATE articles SET text_hash = NULL")
            upgrade_from_v1(conn)
        assert store.conn.execute("SELECT text_hash FROM articles").fetchone()[0] == text_hash(photo)
        assert text_hash(photo) != text_hash(Article(title="夜市", paragraphs=photo.paragraphs))
