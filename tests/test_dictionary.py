"""Mining user words from the store: in worker processes, incrementally, merged with the stored words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import index.dictionary as dictionary
from corpus.models import Article, Paragraph
from corpus.store import Store
from index.build import USER_WORDS_LAST_ID, refresh_user_words, stored_user_words
from index.dictionary import mine_user_words

FIRST = [
    "2022年3月,一支国家级科技特派团来到剑河县,贵州中医药大学教授周涛带队调研。",
    "褚靖担任正 安县人民医院院长。",
    "正安县委组织部部长贾军表示,帮扶见效。",
    "在社区,让贵州的群众满意。",
]
FIRST_WORDS = [
    "马跃峰",
    "周涛",
    "剑河县",
    "剑河",
    "贵州中医药大学",
    "正安县",
    "正安",
    "正安县人民医院",
    "贾军",
]
NEW = "台江县蓝莓种植面积已达3.6万亩,台江县人民医院院长吴敏介绍。"
NEW_WORDS = ["钟明远", "吴敏", "台江县", "台江", "台江县人民医院"]


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "t.db") as opened:
        yield opened


def add(store: Store, path: str, texts: list[str], byline: str) -> None:
    article = Article(title="帮扶", byline=byline, paragraphs=[Paragraph(t) for t in texts])
    store.replace_source(path, path, 0, "txt", [article])


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_mine_the_same_words_as_one_process(
    store: Store, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dictionary, "MINE_CHUNK", 1)  # one text per task: four paragraphs go to the pool
    add(store, "one", FIRST, "本报记者 马跃峰")
    done: list[tuple[int, int]] = []
    assert mine_user_words(store, workers=workers, progress=lambda d, t: done.append((d, t))) == FIRST_WORDS
    assert done[-1] == (4, 4)


def test_mining_after_an_id_reads_only_newer_paragraphs(store: Store) -> None:
    add(store, "one", FIRST, "本报记者 马跃峰")
    last = store.conn.execute("SELECT MAX(id) FROM paragraphs").fetchone()[0]
    add(store, "two", [NEW], "本报记者 钟明远")
    assert mine_user_words(store, after=last) == NEW_WORDS


def test_refresh_merges_new_words_with_the_stored_ones(store: Store) -> None:
    add(store, "one", FIRST, "本报记者 马跃峰")
    assert refresh_user_words(store) == sorted(FIRST_WORDS)
    add(store, "two", [NEW], "本报记者 钟明远")
    newest = store.conn.execute("SELECT MAX(id) FROM paragraphs").fetchone()[0]
    assert refresh_user_words(store) == sorted(FIRST_WORDS + NEW_WORDS)
    assert stored_user_words(store) == sorted(FIRST_WORDS + NEW_WORDS)
    assert store.get_meta(USER_WORDS_LAST_ID) == str(newest)
