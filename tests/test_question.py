"""Question typing: literal questions and the type and unit they ask for."""

from __future__ import annotations

import pytest

from index.reader.question import (
    QuestionType,
    asks_position,
    classify,
    described,
    fold_chars,
    in_units,
    measure_word,
    wh_split,
)

Q = QuestionType


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("剑河中药材面积?", Q.QUANTITY),
        ("剑河县培育了几家规模以上中药材企业", Q.QUANTITY),
        ("多少名教师组建了教育帮扶团", Q.QUANTITY),
        ("陈蓉从事消防工作多少年", Q.QUANTITY),
        ("边阳中学高考一本上线人数增长的比例", Q.QUANTITY),
        ("大桥有多长", Q.QUANTITY),
        ("科技特派团是哪年几月来到剑河县的", Q.DATE),
        ("陈蓉哪一年担任玉溪市消防救援支队政委", Q.DATE),
        ("新馆什么时候开放", Q.DATE),
        ("会议几月召开", Q.DATE),
        ("罗甸县委书记是谁", Q.PERSON),
        ("这篇报道是哪位记者写的", Q.PERSON),
        ("光条村在哪个县", Q.PLACE),
        ("新馆位于哪里", Q.PLACE),
        ("李妙洁之前在哪所学校任职", Q.ORG),
        ("由哪家医院帮扶正安县人民医院", Q.ORG),
        ("褚靖在正安县担任什么职务", Q.TITLE),
        ("剑河县有没有中药材企业", Q.YESNO),
        ("正安县是国家乡村振兴重点帮扶县吗?", Q.YESNO),
        ("剑河县的中药材配方颗粒生产线", Q.OTHER),
        ("几乎所有村民都外出了吗", Q.YESNO),
    ],
)
def test_classify(question: str, expected: QuestionType) -> None:
    assert classify(question) is expected


def test_classify_traditional() -> None:
    assert classify("陳蓉哪一年擔任玉溪市消防救援支隊政委") is Q.DATE
    assert classify("劍河縣培育了幾家企業") is Q.QUANTITY
    assert classify("羅甸縣委書記是誰") is Q.PERSON


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("剑河县培育了几家规模以上中药材企业", "家"),
        ("被集中帮扶的医院创建了多少个重点专科", "个"),
        ("多少名教师组建了教育帮扶团", "人|人次|名|位"),
        ("陈蓉抢救遇险群众多少人", "人|人次|名|位"),
        ("陈蓉从事消防工作多少年", "年"),
        ("全市游客多少万人次", "人|人次|名|位"),
        ("剑河中药材面积?", "亩|平方公里|平方千米|平方米|公顷"),
        ("边阳中学上线人数增长的比例", "%"),
        ("罗甸县委书记是谁", None),
        ("郑志军多大", "岁"),  # a name and 多大: an age
        ("这个湖面积多大", "亩|平方公里|平方千米|平方米|公顷"),
        ("一审行政案件数", "件"),  # a count in the measure word before 数
        ("交通事故起数", "起"),
        ("朝美篮球赛比分", r"[:：∶比]\s?\d+"),
    ],
)
def test_measure_word(question: str, expected: str | None) -> None:
    assert measure_word(question) == expected


def test_asks_position() -> None:
    assert asks_position("褚靖在正安县担任什么职务")
    assert asks_position("李妙洁的身份是什么")
    assert not asks_position("褚靖是哪年来到正安县的")


def test_fold_chars_keeps_length() -> None:
    assert fold_chars("劍河縣ＡＢＣ１２") == "剑河县abc12"
    assert len(fold_chars("於是乎，後來")) == 6


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("石灰窑以什么为燃料?", ("石灰窑以", "为燃料")),
        ("新区毗邻哪一公园", ("新区毗邻", "公园")),
        ("什么是梯田", ("", "是梯田")),
        ("山楂又叫什么？", ("山楂又叫", "")),
        ("新馆的展厅怎么样", None),
        ("剑河县的中药材配方颗粒生产线", None),
    ],
)
def test_wh_split(question: str, expected: tuple[str, str] | None) -> None:
    assert wh_split(question) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("褚靖是谁", "褚靖"),
        ("梁玉林是什么人？", "梁玉林"),
        ("邹游的职业是什么？", "邹游"),
        ("郝德泉从事什么职业", "郝德泉"),
        ("罗甸县委书记是谁", "罗甸县委书记"),
        ("林投姐的导演是谁？", None),
        ("谁杀了司马晏？", None),
        ("剑河中药材面积?", None),
    ],
)
def test_described(question: str, expected: str | None) -> None:
    assert described(question) == expected


def test_colloquial_when_is_a_date_question_but_what_period_is_not() -> None:
    assert classify("正安县医院啥时候建成远程超声医学中心") is QuestionType.DATE
    assert classify("新角龙类生存于什么时期？") is QuestionType.OTHER


def test_a_score_and_an_age_are_matched_by_their_form() -> None:
    assert in_units("110∶110", measure_word("朝美篮球赛比分") or "")
    assert in_units("3比1", measure_word("几比几赢的") or "")
    assert not in_units("110人", measure_word("朝美篮球赛比分") or "")
    assert classify("2024年上海一审行政案件数") is QuestionType.QUANTITY


def test_a_time_of_day_question_wants_a_time_of_day() -> None:
    from index.reader.question import misses_clock_time

    assert misses_clock_time("光明星3号是几点发射的", "今年4月13日")
    assert not misses_clock_time("光明星3号是几点发射的", "13日上午7时38分55秒")
    assert not misses_clock_time("专列几点到沈阳", "26日上午9时")
    assert not misses_clock_time("会议几点开始", "下午3:30")
    assert not misses_clock_time("光明星3号是哪天发射的", "今年4月13日")  # a date question: any date
