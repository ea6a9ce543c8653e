"""Markdown files and JSON records of crawled 人民日报 pages: decks, printed byline line, captions, one body."""

from __future__ import annotations

import json

from corpus.readers import read_text

BROKEN_TITLE = """---
title: "本报记者  吴  君《人民日报》（2026年08月20日第 06 版）"
date: 2026-08-20
section: "第06版"
author: "吴  君"
---

### 武汉打通数据壁垒，力推各环节开放互联

> 本报记者  吴  君《人民日报》（2026年08月20日第 06 版）

数据来源：交通运输部、中国物流与采购联合会　　制图：张芳曼

点赞背后，是一场由数字驱动的物流效率创新。

**数据赋能，供需双方精准对接**

从华中贸易服务区向南走，金控长贸国际冷链物流园里一派繁忙。
"""


def test_a_front_matter_title_that_is_the_byline_gives_way_to_the_printed_headline() -> None:
    _, [article] = read_text(BROKEN_TITLE, ".md")
    assert (article.title, article.kicker, article.byline, article.date, article.page) == (
        "武汉打通数据壁垒，力推各环节开放互联",
        None,
        "本报记者 吴君",
        "2026-08-20",
        "第06版",
    )
    assert [(p.heading, p.text) for p in article.paragraphs] == [
        (None, "点赞背后，是一场由数字驱动的物流效率创新。"),
        ("数据赋能，供需双方精准对接", "从华中贸易服务区向南走，金控长贸国际冷链物流园里一派繁忙。"),
    ]
    assert [(c.kind, c.text) for c in article.captions] == [
        ("note", "本报记者吴君《人民日报》（2026年08月20日第06版）"),
        ("credit", "数据来源：交通运输部、中国物流与采购联合会制图：张芳曼"),
    ]


def test_kicker_title_subtitle_and_a_caption_printed_twice() -> None:
    text = (
        "### 湖北秭归县乡村医生梅春雷——\n\n# 手绘“健康地图”  守护村民健康（点赞新时代）\n\n## 副题在这里\n\n"
        "> 本报记者  范昊天《人民日报》（2025年11月18日第 04 版）\n\n"
        "梅春雷在研究12张手绘地图。　　郑家裕摄（人民视觉）\n\n梅春雷在研究12张手绘地图。\n\n郑家裕摄（人民视觉）\n\n"
        "左侧是高耸的山岩，右边是陡峭的斜坡，51岁的梅春雷挎着药箱。\n"
    )
    _, [article] = read_text(text, ".md")
    assert (article.kicker, article.title, article.subtitle, article.byline) == (
        "湖北秭归县乡村医生梅春雷",
        "手绘“健康地图” 守护村民健康（点赞新时代）",
        "副题在这里",
        "本报记者 范昊天",
    )
    assert [p.text for p in article.paragraphs] == [
        "左侧是高耸的山岩，右边是陡峭的斜坡，51岁的梅春雷挎着药箱。"
    ]
    assert [(c.kind, c.text) for c in article.captions][1:] == [
        ("caption", "梅春雷在研究12张手绘地图。"),
        ("credit", "郑家裕摄（人民视觉）"),
    ]


def test_a_record_with_content_and_markdown_body_is_read_once_from_the_markdown() -> None:
    record = {
        "title": "数字光影重启风华（文化中国行·华夏博物之旅）",
        "content": "游客在龟兹博物馆内参观。卜登鹏摄\n游客在龟兹博物馆内参观。\n卜登鹏摄\n博物馆以数字技术手段，让历史活了起来。",
        "markdown_body": "### 龟兹博物馆——\n\n# 数字光影重启风华（文化中国行·华夏博物之旅）\n\n"
        "> 本报记者  贺  勇  阿尔达克《人民日报》（2026年02月22日第 06 版）\n\n"
        "游客在龟兹博物馆内参观。\u3000\u3000卜登鹏摄\n\n游客在龟兹博物馆内参观。\n\n卜登鹏摄\n\n"
        "博物馆以数字技术手段，让历史活了起来。",
        "summary": "游客在龟兹博物馆内参观。卜登鹏摄",
        "author": "贺  勇  阿尔达克",
        "plate": "假日生活",
        "url": "https://paper.people.com.cn/x.html",
        "date": "2026-02-22",
    }
    _, [article] = read_text(json.dumps([record], ensure_ascii=False), ".json")
    assert (article.kicker, article.byline, article.page, article.url) == (
        "龟兹博物馆",
        "本报记者 贺勇 阿尔达克",
        "第06版",
        "https://paper.people.com.cn/x.html",
    )
    assert [p.text for p in article.paragraphs] == ["博物馆以数字技术手段，让历史活了起来。"]
    assert [(c.kind, c.text) for c in article.captions] == [
        ("note", "本报记者贺勇阿尔达克《人民日报》（2026年02月22日第06版）"),
        ("caption", "游客在龟兹博物馆内参观。"),
        ("credit", "卜登鹏摄"),
    ]
