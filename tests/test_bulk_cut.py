"""jieba-rs cuts bulk text as jieba does: the same words, so documents indexed with it match questions cut by
jieba (index/bulk_cut.py)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from index import build
from index.normalize import fold
from index.tokenize import Segmenter
from tests.conftest import ROOT, shared_file

pytest.importorskip("rjieba")


def _pair(words: tuple[str, ...] = ()) -> tuple[Segmenter, Segmenter]:
    plain, bulk = Segmenter(words), Segmenter(words, bulk=True)
    plain.initialize()
    bulk.initialize()
    return plain, bulk


def _jieba_cut(seg: Segmenter, text: str) -> list[str]:
    return list(seg.jieba.cut(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # jieba-rs alone keeps these runs whole; jieba's HMM step splits them at the hyphen
        ("COVID-19疫情", ["COVID", "-", "19", "疫情"]),
        ("2019-07-12", ["2019", "-", "07", "-", "12"]),
        ("www.people.com.cn", ["www", ".", "people", ".", "com", ".", "cn"]),
        # decimals and percentages stay whole, as in jieba
        ("15.78万亩", ["15.78", "万亩"]),
        ("3.5%的增长", ["3.5%", "的", "增长"]),
        # what lies between the alphanumeric pieces stays one word
        ("愿望......市民", ["愿望", "......", "市民"]),
        # jieba-rs's own HMM would give 常在 较: jieba's HMM cuts the run of single characters
        ("常在较陡峭的山坡", ["常", "在", "较", "陡峭", "的", "山坡"]),
        # outside jieba's blocks: one character at a time, spaces kept
        ("iPhone 15 Pro", ["iPhone", " ", "15", " ", "Pro"]),
        ("ａｂ，㐀字", ["ａ", "ｂ", "，", "㐀", "字"]),
    ],
)
def test_bulk_cut_gives_jiebas_words(text: str, expected: list[str]) -> None:
    plain, bulk = _pair()
    assert bulk._bulk is not None
    assert _jieba_cut(plain, text) == expected
    assert bulk._bulk.cut(text) == expected


def test_user_words_are_kept_whole_and_cut_the_same() -> None:
    # 紫藤湾镇 is new to jieba; 中药材 is in its dictionary already (a user word replaces its frequency, and jieba
    # counts the new frequency into its total all the same: the copy pads its total to match)
    text = "紫藤湾镇的中药材种植面积达15.78万亩，常在较陡峭的山坡上，COVID-19疫情后更多。"
    plain, bulk = _pair(("紫藤湾镇", "中药材"))
    assert "紫藤湾镇" in plain.words(text)
    assert bulk.words(text) == plain.words(text)
    assert bulk.doc_tokens(text) == plain.doc_tokens(text)


def test_words_added_later_reach_the_bulk_cut() -> None:
    text = "青杠坡镇今年的荔枝卖得很好。"
    plain, bulk = _pair()
    for seg in (plain, bulk):
        seg.add_words(["青杠坡镇"])
    assert "青杠坡镇" in bulk.words(text)
    assert bulk.words(text) == plain.words(text)


def _paragraphs(folder: Path) -> list[str]:
    out: list[str] = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in {".txt", ".md", ".json", ".jsonl", ".html"}:
            out += [fold(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def test_same_words_as_jieba_on_the_bundled_corpus() -> None:
    plain, bulk = _pair()
    lines = _paragraphs(ROOT / "corpus" / "articles")
    assert len(lines) > 40
    assert [bulk.words(line) for line in lines] == [plain.words(line) for line in lines]


def test_same_words_as_jieba_on_the_peoples_daily_files() -> None:
    folder = shared_file("data/peoples-daily/articles")
    plain, bulk = _pair()
    lines = _paragraphs(folder)
    assert len(lines) > 1000
    differ = [line for line in lines if bulk.words(line) != plain.words(line)]
    assert differ == []


def test_a_pickled_segmenter_keeps_bulk_mode() -> None:
    copy = pickle.loads(pickle.dumps(Segmenter(("紫藤湾镇",), bulk=True)))
    assert copy.bulk
    assert copy.words("紫藤湾镇的荔枝") == ["紫藤湾镇", "的", "荔枝"]


def test_a_large_sync_indexes_with_the_bulk_cut_and_the_same_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corpus.ingest import ingest
    from corpus.store import Store
    from index.bm25 import SparseIndex

    def tokens(bulk_from: int, name: str) -> tuple[bool, dict[int, str]]:
        monkeypatch.setattr(build, "BULK_FROM", bulk_from)
        store = Store.open(tmp_path / name)
        ingest(store, [ROOT / "corpus" / "articles"])
        index = SparseIndex(store.conn)
        segmenter, report = build.sync(store, index, workers=1)
        assert report.added > 40
        found = dict(store.conn.execute("SELECT paragraph_id, tokens FROM ix_tokens"))
        store.close()
        return segmenter.bulk, found

    bulk, with_bulk = tokens(1, "bulk.db")
    plain, without = tokens(10**9, "plain.db")
    assert (bulk, plain) == (True, False)
    assert with_bulk == without
