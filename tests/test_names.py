"""index.reader.names via index.reader.spans: names jieba's tags cut short come back whole."""

from __future__ import annotations

import pytest

from index.reader.question import QuestionType
from index.reader.spans import candidates


def _longest(qtype: QuestionType, text: str) -> str:
    return max((text[c.start : c.end] for c in candidates(qtype, text)), key=len)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("从1614年开始，从加藤清正这里接受了设计指导。", "加藤清正"),  # surname + rare given name
        ("据格里斯墨尔（Grismer）的研究报告，", "格里斯墨尔"),  # the words before a romanisation
    ],
)
def test_person_names_come_back_whole(text: str, name: str) -> None:
    assert _longest(QuestionType.PERSON, text) == name


def test_a_common_word_after_a_name_is_not_a_given_name() -> None:
    names = {t[c.start : c.end] for t in ["张三同学说。"] for c in candidates(QuestionType.PERSON, t)}
    assert "张三同学" not in names


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("相武台下车站位于日本神奈川县相模原市新户，是JR东日本相模线的车站。", "日本神奈川县相模原市新户"),
        ("选美活动在2008年7月19日于香港湾仔香港会议展览中心举行。", "香港湾仔香港会议展览中心"),
        ("他在北京工作。", "北京"),  # a verb ends the place
    ],
)
def test_a_place_runs_on_over_the_words_after_it(text: str, place: str) -> None:
    assert _longest(QuestionType.PLACE, text) == place
