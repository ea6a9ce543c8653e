"""index.rerank and index.search: the second-stage rerank and abstention on the real answer path."""

from __future__ import annotations

from index.rerank import DEPTH, SENTENCE_WEIGHT, Query, rerank, sentence_coverage
from index.search import Searcher

QUERY = Query({"李妙洁": 2.0, "学校": 1.0, "任职": 1.0})


def test_sentence_coverage_is_the_best_sentence_or_adjacent_pair() -> None:
    text = "李妙洁来到边阳中学。她在学校任职。后来回到广州。"
    assert sentence_coverage(QUERY, text) == 1.0
    assert sentence_coverage(QUERY, "李妙洁来到边阳中学。天气很好。她在学校任职。") == 0.5
    assert sentence_coverage(QUERY, "") == 0.0


def test_rerank_prefers_the_candidate_whose_sentence_covers_the_question() -> None:
    texts = {1: "李妙洁说。学校很大。天气很好。任职期满。", 2: "李妙洁在那所学校任职多年。"}
    ranked = rerank(QUERY, [(1, 10.0), (2, 9.0)], texts)
    assert [pid for pid, _ in ranked] == [2, 1]
    assert ranked[0][1] == 9.0 + SENTENCE_WEIGHT * 10.0
    assert ranked[1][1] == 10.0 + SENTENCE_WEIGHT * 10.0 * 0.75


def test_rerank_keeps_candidates_beyond_its_depth_in_bm25_order() -> None:
    ranked = [(i, 100.0 - i) for i in range(DEPTH + 2)]
    out = rerank(QUERY, ranked, {DEPTH - 1: "李妙洁在学校任职。"})
    assert out[0] == (DEPTH - 1, 100.0 - (DEPTH - 1) + SENTENCE_WEIGHT * 100.0)
    assert out[-2:] == [(DEPTH, 100.0 - DEPTH), (DEPTH + 1, 100.0 - DEPTH - 1)]
    assert rerank(Query({}), ranked[:2], {}) == ranked[:2]


def test_answers_from_the_seed_page(searcher: Searcher) -> None:
    result = searcher.ask("剑河中药材面积?", k=3)
    assert result.abstained is False
    assert result.answer == "15.78万亩"


def test_abstains_on_weather_stock_and_english_questions(searcher: Searcher) -> None:
    for question in (
        "明天北京天气怎么样",
        "苹果公司股价是多少",
        "What is the weather in London?",
        "Tell me a joke",
    ):
        assert searcher.ask(question).abstained is True, question


def test_quote_widens_to_hold_the_answer() -> None:
    from index.search import quote_around

    text = "甲地去年产粮。乙地种植面积达到3万亩。丙地没有说。"
    assert quote_around(text, (0, 7), (15, 18)) == (0, 19)  # the next sentence joins the quote
    assert quote_around(text, (19, 25), (15, 18)) == (7, 25)
    assert quote_around(text, (7, 19), (15, 18)) == (7, 19)  # already inside
    far = "一。二二。三三三。面积3万亩。"
    assert quote_around(far, (0, 2), (11, 14)) is None  # far from the evidence: not trusted


def test_an_open_searcher_answers_from_articles_ingested_by_another_connection(fresh_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json as _json

    from bot.library import build
    from corpus.store import Store
    from index.search import Searcher

    serving = Searcher(Store.open(fresh_db))
    assert serving.ask("黔江县茶园面积").abstained is True
    article = {
        "title": "黔江县茶叶丰收",
        "author": "本报记者 王小明",
        "text": "黔江县茶园面积达到3.6万亩，今年春茶产量创新高。",
    }
    (tmp_path / "new.json").write_text(_json.dumps(article, ensure_ascii=False), encoding="utf-8")
    writer_store = Store.open(fresh_db)
    build(writer_store, Searcher(writer_store, use_cache=False), [tmp_path / "new.json"])
    result = serving.ask(
        "黔江县茶园面积"
    )  # same process object, no reopen: the new index version is picked up
    assert result.abstained is False
    assert result.answer == "3.6万亩"
    assert result.hits[0].passage.article.title == "黔江县茶叶丰收"
