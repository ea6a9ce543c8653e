"""Answers from an article's own lines and fields: the paper it was taken from (its reprint trailer, quoted with
the name marked) and its headline (without the column's tag)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from index.fields import asks_reprint
from index.search import Searcher
from tests.conftest import searcher_over

REPRINTED = """---
title: "莫让虚假测评误导消费（纵横）"
date: 2025-01-03
author: "彭园园"
---

# 莫让虚假测评误导消费（纵横）

把不同品牌的同类型产品进行横向对比，分出优劣，给出选购建议，这样的视频在社交平台上屡见不鲜。

中国消费者协会对12个互联网平台共计350家“第三方测评”账号的一项调查发现，多数涉嫌存在测评标准类问题。

虚假测评应得到相应的惩处，要加大监管执法力度，完善法规政策。

（摘编自《安徽日报》，原题为《不能让“歪嘴”测评误导消费者》）
"""

FROM_AGENCY = """<html><head><meta charset="utf-8"><meta name="source" content="新华网">
<title>港口集装箱吞吐量创新高</title></head>
<body><article><h1>港口集装箱吞吐量创新高</h1>
<p>今年前三季度，北部湾港集装箱吞吐量达到900万标箱，同比增长一成以上。</p>
<p>港口方面表示，新开通的航线让货物周转更快。</p>
</article></body></html>
"""

OWN = """# 嘉陵江流域综合规划获批

本报北京1月2日电（记者王浩）近日，《嘉陵江流域综合规划》获水利部批复。

该规划由长江水利委员会会同陕西、甘肃、四川、重庆等省市编制。
"""


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    with searcher_over(
        tmp_path_factory.mktemp("reprint"), {"测评.md": REPRINTED, "规划.md": OWN, "港口.html": FROM_AGENCY}
    ) as found:
        yield found


@pytest.mark.parametrize(
    "question",
    ["虚假测评那篇评论摘自哪家报纸", "虚假测评的评论转载自哪家媒体", "莫让虚假测评误导消费这篇文章出自哪里"],
)
def test_the_reprint_trailer_names_the_paper(searcher: Searcher, question: str) -> None:
    result = searcher.ask(question)
    assert (result.answer, result.answer_from, result.abstained) == ("安徽日报", "source", False)
    top = result.hits[0]
    assert (
        top.passage.text == "（摘编自《安徽日报》，原题为《不能让“歪嘴”测评误导消费者》）"
    )  # quoted as printed
    assert top.answer_span is not None
    assert top.passage.text[top.answer_span[0] : top.answer_span[1]] == "安徽日报"
    assert [h.rank for h in result.hits] == list(range(1, len(result.hits) + 1))


def test_an_article_with_no_trailer_or_source_gives_no_paper(searcher: Searcher) -> None:
    result = searcher.ask("嘉陵江流域综合规划那篇报道摘自哪家报纸")
    assert result.answer_from != "source"
    assert result.answer != "安徽日报"


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("虚假测评那篇评论摘自哪家报纸", True),
        ("哪家报纸转载了这篇评论", True),
        ("那篇报道的来源是哪家", True),
        ("这篇文章出自哪里", True),
        ("这句话出自什么", False),  # a saying's origin, not the article's
        ("这笔资金的来源是什么", False),
        ("在哪转车", False),
    ],
)
def test_which_questions_ask_for_the_reprinted_paper(question: str, asks: bool) -> None:
    assert asks_reprint(question) is asks


def test_a_headline_answers_which_article_without_its_columns_tag(searcher: Searcher) -> None:
    result = searcher.ask("哪篇讲的虚假测评误导消费")
    assert (result.answer, result.answer_from) == ("莫让虚假测评误导消费", "title")  # not …（纵横）
    assert result.hits[0].passage.text == "莫让虚假测评误导消费（纵横）"  # the headline quoted whole


def test_which_article_on_a_topic_no_article_covers_is_not_answered(searcher: Searcher) -> None:
    result = searcher.ask("哪篇讲火星移民计划")
    assert result.abstained
    assert result.answer is None


def test_without_a_trailer_the_source_field_names_the_outlet(searcher: Searcher) -> None:
    result = searcher.ask("北部湾港集装箱吞吐量那篇报道转载自哪家媒体")
    assert (result.answer, result.answer_from) == ("新华网", "source")
    top = result.hits[0]
    assert (top.passage.kind, top.passage.text, top.answer_span) == ("source", "新华网", (0, 3))
    assert top.passage.id < 0  # a line made from the article's field, not a stored paragraph


def test_when_it_was_printed_quotes_the_date(searcher: Searcher) -> None:
    result = searcher.ask("莫让虚假测评误导消费那篇哪天登的")
    assert (result.answer, result.answer_from) == ("2025-01-03", "date")
    top = result.hits[0]
    assert (top.passage.kind, top.passage.text, top.quote_span, top.answer_span) == (
        "date",
        "2025-01-03",
        (0, 10),
        (0, 10),
    )
    assert [h.rank for h in result.hits] == list(range(1, len(result.hits) + 1))


def test_a_runner_up_line_names_a_note_by_its_kind_not_a_paragraph_number(searcher: Searcher) -> None:
    from bot.cards import result_line

    result = searcher.ask("虚假测评那篇评论摘自哪家报纸")
    note, body = result.hits[0], next(h for h in result.hits if h.passage.kind == "body")
    assert result_line(note) == (
        "1. （摘编自《安徽日报》，原题为《不能让“歪嘴”测评误导消费者》） —— 《莫让虚假测评误导消费（纵横）》附注"
    )
    assert result_line(body).endswith(f"—— 《莫让虚假测评误导消费（纵横）》第{body.passage.ordinal}段")


def test_the_title_of_another_work_the_question_names_is_not_the_headline() -> None:
    from index.fields import names_other_work

    assert names_other_work("朝鲜《劳动新闻》刊发的社论题目是什么", "习近平同金正恩举行会谈")
    assert not names_other_work("《莫让虚假测评误导消费》那篇的题目是什么", "莫让虚假测评误导消费（纵横）")
    assert not names_other_work("那篇评论的题目是什么", "莫让虚假测评误导消费（纵横）")


def test_the_reprinted_paper_is_the_articles_source(searcher: Searcher) -> None:
    titles = {a.title: a.source for a in searcher.store.articles()}
    assert titles["莫让虚假测评误导消费（纵横）"] == "安徽日报"
    assert titles["嘉陵江流域综合规划获批"] is None  # the paper's own report: no other source


@pytest.mark.parametrize(
    ("line", "outlet"),
    [
        ("（摘编自《安徽日报》，原题为《不能让“歪嘴”测评误导消费者》）", "安徽日报"),
        ("（原载《求是》2025年第1期）", "求是"),
        ("来源：新华网", "新华网"),
        ("数据来源：中共廊坊市委宣传部", None),  # a credit for the figures, not the article's source
        ("本报记者 吴君", None),
    ],
)
def test_the_outlet_a_trailer_names(line: str, outlet: str | None) -> None:
    from corpus.furniture import reprinted_from

    span = reprinted_from(line)
    assert (line[span[0] : span[1]] if span else None) == outlet


def test_the_citation_labels_the_source(searcher: Searcher) -> None:
    from bot.cards import citation

    article = next(a for a in searcher.store.articles() if a.source == "安徽日报")
    assert "· 来源：安徽日报" in citation(article)


@pytest.mark.parametrize("question", ["虚假测评那篇评论原题是什么", "莫让虚假测评误导消费的原标题叫什么"])
def test_the_original_headline_comes_from_the_reprint_trailer(searcher: Searcher, question: str) -> None:
    result = searcher.ask(question)
    assert (result.answer, result.answer_from) == ("不能让“歪嘴”测评误导消费者", "title")
    top = result.hits[0]
    assert top.passage.text == "（摘编自《安徽日报》，原题为《不能让“歪嘴”测评误导消费者》）"


def test_an_article_without_a_trailer_has_no_original_headline(searcher: Searcher) -> None:
    assert searcher.ask("嘉陵江流域综合规划那篇报道原题是什么").answer != "不能让“歪嘴”测评误导消费者"
