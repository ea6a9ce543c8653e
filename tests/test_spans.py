"""Candidate spans: typed candidates and question-aligned phrases, with literal inputs and exact spans."""

from __future__ import annotations

import pytest

from index.reader.phrases import phrases
from index.reader.question import QuestionType, fold_chars, wh_split
from index.reader.spans import candidates, descriptions, names_person


def _phrases(question: str, text: str) -> list[str]:
    split = wh_split(question)
    assert split is not None
    folded = fold_chars(text)
    return [text[c.start : c.end] for c in phrases(folded, split[0], split[1], fold_chars(question))]


def test_quantity_candidates_keep_enumeration_items_apart() -> None:
    text = "全市开展乡镇层面观摩640场、县级层面观摩48场。"
    found = [text[c.start : c.end] for c in candidates(QuestionType.QUANTITY, fold_chars(text))]
    assert found == ["640场", "48场"]


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        ("石灰窑以什么为燃料", "石灰窑多建在山脚,以煤炭或木柴为燃料,烧制生石灰。", "煤炭或木柴"),
        ("新区毗邻哪一公园", "新区地处城市北部,毗邻森林湿地公园,交通便利。", "森林湿地公园"),
        ("这座桥是由哪两家公司合作建造的", "这座桥是由中铁和港航合作建造的跨江大桥。", "中铁和港航"),
        ("这种鸟常被误为什么科的鸟", "这种鸟常被误为鹰科的鸟,其实属于隼科。", "鹰科"),
        ("他演出了哪些话剧", "他演出了《茶馆》、《雷雨》等话剧,深受观众喜爱。", "《茶馆》、《雷雨》等话剧"),
    ],
)
def test_phrase_stands_where_the_question_word_stands(question: str, text: str, expected: str) -> None:
    assert expected in _phrases(question, text)


def test_naming_question_takes_the_phrase_after_a_naming_word() -> None:
    text = "山楂(),又称山里红、红果,是蔷薇科的落叶乔木。"
    assert _phrases("山楂又叫什么", text)[0] == "山里红、红果"


def test_work_question_takes_titles_in_book_marks() -> None:
    text = "她曾在电视剧《山海情》中饰演水花一角。"
    assert "《山海情》" in _phrases("她出演过哪部电视剧", text)


def test_reason_question_takes_the_phrase_after_because() -> None:
    text = "因为连日暴雨,比赛被迫推迟。"
    assert _phrases("为什么比赛推迟了", text) == ["连日暴雨"]


def test_phrase_is_capped_at_twenty_characters() -> None:
    text = "该馆的宗旨是收集保存整理研究展示本地区自古以来的民间手工艺品与传统生活用具,服务公众。"
    assert _phrases("该馆的宗旨是什么", text) == ["收集保存整理研究展示本地区自古以来的民间"]


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("珠海市人民医院医务科主任、泌尿外科主任医师褚靖从事泌尿外科16年。", "褚靖", ["泌尿外科主任医师"]),
        (
            "黔南布依族苗族自治州罗甸县边阳中学校长李妙洁说。",
            "李妙洁",
            ["黔南布依族苗族自治州罗甸县边阳中学校长"],
        ),
        ("在杨城寨村,村党总支书记刘斐向前来观摩的书记介绍。", "刘斐", ["村党总支书记"]),
        ("2020年,陈蓉担任玉溪市消防救援支队政委。", "陈蓉", ["玉溪市消防救援支队政委"]),
        ("徐晓飞（）是中国足球运动员，司职中场。", "徐晓飞", ["中国足球运动员"]),
        ("郝德泉,京剧琴师,曾给周信芳操琴。", "郝德泉", ["京剧琴师"]),
        ("难得休息的陈蓉,中午接到电话。", "陈蓉", []),  # a comma after the name mid-passage is no apposition
        (  # the role said after where she comes from, not the place
            "梅春雷是沙镇溪镇梅坪村人，在村里当了25年的乡村医生。",
            "梅春雷",
            ["乡村医生"],
        ),
        (  # a long phrase (cut at 20 characters) and its head, after its last 的
            "王俊是中国铁路南昌局集团有限公司永安工务段永安南兴泉路桥工区的工长。",
            "王俊",
            ["中国铁路南昌局集团有限公司永安工务段永安", "工长"],
        ),
        ("张三是北京人，爱好书法。", "张三", ["北京人"]),  # no role said: where from is all there is
        ("本报驻朝鲜记者莽九晨报道。", "莽九晨", ["本报驻朝鲜记者"]),  # the paper's correspondent there
    ],
)
def test_descriptions(text: str, name: str, expected: list[str]) -> None:
    assert [text[c.start : c.end] for c in descriptions(fold_chars(text), name)] == expected


def test_names_person() -> None:
    assert [names_person(s) for s in ("褚靖", "梁玉林", "拉姆·巴兰·亚达夫", "罗甸县委书记", "主持人")] == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_named_candidates_drop_parts_of_longer_names() -> None:
    text = "即将离任的布兰科·茨尔文科夫斯基总统没有争取连任。"
    found = {text[c.start : c.end] for c in candidates(QuestionType.PERSON, fold_chars(text))}
    assert "布兰科·茨尔文科夫斯基" in found
    assert "布兰科" not in found


def test_title_candidates_with_their_post() -> None:
    text = "2008年6月,苏锦梁获委任为商务局副局长。"
    found = [text[c.start : c.end] for c in candidates(QuestionType.TITLE, fold_chars(text))]
    assert found == ["副局长", "商务局副局长"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("全年集装箱吞吐量突破900万标箱。", ["900万标箱"]),
        ("廊坊公路货物周转量达82.11亿吨公里，", ["82.11亿吨公里"]),
        ("待泊时间从原来的6小时缩短到2小时左右。", ["6小时", "2小时左右"]),
    ],
)
def test_a_quantity_keeps_its_compound_unit_and_its_approximation(text: str, expected: list[str]) -> None:
    found = candidates(QuestionType.QUANTITY, fold_chars(text))
    assert [text[c.start : c.end] for c in found if text[c.start].isdigit()] == expected
