"""index.reader.multi: a question asking two things is answered as two, both answers marked."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cards
from bot.render_text import render
from corpus.store import Store
from index.reader.multi import split_question
from index.search import Searcher
from index.tokenize import Segmenter
from tests.conftest import best_answer


@pytest.fixture(scope="module")
def cut() -> Segmenter:
    return Segmenter(["剑河县"])


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "剑河县中药材种植面积和品种分别是多少",
            ("剑河县中药材种植面积是多少", "剑河县中药材种植品种是多少"),
        ),
        ("陈蓉和刘斐分别担任什么职务", ("陈蓉担任什么职务", "刘斐担任什么职务")),
        ("科技特派团哪年来到剑河县，由多少人组成", ("科技特派团哪年来到剑河县", "科技特派团由多少人组成")),
        ("褚靖是谁，他在正安县担任什么职务", ("褚靖是谁", "褚靖在正安县担任什么职务")),
        ("陈蓉哪一年担任什么职务", ("陈蓉哪一年担任职务", "陈蓉担任什么职务")),
    ],
)
def test_two_part_questions_are_split(cut: Segmenter, question: str, parts: tuple[str, str]) -> None:
    assert split_question(question, cut.words) == parts


@pytest.mark.parametrize(
    "question",
    [
        "科技特派团是哪年几月来到剑河县的",
        "剑河中药材面积多少?",
        "李妙洁之前在哪所学校任职",
        "哪个国家的什么城市",
        "",
    ],
)
def test_one_thing_asked_is_not_split(cut: Segmenter, question: str) -> None:
    assert split_question(question, cut.words) is None


def test_both_parts_are_asked_and_answered_in_one_quote(searcher: Searcher) -> None:
    result = searcher.ask("剑河县中药材种植面积和品种分别是多少", k=3)
    assert [p.question for p in result.parts] == ["剑河县中药材种植面积是多少", "剑河县中药材种植品种是多少"]
    assert "15.78万亩" in result.hits[0].quote and "31个" in result.hits[0].quote
    assert best_answer(searcher, "剑河县中药材种植面积是多少") == "15.78万亩"
    # shown in bold only as far as the reader is confident of each part, and then marked in the quote
    shown = [p.answer for p in result.parts]
    assert all(a in (want, None) for a, want in zip(shown, ["15.78万亩", "31个"], strict=True))
    top = result.hits[0]
    assert [top.passage.text[s:e] for s, e in top.answer_spans] == [a for a in shown if a]
    data = result.to_json()  # DESIGN.md's object, unchanged: the answers in `answer`, the first one's span
    assert data["answer"] == ("；".join(a for a in shown if a) or None)
    rendered = render(cards.answer_card(result, 1), with_buttons=False)
    assert all(f"【{a}】" in rendered for a in shown if a)


def test_the_second_part_is_read_on_its_own(searcher: Searcher) -> None:
    assert best_answer(searcher, "剑河县中药材种植品种是多少") == "31个"


def test_parts_and_marks_survive_the_query_cache(fresh_db: Path) -> None:
    store = Store.open(fresh_db)
    try:
        cached = Searcher(store)
        first = cached.ask("剑河县中药材种植面积和品种分别是多少", k=3)
        again = cached.ask("剑河县中药材种植面积和品种分别是多少", k=3)
        assert (first.cache_hit, again.cache_hit) == (False, True)
        assert again.parts == first.parts and again.answer == first.answer
        assert again.hits[0].answer_spans == first.hits[0].answer_spans
        assert again.hits[0].quote == first.hits[0].quote
    finally:
        store.close()


def test_a_one_part_question_has_no_parts(searcher: Searcher) -> None:
    result = searcher.ask("剑河中药材面积多少?")
    assert result.parts == []
    assert result.hits[0].answer_spans == [result.hits[0].answer_span]
