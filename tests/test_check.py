"""`newsqa check [--repair]` on real stores: clean, with wrong statistics, double-indexed, behind, cut short."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from corpus.ingest import ingest
from corpus.models import Article, Paragraph
from corpus.store import Store
from index.bm25 import SparseIndex
from index.check import check_index
from index.postings import get_meta, set_meta
from index.staging import Staged
from index.writer import prepare

QUESTIONS = ["剑河中药材面积", "罗甸县委书记是谁", "杨城寨村党总支书记是谁", "黄精"]


@pytest.fixture()
def env_db(monkeypatch: pytest.MonkeyPatch, fresh_db: Path) -> Path:
    monkeypatch.setenv("NEWSQA_DB", str(fresh_db))
    return fresh_db


def ranking(capsys: pytest.CaptureFixture[str]) -> list[list[tuple[str, int, float]]]:
    found = []
    for question in QUESTIONS:
        assert main(["ask", question, "--json", "-k", "10"]) == 0
        out = json.loads(capsys.readouterr().out)
        found.append([(p["article"]["id"], p["paragraph"], round(p["score"], 6)) for p in out["passages"]])
    return found


def test_a_clean_store_passes(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    assert capsys.readouterr().out == "ok: the index matches the store\n"


def test_wrong_statistics_are_reported_then_rewritten(
    env_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store.open(env_db)
    with store.transaction():
        store.conn.execute("UPDATE ix_terms SET df = df + 1 WHERE term IN ('剑河', '面积')")
        set_meta(store.conn, "n_docs", get_meta(store.conn, "n_docs") + 5)
    assert main(["check"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "wrong: N is 61, 56 passages are indexed",
        "wrong: df wrong for 2 terms: 剑河 9≠8, 面积 2≠1",
    ]
    assert captured.err == "Error: the index does not match the store. Fix it with: newsqa check --repair\n"
    assert main(["check", "--repair"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[2:] == [
        "repaired: rewrote N, the total length, df and the df histogram from the indexed tokens",
        "ok: the index matches the store",
    ]
    assert main(["check"]) == 0


def test_an_index_built_twice_is_rebuilt(env_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = ranking(capsys)
    store = Store.open(env_db)
    index = SparseIndex(store.conn)
    set_meta(store.conn, "last_id", 0)  # what issue 11 saw: a second process indexing the same paragraphs
    from index.tokenize import Segmenter

    index.sync(Segmenter().doc_tokens)
    assert get_meta(store.conn, "n_docs") == 112
    assert ranking(capsys) != clean
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "wrong: N is 112, 56 passages are indexed" in out
    assert "wrong: postings wrong for" in out
    assert main(["check", "--repair"]) == 0
    assert "repaired: rebuilt the index from the store (56 passages)" in capsys.readouterr().out
    assert main(["check"]) == 0
    capsys.readouterr()
    assert ranking(capsys) == clean


def test_an_index_behind_the_store_is_a_note_and_repair_catches_up(
    env_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "new.json").write_text(
        json.dumps({"title": "黔江县茶叶丰收", "text": "黔江县茶园面积达到3.6万亩。"}, ensure_ascii=False),
        encoding="utf-8",
    )
    store = Store.open(env_db)
    ingest(store, [tmp_path / "new.json"])  # into the store only: the index is now behind it
    assert main(["check"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "note: the index is behind the store: 1 paragraphs not indexed yet, 0 deleted ones still indexed "
        "(newsqa index, or the running ingest, brings it up to date)",
        "ok: the index matches the store",
    ]
    assert main(["ask", "黔江县茶园面积", "--json"]) == 0  # a reader answers from what is indexed
    assert json.loads(capsys.readouterr().out)["answer"] is None
    assert main(["check", "--repair"]) == 0
    assert "repaired: indexed 1 pending passages, removed 0 deleted ones" in capsys.readouterr().out
    assert main(["ask", "黔江县茶园面积", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["answer"] in ("3.6万亩", None) and "3.6万亩" in out["passages"][0]["quote"]


def test_a_write_cut_short_counts_for_nothing_and_the_next_sync_recovers(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "t.db")
    index = SparseIndex(store.conn)
    store.replace_source(
        "a", "a", 0, "txt", [Article(title="", paragraphs=[Paragraph("x y"), Paragraph("y z")])]
    )
    index.sync(str.split)
    store.replace_source("b", "b", 0, "txt", [Article(title="", paragraphs=[Paragraph("x x w")])])
    staged = Staged(store.conn, prepare([(3, ["x", "x", "w"])]))
    steps = staged.steps()
    for _ in range(3):  # the id, the postings, the tokens: then the process dies
        with store.transaction():
            next(steps)
    assert index.search(["x"]) == index.search(["x"])  # nothing of it is visible
    assert [pid for pid, _ in index.search(["x"])] == [1]
    report = check_index(store.conn)
    assert report.ok
    assert report.notes == [
        "1 passages staged by an unfinished index write (not searched yet)",
        "the index is behind the store: 1 paragraphs not indexed yet, 0 deleted ones still indexed "
        "(newsqa index, or the running ingest, brings it up to date)",
        "1 unlisted segments of an index write cut short or running (not searched; a sync clears them)",
    ]
    index.sync(str.split)
    assert check_index(store.conn).lines() == []
    assert [pid for pid, _ in index.search(["x"])] == [3, 1]
    assert store.conn.execute("SELECT COUNT(*) FROM ix_garbage").fetchone()[0] == 0


def test_about_counts_the_articles_that_can_be_answered(env_db: Path, tmp_path: Path) -> None:
    from bot.engine import open_engine
    from bot.settings import Settings

    (tmp_path / "new.json").write_text(
        json.dumps({"title": "黔江县茶叶丰收", "text": "黔江县茶园面积达到3.6万亩。"}, ensure_ascii=False),
        encoding="utf-8",
    )
    ingest(Store.open(env_db), [tmp_path / "new.json"])  # stored, not indexed yet
    engine = open_engine(Settings(db_path=env_db))
    assert engine.about().plain().startswith("资料库：4篇文章（另有1篇正在建立索引），54个段落")
    assert main(["index"]) == 0
    assert engine.about().plain().startswith("资料库：5篇文章，54个段落")
