"""The conversation engine on a real store: cards, follow-ups, paging, article view, feedback, restarts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Engine, open_engine
from bot.render_text import render
from bot.reply import BlockKind
from bot.settings import Settings


@pytest.fixture()
def engine(fresh_db: Path) -> Engine:
    return open_engine(Settings(db_path=fresh_db))


def shows(reply, expected: str) -> bool:  # type: ignore[no-untyped-def]
    """The card gives ``expected``: as its bold answer, or inside its quote when the reader is not confident
    enough to say it in bold — and never a different bold answer."""
    answers = [b.text for b in reply.blocks if b.kind is BlockKind.ANSWER]
    quotes = [b.text for b in reply.blocks if b.kind is BlockKind.QUOTE]
    return answers in ([expected], []) and any(expected in q for q in quotes)


def kinds(reply) -> list[str]:  # type: ignore[no-untyped-def]
    return [b.kind.value for b in reply.blocks]


def test_question_gives_an_answer_card(engine: Engine) -> None:
    reply = engine.handle_text(1, "剑河中药材面积多少?")
    assert kinds(reply)[:3] == ["answer", "quote", "citation"]
    assert reply.blocks[0].text == "15.78万亩"
    quote = reply.blocks[1]
    assert quote.mark is not None
    assert quote.text[quote.mark[0] : quote.mark[1]] == "15.78万亩"
    assert reply.blocks[2].text.startswith("《激活乡村全面振兴“智力引擎”》 · 本报记者 马跃峰 · 第")
    labels = [b.label for row in reply.buttons for b in row]
    assert labels == ["更多结果", "查看原文", "👍", "👎"]
    assert all(len(b.data.encode()) <= 64 for row in reply.buttons for b in row)


def test_followup_resolves_against_previous_question(engine: Engine) -> None:
    engine.handle_text(7, "剑河中药材面积多少?")
    reply = engine.handle_text(7, "品种呢?")
    assert reply.blocks[0].text == "（理解为：剑河中药材品种多少?）"
    assert shows(reply, "31个")


def test_pronoun_followup_keeps_its_own_question_type(engine: Engine) -> None:
    engine.handle_text(9, "李妙洁原来在哪所学校工作")
    reply = engine.handle_text(9, "她什么时候来的")
    assert reply.blocks[0].text == "（理解为：李妙洁什么时候来的）"
    assert shows(reply, "2022年8月")


def test_she_after_a_who_question_is_the_person_answered(engine: Engine) -> None:
    first = engine.handle_text(11, "邊陽中學校長是誰")
    assert shows(first, "李妙洁")
    reply = engine.handle_text(11, "她之前在哪所学校")
    if first.blocks[0].kind is BlockKind.ANSWER:  # 她 is the person answered in bold
        assert reply.blocks[0].text == "（理解为：李妙洁之前在哪所学校）"
        assert shows(reply, "广州空港实验中学")
    else:  # no bold answer to point at: 她 stands for the previous question's subject
        assert reply.blocks[0].text.startswith("（理解为：") and "之前在哪所学校" in reply.blocks[0].text


@pytest.mark.xfail(
    strict=True, reason="learned reader: the 品种 part's 31个 is below the bar for a bold answer"
)
def test_two_part_question_shows_both_answers(engine: Engine) -> None:
    reply = engine.handle_text(10, "剑河县中药材种植面积和品种分别是多少")
    assert (shows(reply, "15.78万亩") and shows(reply, "31个")) or shows(reply, "15.78万亩；31个")


def test_two_part_question_and_a_followup_to_its_last_part(engine: Engine) -> None:
    reply = engine.handle_text(10, "剑河县中药材种植面积和品种分别是多少")
    assert shows(reply, "15.78万亩")
    followup = engine.handle_text(10, "那正安县呢?")
    assert followup.blocks[0].text == "（理解为：正安县中药材种植品种是多少）"


def test_new_full_question_starts_a_new_topic(engine: Engine) -> None:
    engine.handle_text(8, "剑河中药材面积多少?")
    reply = engine.handle_text(8, "罗甸县委书记是谁")
    assert reply.blocks[0].text == "梁玉林"


def test_more_results_pages(engine: Engine) -> None:
    first = engine.handle_text(2, "帮扶团队")
    more = next(b for row in first.buttons for b in row if b.label == "更多结果")
    page = engine.handle_button(2, more.data)
    assert page.edit is True
    assert page.blocks[0].text.startswith("更多结果（第1/")
    assert [b.kind for b in page.blocks[1:3]] == [BlockKind.QUOTE, BlockKind.CITATION]
    assert page.blocks[2].text.startswith("2. 《")


def test_article_view_marks_the_quoted_paragraph(engine: Engine) -> None:
    card = engine.handle_text(3, "剑河中药材面积多少?")
    view = next(b for row in card.buttons for b in row if b.label == "查看原文")
    article = engine.handle_button(3, view.data)
    assert article.blocks[0].text == "激活乡村全面振兴“智力引擎”"
    marked = [b for b in article.blocks if b.mark is not None]
    assert len(marked) == 1
    assert "15.78万亩" in marked[0].text


def test_next_and_prev_paragraph(engine: Engine) -> None:
    engine.handle_text(4, "剑河中药材面积多少?")
    after = engine.handle_command(4, "next")
    assert after.blocks[0].text.startswith("如今，光条村成了剑河县的钩藤主产区。")
    back = engine.handle_command(4, "prev")
    assert "15.78万亩" in back.blocks[0].text


def test_feedback_is_stored_with_question_passage_and_answer(engine: Engine) -> None:
    card = engine.handle_text(5, "剑河中药材面积多少?")
    up = next(b for row in card.buttons for b in row if b.label == "👍")
    reply = engine.handle_button(5, up.data)
    assert reply.toast == "谢谢，已记下 👍"
    row = engine.store.conn.execute("SELECT question, answer, vote, paragraph FROM feedback").fetchone()
    assert row[0] == "剑河中药材面积多少?"
    assert row[1] == "15.78万亩"
    assert row[2] == 1


def test_state_survives_a_restart(fresh_db: Path) -> None:
    first = open_engine(Settings(db_path=fresh_db))
    card = first.handle_text(6, "剑河中药材面积多少?")
    first.store.close()
    second = open_engine(Settings(db_path=fresh_db))
    assert shows(second.handle_text(6, "品种呢?"), "31个")
    view = next(b for row in card.buttons for b in row if b.label == "查看原文")
    assert second.handle_button(6, view.data).blocks[0].text == "激活乡村全面振兴“智力引擎”"


def test_abstains_with_suggestions(engine: Engine) -> None:
    reply = engine.handle_text(9, "上海的房价是多少")
    assert reply.blocks[0].text == "没有找到：这些文章里没有说到这个问题。"
    assert reply.buttons == []


def test_empty_long_and_stale_input_get_friendly_replies(engine: Engine) -> None:
    assert engine.handle_text(10, "   ").blocks[0].text.startswith("请直接输入问题，例如：")
    long = engine.handle_text(10, "问" * 5000)
    assert long.blocks[0].text.startswith("问题太长了（5000字）。")
    assert engine.handle_button(10, "x:garbage").blocks[0].text == "这个按钮已经过期了，请重新提问。"
    assert engine.handle_button(10, "m:999999:1").blocks[0].text == "还没有问题可以翻页：先提一个问题。"


def test_help_examples_come_from_the_corpus(engine: Engine) -> None:
    text = engine.help().blocks[0].text
    assert "剑河县中药材种植面积是多少？" in text
    assert "《激活乡村全面振兴“智力引擎”》是谁写的？" in text


def test_every_example_offered_gets_an_answer(engine: Engine) -> None:
    from bot.examples import example_questions

    offered = engine.examples()
    drafted = example_questions(engine.store, 12)
    assert set(offered) <= set(drafted) and offered
    assert all(engine.searcher.ask(q, k=1).answer is not None for q in offered)
    unanswered = [q for q in drafted if engine.searcher.ask(q, k=1).answer is None]
    assert not set(unanswered) & set(offered)


def test_terminal_rendering_plain(engine: Engine) -> None:
    reply = engine.handle_text(11, "杨城寨村党总支书记是谁")
    out = render(reply)
    assert shows(reply, "刘斐")
    assert (out.startswith("答：刘斐\n") and "【刘斐】" in out) or (out.startswith("│ ") and "刘斐" in out)


def test_greetings_thanks_and_english_get_a_reply_not_a_search(engine: Engine) -> None:
    assert engine.handle_text(1, "你好").blocks[0].text.startswith("你好！直接输入问题即可")
    assert engine.handle_text(1, "谢谢！").blocks[0].text.startswith("不客气！")
    english = engine.handle_text(1, "What is the planting area in Jianhe?").blocks[0].text
    assert "请用中文提问" in english and "please ask in Chinese" in english


def test_html_pasted_into_a_question_is_ignored(engine: Engine) -> None:
    reply = engine.handle_text(1, "<b>剑河</b>中药材面积多少&nbsp;?")
    assert reply.blocks[0].text == "15.78万亩"


def test_small_typos_are_corrected_and_said(engine: Engine) -> None:
    reply = engine.handle_text(1, "剑和县中药财种植面机?")
    assert shows(reply, "15.78万亩")


def test_words_no_passage_holds_are_corrected_by_one_character(engine: Engine) -> None:
    from index.typos import corrections

    freq = engine.searcher.segmenter.jieba.FREQ
    words = ["剑和县", "中药财", "面机", "种植", "汉江"]
    fixes = corrections(engine.store.conn, words, known=lambda w: freq.get(w, 0))
    assert fixes == {"剑和县": "剑河县", "中药财": "中药材", "面机": "面积"}


def test_a_dictionary_word_no_passage_holds_is_not_a_typo() -> None:
    import sqlite3

    from index.typos import corrections

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE ix_terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL)")
    conn.executemany("INSERT INTO ix_terms VALUES (?, ?)", [("汉语", 5), ("面积", 9)])
    freq = {"汉江": 1537, "汉语": 1611, "面积": 22455}
    assert corrections(conn, ["汉江", "面机"], known=lambda w: freq.get(w, 0)) == {"面机": "面积"}


def test_chat_button_numbers_with_nothing_to_press_say_so(engine: Engine) -> None:
    import io

    from bot.chat import run_chat

    out = io.StringIO()
    assert run_chat(engine, io.StringIO("/1\n剑河中药材面积多少?\n/9\n"), out) == 0
    text = out.getvalue()
    assert "问> /1\n还没有可以按的按钮：先提一个问题，回复下方会列出 /1、/2 …\n" in text
    assert "不认识的命令" not in text
    assert "没有 /9 这个按钮：上一条回复只有 /1 到 /" in text
    out = io.StringIO()
    assert run_chat(engine, io.StringIO("剑河中药材面积多少?\n你好\n/1\n"), out) == 0
    assert "问> /1\n上一条回复没有按钮：换个问法再问，回复下方会列出 /1、/2 …\n" in out.getvalue()


def test_a_new_terminal_chat_starts_a_new_conversation(engine: Engine) -> None:
    """A follow-up in a new `newsqa chat` session is not read against the last session's question (try-out:
    /more listed yesterday's question, and 那路灯呢 became 雄安将具备年产多少路灯)."""
    import io

    from bot.chat import run_chat

    assert run_chat(engine, io.StringIO("剑河中药材面积多少?\n"), io.StringIO()) == 0
    out = io.StringIO()
    assert run_chat(engine, io.StringIO("/more\n品种呢?\n"), out) == 0
    text = out.getvalue()
    assert "剑河中药材面积" not in text
    assert "还没有问题可以翻页" in text
