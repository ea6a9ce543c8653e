"""Printed furniture, titles and passage sizes, on literal text."""

from __future__ import annotations

from corpus.furniture import (
    Dateline,
    PageTrailer,
    format_byline,
    is_byline_line,
    is_credit,
    is_trailer,
    page_trailer,
    plausible_byline,
    read_dateline,
    split_caption_credit,
)
from corpus.passages import MAX_CHARS, group_rows, split_long
from corpus.titles import clean_title


def test_credits_and_non_credits() -> None:
    credits = ["新华社记者鞠鹏摄", "蒙斌摄", "郑家裕摄（人民视觉）", "新华社发", "人民图片", "鸿擎科技供图",
               "制图：蔡华伟", "数据来源：中共廊坊市委宣传部", "新华社记者李嘉南摄影报道", "石中华摄，AI修饰生成素描画"]  # fmt: skip
    assert [c for c in credits if not is_credit(c)] == []
    assert not is_credit("图为王俊在攀爬岩壁。")
    assert not is_credit("他们在山顶拍摄")
    assert not is_credit(
        "国家主席习近平在北京人民大会堂会见朝鲜劳动党中央政治局委员、外相李勇浩。新华社记者姚大伟摄"
    )


def test_a_caption_with_its_credit_glued_on_is_split() -> None:
    assert split_caption_credit("游客在龟兹博物馆内参观。卜登鹏摄") == (
        "游客在龟兹博物馆内参观。",
        "卜登鹏摄",
    )
    assert split_caption_credit("图为综合指挥所工作人员正在电脑前操作。本报记者周之然摄") == (
        "图为综合指挥所工作人员正在电脑前操作。",
        "本报记者周之然摄",
    )
    assert split_caption_credit("游客在龟兹博物馆内参观。") is None


def test_trailers_and_page_trailers() -> None:
    assert is_trailer("（本报平壤6月22日电）")
    assert is_trailer("（新华社北京8月2日电记者郝薇薇）")
    assert is_trailer("（摘编自《安徽日报》，原题为《不能让“歪嘴”测评误导消费者》）")
    assert is_trailer("（作者为中国驻朝鲜大使）")
    assert not is_trailer("（下转第二版）说明")
    assert not is_trailer("（完）")
    assert page_trailer("本报记者  王崟欣《人民日报》（2025年01月02日第 07 版）") == PageTrailer(
        "本报记者  王崟欣", "人民日报", "2025-01-02", "第07版"
    )
    assert page_trailer("《人民日报》（2026年08月20日第 13 版）") == PageTrailer(
        "", "人民日报", "2026-08-20", "第13版"
    )
    assert page_trailer("本报记者王崟欣") is None


def test_bylines() -> None:
    assert is_byline_line("本报驻朝鲜记者莽九晨")
    assert is_byline_line("本报记者赵嘉鸣管克江杜尚泽焦翔王海林")
    assert is_byline_line("本报评论员")
    assert is_byline_line("中国国际问题研究院研究员虞少华", ("虞少华",))
    assert not is_byline_line("中国国际问题研究院研究员虞少华")
    assert not is_byline_line("记者从现场观赛人员处了解到，金正恩夫妇观看比赛")
    assert format_byline("本报记者  吴  君") == "本报记者 吴君"
    assert format_byline("贺  勇  阿尔达克") == "贺勇 阿尔达克"
    assert format_byline("本报记者  刘鑫焱  郑洋洋") == "本报记者 刘鑫焱 郑洋洋"
    assert plausible_byline("本报记者  刘鑫焱  郑洋洋")
    assert plausible_byline("张  驰")
    assert not plausible_byline("近日，记者从市场监管局获悉")
    assert not plausible_byline("的发展提供了有力支撑")


def test_datelines() -> None:
    assert read_dateline("本报北京7月11日电（记者赵成）中共中央政治局委员…") == Dateline(
        "本报", "北京", ("赵成",)
    )
    assert read_dateline("新华社北京５月２２日电（记者钱彤）全国政协副主席…") == Dateline(
        "新华社", "北京", ("钱彤",)
    )
    assert read_dateline("本报平壤3月1日电（记者 程维丹）在朝鲜访问的…") == Dateline(
        "本报", "平壤", ("程维丹",)
    )
    assert read_dateline("新华社沈阳8月19日电（记者丁非白、杨湛菲）") == Dateline(
        "新华社", "沈阳", ("丁非白", "杨湛菲")
    )
    assert read_dateline("本报平壤6月21日电 2019年6月20日至21日，") == Dateline("本报", "平壤", ())
    assert read_dateline("据朝中社12日报道，会议推举") is None


def test_titles_keep_the_space_between_decks_and_lose_tags_and_padding() -> None:
    assert (
        clean_title("手绘“健康地图”  守护村民健康（点赞新时代）")
        == "手绘“健康地图” 守护村民健康（点赞新时代）"
    )
    assert clean_title("朝鲜射星举国振奋<br/>国际社会反应强烈&nbsp;") == "朝鲜射星举国振奋 国际社会反应强烈"
    assert clean_title("既未组织记者观看\u3000也未公布失败原因") == "既未组织记者观看 也未公布失败原因"
    assert clean_title("本报记者  吴  君") == "本报记者吴君"


def test_a_field_label_before_a_headline_is_not_part_of_it() -> None:
    assert clean_title("标题：测试") == "测试"
    assert clean_title("题目: 手绘“健康地图”") == "手绘“健康地图”"
    assert clean_title("副标题是这样") == "副标题是这样"  # no label: kept as printed
    assert clean_title("A&amp;B<script>x</script>报道") == "A&B<script>x</script>报道"


def test_long_paragraphs_are_cut_at_sentence_ends() -> None:
    text = "甲" * 150 + "。" + "乙" * 200 + "！" + "丙" * 98 + "。"
    assert split_long(text) == ["甲" * 150 + "。", "乙" * 200 + "！" + "丙" * 98 + "。"]
    assert split_long(text + "丁。") == ["甲" * 150 + "。", "乙" * 200 + "！" + "丙" * 98 + "。", "丁。"]
    assert "".join(split_long("很长，" * 300)) == "很长，" * 300
    assert max(map(len, split_long("很长，" * 300))) <= MAX_CHARS
    assert split_long("短句。") == ["短句。"]


def test_list_rows_are_grouped() -> None:
    rows = [(None, f"第{i}国总统某某；", f"raw{i}") for i in range(1, 6)]
    lead = "一些外国领导人发来贺电（函），向中国十二届全国人大一次会议选出的新领导人表示祝贺。"
    assert group_rows([(None, lead, "r0"), *rows]) == [
        (None, lead, "r0", False),
        (None, "第1国总统某某；第2国总统某某；第3国总统某某；第4国总统某某；第5国总统某某；", "raw1\nraw2\nraw3\nraw4\nraw5", True),
    ]  # fmt: skip
    assert len(group_rows(rows[:3])) == 3


def test_table_cells_are_grouped_with_a_space_between_them() -> None:
    cells = [
        (None, c, c)
        for c in [
            "指标",
            "2024年",
            "2025年",
            "货物周转量",
            "1.2万亿",
            "1.3万亿",
            "快递量",
            "30亿件",
            "32亿件",
        ]
    ]
    assert group_rows(cells) == [(None, "指标 2024年 2025年 货物周转量 1.2万亿 1.3万亿 快递量 30亿件 32亿件",
                                  "\n".join(c[2] for c in cells), True)]  # fmt: skip
    assert len(group_rows(cells[:7])) == 7


def test_a_json_record_without_line_breaks_and_with_a_garbage_author() -> None:
    import json

    from corpus.readers import read_text

    text = "本报北京3月1日电（记者李明）" + "今年以来，全市新建冷链仓库3座，总投资1.2亿元。" * 20
    record = {"title": "冷链<br>物流", "author": "的发展提供了有力支撑", "text": text}
    _, [article] = read_text(json.dumps(record, ensure_ascii=False), ".json")
    assert (article.title, article.byline, article.place) == ("冷链 物流", "记者李明", "北京")
    assert "".join(p.text for p in article.paragraphs) == text
    assert [len(p.text) for p in article.paragraphs] == [290, 225]  # cut after a sentence, at most 300
