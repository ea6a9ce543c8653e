"""A question naming a year ranks the report about that year above an equally good one dated another year."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from index.search import Searcher, demote_off_year
from tests.conftest import searcher_over

OLD = """---
title: "朝鲜庆祝65周年国庆"
date: 2013-09-10
---

# 朝鲜庆祝65周年国庆

朝鲜最高领导人出席阅兵式和群众游行，朝鲜内阁总理朴凤柱在活动上致辞。
"""

NEW = """---
title: "朝鲜最高人民会议开幕"
date: 2019-04-12
---

# 朝鲜最高人民会议开幕

会议选举产生新一届国家机构领导人，金才龙当选内阁总理，并向会议提交了内阁成员名单。
"""


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Searcher]:
    with searcher_over(tmp_path_factory.mktemp("years"), {"old.md": OLD, "new.md": NEW}) as found:
        yield found


def test_the_report_of_the_year_asked_comes_first(searcher: Searcher) -> None:
    without_year, _ = searcher.retrieve("朝鲜内阁总理是谁")
    assert without_year.hits[0].passage.article.title == "朝鲜庆祝65周年国庆"  # BM25's favourite: shorter
    with_year, _ = searcher.retrieve("2019年朝鲜内阁总理是谁")
    assert with_year.hits[0].passage.article.title == "朝鲜最高人民会议开幕"
    assert with_year.hits[1].passage.article.title == "朝鲜庆祝65周年国庆"  # demoted, not dropped
    of_2013, _ = searcher.retrieve("2013年朝鲜内阁总理是谁")
    assert of_2013.hits[0].passage.article.title == "朝鲜庆祝65周年国庆"


def test_only_a_question_naming_a_year_is_reordered(searcher: Searcher) -> None:
    ranked = [(1, 10.0), (2, 9.0)]
    assert demote_off_year("朝鲜内阁总理是谁", ranked, {}) == ranked  # passages not even looked at


def test_notes_and_captions_rank_below_reporting_that_scores_nearly_as_well() -> None:
    from corpus.store_read import ArticleInfo, Passage
    from index.search import demote_furniture

    info = ArticleInfo(
        1,
        "a1",
        "上海高院发布2024年度行政审判白皮书",
        False,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "x.md",
        3,
    )
    passages = {
        1: Passage(1, info, "note", 1, None, "《人民日报》（2025年11月18日第10版）", ()),
        2: Passage(2, info, "caption", 1, None, "白皮书发布会现场。", ()),
        3: Passage(3, info, "body", 2, None, "2024年，上海法院共受理一审行政案件8406件。", ()),
    }
    assert demote_furniture([(1, 10.0), (2, 10.0), (3, 9.5)], passages) == [(3, 9.5), (2, 9.0), (1, 5.0)]
    assert demote_furniture([(2, 10.0), (3, 8.0)], passages) == [
        (2, 9.0),
        (3, 8.0),
    ]  # a caption far ahead stays
