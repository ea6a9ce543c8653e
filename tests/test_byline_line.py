"""Who wrote it: the answer is quoted in the credit line the page prints, a passage of the article."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from index.search import Searcher
from tests.conftest import searcher_over

ARTICLE = """---
title: "云端下的守线人（追梦路上）"
date: 2025-01-02
author: "王崟欣"
---

# 云端下的守线人（追梦路上）

> 本报记者  王崟欣《人民日报》（2025年01月02日第 07 版）

隧道顶面离地百米，坡面近乎与地面垂直。因此，他们被称作云端下的守线人。

王俊是中国铁路南昌局集团有限公司永安工务段的工长。
"""


PHOTO_REPORT = """---
title: "忙碌的安置点楼长"
date: 2026-08-20
---

# 忙碌的安置点楼长

8月18日，马赛在安置点的宿舍楼走访群众。

新华社记者李嘉南摄影报道

马赛负责一栋宿舍楼334名群众的日常生活，每天从早忙到晚。
"""

OTHER = """# 嘉陵江流域综合规划获批

本报北京1月2日电（记者王浩）近日，《嘉陵江流域综合规划》获水利部批复。

嘉陵江位于长江上游左岸，流域面积15.98万平方公里。

该规划由长江水利委员会会同陕西、甘肃、四川、重庆等省市编制。
"""


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    with searcher_over(
        tmp_path_factory.mktemp("credit"), {"守线人.md": ARTICLE, "other.md": OTHER, "photo.md": PHOTO_REPORT}
    ) as found:
        yield found


def test_the_byline_answer_is_marked_in_the_printed_credit_line(searcher: Searcher) -> None:
    result = searcher.ask("云端下的守线人 谁写的")
    assert result.answer == "王崟欣"
    top = result.hits[0]
    assert top.passage.kind == "note"
    assert top.passage.id > 0  # a stored passage of the article, not a line made up from its header
    assert "《人民日报》" in top.passage.text
    assert top.answer_span is not None
    assert top.passage.text[top.answer_span[0] : top.answer_span[1]] == "王崟欣"
    assert [h.rank for h in result.hits] == list(range(1, len(result.hits) + 1))


def test_who_wrote_a_report_named_by_its_topic_not_its_title(searcher: Searcher) -> None:
    result = searcher.ask("嘉陵江规划那篇报道的作者是谁")  # 那篇, 报道, 作者 frame it: the topic matches
    assert (result.answer, result.abstained) == ("王浩", False)


def test_a_photo_report_without_a_byline_is_signed_by_its_photographer(searcher: Searcher) -> None:
    result = searcher.ask("《忙碌的安置点楼长》是谁写的")
    assert (result.answer, result.answer_from) == ("李嘉南", "credit")
    top = result.hits[0]
    assert top.passage.text == "新华社记者李嘉南摄影报道"
    assert top.answer_span is not None
    assert top.passage.text[top.answer_span[0] : top.answer_span[1]] == "李嘉南"


LAMP = """---
title: "闭合是鼎 开启为灯"
date: 2025-05-20
author: "黎李"
---

# 闭合是鼎 开启为灯

1974年出土的鼎形铜行灯，现藏于甘肃省博物馆。

（作者为甘肃省博物馆副研究馆员）
"""

MEASURES = """---
title: "广州出台养老金融措施"
date: 2025-05-20
author: "本报记者 窦瀚洋"
---

# 广州出台养老金融措施

14日，广州市委金融办发布《广州市关于促进养老金融高质量发展若干措施》，共20条。
"""


@pytest.fixture(scope="module")
def more(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    with searcher_over(
        tmp_path_factory.mktemp("fields"), {"lamp.md": LAMP, "measures.md": MEASURES}
    ) as found:
        yield found


def test_the_authors_post_is_not_answered_by_the_authors_name(more: Searcher) -> None:
    assert more.ask("闭合是鼎开启为灯的作者是谁").answer == "黎李"
    assert more.ask("闭合是鼎开启为灯的作者是什么职务").answer != "黎李"


def test_when_the_news_happened_is_not_the_papers_date(more: Searcher) -> None:
    event = more.ask("广州养老金融措施是哪天发布的")
    assert event.answer != "2025-05-20"
    printed = more.ask("广州养老金融措施那篇报道哪天登的")
    assert (printed.answer, printed.answer_from) == ("2025-05-20", "date")


def test_the_article_view_lists_notes_apart_from_pictures(searcher: Searcher) -> None:
    from bot.cards import article_card
    from bot.render_text import render

    def shown(title: str) -> list[str]:
        uid = next(a.uid for a in searcher.store.articles() if a.title == title)
        found = searcher.store.article(uid)
        assert found is not None
        return render(article_card(*found, marked=None, page=None, edit=False)).splitlines()

    lines = shown("云端下的守线人（追梦路上）")
    assert "附注：本报记者王崟欣《人民日报》（2025年01月02日第07版）" in lines
    assert not any(line.startswith("图片：") for line in lines)  # the credit line is no picture
    assert "图片：8月18日，马赛在安置点的宿舍楼走访群众；新华社记者李嘉南摄影报道" in shown(
        "忙碌的安置点楼长"
    )
