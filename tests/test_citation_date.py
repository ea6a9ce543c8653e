"""The citation shows the article's date as a reader writes it, in the terminal and in Telegram cards."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot import render_html, render_text
from bot.cards import answer_card, article_card, chinese_date
from corpus.ingest import ingest
from corpus.store import Store
from index.search import Searcher

RECORD = {
    "title": "中方愿同各方加强合作",
    "date": "2019-07-12",
    "author": "本报记者 赵成",
    "text": "外交部发言人表示，中方愿同各方加强合作。\n\n今年上半年，双边贸易额达到1200亿美元，同比增长8%。",
}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    folder = tmp_path_factory.mktemp("dated")
    (folder / "a.jsonl").write_text(json.dumps(RECORD, ensure_ascii=False) + "\n", encoding="utf-8")
    store = Store.open(folder / "newsqa.db")
    ingest(store, [folder])
    found = Searcher(store, use_cache=False)
    found.sync(workers=1)
    yield found
    store.close()


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2019-07-12", "2019年7月12日"),
        ("2025-12-01", "2025年12月1日"),
        ("2019-07", "2019年7月"),
        ("2019-07-12T08:00:00", "2019年7月12日"),
        ("2019年7月12日", "2019年7月12日"),
        (None, None),
    ],
)
def test_chinese_date(stored: str | None, shown: str | None) -> None:
    assert chinese_date(stored) == shown


def test_terminal_card_cites_the_date(searcher: Searcher) -> None:
    card = answer_card(searcher.ask("上半年双边贸易额是多少"), 0)
    shown = render_text.render(card, with_buttons=False)
    assert "1200亿美元" in shown
    assert shown.splitlines()[-1] == "—— 《中方愿同各方加强合作》 · 本报记者 赵成 · 2019年7月12日 · 第2段"


def test_telegram_card_cites_the_date(searcher: Searcher) -> None:
    card = answer_card(searcher.ask("上半年双边贸易额是多少"), 7)
    (message,) = render_html.render(card)
    assert "1200亿美元" in message
    assert message.splitlines()[-1] == "《中方愿同各方加强合作》 · 本报记者 赵成 · 2019年7月12日 · 第2段"


def test_article_view_header_shows_the_date(searcher: Searcher) -> None:
    found = searcher.store.article(searcher.store.articles()[0].uid)
    assert found is not None
    card = article_card(*found, marked=None, page=0, edit=False)
    assert render_text.render(card).splitlines()[:2] == [
        "■ 中方愿同各方加强合作",
        "本报记者 赵成 · 2019年7月12日",
    ]


def test_a_title_holding_book_marks_is_cited_with_inner_ones() -> None:
    from bot.cards import book_title

    assert book_title("《江苏省12345热线条例》本月起施行") == "《〈江苏省12345热线条例〉本月起施行》"
    assert book_title("云端下的守线人") == "《云端下的守线人》"
