"""index.reader.abstain and the coverage it rests on (index.rerank.Query)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from corpus.store_read import ArticleInfo, Passage
from index.reader.abstain import MIN_COVERAGE, passage_haystack, place_missing, relevance
from index.rerank import Query, match
from tests.conftest import searcher_over

FREQ = {"剑河": 99, "面积": 999, "时候": 9999}


def passage(text: str, title: str = "剑河县中药材产业", byline: str | None = "本报记者 马跃峰") -> Passage:
    article = ArticleInfo(
        id=1,
        uid="a1",
        title=title,
        title_derived=False,
        kicker=None,
        subtitle=None,
        byline=byline,
        column=None,
        date=None,
        source=None,
        url=None,
        source_path="x.txt",
        paragraph_count=1,
    )
    return Passage(id=1, article=article, kind="body", ordinal=1, heading=None, text=text, flags=())


def test_rare_words_weigh_more() -> None:
    query = Query.of(["剑河", "面积", "时候", "褚靖"], FREQ, 100_000)
    assert query.weights == {
        "剑河": math.log(100_000 / 99),
        "面积": math.log(100_000 / 999),
        "时候": math.log(100_000 / 9999),
        "褚靖": math.log(100_000),
    }


def test_coverage_is_the_weighted_share_of_words_found() -> None:
    query = Query({"剑河": 3.0, "面积": 1.0})
    assert query.coverage("剑河县中药材种植面积达到15.78万亩") == 1.0
    assert query.coverage("剑河县的黄精") == 0.75
    assert query.coverage("正安县人民医院") == 0.0
    assert Query({}).coverage("剑河") == 0.0


def test_an_unknown_name_glued_to_a_verb_still_counts_by_its_bigrams() -> None:
    assert match("潘淑是", "潘淑,会稽句章人") == 0.5
    assert match("潘淑是", "孙权的皇后") == 0.0
    assert match("面积", "面 积") == 0.0


def test_haystack_holds_the_folded_header_and_text() -> None:
    assert (
        passage_haystack(passage("種植面積15.78萬畝。"))
        == "剑河县中药材产业 | 本报记者马跃峰 | 种植面积15.78万亩。"
    )


def test_relevant_when_the_passage_and_its_header_cover_the_question() -> None:
    query = Query({"剑河": 2.0, "面积": 1.0, "马跃峰": 1.0})
    verdict = relevance(query, passage("种植面积达到15.78万亩。"))
    assert verdict.relevant is True
    assert verdict.coverage == 1.0


def test_abstains_when_the_rare_words_are_missing() -> None:
    query = Query({"股价": 2.0, "苹果公司": 2.0, "今天": 0.5})
    verdict = relevance(query, passage("今天，剑河县的中药材种植面积达到15.78万亩。"))
    assert verdict.relevant is False
    assert verdict.coverage == pytest.approx(0.5 / 4.5)
    assert verdict.coverage < MIN_COVERAGE


def test_a_place_the_passage_does_not_name_means_not_relevant(searcher) -> None:  # type: ignore[no-untyped-def]
    result = searcher.ask("正安县中药材品种?")
    assert result.abstained is True
    assert searcher.ask("剑河县中药材品种?").abstained is False


def test_questions_about_the_present_moment_are_not_for_an_archive() -> None:
    from index.reader.abstain import asks_live

    assert asks_live("明天会下雨吗")
    assert asks_live("貴州茅台今天股價多少")  # traditional folded first
    assert asks_live("What is the weather in London?")
    assert not asks_live("剑河中药材面积?")
    assert not asks_live("2022年剑河县的天气")  # a dated question an article may answer
    assert not asks_live("现在剑河县中药材种植面积是多少")
    assert asks_live("今晚有什么电视节目")
    assert asks_live("你叫什么名字") and asks_live("你是机器人吗") and asks_live("Who are you?")
    assert not asks_live("褚靖是谁")


def test_a_passage_about_another_year_does_not_answer_a_question_about_this_one() -> None:
    from dataclasses import replace

    from index.reader.abstain import other_year

    figure = passage("白皮书显示，2024年，上海法院共受理一审行政案件8406件。", title="上海行政审判白皮书")
    assert other_year("2023年上海法院受理一审行政案件多少件", figure) == ("2023年",)
    assert other_year("2024年上海法院受理一审行政案件多少件", figure) == ()
    assert other_year("上海法院受理一审行政案件多少件", figure) == ()  # no year asked
    assert (
        other_year("2023年上海法院受理多少件", passage("上海法院共受理一审行政案件8406件。")) == ()
    )  # no year said
    report = passage("今年，上海法院共受理一审行政案件8406件，比2022年上升32.07%。", title="白皮书")
    dated = replace(report, article=replace(report.article, date="2023-05-04"))
    assert other_year("2023年上海法院受理多少件", dated) == ()  # 今年 in an article dated that year
    annual = replace(figure, article=replace(figure.article, date="2023-01-02"))
    assert other_year("2023年上海法院受理多少件", annual) == ("2023年",)  # dated 2023, about 2024's figure
    assert other_year("1950年代东德鼓励什么艺术", figure) == ()  # a decade, not a year
    assert other_year("2023年到2024年受理多少件", figure) == ()  # one of the years asked is there
    assert (
        other_year("2005年搬到哪个学院", passage("于二零零五年七月一日，电脑学系迁至资讯学院；2008年扩建。"))
        == ()
    )


def test_a_river_the_question_names_must_be_in_the_passage() -> None:
    query = Query({"汉江": 3.0, "流域": 1.0, "面积": 1.0})
    jialing = passage("嘉陵江流域面积15.98万平方公里，居长江各大支流之首。", title="嘉陵江流域综合规划获批")
    assert relevance(query, jialing).missing == ("汉江",)
    assert relevance(query, passage("汉江流域面积15.9万平方公里。", title="汉江")).missing == ()


def test_how_much_money_or_weight_needs_an_amount_in_that_unit() -> None:
    from index.reader.answerable import amount_missing

    museum = [passage("龟兹博物馆在库车市落成开放，馆内现展出文物2000余件。", title="龟兹博物馆开馆")]
    assert amount_missing("龟兹博物馆门票多少钱", museum)
    assert not amount_missing("龟兹博物馆门票多少钱", [passage("门票每人60元，学生半价。")])
    assert amount_missing("雄安一号卫星多重", museum)
    assert not amount_missing("馆内展出多少件文物", museum)  # not money or weight
    assert not amount_missing("博物馆的门票价格怎样定的", museum)  # not asked outright


def test_prizes_wages_and_rents_are_money_in_any_currency() -> None:
    from index.reader.answerable import amount_missing

    rescue = [passage("郑志军救人后，当地授予他见义勇为称号，他说这是应该做的。", title="跳水救人")]
    assert amount_missing("郑志军救人后拿了多少奖金", rescue)
    assert amount_missing("保安的月薪是多少", rescue)
    assert not amount_missing(
        "铜奖奖金是多少", [passage("四类参赛类别各增加一名铜奖，每名奖金为 NT$25,000。")]
    )
    assert not amount_missing("奖金是多少", [passage("冠军可获得奖金300万港币。")])
    assert not amount_missing("奖金是多少", [passage("冠军可获得奖金3000美元。")])


def test_an_undated_passage_of_an_article_dated_another_year_is_off_year_for_ranking() -> None:
    from dataclasses import replace

    from index.reader.abstain import off_year, other_year

    premier = passage(
        "朝鲜最高领导人金正恩出席阅兵式和群众游行，朝鲜内阁总理朴凤柱在活动上致辞。",
        title="朝鲜庆祝65周年国庆",
    )
    of_2013 = replace(premier, article=replace(premier.article, date="2013-09-10"))
    assert (
        other_year("2019年朝鲜内阁总理是谁", of_2013) == ()
    )  # abstention: a passage with no year may be about it
    assert off_year("2019年朝鲜内阁总理是谁", of_2013)  # ranking: the article's date says it is about 2013
    assert not off_year("2013年朝鲜内阁总理是谁", of_2013)
    assert not off_year("朝鲜内阁总理是谁", of_2013)  # no year asked
    assert not off_year("2019年朝鲜内阁总理是谁", premier)  # undated article: it may be about 2019
    last_year = replace(of_2013, text="去年，朝鲜内阁总理朴凤柱在活动上致辞。")
    assert not off_year("2012年朝鲜内阁总理是谁", last_year)  # 去年: another year than the date, said so
    figure = passage("白皮书显示，2024年，上海法院共受理一审行政案件8406件。", title="上海行政审判白皮书")
    assert off_year("2023年上海法院受理一审行政案件多少件", figure)  # names only another year


def test_a_word_ending_in_a_common_noun_like_a_place_names_no_place() -> None:
    text = passage("朝鲜将平壤时间改为东9区标准时间，比现在的时间早30分钟。", title="朝鲜调整标准时间")
    assert (
        relevance(Query({"朝鲜": 1.0, "改时区": 1.0}), text).missing == ()
    )  # 改 + 时区, not a district 改时
    assert relevance(Query({"朝鲜": 1.0, "正安县": 1.0}), text).missing == (
        "正安县",
    )  # a county is still one


LICHEE = """---
title: "火山岩上荔枝甜"
date: 2026-06-12
---

# 火山岩上荔枝甜

陈槐柏经验丰富：“荔枝一茬茬上市，头茬60元一斤，要抓紧和经销商对接。”

永德村位于海口市秀英区，2016年以来荔枝种植面积扩至13000亩。

武汉集装箱从船上吊装到冷链运输卡车，待泊时间缩短到2小时左右。
"""


def test_a_place_no_passage_names_makes_the_question_unanswered(tmp_path: Path) -> None:
    with searcher_over(tmp_path, {"lichee.md": LICHEE}) as found:
        assert found.ask("深圳荔枝多少钱一斤？").abstained  # 深圳: no place suffix, nowhere in the articles
        assert found.ask("荔枝头茬多少钱一斤？").abstained is False
        assert found.ask("武汉港待泊时间缩短到多少").abstained is False  # 武汉港 is named by 武汉
        passages = [h.passage for h in found.ask("荔枝头茬多少钱一斤？").hits]
        assert place_missing("深圳荔枝头茬多少钱一斤？", passages) == "深圳"
        assert place_missing("中国荔枝头茬多少钱一斤？", passages) is None  # 中国: a paper leaves it unsaid
