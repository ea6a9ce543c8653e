"""Multi-article dumps: split by header lines, headline decks, bylines, body furniture (literal text)."""

from __future__ import annotations

from corpus.dump import decks, is_dump, parse_dump
from corpus.models import JOINED
from corpus.readers import read_text

TWO_ARTICLES = """我外交部发言人强调
维护朝鲜半岛和平是多方共同责任 朝鲜战略火箭进入射击待命状态
作者：王迪;王莉  时间：2013-03-30

本报北京3月29日电 （记者王迪）外交部发言人洪磊29日在例行记者会上强调，维护朝鲜半岛和平是多方共同责任。

　　（本报平壤3月29日电）

外交部发言人——
希望朝美双方珍惜积极进展、互释善意
作者：张慧中  时间：2018-05-26

　　本报驻朝鲜记者　莽九晨

六月二十七日，国家主席习近平在日本大阪会见韩国总统文在寅。
　　新华社记者 黄敬文摄

　　■运筹：“我们对时间的理解，是以百年、千年为计”
　　早春三月，全国两会结束不到一周，习近平主席即踏上出访行程。

　　一、向国家主席习近平致贺的有：
　　巴基斯坦总统扎尔达里；

　　纳米比亚总统波汉巴；

　　朝鲜国务委员会委员长金正恩；

　　韩国国务总理郑烘原。
"""


def test_a_dump_is_split_at_its_header_lines_with_kickers_on_the_right_article() -> None:
    fmt, articles = read_text(TWO_ARTICLES, ".txt")
    assert fmt == "dump"
    assert [(a.kicker, a.title, a.subtitle, a.byline, a.date) for a in articles] == [
        (
            "我外交部发言人强调",
            "维护朝鲜半岛和平是多方共同责任 朝鲜战略火箭进入射击待命状态",
            None,
            "王迪、王莉",
            "2013-03-30",
        ),
        ("外交部发言人", "希望朝美双方珍惜积极进展、互释善意", None, "张慧中", "2018-05-26"),
    ]
    first, second = articles
    assert [p.text for p in first.paragraphs] == [
        "本报北京3月29日电（记者王迪）外交部发言人洪磊29日在例行记者会上强调，维护朝鲜半岛和平是多方共同责任。"
    ]
    assert first.place == "北京"
    assert [(c.kind, c.text) for c in first.captions] == [("note", "（本报平壤3月29日电）")]
    assert [(p.heading, p.text, p.flags) for p in second.paragraphs] == [
        (
            "运筹：“我们对时间的理解，是以百年、千年为计”",
            "早春三月，全国两会结束不到一周，习近平主席即踏上出访行程。",
            (),
        ),
        ("运筹：“我们对时间的理解，是以百年、千年为计”", "一、向国家主席习近平致贺的有：", ()),
        (
            "运筹：“我们对时间的理解，是以百年、千年为计”",
            "巴基斯坦总统扎尔达里；纳米比亚总统波汉巴；朝鲜国务委员会委员长金正恩；韩国国务总理郑烘原。",
            (JOINED,),
        ),
    ]
    assert [(c.kind, c.text) for c in second.captions] == [
        ("note", "本报驻朝鲜记者莽九晨"),
        ("caption", "六月二十七日，国家主席习近平在日本大阪会见韩国总统文在寅。"),
        ("credit", "新华社记者黄敬文摄"),
    ]


def test_headline_decks_kicker_title_subtitle() -> None:
    assert decks(
        ["惟其勇毅笃行，方显英雄本色", "——2019年上半年习近平主席引领中国特色大国外交开辟新境界"]
    ) == (
        None,
        "惟其勇毅笃行，方显英雄本色",
        "2019年上半年习近平主席引领中国特色大国外交开辟新境界",
    )
    assert decks(["习近平和夫人彭丽媛会见李洙墉并观看朝鲜友好艺术团演出", "王沪宁陪同会见并观看演出"]) == (
        None,
        "习近平和夫人彭丽媛会见李洙墉并观看朝鲜友好艺术团演出",
        "王沪宁陪同会见并观看演出",
    )
    assert decks(
        ["结束对朝鲜民主主义人民共和国国事访问", "习近平回到北京", "离开前出席金正恩举行的欢送仪式"]
    ) == (
        "结束对朝鲜民主主义人民共和国国事访问",
        "习近平回到北京",
        "离开前出席金正恩举行的欢送仪式",
    )
    assert decks(["朝鲜", "举行建军80周年中央报告大会"]) == ("朝鲜", "举行建军80周年中央报告大会", None)
    assert decks(["2018人民日报社驻外记者感言", "亲历风云变幻 记录历史瞬间（寰宇·我们见证）"]) == (
        "2018人民日报社驻外记者感言",
        "亲历风云变幻 记录历史瞬间（寰宇·我们见证）",
        None,
    )
    assert (
        decks(["实施新战略路线，集中精力发展经济、改善民生", "朝鲜经济建设取得新成就"])[1]
        == "朝鲜经济建设取得新成就"
    )


def test_an_article_printed_twice_in_one_dump_is_kept_once_and_a_letter_signature_is_a_note() -> None:
    one = "胡锦涛致电祝贺金正恩\n时间：2012-04-12\n　　新华社北京４月１１日电 中共中央总书记胡锦涛发去贺电。\n\n"
    one += "　　衷心祝愿朝鲜劳动党取得新的成就。\n\n　　中国共产党中央委员会总书记\n\n　　胡锦涛\n\n"
    articles = parse_dump(one + one)
    assert len(articles) == 1
    (article,) = articles
    assert [p.text for p in article.paragraphs] == [
        "新华社北京４月１１日电中共中央总书记胡锦涛发去贺电。",
        "衷心祝愿朝鲜劳动党取得新的成就。",
    ]
    assert [(c.kind, c.text) for c in article.captions] == [
        ("note", "中国共产党中央委员会总书记"),
        ("note", "胡锦涛"),
    ]
    assert (article.byline, article.place) == (None, "北京")


def test_a_page_dump_is_not_a_multi_article_dump() -> None:
    page = "R金台潮声\n\n群山被薄雾 笼罩,中药材种植面 积逐年增加。\n\n本报记者 马跃峰\n"
    assert not is_dump(page)
    assert read_text(page, ".txt")[0] == "page"
