"""Nothing invented, nothing lost: every source file we have, read and checked against itself (corpus.debris)."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.debris import article_text, debris, fold, invented
from corpus.encoding import decode
from corpus.ingest import bundled_corpus_dir
from corpus.models import JOINED, Article, Caption, Paragraph
from corpus.readers import read_source
from corpus.walk import walk
from tests.conftest import SHARED

DATA = Path(__file__).parent / "data"
PEOPLES_DAILY = SHARED / "data" / "peoples-daily" / "articles"


def _files(folder: Path) -> list[Path]:
    if not folder.exists():
        return []
    found = [Path(f.path) for f in walk(str(folder)) if f.reason is None]
    return [p for p in found if p.name != "expected_articles.json"]


OURS = _files(DATA / "pages") + _files(DATA / "sources") + _files(bundled_corpus_dir())
THEIRS = _files(PEOPLES_DAILY)


def _check(path: Path) -> tuple[list[str], list[str]]:
    data = path.read_bytes()
    fmt, articles = read_source(path, data)
    text = article_text(decode(data)[0], fmt)
    return invented(text, articles), debris(text, articles, per_line=fmt == "dump")


def test_fold_removes_space_and_folds_width_and_punctuation() -> None:
    assert fold("礼炮 ２１响，“欢迎”!") == fold('礼炮21响,"欢迎"！') == '礼炮21响,"欢迎"!'


def test_invented_text_and_lost_text_are_reported() -> None:
    source = "全县产值突破百亿元。\n\n其中 年产茶叶3000吨。\n\n上图：茶园 胡 超摄\n"
    good = Article("题", paragraphs=[Paragraph("全县产值突破百亿元。"), Paragraph("其中年产茶叶3000吨。")])
    good.captions = [Caption("上图：茶园"), Caption("胡超摄", kind="credit")]
    assert invented(source, [good]) == []
    assert debris(source, [good]) == []
    bad = Article("题", paragraphs=[Paragraph("其中年产家"), Paragraph("全县产值突破百亿元。")])
    assert invented(source, [bad]) == ["其中年产家"]
    assert debris(source, [bad]) == [
        "茶叶3000吨.",
        "上图:茶园胡超摄",
    ]  # the credit 胡 超摄 vanished: reported
    pieces = Paragraph("全县产值其中年产茶叶", flags=(JOINED,), raw="全县产值\n其中 年产茶叶")
    assert invented(source, [Article("题", paragraphs=[pieces])]) == []


@pytest.mark.parametrize("path", OURS, ids=lambda p: p.name)
def test_our_files_invent_nothing_and_lose_only_page_debris(path: Path) -> None:
    made, lost = _check(path)
    assert made == []
    if path.suffix in (".html", ".htm"):
        return  # HTML: navigation, scripts, asides and footers are dropped by the reader (corpus/html_reader.py)
    assert [
        x for x in lost if sum(ch.isalpha() for ch in x) >= 4
    ] == []  # page debris: blocks under 4 characters


@pytest.mark.skipif(not THEIRS, reason=f"{PEOPLES_DAILY} not present: the shared datasets live in ../shared")
@pytest.mark.parametrize("path", THEIRS, ids=lambda p: p.name)
def test_peoples_daily_files_invent_nothing_and_lose_nothing(path: Path) -> None:
    assert _check(path) == ([], [])


def test_full_width_digits_are_found_by_ascii_ones(tmp_path: Path) -> None:
    from bot.library import build
    from corpus.store import Store
    from index.search import Searcher

    source = tmp_path / "salute.txt"
    source.write_text(
        "国宾欢迎仪式\n时间：2013-05-25\n\n　　新华社北京５月２４日电　广场上鸣放礼炮２１响，军乐团奏两国国歌。\n",
        encoding="utf-8",
    )
    store = Store.open(tmp_path / "s.db")
    searcher = Searcher(store, use_cache=False)
    build(store, searcher, [source])
    result = searcher.ask("欢迎仪式鸣放礼炮多少响")
    assert result.hits and "２１响" in result.hits[0].passage.text
    assert (
        searcher.retrieve("欢迎仪式鸣放礼炮21响")[0]
        .hits[0]
        .passage.text.endswith("礼炮２１响，军乐团奏两国国歌。")
    )
