"""`newsqa eval` counts what a user sees: abstentions as misses, answers shown, right and wrong."""

from __future__ import annotations

from bot.evaluate import Report, answer_right, evaluate_questions, score_one
from corpus.store import ArticleInfo, Passage
from index.reader.question import QuestionType
from index.result import Hit, Result

ARTICLE = ArticleInfo(
    1, "a1", "题目", False, None, None, "本报记者 马跃峰", None, None, None, None, "x.txt", 1
)


def result(
    answer: str | None, abstained: bool = False, text: str = "剑河县中药材种植面积达到15.78万亩。"
) -> Result:
    passage = Passage(1, ARTICLE, "body", 1, None, text, ())
    return Result("q", answer, abstained, 1.0, [Hit(1, 3.0, passage, (0, len(text)))], QuestionType.QUANTITY)


def test_a_short_answer_is_right_when_it_holds_an_accepted_string() -> None:
    assert answer_right("15.78万亩", ["15.78万亩"])
    assert answer_right("达到15.78万亩", ["15.78万亩"])
    assert not answer_right("31个", ["15.78万亩"])
    assert not answer_right("剑河县中药材种植面积达到了整整15.78万亩", ["15.78万亩"])  # over 20 characters
    assert not answer_right(None, ["15.78万亩"])


def test_scores_count_abstentions_as_misses_and_wrong_answers_shown() -> None:
    report = Report()
    score_one(report, "quantity", result("15.78万亩"), 1, True, ["15.78万亩"], True)  # right
    score_one(report, "quantity", result("31个"), 1, True, ["15.78万亩"], True)  # wrong answer shown
    score_one(report, "quantity", result(None, abstained=True), None, True, ["15.78万亩"], False)  # 没有找到
    score_one(report, "quantity", result(None), 1, True, ["15.78万亩"], True)  # quote, no answer line
    score_one(report, "none", result("2.8亿元"), None, False, [], False)  # unanswerable, answered
    f = report.overall.figures()
    assert f["hit@1"] == 0.75  # 3 of the 4 answerable questions found the passage; the abstention did not
    assert f["false_abstention"] == 0.25
    assert f["coverage"] == 0.5  # answers shown on 2 of the 4 questions that have accepted answers
    assert f["precision"] == round(1 / 3, 4)  # 3 answers shown, 1 right
    assert f["wrong_shown"] == 0.4  # 2 wrong answers among 5 questions
    assert f["answer_accuracy"] == 0.25
    assert f["unanswerable_answered"] == 1


def test_question_file_rank_is_none_when_the_result_abstained() -> None:
    lines = [
        '{"id": "x1", "q": "剑河中药材面积?", "gold": "15.78万亩", "answer": ["15.78万亩"], "kind": "quantity"}'
    ]
    report = evaluate_questions(lambda q: result(None, abstained=True), lines)
    assert report.overall.figures()["hit@1"] == 0.0
    assert report.misses[0]["gold_rank"] is None
